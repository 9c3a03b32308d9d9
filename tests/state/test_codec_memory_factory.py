"""The shared codec's upgrade chain, the in-memory fake, and the backend factory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storegate.engine.errors import SerialConflict, StateError, StateLocked
from storegate.engine.model import LocalState
from storegate.state.base import STATE_VERSION, StateDocument
from storegate.state.codec import MalformedState, decode, encode
from storegate.state.factory import open_backend
from storegate.state.local import LocalStateBackend
from storegate.state.memory import MemoryStateBackend
from tests.state.helpers import document_with, resource


def test_older_versions_run_through_each_upgrade_in_turn() -> None:
    old = {"version": STATE_VERSION - 2, "lineage": "l-1", "serial": 4, "items": []}
    seen: list[int] = []

    def rename_items(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(data["version"])
        return {**data, "entries": data.pop("items")}

    def index_entries(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(data["version"])
        r = resource("jane.doe@acme.example")
        return {**data, "resources": {r.address: r.to_json()}}

    upgrades = {STATE_VERSION - 2: rename_items, STATE_VERSION - 1: index_entries}
    document = decode(json.dumps(old), "state.json", upgrades)
    assert seen == [STATE_VERSION - 2, STATE_VERSION - 1]
    assert document.version == STATE_VERSION
    assert document.serial == 4
    assert list(document.resources) == ['salesforce.contact["jane.doe@acme.example"]']


def test_an_older_version_without_an_upgrade_is_a_clear_error() -> None:
    with pytest.raises(StateError, match="state version 0 is not one storegate can upgrade from"):
        decode('{"version": 0, "lineage": "l", "serial": 0, "resources": {}}', "state.json")


def test_encode_then_decode_is_identity() -> None:
    document = document_with("a@acme.example", "b@acme.example")
    document.resources['salesforce.contact["a@acme.example"]'].attributes["invited"] = True
    assert decode(encode(document), "state.json") == document


def test_decoded_resources_share_their_attribute_names_and_a_persons_key() -> None:
    document = document_with("a@acme.example", "b@acme.example")
    for resource_state in document.resources.values():
        resource_state.attributes["target"] = f"t:{resource_state.key}"
    decoded = decode(encode(document), "state.json")
    assert decoded == document
    names = [n for r in decoded.resources.values() for n in r.attributes if n == "target"]
    assert len(names) == len(decoded.resources) and len({id(n) for n in names}) == 1


@pytest.mark.parametrize(
    ("malformed", "named"),
    [({"attributes": ["target"]}, "attributes"), ({"key": 7}, "a key that is not a string")],
)
def test_a_malformed_resource_is_named(malformed: dict[str, Any], named: str) -> None:
    address = 'salesforce.contact["a@acme.example"]'
    raw = {
        "address": address,
        "system": "salesforce",
        "kind": "contact",
        "key": "a@acme.example",
        "id": None,
        "attributes": {},
        **malformed,
    }
    text = json.dumps(
        {"version": STATE_VERSION, "lineage": "l", "serial": 1, "resources": {address: raw}}
    )
    with pytest.raises(MalformedState, match=rf"resource salesforce\.contact.*{named}"):
        decode(text, "state.json")


def test_memory_backend_compares_and_swaps_and_records_writes() -> None:
    backend = MemoryStateBackend()
    document = backend.read()
    written = backend.write(document, 0)
    assert written.serial == 1
    with pytest.raises(SerialConflict, match="serial is 1 but this run read serial 0"):
        backend.write(document, 0)
    backend.write(written, 1)
    assert [w.serial for w in backend.writes] == [1, 2]


def test_memory_backend_is_not_changed_through_a_document_it_returned() -> None:
    backend = MemoryStateBackend(document_with("a@acme.example"))
    read = backend.read()
    read.resources.clear()
    assert list(backend.read().resources) == ['salesforce.contact["a@acme.example"]']


def test_memory_backend_lock_is_exclusive_and_checks_the_id() -> None:
    backend = MemoryStateBackend()
    info = backend.lock("apply", 0)
    with pytest.raises(StateLocked, match=f"storegate state unlock {info.id}"):
        backend.lock("apply", 5)
    with pytest.raises(StateError, match="does not match"):
        backend.unlock("other")
    backend.unlock(info.id)
    assert backend.lock("apply", 0).id != info.id


def test_factory_resolves_the_path_against_the_repo_root(tmp_path: Path) -> None:
    backend = open_backend(LocalState(path="state/prod.json"), tmp_path)
    assert isinstance(backend, LocalStateBackend)
    assert backend.path == tmp_path / "state" / "prod.json"
    backend.write(StateDocument(), 0)
    assert (tmp_path / "state" / "prod.json").exists()


def test_factory_keeps_an_absolute_path(tmp_path: Path) -> None:
    elsewhere = tmp_path / "shared" / "state.json"
    backend = open_backend(LocalState(path=str(elsewhere)), tmp_path / "repo")
    assert isinstance(backend, LocalStateBackend)
    assert backend.path == elsewhere


def test_a_local_state_never_loads_the_database_driver(tmp_path: Path) -> None:
    """psycopg is ~10 MB of a plan's memory: loaded for a PostgreSQL state only."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "import storegate.engine.cli\n"
        "from storegate.engine.model import LocalState, PostgresState\n"
        "from storegate.state.factory import open_backend\n"
        "open_backend(LocalState(path='state.json'), Path(sys.argv[1])).read()\n"
        "assert 'psycopg' not in sys.modules, 'loaded for a local state'\n"
        "open_backend(PostgresState(type='postgres', dsn='env:PG_DSN'), Path(sys.argv[1]))\n"
        "assert 'psycopg' in sys.modules\n"
    )
    env = {**os.environ, "PG_DSN": "postgresql://u@127.0.0.1:1/db"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

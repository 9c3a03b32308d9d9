"""`storegate state history` and `storegate state migrate`, run as users run them: the installed
command in a subprocess, against a local state file and the test PostgreSQL server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from storegate.state.base import HistoryEntry
from storegate.state.local import LocalStateBackend
from storegate.state.postgres import ConnectionSettings, PostgresStateBackend
from tests.state.helpers import document_with

STOREGATE = str(Path(sys.executable).with_name("storegate"))

SYSTEMS = """\
version: 1
repo: {identity}
systems:
  salesforce:
    instance_url: env:SF_INSTANCE_URL
    auth:
      type: session
      session_id: env:SF_SESSION_ID
"""
LOCAL = SYSTEMS + "state:\n  type: local\n  path: state/prod.json\n"
POSTGRES = SYSTEMS + "state:\n  type: postgres\n  dsn: env:STATE_DSN\n"

JANE = 'salesforce.contact["jane.doe@acme.example"]'
BOB = 'salesforce.contact["bob@acme.example"]'
COMMIT = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def storegate(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STOREGATE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def applied(apply_id: str, address: str, at: str, **fields: object) -> HistoryEntry:
    values: dict[str, object] = {
        "apply_id": apply_id,
        "address": address,
        "action": "update",
        "result": "ok",
        "before": {"purchase_on_account": False},
        "after": {"purchase_on_account": True},
        "plan_checksum": "sha256:feed",
        "commit": COMMIT,
        "author": "jane@acme.example",
        "at": at,
    }
    values.update(fields)
    return HistoryEntry(**values)  # type: ignore[arg-type]


ENTRIES = [
    applied("11111111-aaaa", JANE, "2026-03-01T09:00:00Z", action="create", before={}),
    applied("22222222-bbbb", BOB, "2026-04-01T09:00:00Z", action="revoke"),
    HistoryEntry.for_receipt(
        "22222222-bbbb",
        {"ok": True, "contacts": ["bob@acme.example"], "checks": [{"result": "pass"}]},
        verified=True,
        commit=COMMIT,
        author="jane@acme.example",
        at="2026-04-01T09:00:05Z",
    ),
]


@pytest.fixture
def identity() -> str:
    """The access repo's identity: each test's own, so they share one database."""
    return f"github.com/acme/store-access-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def repo(tmp_path: Path, identity: str) -> Path:
    (tmp_path / "storegate.yaml").write_text(LOCAL.format(identity=identity))
    backend = LocalStateBackend(tmp_path / "state" / "prod.json")
    first = backend.write(document_with("jane.doe@acme.example"), 0, ENTRIES[:1])
    second = document_with("jane.doe@acme.example", "bob@acme.example")
    second.lineage = first.lineage
    backend.write(second, first.serial, ENTRIES[1:])
    return tmp_path


# ---------------------------------------------------------------- history


def test_history_prints_every_change_with_commit_and_author(repo: Path) -> None:
    result = storegate("state", "history", cwd=repo)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"2026-03-01T09:00:00Z  create {JANE}  ok  "
        f"({COMMIT[:12]} by jane@acme.example, apply 11111111)"
    )
    assert lines[1] == "    purchase_on_account: (unset) -> true"
    assert lines[2].startswith(f"2026-04-01T09:00:00Z  revoke {BOB}  ok  ")
    assert lines[3] == "    purchase_on_account: false -> true"
    assert lines[4].startswith("2026-04-01T09:00:05Z  receipt  ok  ")
    assert lines[5:] == ["    revoked: bob@acme.example", "    checks: 1 re-read, 0 failed"]


def test_history_of_one_address_brings_its_receipt(repo: Path) -> None:
    result = storegate(
        "state",
        "history",
        BOB.upper().replace("SALESFORCE.CONTACT", "salesforce.contact"),
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    headlines = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert len(headlines) == 2
    assert f"revoke {BOB}" in headlines[0] and "receipt" in headlines[1]


def test_history_since_and_json(repo: Path) -> None:
    result = storegate("state", "history", "--since", "2026-03-15", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["history_version"] == 1
    assert body["entries"] == [e.to_json() for e in ENTRIES[1:]]


def test_history_with_nothing_to_show_says_so_on_stderr(repo: Path) -> None:
    result = storegate("state", "history", "--since", "2030-01-01", cwd=repo)
    assert (result.returncode, result.stdout) == (0, "")
    assert "has no history yet" in result.stderr


def test_history_refuses_a_since_that_is_not_a_time(repo: Path) -> None:
    result = storegate("state", "history", "--since", "last tuesday", cwd=repo)
    assert result.returncode == 2
    assert "not an ISO 8601 time" in result.stderr


# ---------------------------------------------------------------- migrate


def test_migrate_to_postgres_and_back_keeps_state_and_history(
    repo: Path, shared_postgres_dsn: str, identity: str
) -> None:
    env = {"STATE_DSN": shared_postgres_dsn}
    before = storegate("state", "history", "--format", "json", cwd=repo).stdout
    moved = storegate(
        "state", "migrate", "--to", "postgres", "--dsn", "env:STATE_DSN", cwd=repo, env=env
    )
    assert moved.returncode == 0, moved.stderr
    password = shared_postgres_dsn.split(":")[2].split("@")[0]
    assert password not in moved.stdout + moved.stderr
    assert "serial 2, 2 resources) and 3 history entries" in moved.stdout
    assert '"dsn": "env:STATE_DSN"' in moved.stdout

    (repo / "storegate.yaml").write_text(POSTGRES.format(identity=identity))
    assert storegate("state", "history", "--format", "json", cwd=repo, env=env).stdout == before
    listed = storegate("state", "list", cwd=repo, env=env)
    assert listed.stdout.splitlines() == [BOB, JANE]
    with psycopg.connect(shared_postgres_dsn) as conn:
        row = conn.execute(
            "SELECT serial FROM storegate.states WHERE repo = %s", (identity,)
        ).fetchone()
    assert row == (2,)

    back = storegate(
        "state", "migrate", "--to", "local", "--path", "state/back.json", cwd=repo, env=env
    )
    assert back.returncode == 0, back.stderr
    copy = LocalStateBackend(repo / "state" / "back.json")
    original = LocalStateBackend(repo / "state" / "prod.json")
    assert (copy.read().lineage, copy.read().serial) == (original.read().lineage, 2)
    assert copy.history() == original.history() == ENTRIES


def test_migrate_refuses_a_target_holding_another_lineage(
    repo: Path, shared_postgres_dsn: str, identity: str
) -> None:
    theirs = PostgresStateBackend(ConnectionSettings(shared_postgres_dsn), repo=identity)
    stored = theirs.write(document_with("someone@else.example"), 0)
    theirs.close()
    result = storegate(
        "state",
        "migrate",
        "--to",
        "postgres",
        "--dsn",
        "env:STATE_DSN",
        cwd=repo,
        env={"STATE_DSN": shared_postgres_dsn},
    )
    assert result.returncode == 1
    assert f"already holds another state (lineage {stored.lineage}" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_takes_the_dsn_only_as_an_env_reference(repo: Path) -> None:
    result = storegate(
        "state",
        "migrate",
        "--to",
        "postgres",
        "--dsn",
        "postgresql://app:pa55word@db/state",
        cwd=repo,
    )
    assert result.returncode == 2
    assert "env:NAME" in result.stderr
    assert "pa55word" not in result.stdout + result.stderr


def test_a_wrong_password_is_never_printed(
    repo: Path, shared_postgres_dsn: str, identity: str
) -> None:
    (repo / "storegate.yaml").write_text(POSTGRES.format(identity=identity))
    password = shared_postgres_dsn.split(":")[2].split("@")[0]
    wrong = shared_postgres_dsn.replace(password, "wrong-" + password)
    result = storegate("state", "list", cwd=repo, env={"STATE_DSN": wrong})
    assert result.returncode == 1
    assert "password authentication failed" in result.stderr
    assert password not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr

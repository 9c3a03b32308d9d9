"""The local backend's journal: a write appends only what its document touched, the state reads
back whole from the state file plus the journal, a torn line is the previous state, and the state
file is rewritten (with its backup) when the journal would outgrow it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storegate.engine.errors import SerialConflict, StateError
from storegate.state.base import ResourceState, StateDocument
from storegate.state.local import LocalStateBackend
from tests.state.helpers import resource


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / ".storegate" / "state.json"


def _many(count: int) -> StateDocument:
    document = StateDocument(repo="github.com/acme/store-access")
    for n in range(count):
        r = resource(f"buyer{n}@acme.example", f"003{n:015d}")
        document.resources[r.address] = r
    return document


def _journaling(state_file: Path) -> LocalStateBackend:
    return LocalStateBackend(state_file, journal_from_bytes=0)


def _identity(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_ino, status.st_mtime_ns


def test_a_small_change_is_appended_to_the_journal_not_rewritten(state_file: Path) -> None:
    backend = _journaling(state_file)
    state = backend.write(_many(200), 0)
    before = _identity(state_file)
    jane = resource("jane.doe@acme.example", "003000000000999")
    state.resources[jane.address] = jane
    state.resources.pop(next(a for a in state.resources if "buyer7@" in a))
    state = backend.write(state, state.serial)
    assert _identity(state_file) == before
    lines = backend.journal_path.read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert (record["serial"], list(record["put"]), record["drop"]) == (
        2,
        [jane.address],
        ['salesforce.contact["buyer7@acme.example"]'],
    )
    again = LocalStateBackend(state_file).read()
    assert (again.serial, again.repo) == (2, "github.com/acme/store-access")
    assert again.resources == state.resources
    assert jane.address in again.resources


def test_a_resource_changed_in_place_after_a_get_is_journaled(state_file: Path) -> None:
    backend = _journaling(state_file)
    state = backend.write(_many(50), 0)
    address = 'salesforce.contact["buyer3@acme.example"]'
    entry = state.resources.get(address)
    assert entry is not None
    entry.attributes = {**entry.attributes, "manual": {"status": "confirmed"}}  # as confirm does
    backend.write(state, state.serial)
    stored = LocalStateBackend(state_file).read().resources[address]
    assert stored.attributes["manual"] == {"status": "confirmed"}


def test_the_bytes_of_a_write_follow_the_batch_not_the_state(state_file: Path) -> None:
    costs = []
    for size in (500, 5000):
        backend = _journaling(state_file.with_name(f"state{size}.json"))
        state = backend.write(_many(size), 0)
        start = backend.bytes_written
        for n in range(10):
            r = resource(f"new{n}@acme.example", f"003{n:015d}")
            state.resources[r.address] = r
            state = backend.write(state, state.serial)
        costs.append(backend.bytes_written - start)
    assert costs[0] == costs[1]


def test_a_torn_journal_line_is_the_previous_state_and_is_cut_by_the_next_write(
    state_file: Path,
) -> None:
    backend = _journaling(state_file)
    state = backend.write(_many(20), 0)
    jane = resource("jane.doe@acme.example")
    state.resources[jane.address] = jane
    state = backend.write(state, state.serial)
    whole = backend.journal_path.read_bytes()
    # What a kill -9 in the middle of the next append leaves: part of a line, no newline.
    backend.journal_path.write_bytes(whole + b'{"lineage":"' + state.lineage.encode() + b'","ser')
    survived = LocalStateBackend(state_file).read()
    assert survived.serial == 2 and jane.address in survived.resources
    bob = resource("bob@acme.example")
    survived.resources[bob.address] = bob
    writer = _journaling(state_file)
    writer.write(survived, survived.serial)
    assert writer.journal_path.read_bytes().count(b"\n") == 2
    final = LocalStateBackend(state_file).read()
    assert final.serial == 3 and {jane.address, bob.address} <= set(final.resources)


def test_the_journal_is_folded_when_it_would_outgrow_the_state_file(state_file: Path) -> None:
    backend = LocalStateBackend(state_file, journal_from_bytes=1)
    state = backend.write(_many(10), 0)
    rewrites = 0
    for n in range(40):
        before = _identity(state_file)
        address = f'salesforce.contact["buyer{n % 10}@acme.example"]'
        state.resources[address] = ResourceState(
            address, "salesforce", "contact", f"buyer{n % 10}@acme.example", f"id{n}", "Acme"
        )
        state = backend.write(state, state.serial)
        if _identity(state_file) != before:
            rewrites += 1
            assert not backend.journal_path.exists()
            backup = json.loads(backend.backup_path.read_text())
            assert backup["serial"] == state.serial - 1  # the previous complete version
            assert backup["resources"][address]["id"] != f"id{n}"
    assert 1 <= rewrites < 40
    assert backend.journal_path.stat().st_size <= state_file.stat().st_size
    assert LocalStateBackend(state_file).read().resources == state.resources


def test_lines_left_by_a_crash_after_a_rewrite_are_skipped(state_file: Path) -> None:
    backend = _journaling(state_file)
    state = backend.write(_many(20), 0)
    jane = resource("jane.doe@acme.example")
    state.resources[jane.address] = jane
    state = backend.write(state, state.serial)
    stale = backend.journal_path.read_bytes()
    state = backend.write(_refreshed(state), state.serial)  # a full rewrite removes the journal
    backend.journal_path.write_bytes(stale)  # as if the removal never happened
    again = LocalStateBackend(state_file).read()
    assert again.serial == 3 and again.resources == state.resources


def _refreshed(state: StateDocument) -> StateDocument:
    """The same state as a document the backend did not hand out: written whole."""
    return StateDocument(
        lineage=state.lineage, serial=state.serial, resources=dict(state.resources), repo=state.repo
    )


def test_another_writer_since_our_last_write_is_a_conflict(state_file: Path) -> None:
    mine = _journaling(state_file)
    state = mine.write(_many(20), 0)
    theirs = _journaling(state_file)
    other = theirs.read()
    bob = resource("bob@acme.example")
    other.resources[bob.address] = bob
    theirs.write(other, other.serial)
    jane = resource("jane.doe@acme.example")
    state.resources[jane.address] = jane
    with pytest.raises(SerialConflict, match="serial is 2 on disk"):
        mine.write(state, state.serial)


def test_a_corrupt_journal_line_names_the_journal(state_file: Path) -> None:
    backend = _journaling(state_file)
    state = backend.write(_many(5), 0)
    state.resources.pop(next(iter(state.resources)))
    state = backend.write(state, state.serial)
    backend.journal_path.write_bytes(b"not json\n")
    with pytest.raises(StateError) as error:
        LocalStateBackend(state_file).read()
    assert str(backend.journal_path) in str(error.value) and "corrupt" in str(error.value)


def test_a_gap_in_the_journal_is_refused(state_file: Path) -> None:
    backend = _journaling(state_file)
    state = backend.write(_many(5), 0)
    line = json.dumps({"lineage": state.lineage, "serial": 5, "repo": None, "put": {}, "drop": []})
    backend.journal_path.write_text(line + "\n")
    with pytest.raises(StateError, match="serial 5 follows 1"):
        LocalStateBackend(state_file).read()

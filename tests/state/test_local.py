"""The local backend: atomic writes, compare-and-swap, corrupt and future files, the lock."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path

import pytest

from storegate.engine.errors import SerialConflict, StateError, StateLocked
from storegate.state.base import STATE_VERSION, StateDocument
from storegate.state.codec import encode
from storegate.state.local import LocalStateBackend
from tests.state.helpers import (
    CRASH_BEFORE_RENAME,
    HOLD_LOCK,
    WAIT_FOR_LOCK,
    document_with,
    expect_line,
    spawn,
)


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / ".storegate" / "state.json"


def test_missing_file_reads_as_a_new_empty_state(state_file: Path) -> None:
    first = LocalStateBackend(state_file).read()
    second = LocalStateBackend(state_file).read()
    assert first.serial == 0
    assert first.resources == {}
    assert first.lineage != second.lineage
    assert not state_file.exists()


def test_write_bumps_the_serial_and_round_trips(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    document = document_with("jane.doe@acme.example", "bob@acme.example")
    written = backend.write(document, expected_serial=0)
    assert written.serial == 1
    assert written.lineage == document.lineage
    again = backend.read()
    assert again.serial == 1
    assert again.lineage == document.lineage
    assert again.resources == document.resources
    stored = json.loads(state_file.read_text())
    assert set(stored) == {"version", "lineage", "serial", "resources"}
    assert stored["version"] == STATE_VERSION


def test_stale_serial_is_a_conflict_naming_both_serials(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    read_by_first = backend.read()
    backend.write(backend.write(read_by_first, 0), 1)
    with pytest.raises(SerialConflict) as conflict:
        backend.write(read_by_first, expected_serial=0)
    assert "serial is 2 on disk" in str(conflict.value)
    assert "read serial 0" in str(conflict.value)
    assert backend.read().serial == 2


def test_a_document_of_another_lineage_is_refused(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    backend.write(StateDocument(), 0)
    with pytest.raises(StateError, match="different states"):
        backend.write(StateDocument(), 1)


def test_each_write_keeps_the_previous_version_as_backup(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    one = backend.write(document_with("a@acme.example"), 0)
    assert not backend.backup_path.exists()
    replacement = document_with("b@acme.example")
    replacement.lineage = one.lineage
    backend.write(replacement, 1)
    backup = json.loads(backend.backup_path.read_text())
    assert backup["serial"] == 1
    assert list(backup["resources"]) == ['salesforce.contact["a@acme.example"]']


def test_corrupt_file_names_the_path_and_the_backup(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    backend.write(backend.write(StateDocument(), 0), 1)
    state_file.write_text('{"version": 1, "lineage": "x", "ser')
    with pytest.raises(StateError) as error:
        backend.read()
    message = str(error.value)
    assert str(state_file) in message
    assert "corrupt" in message
    assert str(backend.backup_path) in message
    assert "\n" not in message
    # Writing over a corrupt state is refused too: it may still be the only record.
    with pytest.raises(StateError, match="corrupt"):
        backend.write(StateDocument(), 2)


def test_corrupt_file_without_backup_says_how_to_start_over(state_file: Path) -> None:
    state_file.parent.mkdir(parents=True)
    state_file.write_text('{"version": 1, "lineage": "l", "serial": "seven", "resources": {}}')
    with pytest.raises(StateError) as error:
        LocalStateBackend(state_file).read()
    assert "serial is 'seven'" in str(error.value)
    assert "no state.json.backup" in str(error.value)


def test_newer_version_is_refused(state_file: Path) -> None:
    state_file.parent.mkdir(parents=True)
    future = json.loads(encode(StateDocument())) | {"version": STATE_VERSION + 1}
    state_file.write_text(json.dumps(future))
    with pytest.raises(StateError, match="newer than this storegate understands"):
        LocalStateBackend(state_file).read()


def test_a_killed_write_leaves_the_previous_file_intact(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    backend.write(document_with("jane.doe@acme.example"), 0)
    before = state_file.read_bytes()

    child = spawn(CRASH_BEFORE_RENAME, str(state_file))
    temp = Path(expect_line(child, "renaming").split(" ", 1)[1])
    assert temp.parent == state_file.parent
    assert json.loads(temp.read_text())["serial"] == 2  # the new version was fully written...
    child.send_signal(signal.SIGKILL)
    child.communicate()

    assert state_file.read_bytes() == before  # ...but the old one is what the state says
    survived = backend.read()
    assert survived.serial == 1
    assert list(survived.resources) == ['salesforce.contact["jane.doe@acme.example"]']
    backend.write(survived, 1)
    assert not temp.exists()  # the next write sweeps what the killed one left


def test_lock_file_holds_who_where_and_what(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    info = backend.lock("state rm", timeout_seconds=0)
    stored = json.loads(backend.lock_path.read_text())
    assert stored["id"] == info.id
    assert stored["pid"] == os.getpid()
    assert stored["host"] == socket.gethostname()
    assert stored["operation"] == "state rm"
    assert {"holder", "created_at"} <= set(stored)
    backend.unlock(info.id)
    assert not backend.lock_path.exists()


def test_second_process_waits_for_the_lock_then_gets_it(state_file: Path) -> None:
    holder = spawn(HOLD_LOCK, str(state_file))
    expect_line(holder, "locked")
    waiter = spawn(WAIT_FOR_LOCK, str(state_file), "60")
    expect_line(waiter, "waiting")
    assert holder.stdin is not None
    holder.stdin.write("release\n")
    holder.stdin.flush()
    expect_line(holder, "released")
    expect_line(waiter, "locked")
    assert holder.wait() == 0
    assert waiter.wait() == 0


def test_second_process_gives_up_at_the_timeout_naming_the_holder(state_file: Path) -> None:
    holder = spawn(HOLD_LOCK, str(state_file))
    lock_id = expect_line(holder, "locked").split()[1]
    try:
        waiter = spawn(WAIT_FOR_LOCK, str(state_file), "0.3")
        expect_line(waiter, "waiting")
        refusal = expect_line(waiter, "refused")
        waiter.wait()
        assert f"lock {lock_id} held by" in refusal
        assert f"(pid {holder.pid})" in refusal
        assert "for apply" in refusal
        assert f"storegate state unlock {lock_id}" in refusal
    finally:
        holder.kill()
        holder.communicate()


def test_lock_of_a_killed_process_on_this_host_is_broken(state_file: Path) -> None:
    holder = spawn(HOLD_LOCK, str(state_file))
    dead_id = expect_line(holder, "locked").split()[1]
    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    assert state_file.with_name("state.json.lock").exists()

    notices: list[str] = []
    backend = LocalStateBackend(state_file, notify=notices.append)
    info = backend.lock("apply", timeout_seconds=0)
    assert info.id != dead_id
    assert len(notices) == 1
    assert f"stale lock {dead_id}" in notices[0]
    assert "no longer running" in notices[0]


def test_lock_from_another_host_is_never_judged_stale(state_file: Path) -> None:
    state_file.parent.mkdir(parents=True)
    lock_path = state_file.with_name("state.json.lock")
    lock_path.write_text(
        json.dumps(
            {
                "id": "ci-lock",
                "holder": "ci",
                "host": "runner-elsewhere",
                "pid": 999_999_999,
                "created_at": "2026-01-01T00:00:00+00:00",
                "operation": "apply",
            }
        )
    )
    notices: list[str] = []
    with pytest.raises(StateLocked, match="held by ci on runner-elsewhere"):
        LocalStateBackend(state_file, notify=notices.append).lock("apply", 0)
    assert notices == []
    assert lock_path.exists()


def test_unreadable_lock_file_says_what_to_do(state_file: Path) -> None:
    state_file.parent.mkdir(parents=True)
    state_file.with_name("state.json.lock").write_text("")
    with pytest.raises(StateLocked, match="holds no readable lock; if no storegate apply"):
        LocalStateBackend(state_file).lock("apply", 0)


def test_unlock_with_a_wrong_id_keeps_the_lock(state_file: Path) -> None:
    backend = LocalStateBackend(state_file)
    info = backend.lock("apply", 0)
    with pytest.raises(StateError) as error:
        backend.unlock("not-the-id")
    assert "not-the-id does not match" in str(error.value)
    assert info.id in str(error.value)
    assert backend.lock_holder() == info
    backend.unlock(info.id)
    assert backend.lock_holder() is None


def test_unlock_without_a_lock_says_so(state_file: Path) -> None:
    with pytest.raises(StateError, match="no lock is held"):
        LocalStateBackend(state_file).unlock("anything")
    state_file.parent.mkdir(parents=True)
    with pytest.raises(StateError, match="no lock is held"):
        LocalStateBackend(state_file).unlock("anything")

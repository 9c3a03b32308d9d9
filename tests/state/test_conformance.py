"""The state backend protocol, checked the same way against every backend (memory, local,
PostgreSQL): read, write with the serial compare-and-swap, lineage refusal, lock and unlock, history,
and migration between backends."""

from __future__ import annotations

import time

import pytest

from storegate.engine.errors import SerialConflict, StateError, StateLocked
from storegate.state.base import HistoryEntry, StateBackend, StateDocument
from storegate.state.migrate import migrate
from tests.state.conformance import BackendKit
from tests.state.helpers import document_with, resource

JANE = 'salesforce.contact["jane.doe@acme.example"]'
BOB = 'salesforce.contact["bob@acme.example"]'
RECEIPT = {
    "receipt_version": 1,
    "ok": True,
    "contacts": ["bob@acme.example"],
    "checks": [{"system": "salesforce", "address": BOB, "what": "access", "result": "pass"}],
}


def change(address: str, apply_id: str = "apply-1", **fields: object) -> HistoryEntry:
    values: dict[str, object] = {
        "apply_id": apply_id,
        "address": address,
        "action": "update",
        "result": "ok",
        "before": {"purchase_on_account": False},
        "after": {"purchase_on_account": True},
        "plan_checksum": "sha256:abc",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "author": "jane@acme.example",
    }
    values.update(fields)
    return HistoryEntry(**values)  # type: ignore[arg-type]


def written(backend: StateBackend, *emails: str) -> StateDocument:
    return backend.write(document_with(*emails), 0)


# ---------------------------------------------------------------- read and write


def test_an_empty_backend_reads_a_new_empty_state(kit: BackendKit) -> None:
    document = kit.open().read()
    assert document.serial == 0
    assert document.resources == {}
    assert document.lineage


def test_a_write_bumps_the_serial_and_reads_back_whole(kit: BackendKit) -> None:
    backend = kit.open()
    document = document_with("jane.doe@acme.example", "bob@acme.example")
    document.resources[JANE].attributes = {"store_id": 42, "groups": ["a", "b"], "note": "Zoë"}
    first = backend.write(document, 0)
    assert first.serial == 1
    second = backend.write(first, 1)
    assert second.serial == 2
    again = kit.open().read()
    assert again.lineage == document.lineage
    assert again.serial == 2
    assert again.resources == document.resources


def test_a_write_against_a_stale_serial_is_a_conflict_and_changes_nothing(
    kit: BackendKit,
) -> None:
    backend = kit.open()
    stored = written(backend, "jane.doe@acme.example")
    stale = document_with()
    stale.lineage = stored.lineage
    with pytest.raises(SerialConflict, match="serial"):
        backend.write(stale, 0)
    assert kit.open().read().resources.keys() == {JANE}


def test_of_two_writers_that_read_the_same_serial_only_the_first_lands(kit: BackendKit) -> None:
    written(kit.open(), "jane.doe@acme.example")
    first, second = kit.open(), kit.open()
    mine, theirs = first.read(), second.read()
    mine.resources.pop(JANE)
    first.write(mine, mine.serial)
    theirs.resources[BOB] = resource("bob@acme.example")
    with pytest.raises(SerialConflict):
        second.write(theirs, theirs.serial)
    stored = kit.open().read()
    assert stored.serial == 2
    assert stored.resources == {}


def test_a_document_of_another_lineage_is_refused_not_overwritten(kit: BackendKit) -> None:
    backend = kit.open()
    stored = written(backend, "jane.doe@acme.example")
    stranger = document_with("bob@acme.example")
    with pytest.raises(StateError, match="lineage") as refused:
        backend.write(stranger, stored.serial)
    assert not isinstance(refused.value, SerialConflict)
    assert kit.open().read().lineage == stored.lineage


def test_changing_a_document_after_writing_it_does_not_change_the_state(kit: BackendKit) -> None:
    backend = kit.open()
    document = written(backend, "jane.doe@acme.example")
    document.resources.clear()
    read = backend.read()
    read.resources[JANE].id = "changed"
    assert kit.open().read().resources[JANE].id == "003000000000001"


# ---------------------------------------------------------------- lock


def test_the_lock_names_its_holder_to_the_next_taker(kit: BackendKit) -> None:
    holder = kit.open()
    info = holder.lock("apply", 0)
    assert info.operation == "apply"
    assert info.pid > 0 and info.host and info.holder
    with pytest.raises(StateLocked) as refused:
        kit.open().lock("apply", 0)
    message = str(refused.value)
    assert info.id in message
    assert f"pid {info.pid}" in message
    assert info.host in message
    assert info.holder in message
    holder.unlock(info.id)
    again = kit.open().lock("apply", 0)
    assert again.id != info.id


def test_a_waiting_taker_gives_up_after_its_timeout(kit: BackendKit) -> None:
    info = kit.open().lock("apply", 0)
    began = time.monotonic()
    with pytest.raises(StateLocked, match=info.id):
        kit.open().lock("apply", 0.4)
    waited = time.monotonic() - began
    if kit.waits_for_lock:
        assert 0.35 <= waited < 5
    else:
        assert waited < 0.35


def test_lock_holder_reports_the_lock_while_it_is_held(kit: BackendKit) -> None:
    backend = kit.open()
    assert backend.lock_holder() is None
    info = backend.lock("state rm", 0)
    held = kit.open().lock_holder()
    assert held is not None
    assert (held.id, held.pid, held.operation) == (info.id, info.pid, "state rm")
    backend.unlock(info.id)
    assert kit.open().lock_holder() is None


def test_unlocking_with_another_id_is_refused_and_keeps_the_lock(kit: BackendKit) -> None:
    backend = kit.open()
    info = backend.lock("apply", 0)
    with pytest.raises(StateError, match="does not match"):
        kit.open().unlock("not-the-id")
    with pytest.raises(StateLocked):
        kit.open().lock("apply", 0)
    backend.unlock(info.id)


def test_unlocking_when_nothing_is_locked_says_so(kit: BackendKit) -> None:
    with pytest.raises(StateError, match="no lock"):
        kit.open().unlock("whatever")


# ---------------------------------------------------------------- history


def test_history_lands_with_the_write_in_order_and_reads_back_equal(kit: BackendKit) -> None:
    backend = kit.open()
    batch_one = [
        change(JANE, before={}, after={"email": "jane.doe@acme.example"}, action="create"),
        change(BOB, result="failed", error="FIELD_INTEGRITY_EXCEPTION: nope"),
    ]
    batch_two = [
        change(BOB, action="revoke", before={"access": "active"}, after={"access": "revoked"}),
        change(BOB, action="delete", result="skipped", error="its dependency failed"),
        HistoryEntry.for_receipt("apply-1", RECEIPT, verified=True, commit="abc", author="ci"),
    ]
    first = backend.write(document_with("jane.doe@acme.example"), 0, batch_one)
    backend.write(first, first.serial, batch_two)
    assert kit.open().history() == [*batch_one, *batch_two]


def test_history_is_empty_before_any_apply(kit: BackendKit) -> None:
    assert kit.open().history() == []
    assert kit.open().history(JANE, "2020-01-01") == []


def test_history_of_an_address_matches_its_case_and_brings_its_apply_receipt(
    kit: BackendKit,
) -> None:
    backend = kit.open()
    first = backend.write(document_with(), 0, [change(JANE, "apply-1"), change(BOB, "apply-1")])
    receipt = HistoryEntry.for_receipt("apply-2", RECEIPT, verified=False)
    backend.write(first, first.serial, [change(BOB, "apply-2", action="revoke"), receipt])
    bob = kit.open().history(BOB.upper().replace("SALESFORCE.CONTACT", "salesforce.contact"))
    assert [(e.apply_id, e.action) for e in bob] == [
        ("apply-1", "update"),
        ("apply-2", "revoke"),
        ("apply-2", "receipt"),
    ]
    assert bob[-1].result == "failed" and bob[-1].receipt == RECEIPT
    assert [e.address for e in kit.open().history(JANE)] == [JANE]


def test_history_since_keeps_entries_at_or_after_that_instant(kit: BackendKit) -> None:
    backend = kit.open()
    old = change(JANE, "apply-1", at="2026-01-01T08:00:00+01:00")
    new = change(JANE, "apply-2", at="2026-03-01T00:00:00Z")
    backend.write(document_with(), 0, [old, new])
    assert kit.open().history(since="2026-01-01T07:00:00") == [old, new]
    assert kit.open().history(since="2026-01-01T07:00:00.000001Z") == [new]
    assert kit.open().history(JANE, since="2026-03-01") == [new]
    assert kit.open().history(since="2027-01-01") == []


def test_a_refused_write_stores_none_of_its_history(kit: BackendKit) -> None:
    backend = kit.open()
    stored = written(backend, "jane.doe@acme.example")
    with pytest.raises(SerialConflict):
        backend.write(stored, 0, [change(JANE, "conflicting")])
    with pytest.raises(StateError):
        backend.write(document_with(), stored.serial, [change(JANE, "stranger")])
    assert kit.open().history() == []


# ---------------------------------------------------------------- migrate


def test_migrate_copies_state_and_history_keeping_lineage_and_serial(kit: BackendKit) -> None:
    source = kit.open()
    entries = [change(JANE), HistoryEntry.for_receipt("apply-1", RECEIPT, verified=True)]
    first = source.write(document_with("jane.doe@acme.example", "bob@acme.example"), 0, entries)
    source.write(first, first.serial)
    target = kit.other()
    done = migrate(source, target, lock_timeout=0)
    assert (done.serial, done.resources, done.history_entries) == (2, 2, 2)
    copied = target.read()
    assert (copied.lineage, copied.serial) == (first.lineage, 2)
    assert copied.resources == first.resources
    assert target.history() == entries
    # Both locks were released; the copy takes writes and keeps its history going.
    source.lock("apply", 0)
    later = change(BOB, "apply-2")
    assert target.write(copied, 2, [later]).serial == 3
    assert target.history() == [*entries, later]


def test_migrate_again_at_the_same_serial_is_harmless(kit: BackendKit) -> None:
    source, target = kit.open(), kit.other()
    source.write(document_with("jane.doe@acme.example"), 0, [change(JANE)])
    migrate(source, target, 0)
    migrate(source, target, 0)
    assert target.read().serial == 1
    assert target.history() == [change(JANE, at=target.history()[0].at)]


def test_migrate_refuses_a_target_that_holds_another_lineage(kit: BackendKit) -> None:
    source, target = kit.open(), kit.other()
    source.write(document_with("jane.doe@acme.example"), 0, [change(JANE)])
    theirs = target.write(document_with("bob@acme.example"), 0, [change(BOB)])
    with pytest.raises(StateError, match="another state"):
        migrate(source, target, 0)
    assert target.read().lineage == theirs.lineage
    assert [e.address for e in target.history()] == [BOB]
    source.lock("apply", 0)  # the source's lock was released despite the refusal
    target.lock("apply", 0)


def test_migrate_refuses_to_take_a_target_back_to_an_older_serial(kit: BackendKit) -> None:
    source, target = kit.open(), kit.other()
    stored = source.write(document_with("jane.doe@acme.example"), 0)
    migrate(source, target, 0)
    target.write(target.read(), 1)
    with pytest.raises(StateError, match="newer"):
        migrate(source, target, 0)
    assert target.read().serial == stored.serial + 1


def test_migrate_waits_for_the_targets_lock_and_releases_the_source(kit: BackendKit) -> None:
    source, target = kit.open(), kit.other()
    source.write(document_with("jane.doe@acme.example"), 0)
    held = target.lock("apply", 0)
    with pytest.raises(StateLocked, match=held.id):
        migrate(source, target, 0)
    assert target.read().serial == 0
    source.lock("apply", 0)


def test_migrate_of_an_empty_state_is_refused(kit: BackendKit) -> None:
    with pytest.raises(StateError, match="no state"):
        migrate(kit.open(), kit.other(), 0)

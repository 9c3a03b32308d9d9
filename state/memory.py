"""An in-memory state backend for the engine's tests (Terraform keeps the same kind of fake).

It keeps the document in its encoded form, as a real backend does, so a caller that mutates a
document it read or wrote cannot change the stored state behind the backend's back. It checks the
serial and lineage like the local backend and records every write for tests to count. History is a
list, appended with each write.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..providers.contract import SerialConflict, StateError, StateLocked
from .base import (
    HistoryEntry,
    LockInfo,
    StateDocument,
    check_adoptable,
    select_history,
)
from .codec import decode, encode
from .lockfile import new_lock_info

WHERE = "memory state"


class MemoryStateBackend:
    def __init__(self, document: StateDocument | None = None) -> None:
        self._stored: str | None = None if document is None else encode(document)
        self._lock: LockInfo | None = None
        self.writes: list[StateDocument] = []
        """Every document written, in order (copies: the state after each write)."""
        self._history: list[HistoryEntry] = []

    def read(self) -> StateDocument:
        return StateDocument() if self._stored is None else decode(self._stored, WHERE)

    def write(
        self,
        document: StateDocument,
        expected_serial: int,
        history: Sequence[HistoryEntry] = (),
    ) -> StateDocument:
        stored = None if self._stored is None else decode(self._stored, WHERE)
        stored_serial = 0 if stored is None else stored.serial
        if stored is not None and stored.lineage != document.lineage:
            raise StateError(
                f"{WHERE}: this state has lineage {stored.lineage}, the document written has "
                f"{document.lineage}; they are different states, refusing to overwrite"
            )
        if stored_serial != expected_serial:
            raise SerialConflict(
                f"{WHERE}: state serial is {stored_serial} but this run read serial "
                f"{expected_serial}; someone else wrote the state since; re-run plan"
            )
        updated = StateDocument(
            lineage=document.lineage,
            repo=document.repo,
            serial=expected_serial + 1,
            resources=dict(document.resources),
        )
        self._stored = encode(updated)
        self.writes.append(decode(self._stored, WHERE))
        self._history.extend(history)
        return updated

    def history(self, address: str | None = None, since: str | None = None) -> list[HistoryEntry]:
        return select_history(self._history, address, since)

    def adopt(self, document: StateDocument, history: Sequence[HistoryEntry]) -> StateDocument:
        stored = None if self._stored is None else decode(self._stored, WHERE)
        check_adoptable(stored, document, WHERE)
        copy = StateDocument(
            lineage=document.lineage,
            repo=document.repo,
            serial=document.serial,
            resources=dict(document.resources),
        )
        self._stored = encode(copy)
        self._history = list(history)
        return copy

    def describe(self) -> str:
        return f"{WHERE} {id(self):#x}"

    def lock(self, operation: str, timeout_seconds: float) -> LockInfo:
        # Nothing else can release an in-memory lock while this caller waits, so a held lock
        # fails at once instead of sleeping out the timeout.
        if self._lock is not None:
            raise StateLocked(
                f"state is locked: {self._lock.describe()}; wait for it to finish, or if it is no "
                f"longer running: storegate state unlock {self._lock.id}"
            )
        self._lock = new_lock_info(operation)
        return self._lock

    def unlock(self, lock_id: str) -> None:
        if self._lock is None:
            raise StateError(f"{WHERE}: no lock is held; nothing to unlock")
        if self._lock.id != lock_id:
            raise StateError(
                f"{WHERE}: lock id {lock_id} does not match the held {self._lock.describe()}"
            )
        self._lock = None

    def lock_holder(self) -> LockInfo | None:
        return self._lock

"""The local state backend: one JSON file, replaced atomically, with a lock file beside it.

    <state>          {version, lineage, serial, resources}
    <state>.backup   the previous good version, rewritten before every write (the recovery path)
    <state>.lock     the apply lock (state.lockfile)
    <state stem>.history.jsonl   every applied change, appended after each write (state.history_file)

A write is a compare-and-swap on the serial stored on disk, done under a short directory lock so two
writers on this host cannot both pass the check.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from storegate.providers.contract import SerialConflict, StateError
from storegate.state.base import (
    HistoryEntry,
    LockInfo,
    StateDocument,
    check_adoptable,
    select_history,
)
from storegate.state.codec import MalformedState, decode, encode
from storegate.state.files import atomic_write, directory_lock, sweep_temp_files
from storegate.state.history_file import HistoryFile, history_path
from storegate.state.lockfile import LockFile, Notify


def _to_stderr(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


class LocalStateBackend:
    def __init__(self, path: Path, notify: Notify = _to_stderr) -> None:
        self.path = path
        self.backup_path = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")
        self.history_path = history_path(path)
        self._lock = LockFile(self.lock_path, notify)
        self._history = HistoryFile(self.history_path)

    def read(self) -> StateDocument:
        text = self._read_text()
        return StateDocument() if text is None else self._decode(text)

    def write(
        self,
        document: StateDocument,
        expected_serial: int,
        history: Sequence[HistoryEntry] = (),
    ) -> StateDocument:
        self._make_directory()
        with directory_lock(self.path.parent):
            stored_text = self._read_text()
            stored = None if stored_text is None else self._decode(stored_text)
            stored_serial = 0 if stored is None else stored.serial
            if stored is not None and stored.lineage != document.lineage:
                raise StateError(
                    f"{self.path}: this state has lineage {stored.lineage}, the document written "
                    f"has {document.lineage}; they are different states, refusing to overwrite"
                )
            if stored_serial != expected_serial:
                raise SerialConflict(
                    f"{self.path}: state serial is {stored_serial} on disk but this run read "
                    f"serial {expected_serial}; someone else wrote the state since; re-run plan"
                )
            updated = StateDocument(
                lineage=document.lineage,
                repo=document.repo,
                serial=expected_serial + 1,
                resources=dict(document.resources),
            )
            try:
                sweep_temp_files(self.path)
                sweep_temp_files(self.backup_path)
                sweep_temp_files(self.history_path)
                if stored_text is not None:
                    atomic_write(self.backup_path, stored_text)
                atomic_write(self.path, encode(updated))
            except OSError as exc:
                raise StateError(
                    f"{self.path}: cannot write the state ({exc.strerror}); the previous "
                    f"version is untouched"
                ) from None
            try:
                self._history.append(history)
            except OSError as exc:
                raise StateError(
                    f"{self.history_path}: the state was written (serial {updated.serial}) but "
                    f"its history could not be appended ({exc.strerror})"
                ) from None
        return updated

    def history(self, address: str | None = None, since: str | None = None) -> list[HistoryEntry]:
        return select_history(self._history.read(), address, since)

    def adopt(self, document: StateDocument, history: Sequence[HistoryEntry]) -> StateDocument:
        self._make_directory()
        with directory_lock(self.path.parent):
            stored_text = self._read_text()
            stored = None if stored_text is None else self._decode(stored_text)
            check_adoptable(stored, document, str(self.path))
            copy = StateDocument(
                lineage=document.lineage,
                repo=document.repo,
                serial=document.serial,
                resources=dict(document.resources),
            )
            try:
                sweep_temp_files(self.path)
                sweep_temp_files(self.backup_path)
                sweep_temp_files(self.history_path)
                # History first: the state file appearing is what says the copy is complete.
                self._history.replace(history)
                if stored_text is not None:
                    atomic_write(self.backup_path, stored_text)
                atomic_write(self.path, encode(copy))
            except OSError as exc:
                raise StateError(f"{self.path}: cannot write the state ({exc.strerror})") from None
        return copy

    def describe(self) -> str:
        return str(self.path)

    def lock(self, operation: str, timeout_seconds: float) -> LockInfo:
        return self._lock.acquire(operation, timeout_seconds)

    def unlock(self, lock_id: str) -> None:
        self._lock.release(lock_id)

    def lock_holder(self) -> LockInfo | None:
        """The lock held now, if any (for status output)."""
        return self._lock.holder()

    def _make_directory(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(
                f"{self.path.parent}: cannot create the state directory ({exc.strerror})"
            ) from None

    def _read_text(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            raise StateError(self._corrupt("not UTF-8 text")) from None
        except OSError as exc:
            raise StateError(f"{self.path}: cannot read the state ({exc.strerror})") from None

    def _decode(self, text: str) -> StateDocument:
        try:
            return decode(text, str(self.path))
        except MalformedState as exc:
            raise StateError(self._corrupt(str(exc))) from None

    def _corrupt(self, detail: str) -> str:
        if self.backup_path.exists():
            recovery = (
                f"the previous good version is {self.backup_path}: check it, then copy it over "
                f"{self.path.name} and re-run plan to see what changed since"
            )
        else:
            recovery = (
                f"there is no {self.backup_path.name} to fall back on: restore the file from a "
                f"copy, or move it away to start a new state (storegate then forgets what it "
                f"managed)"
            )
        return f"{self.path}: the state file is corrupt ({detail}); {recovery}"

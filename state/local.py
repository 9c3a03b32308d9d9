"""The local state backend: one JSON file plus an append-only journal of what changed since,
with a lock file beside them.

    <state>           {version, lineage, serial, repo, resources}: one resource a line
    <state>.journal   JSON lines, one per write since the state file was last rewritten:
                      {lineage, serial, repo, put: {address: resource}, drop: [address]}
    <state>.backup    the previous complete version, written each time the state file is rewritten
    <state>.lock      the apply lock (state.lockfile)
    <state stem>.history.jsonl   every applied change, appended after each write (state.history_file)

The state is the state file with the journal's lines of the same lineage and a higher serial
applied in order. A write appends one line holding only the resources its document touched
(state.tracked: set, removed, or fetched by key since the document was read or last written) and
fsyncs it: apply saves after every batch at a cost proportional to the batch, not to the state. A
kill -9 mid-append leaves a torn last line, ignored on read and cut off by the next append, so the
state is the previous write's. The state file is rewritten whole (atomically, the previous version
kept as the backup, then the journal removed) when that is cheaper or simpler: the state is small
(under `journal_from_bytes`), the document is not one this backend handed out at the stored serial,
it touched many resources, or the journal would outgrow the state file (so reads and the journal
stay within twice the state's size, and the rewrites cost a constant per change on average). A
crash between the rewrite and the journal's removal leaves lines of older serials, which reads skip.

A write is a compare-and-swap on the stored serial, done under a short directory lock so two
writers on this host cannot both pass the check. The backend remembers the serial it last read or
wrote with the state file's identity (inode, size, mtime) and the journal's size, so a write reads
nothing back unless another process wrote since.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..providers.contract import SerialConflict, StateError
from .base import (
    HistoryEntry,
    LockInfo,
    ResourceState,
    StateDocument,
    check_adoptable,
    select_history,
)
from .codec import MalformedState, decode, encode, resource_json
from .files import atomic_write, directory_lock, fsync_directory, sweep_temp_files
from .gcpause import paused_collection
from .history_file import HistoryFile, history_path
from .lines import append_lines, complete_lines
from .lockfile import LockFile, Notify
from .tracked import TrackedResources

JOURNAL_FROM_BYTES = 256 * 1024
"""A state file smaller than this is rewritten on every write (a few milliseconds)."""
MANY_TOUCHED = 64
"""A write touching more resources than this and an eighth of the state rewrites the state file."""

Signature = tuple[int, int, int]


def _to_stderr(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


@dataclass
class _Seen:
    """The stored state as this backend last read or wrote it."""

    signature: Signature
    """The state file's inode, size and mtime."""
    journal_size: int
    lineage: str
    serial: int


class LocalStateBackend:
    def __init__(
        self,
        path: Path,
        notify: Notify = _to_stderr,
        journal_from_bytes: int = JOURNAL_FROM_BYTES,
    ) -> None:
        self.path = path
        self.backup_path = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")
        self.journal_path = path.with_name(path.name + ".journal")
        self.history_path = history_path(path)
        self.journal_from_bytes = journal_from_bytes
        self._lock = LockFile(self.lock_path, notify)
        self._history = HistoryFile(self.history_path)
        self._seen: _Seen | None = None
        self.bytes_written = 0
        """State bytes written by this backend object (state file and journal), for the tests
        that count the cost of a write."""

    def read(self) -> StateDocument:
        if not self.path.parent.is_dir():
            return StateDocument()
        with directory_lock(self.path.parent):
            document = self._load()
        return StateDocument() if document is None else document

    def write(
        self,
        document: StateDocument,
        expected_serial: int,
        history: Sequence[HistoryEntry] = (),
    ) -> StateDocument:
        self._make_directory()
        with directory_lock(self.path.parent):
            seen = self._current()
            stored_serial = 0 if seen is None else seen.serial
            if seen is not None and seen.lineage != document.lineage:
                raise StateError(
                    f"{self.path}: this state has lineage {seen.lineage}, the document written "
                    f"has {document.lineage}; they are different states, refusing to overwrite"
                )
            if stored_serial != expected_serial:
                raise SerialConflict(
                    f"{self.path}: state serial is {stored_serial} on disk but this run read "
                    f"serial {expected_serial}; someone else wrote the state since; re-run plan"
                )
            serial = expected_serial + 1
            try:
                sweep_temp_files(self.path)
                sweep_temp_files(self.backup_path)
                sweep_temp_files(self.history_path)
                line = self._journal_line(document, seen, serial)
                if line is None:
                    updated = self._rewrite(document, serial, seen)
                else:
                    updated = self._append(document, serial, line)
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
            check_adoptable(self._load(), document, str(self.path))
            try:
                sweep_temp_files(self.path)
                sweep_temp_files(self.backup_path)
                sweep_temp_files(self.history_path)
                # History first: the state file appearing is what says the copy is complete.
                self._history.replace(history)
                return self._rewrite(document, document.serial, self._seen)
            except OSError as exc:
                raise StateError(f"{self.path}: cannot write the state ({exc.strerror})") from None

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

    # ------------------------------------------------------------ reading

    def _load(self) -> StateDocument | None:
        """The stored state (file plus journal), or None when there is none; remembers it as seen."""
        text = self._read_text()
        if text is None:
            self._seen = None
            return None
        with paused_collection():  # a few hundred thousand objects that all stay alive
            document = self._decode(text)
            journal_size = self._replay(document)
        resources = TrackedResources(
            document.resources, str(self.path), document.lineage, document.serial
        )
        loaded = StateDocument(
            lineage=document.lineage,
            serial=document.serial,
            resources=resources,
            repo=document.repo,
        )
        self._seen = _Seen(self._signature(), journal_size, loaded.lineage, loaded.serial)
        return loaded

    def _current(self) -> _Seen | None:
        """The stored lineage and serial: as last seen if no other process wrote since."""
        seen = self._seen
        if (
            seen is not None
            and seen.signature == self._signature()
            and seen.journal_size == (self._journal_size())
        ):
            return seen
        self._load()
        return self._seen

    def _replay(self, document: StateDocument) -> int:
        """Apply the journal's lines of this lineage past the file's serial; the journal's size."""
        try:
            lines = complete_lines(self.journal_path)
            size = self._journal_size()
        except OSError as exc:
            raise StateError(
                f"{self.journal_path}: cannot read the journal ({exc.strerror})"
            ) from None
        for number, line in enumerate(lines or (), start=1):
            try:
                record = json.loads(line)
                lineage, serial = record["lineage"], record["serial"]
            except (ValueError, KeyError, TypeError) as exc:
                raise StateError(
                    self._corrupt_journal(number, f"not a journal line ({exc})")
                ) from None
            if lineage != document.lineage or serial <= document.serial:
                continue  # written before the state file was last rewritten, or another state's
            if serial != document.serial + 1:
                raise StateError(
                    self._corrupt_journal(number, f"serial {serial} follows {document.serial}")
                )
            try:
                _apply_line(document, record)
            except (ValueError, KeyError, TypeError) as exc:
                raise StateError(self._corrupt_journal(number, f"a bad resource ({exc})")) from None
        return size

    def _signature(self) -> Signature:
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return (0, 0, 0)
        return (status.st_ino, status.st_size, status.st_mtime_ns)

    def _journal_size(self) -> int:
        try:
            return os.stat(self.journal_path).st_size
        except FileNotFoundError:
            return 0

    # ------------------------------------------------------------ writing

    def _journal_line(
        self, document: StateDocument, seen: _Seen | None, serial: int
    ) -> bytes | None:
        """The journal line that records this write, or None: rewrite the state file instead."""
        resources = document.resources
        if (
            seen is None
            or not isinstance(resources, TrackedResources)
            or not resources.based_on(str(self.path), document.lineage, serial - 1)
        ):
            return None
        state_size = seen.signature[1]
        if state_size < self.journal_from_bytes:
            return None
        put, drop = resources.touched_split()
        if len(put) + len(drop) > max(MANY_TOUCHED, len(resources) // 8):
            return None
        record = {
            "lineage": document.lineage,
            "serial": serial,
            "repo": document.repo,
            "put": {a: resource_json(dict.__getitem__(resources, a)) for a in put},
            "drop": drop,
        }
        line = (
            json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
        ).encode("utf-8")
        if seen.journal_size + len(line) > max(state_size, self.journal_from_bytes):
            return None
        return line

    def _append(self, document: StateDocument, serial: int, line: bytes) -> StateDocument:
        journal_size = append_lines(self.journal_path, line)
        self.bytes_written += len(line)
        resources = document.resources
        assert isinstance(resources, TrackedResources)
        resources.rebase(serial)
        self._seen = _Seen(self._signature(), journal_size, document.lineage, serial)
        return StateDocument(
            lineage=document.lineage, serial=serial, resources=resources, repo=document.repo
        )

    def _rewrite(self, document: StateDocument, serial: int, seen: _Seen | None) -> StateDocument:
        """Write the whole state file (the previous version kept as the backup), then drop the
        journal it folds in."""
        previous = self._read_text()
        if previous is not None and seen is not None and seen.journal_size:
            stored = self._load()  # the journal holds writes: the backup is the replayed state
            previous = None if stored is None else encode(stored)
        if previous is not None:
            atomic_write(self.backup_path, previous)
        resources = document.resources
        if isinstance(resources, TrackedResources) and resources.origin == str(self.path):
            resources.lineage = document.lineage
            resources.rebase(serial)
        else:
            resources = TrackedResources(dict(resources), str(self.path), document.lineage, serial)
        updated = StateDocument(
            lineage=document.lineage, serial=serial, resources=resources, repo=document.repo
        )
        text = encode(updated)
        atomic_write(self.path, text)
        self.bytes_written += len(text.encode("utf-8"))
        if self.journal_path.exists():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.journal_path)
            fsync_directory(self.path.parent)
        self._seen = _Seen(self._signature(), 0, updated.lineage, serial)
        return updated

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

    def _corrupt_journal(self, number: int, detail: str) -> str:
        return (
            f"{self.journal_path}:{number}: the state journal is corrupt ({detail}); the state "
            f"file without it is {self.path} (older: the journal holds the writes since it was "
            f"last rewritten); restore both from a copy, or move the journal away to go back to "
            f"the state file and re-run plan to see what changed since"
        )

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


def _apply_line(document: StateDocument, record: Mapping[str, Any]) -> None:
    for address, raw in record["put"].items():
        resource = ResourceState.from_json(raw)
        if resource.address != address:
            raise ValueError(f"resource {address} says its address is {resource.address}")
        document.resources[address] = resource
    for address in record["drop"]:
        document.resources.pop(address, None)
    document.serial = int(record["serial"])
    document.repo = record.get("repo")

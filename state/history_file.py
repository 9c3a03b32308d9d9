"""The local backend's history: JSON lines beside the state file (`state.json` ->
`state.history.jsonl`), one HistoryEntry a line, appended in the order the writes landed.

An append is one write of whole lines followed by an fsync, done after the state's atomic replace:
a crash can lose the last batch's lines (the state has them, the history not), never record a
change the state lacks. A kill -9 mid-append leaves a torn last line without its newline: reads
ignore it and the next append cuts it off first. Callers hold the state directory lock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from storegate.providers.contract import StateError
from storegate.state.base import HistoryEntry
from storegate.state.files import atomic_write, fsync_directory


def history_path(state_path: Path) -> Path:
    return state_path.with_suffix(".history.jsonl")


def encode_lines(entries: Sequence[HistoryEntry]) -> bytes:
    return "".join(
        json.dumps(e.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
        for e in entries
    ).encode("utf-8")


class HistoryFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[HistoryEntry]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StateError(f"{self.path}: cannot read the history ({exc.strerror})") from None
        complete = data[: data.rfind(b"\n") + 1]  # a torn last line (no newline yet) is dropped
        entries = []
        for number, line in enumerate(complete.splitlines(), start=1):
            try:
                entries.append(HistoryEntry.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise StateError(
                    f"{self.path}:{number}: not a history entry ({exc}); the history file is "
                    f"corrupt: restore it from a copy or move the bad line out"
                ) from None
        return entries

    def append(self, entries: Sequence[HistoryEntry]) -> None:
        if not entries:
            return
        payload = encode_lines(entries)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._cut_torn_tail(fd)
            os.lseek(fd, 0, os.SEEK_END)
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_directory(self.path.parent)

    def replace(self, entries: Sequence[HistoryEntry]) -> None:
        atomic_write(self.path, encode_lines(entries).decode("utf-8"))

    @staticmethod
    def _cut_torn_tail(fd: int) -> None:
        size = os.fstat(fd).st_size
        if size == 0:
            return
        os.lseek(fd, size - 1, os.SEEK_SET)
        if os.read(fd, 1) == b"\n":
            return
        # Find the last newline; everything after it is a line a killed writer never finished.
        position, keep = size, 0
        while position > 0:
            step = min(65536, position)
            position -= step
            os.lseek(fd, position, os.SEEK_SET)
            chunk = os.read(fd, step)
            found = chunk.rfind(b"\n")
            if found >= 0:
                keep = position + found + 1
                break
        os.ftruncate(fd, keep)

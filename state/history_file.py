"""The local backend's history: JSON lines beside the state file (`state.json` ->
`state.history.jsonl`), one HistoryEntry a line, appended in the order the writes landed.

An append (state.lines) is done after the state's write: a crash can lose the last batch's lines
(the state has them, the history not), never record a change the state lacks. Callers hold the
state directory lock.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..providers.contract import StateError
from .base import HistoryEntry
from .files import atomic_write
from .lines import append_lines, complete_lines


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
            lines = complete_lines(self.path) or []
        except OSError as exc:
            raise StateError(f"{self.path}: cannot read the history ({exc.strerror})") from None
        entries = []
        for number, line in enumerate(lines, start=1):
            try:
                entries.append(HistoryEntry.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise StateError(
                    f"{self.path}:{number}: not a history entry ({exc}); the history file is "
                    f"corrupt: restore it from a copy or move the bad line out"
                ) from None
        return entries

    def append(self, entries: Sequence[HistoryEntry]) -> None:
        if entries:
            append_lines(self.path, encode_lines(entries))

    def replace(self, entries: Sequence[HistoryEntry]) -> None:
        atomic_write(self.path, encode_lines(entries).decode("utf-8"))

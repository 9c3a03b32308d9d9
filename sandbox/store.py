"""SQLite storage shared by every emulator: generic JSON records keyed by (system, type, id).

One connection guarded by a lock, so the threaded server and a seeding script may use it at once;
WAL mode lets another process (`storegate sandbox seed` while the server runs) write alongside.
Records are returned as fresh dicts the caller owns.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    system TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (system, type, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (
    system TEXT NOT NULL,
    type TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (system, type)
) WITHOUT ROWID;
"""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one atomic, fast commit (nested use joins the outer transaction)."""
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    def insert(self, system: str, type_: str, id_: str, data: Record) -> None:
        self.insert_many(system, type_, [(id_, data)])

    def insert_many(self, system: str, type_: str, items: Iterable[tuple[str, Record]]) -> None:
        rows = [(system, type_, id_, json.dumps(data)) for id_, data in items]
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO records (system, type, id, data) VALUES (?, ?, ?, ?)", rows
            )

    def update(self, system: str, type_: str, id_: str, data: Record) -> None:
        """Replace the record's data (insert it when absent)."""
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO records (system, type, id, data) VALUES (?, ?, ?, ?)",
                (system, type_, id_, json.dumps(data)),
            )

    def get(self, system: str, type_: str, id_: str) -> Record | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM records WHERE system = ? AND type = ? AND id = ?",
                (system, type_, id_),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def get_many(self, system: str, type_: str, ids: Iterable[str]) -> dict[str, Record]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Record] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT id, data FROM records WHERE system = ? AND type = ? AND id IN ({marks})",
                    (system, type_, *chunk),
                ).fetchall()
            found.update((id_, json.loads(data)) for id_, data in rows)
        return found

    def delete(self, system: str, type_: str, id_: str) -> bool:
        with self.transaction():
            cursor = self._conn.execute(
                "DELETE FROM records WHERE system = ? AND type = ? AND id = ?",
                (system, type_, id_),
            )
        return cursor.rowcount > 0

    def list(self, system: str, type_: str, where: Predicate | None = None) -> list[Record]:
        """Every record of a type (in insertion-independent id order), filtered by `where`."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM records WHERE system = ? AND type = ? ORDER BY id",
                (system, type_),
            ).fetchall()
        decoded = (json.loads(row[0]) for row in rows)
        if where is None:
            return list(decoded)
        return [record for record in decoded if where(record)]

    def count(self, system: str, type_: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM records WHERE system = ? AND type = ?", (system, type_)
            ).fetchone()
        return int(row[0])

    def ids(self, system: str, type_: str) -> set[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id FROM records WHERE system = ? AND type = ?", (system, type_)
            ).fetchall()
        return {row[0] for row in rows}

    def next_id(self, system: str, type_: str, count: int = 1) -> int:
        """A counter per (system, type), persisted: the first of `count` fresh consecutive values."""
        with self.transaction():
            row = self._conn.execute(
                "SELECT value FROM counters WHERE system = ? AND type = ?", (system, type_)
            ).fetchone()
            first = (row[0] if row else 0) + 1
            self._conn.execute(
                "INSERT OR REPLACE INTO counters (system, type, value) VALUES (?, ?, ?)",
                (system, type_, first + count - 1),
            )
        return int(first)

    def wipe(self, system: str | None = None) -> None:
        """Delete every record and counter (of one system, or of all)."""
        with self.transaction():
            if system is None:
                self._conn.execute("DELETE FROM records")
                self._conn.execute("DELETE FROM counters")
            else:
                self._conn.execute("DELETE FROM records WHERE system = ?", (system,))
                self._conn.execute("DELETE FROM counters WHERE system = ?", (system,))

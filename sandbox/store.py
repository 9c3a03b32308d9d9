"""SQLite storage shared by every emulator: generic JSON records keyed by (system, type, id).

One connection guarded by a lock, so the threaded server and a seeding script may use it at once;
WAL mode lets another process (`storegate sandbox seed` while the server runs) write alongside.
Records are returned as fresh dicts the caller owns; `records_decoded` counts the JSON records
read so far (a measure of the work a query did, which tests may read).

Column tables: an emulator that queries by field (the Salesforce SOQL emulator) declares, per record
type, the fields it filters and sorts on (`define_columns`). The store then keeps one narrow SQL row
per record with those fields as real columns (strings case-folded where asked, booleans as 0/1),
indexed where asked, in the same transaction as every write of the record, so queries run in SQL
over narrow rows instead of decoding every JSON record. The declarations are kept in the database,
so any process writing through a Store keeps the tables current.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
Rows = list[tuple[Any, ...]]
Records = list[Record]  # (inside Store, `list` names its method)
ColumnKind = Literal["text", "fold", "flag", "number"]
"""How a field is kept in a column table: text as is, text case-folded (compared and sorted
case-insensitively), a boolean as 0/1, a number as REAL."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def fold(value: str) -> str:
    """The case-insensitive form of a string, as column tables keep it and queries compare it."""
    return value.casefold()


def quote_name(name: str) -> str:
    """A field or table name as an SQL identifier (names are API names: letters, digits, _)."""
    if not _NAME.match(name):
        raise ValueError(f"not a field or table name: {name!r}")
    return f'"{name}"'


@dataclass(frozen=True)
class Column:
    """One field of a record type kept as a real SQL column (named `sql_name` when given, else
    after the field: a field called `id` needs another name, `id` being the table's text key)."""

    field: str
    kind: ColumnKind
    indexed: bool = False
    sql_name: str | None = None

    @property
    def name(self) -> str:
        """The column's SQL name."""
        return self.sql_name or self.field

    def value(self, record: Record) -> Any:
        raw = record.get(self.field)
        if self.kind == "fold":
            return fold(raw) if isinstance(raw, str) else None
        if self.kind == "flag":
            return None if raw is None else int(bool(raw))
        if self.kind == "number":
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                return None
            return float(raw)
        return raw if raw is None or isinstance(raw, str | int | float) else json.dumps(raw)


@dataclass(frozen=True)
class ColumnTable:
    """The column table of one (system, type): its SQL name and columns (the `id` column is the
    record id)."""

    name: str
    columns: tuple[Column, ...]

    def row(self, id_: str, record: Record) -> tuple[Any, ...]:
        return (id_, *(c.value(record) for c in self.columns))

    def spec(self) -> str:
        return json.dumps([_column_spec(c) for c in self.columns])

    @classmethod
    def from_spec(cls, name: str, spec: str) -> ColumnTable:
        columns = (Column(f, k, bool(i), *rest) for f, k, i, *rest in json.loads(spec))
        return cls(name, tuple(columns))


def _column_spec(column: Column) -> list[Any]:
    """A column's declaration as stored (the SQL name only when it differs from the field)."""
    spec: list[Any] = [column.field, column.kind, column.indexed]
    return spec if column.sql_name is None else [*spec, column.sql_name]


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
CREATE TABLE IF NOT EXISTS blobs (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS column_tables (
    system TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
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
        self._tables: dict[tuple[str, str], ColumnTable] = {}
        self.records_decoded = 0
        self._load_column_tables()

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
        pairs = list(items)
        rows = [(system, type_, id_, json.dumps(data)) for id_, data in pairs]
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO records (system, type, id, data) VALUES (?, ?, ?, ?)", rows
            )
            self._write_columns(system, type_, pairs)

    def update(self, system: str, type_: str, id_: str, data: Record) -> None:
        """Replace the record's data (insert it when absent)."""
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO records (system, type, id, data) VALUES (?, ?, ?, ?)",
                (system, type_, id_, json.dumps(data)),
            )
            self._write_columns(system, type_, [(id_, data)])

    def get(self, system: str, type_: str, id_: str) -> Record | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM records WHERE system = ? AND type = ? AND id = ?",
                (system, type_, id_),
            ).fetchone()
            self.records_decoded += 0 if row is None else 1
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
                self.records_decoded += len(rows)
            found.update((id_, json.loads(data)) for id_, data in rows)
        return found

    def delete(self, system: str, type_: str, id_: str) -> bool:
        with self.transaction():
            cursor = self._conn.execute(
                "DELETE FROM records WHERE system = ? AND type = ? AND id = ?",
                (system, type_, id_),
            )
            table = self._tables.get((system, type_))
            if table is not None:
                self._conn.execute(f"DELETE FROM {quote_name(table.name)} WHERE id = ?", (id_,))
        return cursor.rowcount > 0

    def list(self, system: str, type_: str, where: Predicate | None = None) -> list[Record]:
        """Every record of a type (in insertion-independent id order), filtered by `where`."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM records WHERE system = ? AND type = ? ORDER BY id",
                (system, type_),
            ).fetchall()
            self.records_decoded += len(rows)
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
            self._load_column_tables()
            if system is None:
                self._conn.execute("DELETE FROM records")
                self._conn.execute("DELETE FROM counters")
            else:
                self._conn.execute("DELETE FROM records WHERE system = ?", (system,))
                self._conn.execute("DELETE FROM counters WHERE system = ?", (system,))
            for (owner, _), table in self._tables.items():
                if system is None or owner == system:
                    self._conn.execute(f"DELETE FROM {quote_name(table.name)}")
            if system is None:
                self._conn.execute("DELETE FROM blobs")
            else:
                self._delete_blobs(f"{system}/")

    # --- blobs ------------------------------------------------------------------------------------

    def put_blob(self, system: str, name: str, data: str) -> None:
        """Keep a large text (an upload, a result set) of `system` under `name`. Blobs live apart
        from records: a row of megabytes among the records would slow every write near it."""
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO blobs (name, data) VALUES (?, ?)",
                (f"{system}/{name}", data),
            )

    def get_blob(self, system: str, name: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM blobs WHERE name = ?", (f"{system}/{name}",)
            ).fetchone()
        return None if row is None else str(row[0])

    def delete_blobs(self, system: str, prefix: str) -> None:
        """Delete the blobs of `system` whose name starts with `prefix`."""
        with self.transaction():
            self._delete_blobs(f"{system}/{prefix}")

    def _delete_blobs(self, prefix: str) -> None:
        self._conn.execute("DELETE FROM blobs WHERE substr(name, 1, ?) = ?", (len(prefix), prefix))

    # --- column tables ----------------------------------------------------------------------------

    def define_columns(self, system: str, type_: str, columns: Sequence[Column]) -> ColumnTable:
        """Keep `columns` of every record of (system, type) in a column table from now on (filled
        from the records already stored). Idempotent; a changed declaration rebuilds the table."""
        table = ColumnTable(f"cols__{system}__{type_}", tuple(columns))
        name = quote_name(table.name)
        with self.transaction():
            row = self._conn.execute(
                "SELECT name, spec FROM column_tables WHERE system = ? AND type = ?",
                (system, type_),
            ).fetchone()
            if row is not None and row[0] == table.name and row[1] == table.spec():
                self._tables[(system, type_)] = table
                return table
            names = ", ".join(quote_name(c.name) for c in table.columns)
            self._conn.execute(f"DROP TABLE IF EXISTS {name}")
            self._conn.execute(f"CREATE TABLE {name} (id TEXT PRIMARY KEY, {names}) WITHOUT ROWID")
            for column in table.columns:
                if column.indexed:
                    index = quote_name(f"{table.name}__{column.name}")
                    self._conn.execute(
                        f"CREATE INDEX {index} ON {name} ({quote_name(column.name)})"
                    )
            self._conn.execute(
                "INSERT OR REPLACE INTO column_tables (system, type, name, spec) VALUES (?, ?, ?, ?)",
                (system, type_, table.name, table.spec()),
            )
            self._tables[(system, type_)] = table
            stored = self._conn.execute(
                "SELECT id, data FROM records WHERE system = ? AND type = ?", (system, type_)
            ).fetchall()
            self.records_decoded += len(stored)
            self._write_columns(system, type_, [(i, json.loads(d)) for i, d in stored])
        return table

    def column_table(self, system: str, type_: str) -> ColumnTable | None:
        """The column table declared for (system, type), if any."""
        with self._lock:
            return self._tables.get((system, type_))

    def select(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        """Rows of a read-only SQL query (over column tables and records)."""
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def get_ordered(self, system: str, type_: str, ids: Sequence[str]) -> Records:
        """The records with these ids, in the order given (missing ones left out), in one query."""
        if not ids:
            return []
        with self._lock:
            rows = self._conn.execute(
                "SELECT r.data FROM json_each(?) AS j JOIN records AS r "
                "ON r.system = ? AND r.type = ? AND r.id = j.value ORDER BY j.key",
                (json.dumps(list(ids)), system, type_),
            ).fetchall()
            self.records_decoded += len(rows)
        return [json.loads(row[0]) for row in rows]

    def _write_columns(self, system: str, type_: str, items: Sequence[tuple[str, Record]]) -> None:
        table = self._tables.get((system, type_))
        if table is None or not items:
            return
        marks = ", ".join("?" * (len(table.columns) + 1))
        self._conn.executemany(
            f"INSERT OR REPLACE INTO {quote_name(table.name)} VALUES ({marks})",
            [table.row(id_, data) for id_, data in items],
        )

    def _load_column_tables(self) -> None:
        with self._lock:
            rows = self._conn.execute(
                "SELECT system, type, name, spec FROM column_tables"
            ).fetchall()
            self._tables = {(s, t): ColumnTable.from_spec(n, spec) for s, t, n, spec in rows}

"""`GET /v3/customers` answered in SQL over the store's column table of BigCommerce customers.

The store keeps one narrow row per customer (`CUSTOMER_COLUMNS`: the numeric id, the group, the
case-folded company and the sort keys) in the same transaction as every write. A listing filters,
orders and pages those rows in SQLite, counts the match for the paging meta, and reads only the
page's own records, so page N costs one page, never the N-1 pages before it or the rest of the
table.

The order is the id (as a number), or a sort key then the id, both descending for `:desc`; a
missing sort value sorts as "". Cursors bound the id: `after` takes the first `limit` of the
ordered rows above it, `before` the last `limit` below it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .store import Column, ColumnTable, Record, Store, fold, quote_name

SYSTEM = "bigcommerce"
CUSTOMER = "customer"
ID = "customer_id"
CUSTOMER_COLUMNS = (
    Column("id", "number", indexed=True, sql_name=ID),
    Column("customer_group_id", "number"),
    Column("company", "fold"),
    Column("date_created", "text"),
    Column("date_modified", "text"),
    Column("last_name", "text"),
)
SORT_KEYS = frozenset({"date_created", "date_modified", "last_name"})
_SQL_INT = (-(2**63), 2**63 - 1)


def define_customer_columns(store: Store) -> ColumnTable:
    """Declare the customers' column table (idempotent; fills it from stored customers once)."""
    return store.define_columns(SYSTEM, CUSTOMER, CUSTOMER_COLUMNS)


def company_key(company: str) -> str:
    """A `company:in` value as the column compares it."""
    return fold(company.strip())


@dataclass(frozen=True)
class Selection:
    """Which customers a listing wants and in which order. None means "not filtered by this";
    `ids` is the bound an `id:in` or `email:in` filter already resolved."""

    ids: Collection[int] | None = None
    groups: Collection[int] | None = None
    companies: Collection[str] | None = None  # as `company_key` gives them
    sort_key: str | None = None
    descending: bool = False

    def __post_init__(self) -> None:
        if self.sort_key is not None and self.sort_key not in SORT_KEYS:
            raise ValueError(f"not a sort key: {self.sort_key!r}")


@dataclass(frozen=True)
class Page:
    records: list[Record]
    more: bool
    """Whether rows lie past the page in the direction it was read."""


class CustomerListing:
    """The customers a `Selection` picks, counted and paged in SQL."""

    def __init__(self, store: Store, selection: Selection) -> None:
        self.store = store
        self.selection = selection
        table = store.column_table(SYSTEM, CUSTOMER) or define_customer_columns(store)
        self._table = quote_name(table.name)
        self._where, self._params = self._conditions()

    def count(self) -> int:
        rows = self.store.select(f"SELECT COUNT(*) FROM {self._table}{self._where}", self._params)
        return int(rows[0][0])

    def page(self, offset: int, limit: int) -> list[Record]:
        """`limit` customers after the first `offset`, in order."""
        return self._records(self._ids("", [], reverse=False, limit=limit, offset=offset))

    def after(self, bound: int, limit: int) -> Page:
        """The first `limit` customers with an id above `bound`, in order."""
        ids = self._ids(f"{quote_name(ID)} > ?", [_clamped(bound)], reverse=False, limit=limit + 1)
        return Page(self._records(ids[:limit]), len(ids) > limit)

    def before(self, bound: int, limit: int) -> Page:
        """The last `limit` customers with an id below `bound`, in order."""
        ids = self._ids(f"{quote_name(ID)} < ?", [_clamped(bound)], reverse=True, limit=limit + 1)
        return Page(self._records(ids[:limit][::-1]), len(ids) > limit)

    def _ids(
        self, bound: str, params: list[Any], reverse: bool, limit: int, offset: int = 0
    ) -> list[str]:
        """The ids of the selected customers (also within `bound`), in order or reversed."""
        where = self._where
        if bound:
            where = f"{where} AND {bound}" if where else f" WHERE {bound}"
        rows = self.store.select(
            f"SELECT {quote_name(ID)} FROM {self._table}{where} "
            f"ORDER BY {self._order(reverse)} LIMIT ? OFFSET ?",
            [*self._params, *params, limit, offset],
        )
        return [str(int(row[0])) for row in rows]

    def _records(self, ids: list[str]) -> list[Record]:
        return self.store.get_ordered(SYSTEM, CUSTOMER, ids)

    def _conditions(self) -> tuple[str, list[Any]]:
        selection = self.selection
        terms: list[str] = []
        params: list[Any] = []
        for name, values in (
            (ID, selection.ids),
            ("customer_group_id", selection.groups),
            ("company", selection.companies),
        ):
            if values is not None:
                terms.append(f"{quote_name(name)} IN (SELECT value FROM json_each(?))")
                params.append(json.dumps(sorted(set(values))))
        return (" WHERE " + " AND ".join(terms) if terms else ""), params

    def _order(self, reverse: bool) -> str:
        direction = "DESC" if self.selection.descending != reverse else "ASC"
        keys = [quote_name(ID)]
        if self.selection.sort_key is not None:
            keys.insert(0, f"COALESCE({quote_name(self.selection.sort_key)}, '')")
        return ", ".join(f"{key} {direction}" for key in keys)


def _clamped(bound: int) -> int:
    """A cursor's id within SQLite's integers (ids are far inside, so the answer is the same)."""
    return max(_SQL_INT[0], min(bound, _SQL_INT[1]))

"""SOQL answered in SQL: a parsed query compiled to one statement over the store's column tables.

`soql_eval.execute` asks here first. The WHERE clause, ORDER BY, LIMIT and OFFSET run in SQLite
over narrow rows (one real column per field, strings case-folded, indexes on Email, Name and the
lookups), which yields the ordered ids of the whole result: a snapshot kept by the query cursor.
Records are then read and shaped a page at a time (`LazyRecords`), so a page costs its own 2,000
records, never the earlier pages or the rest of the table.

The semantics are the Python evaluator's: case-insensitive string comparison and LIKE, `!=` and
`NOT IN` true for null, NOT over a comparison with null true, parent fields null when the lookup
is empty or the parent deleted, ties ordered by id. Anything else (parent-to-child subqueries,
paths of more than one relationship, or any query the evaluator would reject with an error) is
`Unsupported` here and left to the evaluator, which runs it or names the error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from ..sandbox import salesforce_meta as meta
from ..sandbox import salesforce_wire as wire
from .salesforce_meta import FieldSpec, ObjectSpec, Schema
from .soql import BoolOp, Comparison, Condition, FieldPath, Literal, Not, Query
from .store import Column, ColumnKind, Store, fold, quote_name

_STRINGY = (meta.STRING, meta.TEXTAREA, meta.EMAIL, meta.PICKLIST, meta.URL)
_IDS = (meta.ID, meta.REFERENCE)
_NUMBERS = (meta.CURRENCY, meta.DOUBLE)
_LITERAL_KINDS = {
    meta.BOOLEAN: "boolean",
    meta.DATE: "date",
    meta.DATETIME: "datetime",
    meta.CURRENCY: "number",
    meta.DOUBLE: "number",
}
_INDEXED = frozenset({"Email", "Name"})


class Unsupported(Exception):
    """The query is not one this module compiles; the Python evaluator runs it instead."""


def column_kind(spec: FieldSpec) -> ColumnKind:
    if spec.type in _STRINGY:
        return "fold"
    if spec.type == meta.BOOLEAN:
        return "flag"
    if spec.type in _NUMBERS:
        return "number"
    return "text"


def columns_for(spec: ObjectSpec) -> list[Column]:
    """The column table of an object: every field but Id (the table's key)."""
    return [
        Column(f.name, column_kind(f), f.name in _INDEXED or f.type == meta.REFERENCE)
        for f in spec.fields.values()
        if f.name != "Id"
    ]


def define_tables(store: Store) -> None:
    """Declare the column tables of every emulated object (idempotent; fills them once)."""
    for spec in meta.default_objects().values():
        store.define_columns(wire.SYSTEM, spec.name, columns_for(spec))


@dataclass(frozen=True)
class _Parent:
    lookup: FieldSpec
    spec: ObjectSpec
    alias: str


@dataclass(frozen=True)
class _Field:
    """A field path bound to a column: the SQL expression, the field, its parent hop if any."""

    sql: str
    field: FieldSpec
    kind: ColumnKind
    parent: _Parent | None


@dataclass
class _Compiler:
    schema: Schema
    spec: ObjectSpec
    store: Store
    params: list[Any] = field(default_factory=list)
    parents: dict[str, _Parent] = field(default_factory=dict)

    def table(self, spec: ObjectSpec) -> tuple[str, set[str]]:
        table = self.store.column_table(wire.SYSTEM, spec.name)
        if table is None:
            raise Unsupported(f"no column table for {spec.name}")
        return quote_name(table.name), {c.field for c in table.columns}

    def resolve(self, path: FieldPath) -> _Field:
        parts = path.parts
        if len(parts) > 1 and parts[0].lower() == self.spec.name.lower():
            parts = parts[1:]
        if len(parts) == 1:
            own = self.spec.field(parts[0])
            if own is None:
                raise Unsupported(parts[0])
            return self._bound("s", self.spec, own, None)
        if len(parts) != 2:
            raise Unsupported("a path of more than one relationship")
        lookup = self.spec.relationship(parts[0])
        target = self.schema.object(lookup.reference_to[0]) if lookup else None
        found = target.field(parts[1]) if target else None
        if lookup is None or target is None or found is None:
            raise Unsupported(path.dotted)
        parent = self.parents.get(lookup.name)
        if parent is None:
            parent = _Parent(lookup, target, f"p{len(self.parents)}")
            self.parents[lookup.name] = parent
        return self._bound(parent.alias, target, found, parent)

    def _bound(
        self, alias: str, spec: ObjectSpec, found: FieldSpec, parent: _Parent | None
    ) -> _Field:
        if found.name == "Id":
            return _Field(f"{alias}.id", found, "text", parent)
        _, columns = self.table(spec)
        if found.name not in columns:
            raise Unsupported(f"{spec.name}.{found.name} has no column")
        return _Field(f"{alias}.{quote_name(found.name)}", found, column_kind(found), parent)

    def joins(self) -> str:
        out = []
        for parent in self.parents.values():
            name, _ = self.table(parent.spec)
            lookup = quote_name(parent.lookup.name)
            out.append(
                f" LEFT JOIN {name} AS {parent.alias} ON {parent.alias}.id = s.{lookup}"
                f' AND {parent.alias}."IsDeleted" = 0'
            )
        return "".join(out)

    # --- WHERE ----------------------------------------------------------------------------------

    def condition(self, cond: Condition) -> str:
        if isinstance(cond, BoolOp):
            glue = f" {cond.op} "
            return "(" + glue.join(self.condition(c) for c in cond.operands) + ")"
        if isinstance(cond, Not):
            # NULL from a comparison with null means false (as in the evaluator), so NOT makes it true.
            return f"(NOT COALESCE({self.condition(cond.operand)}, 0))"
        if isinstance(cond, Comparison):
            return self.comparison(cond)
        raise Unsupported(type(cond).__name__)

    def comparison(self, cond: Comparison) -> str:
        bound = self.resolve(cond.field)
        ref = bound.sql
        if cond.op == "LIKE":
            if not isinstance(cond.value, Literal) or cond.value.kind != "string":
                raise Unsupported("LIKE needs a string")
            if bound.field.type not in _STRINGY and bound.field.type not in _IDS:
                raise Unsupported("LIKE on a field that is not text")
            self.params.append(like_pattern(str(cond.value.value), bound.kind == "fold"))
            return f"({ref} LIKE ? ESCAPE '\\')"
        if cond.op in ("IN", "NOT IN"):
            if not isinstance(cond.value, tuple):
                raise Unsupported("IN needs a list")
            values = [self.literal(bound.field, lit) for lit in cond.value]
            return self.membership(ref, values, cond.op == "IN")
        if not isinstance(cond.value, Literal):
            raise Unsupported("a comparison needs a value")
        wanted = self.literal(bound.field, cond.value)
        if cond.op == "=":
            return self.bind(f"({ref} = ?)", wanted) if wanted is not None else f"({ref} IS NULL)"
        if cond.op == "!=":
            return self.bind(f"({ref} IS NOT ?)", wanted)
        if wanted is None or cond.op not in ("<", ">", "<=", ">="):
            raise Unsupported(f"{cond.op} with null")
        return self.bind(f"({ref} {cond.op} ?)", wanted)

    def membership(self, ref: str, values: list[Any], inside: bool) -> str:
        present = list(dict.fromkeys(v for v in values if v is not None))
        with_null = any(v is None for v in values)
        listed = ""
        if present:
            listed = f"{ref} {'IN' if inside else 'NOT IN'} ({', '.join('?' * len(present))})"
            self.params.extend(present)
        if inside:
            parts = [p for p in (listed, f"{ref} IS NULL" if with_null else "") if p]
            return "(" + " OR ".join(parts) + ")" if parts else "(0)"
        if with_null:
            return f"({ref} IS NOT NULL AND {listed})" if listed else f"({ref} IS NOT NULL)"
        return f"({ref} IS NULL OR {listed})" if listed else "(1)"

    def bind(self, sql: str, value: Any) -> str:
        self.params.append(value)
        return sql

    @staticmethod
    def literal(spec: FieldSpec, literal: Literal) -> Any:
        """The literal as the column holds it; a type mismatch is the evaluator's error to name."""
        if literal.kind == "null":
            return None
        if literal.kind != _LITERAL_KINDS.get(spec.type, "string"):
            raise Unsupported("literal of another type")
        value = literal.value
        if spec.type in _STRINGY:
            return fold(str(value))
        if spec.type in _IDS:
            return wire.to_id18(str(value))
        if spec.type == meta.DATETIME:
            return wire.format_datetime(wire.parse_datetime(str(value)))
        if spec.type in _NUMBERS:
            return float(value)
        if spec.type == meta.BOOLEAN:
            return int(bool(value))
        return value

    # --- ORDER BY -------------------------------------------------------------------------------

    def order(self, query: Query) -> str:
        keys = []
        for item in query.order_by:
            bound = self.resolve(item.field)
            direction = "DESC" if item.descending else "ASC"
            nulls = "LAST" if item.nulls_last else "FIRST"
            keys.append(f"{bound.sql} {direction} NULLS {nulls}")
        keys.append("s.id")
        return ", ".join(keys)


def like_pattern(value: str, folding: bool) -> str:
    """A SOQL LIKE pattern (`\\%`, `\\_` literal) as an SQLite LIKE pattern with ESCAPE '\\'."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            out.append(_like_literal(next(chars, "\\"), folding))
        elif char in "%_":
            out.append(char)
        else:
            out.append(_like_literal(char, folding))
    return "".join(out)


def _like_literal(char: str, folding: bool) -> str:
    if char in "%_\\":
        return "\\" + char
    return fold(char) if folding else char


def run(
    query: Query,
    schema: Schema,
    store: Store,
    version: str,
    include_deleted: bool,
) -> tuple[ObjectSpec, int, LazyRecords] | None:
    """(object, total, records) for a query this module compiles, else None."""
    if getattr(query, "subqueries", ()):
        return None
    spec = schema.object(query.sobject)
    if spec is None:
        return None
    compiler = _Compiler(schema, spec, store)
    try:
        table, _ = compiler.table(spec)
        # Selected parent fields are read with each page; only WHERE and ORDER BY join here.
        selection = _Compiler(schema, spec, store)
        selected = [selection.resolve(path) for path in query.fields]
        where = [] if include_deleted else ['s."IsDeleted" = 0']
        if query.where is not None:
            where.append(compiler.condition(query.where))
        order = compiler.order(query)
        joins = compiler.joins()
    except Unsupported:
        return None
    sql = f"SELECT s.id FROM {table} AS s{joins}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}"
    params = list(compiler.params)
    if query.limit is not None or query.offset is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [query.limit if query.limit is not None else -1, query.offset or 0]
    if query.count:
        [(total,)] = store.select(f"SELECT COUNT(*) FROM ({sql})", params)
        return spec, int(total), LazyRecords(store, spec, [], [], version)
    # One string of ids (alphanumeric, so a comma separates them) is far cheaper than a row each.
    [(joined,)] = store.select(f"SELECT group_concat(id, ',') FROM ({sql})", params)
    ids = str(joined).split(",") if joined else []
    return spec, len(ids), LazyRecords(store, spec, ids, selected, version)


class LazyRecords(Sequence[dict[str, Any]]):
    """The shaped records of a result, read from the store a slice at a time: one SQL statement
    per slice extracts the selected fields of the slice's records and of their live parents."""

    def __init__(
        self,
        store: Store,
        spec: ObjectSpec,
        ids: list[str],
        selected: Sequence[_Field],
        version: str,
    ) -> None:
        self._store = store
        self._spec = spec
        self._ids = ids
        self._version = version
        self._sql, self._params, self._plan = _page_statement(spec, selected)

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return self._read(self._ids[index])
        return self._read([self._ids[index]])[0]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for start in range(0, len(self._ids), 2000):
            yield from self._read(self._ids[start : start + 2000])

    def _read(self, ids: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        return self._shape_rows(self._store.select(self._sql, [json.dumps(ids), *self._params]))

    def _shape_rows(self, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        own, parents = self._plan
        name, version = self._spec.name, self._version
        shaped: list[dict[str, Any]] = []
        for row in rows:
            out: dict[str, Any] = {"attributes": attributes(name, row[0], version)}
            for field_name, at, flag in own:
                value = row[at]
                out[field_name] = bool(value) if flag and value is not None else value
            for key, type_, id_at, fields in parents:
                parent_id = row[id_at]
                if parent_id is None:
                    out[key] = None
                    continue
                nested: dict[str, Any] = {"attributes": attributes(type_, parent_id, version)}
                for field_name, at, flag in fields:
                    value = row[at]
                    nested[field_name] = bool(value) if flag and value is not None else value
                out[key] = nested
            shaped.append(out)
        return shaped


_Extract = tuple[str, int, bool]  # field name, position in the row, is a checkbox
_Plan = tuple[list[_Extract], list[tuple[str, str, int, list[_Extract]]]]


def _page_statement(spec: ObjectSpec, selected: Sequence[_Field]) -> tuple[str, list[Any], _Plan]:
    """The SQL reading a slice of records (ids as a JSON array, in order) with their selected
    fields and live parents' fields, and where each lands in the shaped record."""
    columns = ["r.id"]
    joins: list[str] = []
    params: list[Any] = [wire.SYSTEM, spec.name]
    own: list[_Extract] = []
    hops: dict[str, tuple[str, str, int, list[_Extract]]] = {}
    for bound in selected:
        hop = bound.parent
        if hop is None:
            source = "r"
            target = own
        else:
            if hop.lookup.name not in hops:
                alias = f"p{len(hops)}"
                key = hop.lookup.relationship_name or hop.lookup.name
                columns.append(f"{alias}.id")
                hops[hop.lookup.name] = (key, hop.spec.name, len(columns) - 1, [])
                joins.append(
                    f" LEFT JOIN records AS {alias} ON {alias}.system = ? AND {alias}.type = ?"
                    f" AND {alias}.id = json_extract(r.data, '$.{hop.lookup.name}')"
                    f" AND json_extract({alias}.data, '$.IsDeleted') = 0"
                )
                params += [wire.SYSTEM, hop.spec.name]
            source = f"p{list(hops).index(hop.lookup.name)}"
            target = hops[hop.lookup.name][3]
        quote_name(bound.field.name)  # an API name, safe inside the JSON path
        columns.append(f"json_extract({source}.data, '$.{bound.field.name}')")
        target.append((bound.field.name, len(columns) - 1, bound.field.type == meta.BOOLEAN))
    sql = (
        f"SELECT {', '.join(columns)} FROM json_each(?) AS j JOIN records AS r"
        f" ON r.system = ? AND r.type = ? AND r.id = j.value{''.join(joins)} ORDER BY j.key"
    )
    # json_each's array comes first, then the main table's system and type, then each join's.
    return sql, params, (own, list(hops.values()))


def attributes(type_: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": type_, "url": f"/services/data/{version}/sobjects/{type_}/{record_id}"}

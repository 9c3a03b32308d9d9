"""Runs a parsed SOQL query against the store, with Salesforce's semantics: case-insensitive string
comparison and LIKE, typed literals checked against the field's type, parent fields through up to
five relationships, parent-to-child subqueries, deleted rows only for queryAll."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..sandbox import salesforce_meta as meta
from ..sandbox import salesforce_wire as wire
from ..sandbox import soql_sql
from .salesforce_meta import FieldSpec, ObjectSpec, Schema
from .soql import BoolOp, Comparison, Condition, FieldPath, Literal, Not, Query
from .store import Record, Store


class SoqlFieldError(ValueError):
    """A field, relationship or literal the object does not have (INVALID_FIELD)."""


class SoqlTypeError(ValueError):
    """The FROM object is not known (INVALID_TYPE)."""


MAX_PARENT_HOPS = 5  # Salesforce: relationship paths go at most five levels up

Parents = dict[str, dict[str, Record]]  # object name -> id -> live record


@dataclass(frozen=True)
class Hop:
    """One step up a relationship: the lookup field and the object it points to."""

    lookup: FieldSpec
    target: ObjectSpec

    @property
    def key(self) -> str:
        """The relationship name (`Account`, `s_c__Pricebook_Id__r`): the JSON key of the parent."""
        assert self.lookup.relationship_name is not None
        return self.lookup.relationship_name


@dataclass(frozen=True)
class Resolved:
    """A field path bound to the schema: an own field, or a field of an ancestor reached through
    one to five lookups (`Account.s_c__Pricebook_Id__r.Name` from Contact)."""

    path: FieldPath
    hops: tuple[Hop, ...]
    field: FieldSpec

    def ancestors(self, record: Record, parents: Parents) -> list[Record | None]:
        """The record at each hop (None from the first empty lookup on)."""
        chain: list[Record | None] = []
        current: Record | None = record
        for hop in self.hops:
            parent_id = current.get(hop.lookup.name) if current is not None else None
            current = parents[hop.target.name].get(parent_id) if parent_id is not None else None
            chain.append(current)
        return chain

    def value(self, record: Record, parents: Parents) -> Any:
        holder = self.ancestors(record, parents)[-1] if self.hops else record
        return None if holder is None else holder.get(self.field.name)


@dataclass(frozen=True)
class ChildQuery:
    """A parent-to-child subquery bound to the schema: the child object, the lookup on it that
    points to the parent, and the subquery's own fields, filter and order."""

    name: str  # the relationship name as the response key (`Contacts`)
    spec: ObjectSpec
    lookup: FieldSpec
    query: Query
    selected: tuple[Resolved, ...]
    used: tuple[Resolved, ...]


@dataclass
class QueryResult:
    sobject: ObjectSpec
    total: int
    records: Sequence[dict[str, Any]]  # a list, or soql_sql.LazyRecords read a page at a time


def _resolve(schema: Schema, spec: ObjectSpec, path: FieldPath) -> Resolved:
    parts = path.parts
    if len(parts) > 1 and parts[0].lower() == spec.name.lower():
        parts = parts[1:]  # `Contact.Email` FROM Contact names an own field
    if len(parts) == 1:
        own = spec.field(parts[0])
        if own is None:
            raise SoqlFieldError(
                f"No such column '{parts[0]}' on entity '{spec.name}'. If you are attempting to "
                "use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names."
            )
        return Resolved(path, (), own)
    if len(parts) - 1 > MAX_PARENT_HOPS:
        raise SoqlFieldError(
            f"Didn't understand relationship '{'.'.join(parts[:-1])}' in field path: "
            f"a field path may follow at most {MAX_PARENT_HOPS} relationships."
        )
    hops: list[Hop] = []
    current = spec
    for name in parts[:-1]:
        lookup = current.relationship(name)
        target = schema.object(lookup.reference_to[0]) if lookup else None
        if lookup is None or target is None:
            raise SoqlFieldError(
                f"Didn't understand relationship '{name}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' after the "
                "custom relationship name. Please reference your WSDL or the describe call for "
                "the appropriate names."
            )
        hops.append(Hop(lookup, target))
        current = target
    field = current.field(parts[-1])
    if field is None:
        raise SoqlFieldError(f"No such column '{parts[-1]}' on entity '{current.name}'.")
    return Resolved(path, tuple(hops), field)


def _child_query(schema: Schema, parent: ObjectSpec, sub: Query, version: str) -> ChildQuery:
    """Bind `(SELECT ... FROM Contacts ...)` to the child object named by the parent's describe."""
    wanted = sub.sobject.lower()
    relationships = schema.describe(parent, version)["childRelationships"]
    found = next((r for r in relationships if r["relationshipName"].lower() == wanted), None)
    child = schema.object(found["childSObject"]) if found else None
    lookup = child.field(found["field"]) if child and found else None
    if found is None or child is None or lookup is None:
        raise SoqlFieldError(
            f"Didn't understand relationship '{sub.sobject}' in FROM part of query call. If you "
            "are attempting to use a custom relationship, be sure to append the '__r' after the "
            "custom relationship name. Please reference your WSDL or the describe call for the "
            "appropriate names."
        )
    selected = tuple(_resolve(schema, child, path) for path in sub.fields)
    used: list[Resolved] = list(selected)
    if sub.where is not None:
        _compile(schema, child, sub.where, used)
    used.extend(_resolve(schema, child, item.field) for item in sub.order_by)
    return ChildQuery(found["relationshipName"], child, lookup, sub, selected, tuple(used))


_STRINGY = (meta.STRING, meta.TEXTAREA, meta.EMAIL, meta.PICKLIST, meta.URL)
_IDS = (meta.ID, meta.REFERENCE)
_NUMBERS = (meta.CURRENCY, meta.DOUBLE)


def _literal_value(field: FieldSpec, literal: Literal) -> Any:
    """The literal as a comparable value of the field's type; a mismatch is INVALID_FIELD."""
    if literal.kind == "null":
        return None
    expected: dict[str, str] = {
        meta.BOOLEAN: "boolean",
        meta.DATE: "date",
        meta.DATETIME: "datetime",
        meta.CURRENCY: "number",
        meta.DOUBLE: "number",
    }
    wanted = expected.get(field.type, "string")
    if literal.kind != wanted:
        quoting = "be enclosed in quotes" if wanted == "string" else "not be enclosed in quotes"
        raise SoqlFieldError(
            f"value of filter criterion for field '{field.name}' must be of type {wanted} "
            f"and should {quoting}"
        )
    return _comparable(field, literal.value)


def _comparable(field: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if field.type in _STRINGY:
        return str(value).casefold()
    if field.type in _IDS:
        return wire.to_id18(str(value))
    if field.type == meta.DATETIME:
        return value if isinstance(value, datetime) else wire.parse_datetime(str(value))
    if field.type in _NUMBERS:
        return float(value)
    return value


def _like_pattern(literal: Literal) -> re.Pattern[str]:
    """SOQL LIKE (% any run, _ one char, \\% and \\_ literal) as a case-insensitive regex."""
    out: list[str] = []
    chars = iter(literal.value)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


Predicate = Callable[[Record, Parents], bool]


def _compile(schema: Schema, spec: ObjectSpec, cond: Condition, used: list[Resolved]) -> Predicate:
    if isinstance(cond, BoolOp):
        parts = [_compile(schema, spec, c, used) for c in cond.operands]
        if cond.op == "AND":
            return lambda r, p: all(part(r, p) for part in parts)
        return lambda r, p: any(part(r, p) for part in parts)
    if isinstance(cond, Not):
        inner = _compile(schema, spec, cond.operand, used)
        return lambda r, p: not inner(r, p)
    return _compile_comparison(schema, spec, cond, used)


def _compile_comparison(
    schema: Schema, spec: ObjectSpec, cond: Comparison, used: list[Resolved]
) -> Predicate:
    resolved = _resolve(schema, spec, cond.field)
    used.append(resolved)
    field = resolved.field

    def get(record: Record, parents: Parents) -> Any:
        return _comparable(field, resolved.value(record, parents))

    if cond.op == "LIKE":
        assert isinstance(cond.value, Literal)
        if field.type not in _STRINGY and field.type not in _IDS:
            raise SoqlFieldError(f"invalid operator on {field.type} field: LIKE on {field.name}")
        pattern = _like_pattern(cond.value)
        return lambda r, p: (
            (v := resolved.value(r, p)) is not None and bool(pattern.fullmatch(str(v)))
        )
    if cond.op in ("IN", "NOT IN"):
        assert isinstance(cond.value, tuple)
        members = {_literal_value(field, lit) for lit in cond.value}
        if cond.op == "IN":
            return lambda r, p: get(r, p) in members
        return lambda r, p: get(r, p) not in members
    assert isinstance(cond.value, Literal)
    wanted = _literal_value(field, cond.value)
    op = cond.op
    if op == "=":
        return lambda r, p: get(r, p) == wanted
    if op == "!=":
        return lambda r, p: get(r, p) != wanted
    if wanted is None:
        raise SoqlFieldError(f"invalid operator {op} with null on field {field.name}")
    compares: dict[str, Callable[[Any], bool]] = {
        "<": lambda v: v < wanted,
        ">": lambda v: v > wanted,
        "<=": lambda v: v <= wanted,
        ">=": lambda v: v >= wanted,
    }
    compare = compares[op]
    return lambda r, p: (v := get(r, p)) is not None and compare(v)


def _shape(
    record: Record,
    spec: ObjectSpec,
    selected: Sequence[Resolved],
    parents: Parents,
    version: str,
) -> dict[str, Any]:
    """The record as the REST API renders it: own fields flat, each parent nested under its
    relationship name with its own `attributes` (None where a lookup on the way is empty)."""
    out: dict[str, Any] = {"attributes": attributes(spec.name, record["Id"], version)}
    for resolved in selected:
        holder = out
        chain = resolved.ancestors(record, parents)
        for hop, ancestor in zip(resolved.hops, chain, strict=True):
            if ancestor is None:
                holder[hop.key] = None
                break
            nested = holder.get(hop.key)
            if not isinstance(nested, dict):
                nested = {"attributes": attributes(hop.target.name, ancestor["Id"], version)}
                holder[hop.key] = nested
            holder = nested
        else:
            holder[resolved.field.name] = resolved.value(record, parents)
    return out


def attributes(type_: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": type_, "url": f"/services/data/{version}/sobjects/{type_}/{record_id}"}


def _sort(
    rows: list[Record],
    query: Query,
    schema: Schema,
    spec: ObjectSpec,
    parents: Parents,
) -> None:
    """ORDER BY: stable sorts from the last key to the first."""
    for item in reversed(query.order_by):
        resolved = _resolve(schema, spec, item.field)
        # Nulls go to one end whatever the direction, so their rank flips when the sort reverses.
        null_rank = 1 if item.nulls_last != item.descending else 0

        def key(
            record: Record, resolved: Resolved = resolved, null_rank: int = null_rank
        ) -> tuple[int, Any]:
            value = _comparable(resolved.field, resolved.value(record, parents))
            if value is None:
                return (null_rank, 0)
            return (1 - null_rank, value)

        rows.sort(key=key, reverse=item.descending)


def execute(
    query: Query, schema: Schema, store: Store, version: str, include_deleted: bool
) -> QueryResult:
    answered = soql_sql.run(query, schema, store, version, include_deleted)
    if answered is not None:  # in SQL over the column tables (see soql_sql)
        return QueryResult(*answered)
    spec = schema.object(query.sobject)
    if spec is None:
        raise SoqlTypeError(f"sObject type '{query.sobject}' is not supported.")
    selected = [_resolve(schema, spec, path) for path in query.fields]
    used: list[Resolved] = list(selected)
    where = _compile(schema, spec, query.where, used) if query.where is not None else None
    for item in query.order_by:
        used.append(_resolve(schema, spec, item.field))
    children = [_child_query(schema, spec, sub, version) for sub in query.subqueries]
    for child in children:
        used.extend(child.used)

    parents: Parents = {}
    for resolved in used:
        for hop in resolved.hops:
            if hop.target.name not in parents:
                parents[hop.target.name] = {
                    r["Id"]: r
                    for r in store.list(wire.SYSTEM, hop.target.name)
                    if not r.get("IsDeleted")
                }

    def keep(record: Record) -> bool:
        if record.get("IsDeleted") and not include_deleted:
            return False
        return where is None or where(record, parents)

    rows = store.list(wire.SYSTEM, spec.name, keep)
    _sort(rows, query, schema, spec, parents)
    start = query.offset or 0
    stop = start + query.limit if query.limit is not None else None
    rows = rows[start:stop]
    if query.count:
        return QueryResult(spec, len(rows), [])
    shaped = [_shape(r, spec, selected, parents, version) for r in rows]
    for child in children:
        _attach_children(child, rows, shaped, schema, store, parents, version, include_deleted)
    return QueryResult(spec, len(shaped), shaped)


def _attach_children(
    child: ChildQuery,
    rows: list[Record],
    shaped: list[dict[str, Any]],
    schema: Schema,
    store: Store,
    parents: Parents,
    version: str,
    include_deleted: bool,
) -> None:
    """Each parent's child records as a nested query result under the relationship name, or None
    when it has none (as the REST API renders an empty subquery)."""
    parent_ids = {r["Id"] for r in rows}
    scratch: list[Resolved] = []
    where = (
        _compile(schema, child.spec, child.query.where, scratch)
        if child.query.where is not None
        else None
    )

    def keep(record: Record) -> bool:
        if record.get(child.lookup.name) not in parent_ids:
            return False
        if record.get("IsDeleted") and not include_deleted:
            return False
        return where is None or where(record, parents)

    by_parent: dict[str, list[Record]] = {}
    for record in store.list(wire.SYSTEM, child.spec.name, keep):
        by_parent.setdefault(record[child.lookup.name], []).append(record)
    start = child.query.offset or 0
    for row, out in zip(rows, shaped, strict=True):
        found = by_parent.get(row["Id"], [])
        _sort(found, child.query, schema, child.spec, parents)
        stop = start + child.query.limit if child.query.limit is not None else None
        found = found[start:stop]
        out[child.name] = (
            {
                "totalSize": len(found),
                "done": True,
                "records": [_shape(r, child.spec, child.selected, parents, version) for r in found],
            }
            if found
            else None
        )

"""Runs a parsed SOQL query against the store, with Salesforce's semantics: case-insensitive string
comparison and LIKE, typed literals checked against the field's type, parent fields through
relationships, deleted rows only for queryAll."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storegate.sandbox import salesforce_meta as meta
from storegate.sandbox import salesforce_wire as wire
from storegate.sandbox.salesforce_meta import FieldSpec, ObjectSpec, Schema
from storegate.sandbox.soql import BoolOp, Comparison, Condition, FieldPath, Literal, Not, Query
from storegate.sandbox.store import Record, Store


class SoqlFieldError(ValueError):
    """A field, relationship or literal the object does not have (INVALID_FIELD)."""


class SoqlTypeError(ValueError):
    """The FROM object is not known (INVALID_TYPE)."""


@dataclass(frozen=True)
class Resolved:
    """A field path bound to the schema: an own field, or a field of a parent via a lookup."""

    path: FieldPath
    lookup: FieldSpec | None  # the lookup field on the queried object, for parent paths
    parent: ObjectSpec | None
    field: FieldSpec

    def value(self, record: Record, parents: dict[str, dict[str, Record]]) -> Any:
        if self.lookup is None:
            return record.get(self.field.name)
        parent = self._parent_record(record, parents)
        return None if parent is None else parent.get(self.field.name)

    def _parent_record(
        self, record: Record, parents: dict[str, dict[str, Record]]
    ) -> Record | None:
        assert self.lookup is not None and self.parent is not None
        parent_id = record.get(self.lookup.name)
        return None if parent_id is None else parents[self.parent.name].get(parent_id)


@dataclass
class QueryResult:
    sobject: ObjectSpec
    total: int
    records: list[dict[str, Any]]


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
        return Resolved(path, None, None, own)
    if len(parts) == 2:
        lookup = spec.relationship(parts[0])
        parent = schema.object(lookup.reference_to[0]) if lookup else None
        if lookup is None or parent is None:
            raise SoqlFieldError(
                f"Didn't understand relationship '{parts[0]}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' after the "
                "custom relationship name."
            )
        target = parent.field(parts[1])
        if target is None:
            raise SoqlFieldError(f"No such column '{parts[1]}' on entity '{parent.name}'.")
        return Resolved(path, lookup, parent, target)
    raise SoqlFieldError(f"Didn't understand relationship '{'.'.join(parts[:-1])}' in field path.")


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


Predicate = Callable[[Record, dict[str, dict[str, Record]]], bool]


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

    def get(record: Record, parents: dict[str, dict[str, Record]]) -> Any:
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
    selected: list[Resolved],
    parents: dict[str, dict[str, Record]],
    version: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": attributes(spec.name, record["Id"], version)}
    for resolved in selected:
        if resolved.lookup is None:
            out[resolved.field.name] = record.get(resolved.field.name)
            continue
        assert resolved.parent is not None and resolved.lookup.relationship_name is not None
        key = resolved.lookup.relationship_name
        parent = resolved._parent_record(record, parents)
        if parent is None:
            out[key] = None
            continue
        nested = out.get(key) or {
            "attributes": attributes(resolved.parent.name, parent["Id"], version)
        }
        nested[resolved.field.name] = parent.get(resolved.field.name)
        out[key] = nested
    return out


def attributes(type_: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": type_, "url": f"/services/data/{version}/sobjects/{type_}/{record_id}"}


def _sort(
    rows: list[Record],
    query: Query,
    schema: Schema,
    spec: ObjectSpec,
    parents: dict[str, dict[str, Record]],
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
    spec = schema.object(query.sobject)
    if spec is None:
        raise SoqlTypeError(f"sObject type '{query.sobject}' is not supported.")
    selected = [_resolve(schema, spec, path) for path in query.fields]
    used: list[Resolved] = list(selected)
    where = _compile(schema, spec, query.where, used) if query.where is not None else None
    for item in query.order_by:
        used.append(_resolve(schema, spec, item.field))

    parents: dict[str, dict[str, Record]] = {}
    for resolved in used:
        if resolved.parent is not None and resolved.parent.name not in parents:
            parents[resolved.parent.name] = {
                r["Id"]: r
                for r in store.list(wire.SYSTEM, resolved.parent.name)
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
    return QueryResult(spec, len(shaped), shaped)

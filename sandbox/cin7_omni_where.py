"""The `where` and `order` query parameters of the Cin7 Omni API, parsed (pyparsing) and evaluated.

A `where` is a SQL-like condition over a resource's fields: `Email='jane@acme.example'`,
`IsActive=1 AND Type='Customer'`, `Id IN (3, 4)`, `Company LIKE 'Acme%'`, `Email IS NULL`,
`ModifiedDate>'2026-01-01'`, combined with AND, OR, NOT and parentheses. Field names are matched
case-insensitively (the API takes `email` as well as `Email`), string comparisons and LIKE ignore
case (SQL Server's default collation), strings are single-quoted with '' for a quote.
An `order` is `Field [ASC|DESC], ...`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyparsing as pp


class WhereError(ValueError):
    """The condition does not parse or names an unknown field (the API answers 400)."""


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # = != < > <= >= LIKE IN NOT IN IS NULL IS NOT NULL
    value: Any


@dataclass(frozen=True)
class Both:
    op: str  # AND | OR
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Negate:
    part: Condition


Condition = Compare | Both | Negate
Record = Mapping[str, Any]


def _grammar() -> pp.ParserElement:
    kw = pp.CaselessKeyword
    and_, or_, not_, in_, like, is_, null = (
        kw("AND"),
        kw("OR"),
        kw("NOT"),
        kw("IN"),
        kw("LIKE"),
        kw("IS"),
        kw("NULL"),
    )
    true, false = kw("TRUE"), kw("FALSE")
    reserved = and_ | or_ | not_ | in_ | like | is_ | null | true | false
    name = ~reserved + pp.Word(pp.alphas + "_", pp.alphanums + "_")
    string = pp.QuotedString("'", esc_quote="''", convert_whitespace_escapes=False)
    number = pp.Regex(r"[+-]?\d+(\.\d+)?").set_parse_action(
        lambda t: float(t[0]) if "." in t[0] else int(t[0])
    )
    boolean = true.copy().set_parse_action(lambda: True) | false.copy().set_parse_action(
        lambda: False
    )
    value = string | number | boolean
    operator = pp.one_of("= != <> <= >= < >")
    plain = (name + operator + value).set_parse_action(
        lambda t: Compare(t[0], "!=" if t[1] == "<>" else t[1], t[2])
    )
    listed = pp.Suppress("(") + pp.Group(pp.DelimitedList(value)) + pp.Suppress(")")
    membership = (name + pp.Opt(not_)("negated") + in_ + listed).set_parse_action(
        lambda t: Compare(t[0], "NOT IN" if "negated" in t else "IN", tuple(t[-1]))
    )
    matching = (name + like + string).set_parse_action(lambda t: Compare(t[0], "LIKE", t[2]))
    nullness = (name + is_ + pp.Opt(not_)("negated") + null).set_parse_action(
        lambda t: Compare(t[0], "IS NOT NULL" if "negated" in t else "IS NULL", None)
    )
    comparison = membership | matching | nullness | plain

    def joined(op: str) -> Callable[[pp.ParseResults], Both]:
        return lambda t: Both(op, tuple(t[0][0::2]))

    grammar: pp.ParserElement = pp.infix_notation(  # type: ignore[no-untyped-call]
        comparison,
        [
            (not_, 1, pp.OpAssoc.RIGHT, lambda t: Negate(t[0][1])),
            (and_, 2, pp.OpAssoc.LEFT, joined("AND")),
            (or_, 2, pp.OpAssoc.LEFT, joined("OR")),
        ],
    )
    return grammar


_GRAMMAR = _grammar()
_LOCK = threading.Lock()  # pyparsing's packrat state is not documented as thread-safe


def parse_where(text: str, fields: Mapping[str, str]) -> Condition:
    """The condition, its field names resolved through `fields` (lower-case name -> stored name)."""
    try:
        with _LOCK:
            parsed = _GRAMMAR.parse_string(text, parse_all=True)[0]
    except pp.ParseBaseException as exc:
        raise WhereError(f"invalid where near column {exc.col}: {text!r}") from None
    return _resolve(parsed, fields)


def _resolve(condition: Condition, fields: Mapping[str, str]) -> Condition:
    if isinstance(condition, Compare):
        stored = fields.get(condition.field.lower())
        if stored is None:
            raise WhereError(f"invalid where: unknown field {condition.field!r}")
        return Compare(stored, condition.op, condition.value)
    if isinstance(condition, Negate):
        return Negate(_resolve(condition.part, fields))
    return Both(condition.op, tuple(_resolve(p, fields) for p in condition.parts))


def matches(condition: Condition, record: Record) -> bool:
    if isinstance(condition, Negate):
        return not matches(condition.part, record)
    if isinstance(condition, Both):
        results = (matches(p, record) for p in condition.parts)
        return all(results) if condition.op == "AND" else any(results)
    return _compare(condition, record.get(condition.field))


def _compare(condition: Compare, actual: Any) -> bool:
    op, wanted = condition.op, condition.value
    if op == "IS NULL":
        return actual is None or actual == ""
    if op == "IS NOT NULL":
        return not (actual is None or actual == "")
    if actual is None:
        return False
    if op in ("IN", "NOT IN"):
        found = any(_equal(actual, w) for w in wanted)
        return found if op == "IN" else not found
    if op == "LIKE":
        return _like(str(wanted)).fullmatch(str(actual)) is not None
    if op == "=":
        return _equal(actual, wanted)
    if op == "!=":
        return not _equal(actual, wanted)
    left, right = _comparable(actual, wanted)
    try:
        return bool(
            {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
        )
    except TypeError:
        return False


def _comparable(actual: Any, wanted: Any) -> tuple[Any, Any]:
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return int(bool(actual)), int(bool(wanted))
    if isinstance(actual, int | float) and isinstance(wanted, int | float):
        return actual, wanted
    return str(actual).casefold(), str(wanted).casefold()


def _equal(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, bool):
        if isinstance(wanted, str):
            return wanted.strip().lower() in (("true", "1") if actual else ("false", "0"))
        return bool(wanted) == actual
    if isinstance(actual, int | float) and not isinstance(wanted, str):
        return float(actual) == float(wanted)
    return str(actual).casefold() == str(wanted).casefold()


def _like(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class OrderBy:
    field: str
    descending: bool


_ORDER_ITEM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\s(ASC|DESC))?\s*$", re.IGNORECASE)


def parse_order(text: str, fields: Mapping[str, str]) -> list[OrderBy]:
    order: list[OrderBy] = []
    for item in text.split(","):
        found = _ORDER_ITEM.match(item)
        if found is None:
            raise WhereError(f"invalid order {text!r}: use Field [ASC|DESC], ...")
        stored = fields.get(found[1].lower())
        if stored is None:
            raise WhereError(f"invalid order: unknown field {found[1]!r}")
        order.append(OrderBy(stored, (found[2] or "ASC").upper() == "DESC"))
    return order


def sort_records(records: list[dict[str, Any]], order: list[OrderBy]) -> None:
    """Sort in place, nulls first, stable over the earlier keys (last key sorted first)."""
    for item in reversed(order):
        records.sort(key=_key_of(item.field), reverse=item.descending)


def _key_of(field: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda record: _sort_key(record.get(field))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value).casefold())

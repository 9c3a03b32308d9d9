"""SOQL text: the one quoting helper every value goes through, and the query builders.

Salesforce string literals are single-quoted; a backslash escapes quotes, the backslash itself and
control characters. Values are never formatted into SOQL any other way, so `O'Brien & Sons` stays a
name and `x' OR Name != '` stays a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

MAX_SOQL_CHARS = 10_000
"""Keep every SOQL string under this, so the GET URL stays within Salesforce's URI limit."""

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_NEEDS_ESCAPE = re.compile("[\\\\'\"\n\r\t\b\f]")
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")

Literal = str | bool | int | float | date | None


def quote(value: Literal) -> str:
    """A SOQL literal for `value`: strings quoted and escaped; booleans, numbers, dates bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "'" + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], value) + "'"


def is_api_name(name: str) -> bool:
    """True for a field API name safe to place in SOQL unquoted (e.g. s_c__Active__c, Account.Name)."""
    return bool(_API_NAME.match(name))


def select(sobject: str, fields: Sequence[str], where: Sequence[str] = ()) -> str:
    """SELECT fields FROM sobject [WHERE c1 AND c2 ...]; conditions are parenthesised."""
    text = f"SELECT {', '.join(fields)} FROM {sobject}"
    if where:
        text += " WHERE " + " AND ".join(f"({c})" for c in where)
    return text


def in_conditions(field: str, values: Iterable[str], budget: int) -> Iterator[str]:
    """`field IN (...)` conditions over all `values`, each at most `budget` characters long."""
    head = f"{field} IN ("
    current: list[str] = []
    size = len(head) + 1
    for value in sorted(set(values)):
        literal = quote(value)
        extra = len(literal) + (1 if current else 0)
        if current and size + extra > budget:
            yield head + ",".join(current) + ")"
            current, size = [], len(head) + 1
            extra = len(literal)
        current.append(literal)
        size += extra
    if current:
        yield head + ",".join(current) + ")"


def chunked_selects(
    sobject: str,
    fields: Sequence[str],
    field: str,
    values: Iterable[str],
    where: Sequence[str] = (),
) -> Iterator[str]:
    """One SELECT per chunk of `values`, each query under MAX_SOQL_CHARS."""
    base = len(select(sobject, fields, [*where, ""]))
    budget = max(MAX_SOQL_CHARS - base, 200)
    for condition in in_conditions(field, values, budget):
        yield select(sobject, fields, [*where, condition])

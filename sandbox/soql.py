"""A SOQL parser (pyparsing grammar) producing a small AST; `soql_eval` runs it against the store.

Covers what the provider and common clients send: SELECT with parent fields up to five
relationships deep (`Account.s_c__Pricebook_Id__r.Name`), parent-to-child subqueries
(`(SELECT Id FROM Contacts WHERE ... ORDER BY ... LIMIT n)`) or COUNT(), FROM,
WHERE (= != <> < > <= >= IN, NOT IN, LIKE, AND, OR, NOT, parentheses, NULL, TRUE/FALSE, numbers,
date and datetime literals, quoted strings with SOQL's backslash escapes), ORDER BY (ASC/DESC,
NULLS FIRST/LAST), LIMIT and OFFSET.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pyparsing as pp


class SoqlSyntaxError(ValueError):
    """The query does not parse (Salesforce: MALFORMED_QUERY)."""


@dataclass(frozen=True)
class Literal:
    kind: str  # string | number | boolean | null | date | datetime
    value: Any
    text: str


@dataclass(frozen=True)
class FieldPath:
    parts: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Comparison:
    field: FieldPath
    op: str  # = != < > <= >= IN NOT IN LIKE
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    operand: Condition


Condition = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderItem:
    field: FieldPath
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    fields: tuple[FieldPath, ...]
    count: bool
    sobject: str  # in a subquery: the child relationship name (`Contacts`)
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    subqueries: tuple[Query, ...] = ()  # parent-to-child: `(SELECT Id FROM Contacts)`


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
# Kept escaped for LIKE, where \% and \_ mean a literal % and _.
_LIKE_ESCAPES = {"%": "\\%", "_": "\\_"}


def unescape(raw: str) -> str:
    """The value of a quoted SOQL string body (without the quotes), applying SOQL's escapes."""
    out: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, None)
        if following is None:
            raise SoqlSyntaxError("a quoted string ends with a lone backslash")
        if following in _ESCAPES:
            out.append(_ESCAPES[following])
        elif following in _LIKE_ESCAPES:
            out.append(_LIKE_ESCAPES[following])
        elif following == "u":
            digits = "".join(next(chars, "") for _ in range(4))
            if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise SoqlSyntaxError("\\u must be followed by four hex digits")
            out.append(chr(int(digits, 16)))
        else:
            raise SoqlSyntaxError(f"Invalid string literal: unknown escape sequence \\{following}")
    return "".join(out)


def _grammar() -> pp.ParserElement:
    kw = pp.CaselessKeyword
    select, from_, where, order, by = kw("SELECT"), kw("FROM"), kw("WHERE"), kw("ORDER"), kw("BY")
    asc, desc, nulls, first, last = kw("ASC"), kw("DESC"), kw("NULLS"), kw("FIRST"), kw("LAST")
    limit, offset, and_, or_, not_ = kw("LIMIT"), kw("OFFSET"), kw("AND"), kw("OR"), kw("NOT")
    in_, like, null, true, false, count = (
        kw("IN"),
        kw("LIKE"),
        kw("NULL"),
        kw("TRUE"),
        kw("FALSE"),
        kw("COUNT"),
    )
    keyword = pp.MatchFirst(
        [
            select,
            from_,
            where,
            order,
            by,
            limit,
            offset,
            and_,
            or_,
            not_,
            in_,
            like,
            null,
            true,
            false,
        ]
    )
    ident = ~keyword + pp.Word(pp.alphas, pp.alphanums + "_")
    field_path = pp.Group(ident + pp.ZeroOrMore(pp.Suppress(".") + ident)).set_parse_action(
        lambda t: FieldPath(tuple(t[0]))
    )

    two, four = pp.Word(pp.nums, exact=2), pp.Word(pp.nums, exact=4)
    date = pp.Combine(four + "-" + two + "-" + two)
    zone = pp.Literal("Z") | pp.Combine(pp.one_of("+ -") + two + pp.Opt(":") + two)
    clock = pp.Combine("T" + two + ":" + two + ":" + two + pp.Opt("." + pp.Word(pp.nums)) + zone)
    datetime_lit = pp.Combine(date + clock).set_parse_action(
        lambda t: Literal("datetime", t[0], t[0])
    )
    date_lit = date.copy().set_parse_action(lambda t: Literal("date", t[0], t[0]))
    number = pp.Combine(
        pp.Opt(pp.one_of("+ -")) + pp.Word(pp.nums) + pp.Opt("." + pp.Word(pp.nums))
    )
    number_lit = number.set_parse_action(lambda t: Literal("number", float(t[0]), t[0]))
    quoted = pp.QuotedString(
        "'", esc_char="\\", unquote_results=False, convert_whitespace_escapes=False
    )
    string_lit = quoted.set_parse_action(lambda t: Literal("string", unescape(t[0][1:-1]), t[0]))
    null_lit = null.copy().set_parse_action(lambda: Literal("null", None, "null"))
    true_lit = true.copy().set_parse_action(lambda: Literal("boolean", True, "true"))
    false_lit = false.copy().set_parse_action(lambda: Literal("boolean", False, "false"))
    value = datetime_lit | date_lit | number_lit | string_lit | null_lit | true_lit | false_lit

    operator = pp.one_of("= != <> <= >= < >")
    plain = (field_path + operator + value).set_parse_action(
        lambda t: Comparison(t[0], "!=" if t[1] == "<>" else t[1], t[2])
    )
    value_list = pp.Suppress("(") + pp.Group(pp.DelimitedList(value)) + pp.Suppress(")")
    membership = (field_path + pp.Opt(not_) + in_ + value_list).set_parse_action(
        lambda t: Comparison(t[0], "NOT IN" if len(t) == 4 else "IN", tuple(t[-1]))
    )
    like_cmp = (field_path + like + string_lit).set_parse_action(
        lambda t: Comparison(t[0], "LIKE", t[2])
    )
    comparison = membership | like_cmp | plain

    def bool_op(name: str) -> Any:
        return lambda t: BoolOp(name, tuple(t[0][0::2]))

    condition = pp.infix_notation(  # type: ignore[no-untyped-call]
        comparison,
        [
            (not_, 1, pp.OpAssoc.RIGHT, lambda t: Not(t[0][1])),
            (and_, 2, pp.OpAssoc.LEFT, bool_op("AND")),
            (or_, 2, pp.OpAssoc.LEFT, bool_op("OR")),
        ],
    )

    count_expr = (count + pp.Suppress("(") + pp.Suppress(")")).set_parse_action(lambda: "COUNT()")
    direction = pp.Opt(asc | desc, default="ASC")
    null_order = pp.Opt(pp.Suppress(nulls) + (first | last), default="")
    order_item = (field_path + direction + null_order).set_parse_action(
        lambda t: OrderItem(
            t[0],
            t[1].upper() == "DESC",
            t[2].upper() == "LAST" if t[2] else t[1].upper() == "DESC",
        )
    )
    integer = pp.Word(pp.nums).set_parse_action(lambda t: int(t[0]))
    object_name = ~keyword + pp.Word(pp.alphas, pp.alphanums + "_")

    def clauses(select_list: pp.ParserElement) -> pp.ParserElement:
        return (
            pp.Suppress(select)
            + select_list
            + pp.Suppress(from_)
            + object_name("sobject")
            + pp.Opt(pp.Suppress(where) + condition("where"))
            + pp.Opt(pp.Suppress(order + by) + pp.Group(pp.DelimitedList(order_item))("order"))
            + pp.Opt(pp.Suppress(limit) + integer("limit"))
            + pp.Opt(pp.Suppress(offset) + integer("offset"))
        )

    subquery = (
        pp.Suppress("(")
        + clauses(pp.Group(pp.DelimitedList(field_path))("fields"))
        + pp.Suppress(")")
    ).set_parse_action(lambda t: _query(t))
    select_list = count_expr("count") | pp.Group(pp.DelimitedList(field_path | subquery))("fields")
    return clauses(select_list) + pp.StringEnd()


def _optional(result: pp.ParseResults, name: str) -> Any:
    """An optional clause's value, or None (ParseResults.get is untyped)."""
    named: Any = result
    return named.get(name, None)


def _query(result: pp.ParseResults) -> Query:
    counting = "count" in result
    items = [] if counting else list(result["fields"])
    where = _optional(result, "where")
    order = _optional(result, "order")
    return Query(
        fields=tuple(i for i in items if isinstance(i, FieldPath)),
        count=counting,
        sobject=str(result["sobject"][0]),
        where=where[0] if isinstance(where, pp.ParseResults) else where,
        order_by=tuple(order) if order is not None else (),
        limit=_optional(result, "limit"),
        offset=_optional(result, "offset"),
        subqueries=tuple(i for i in items if isinstance(i, Query)),
    )


_GRAMMAR = _grammar()
_LOCK = threading.Lock()  # pyparsing parse state is not documented as thread-safe


def parse(text: str) -> Query:
    try:
        with _LOCK:
            result = _GRAMMAR.parse_string(text, parse_all=True)
    except pp.ParseBaseException as exc:
        near = text[exc.loc : exc.loc + 20] or "end of query"
        raise SoqlSyntaxError(
            f"unexpected token: '{near.split()[0] if near.strip() else near}' "
            f"at Row:{exc.lineno} Column:{exc.col}"
        ) from exc
    return _query(result)

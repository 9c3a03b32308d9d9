"""Adobe Commerce `searchCriteria`: parsing the bracketed query parameters and evaluating them.

    searchCriteria[filter_groups][0][filters][0][field]=company_name
    searchCriteria[filter_groups][0][filters][0][value]=Acme%
    searchCriteria[filter_groups][0][filters][0][condition_type]=like
    searchCriteria[sortOrders][0][field]=entity_id&searchCriteria[sortOrders][0][direction]=DESC
    searchCriteria[pageSize]=300&searchCriteria[currentPage]=2

Filters inside one group are OR'ed, groups are AND'ed. Magento's REST layer accepts both the
snake_case keys of the guides (`filter_groups`, `condition_type`, `page_size`) and the camelCase keys
of the OpenAPI specs (`filterGroups`, `conditionType`, `pageSize`). `condition_type` defaults to
`eq`. String comparisons ignore case (MySQL's default collation); numbers compare as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CONDITIONS = frozenset(
    {
        "eq",
        "neq",
        "in",
        "nin",
        "like",
        "nlike",
        "gt",
        "gteq",
        "lt",
        "lteq",
        "moreq",
        "from",
        "to",
        "null",
        "notnull",
        "finset",
        "nfinset",
    }
)
_KEY = re.compile(r"^(?P<prefix>[A-Za-z]+)(?P<parts>(\[[^\]]*\])+)$")
_ALIASES = {
    "filterGroups": "filter_groups",
    "conditionType": "condition_type",
    "sortOrders": "sort_orders",
    "pageSize": "page_size",
    "currentPage": "current_page",
}


class CriteriaError(ValueError):
    """A searchCriteria the store refuses; `message` uses placeholders filled from `parameters`."""

    def __init__(self, message: str, parameters: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.parameters = dict(parameters)


@dataclass(frozen=True)
class Filter:
    field: str
    value: str
    condition_type: str = "eq"


@dataclass(frozen=True)
class SortOrder:
    field: str
    direction: str = "ASC"


@dataclass
class Criteria:
    groups: list[list[Filter]] = field(default_factory=list)
    sort_orders: list[SortOrder] = field(default_factory=list)
    page_size: int | None = None
    current_page: int | None = None

    def fields(self) -> set[str]:
        return {f.field for group in self.groups for f in group} | {
            s.field for s in self.sort_orders
        }

    def echo(self) -> dict[str, Any]:
        """The `search_criteria` object a search response repeats back."""
        out: dict[str, Any] = {
            "filter_groups": [
                {
                    "filters": [
                        {"field": f.field, "value": f.value, "condition_type": f.condition_type}
                        for f in group
                    ]
                }
                for group in self.groups
            ]
        }
        if self.sort_orders:
            out["sort_orders"] = [
                {"field": s.field, "direction": s.direction} for s in self.sort_orders
            ]
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.current_page is not None:
            out["current_page"] = self.current_page
        return out


def _invalid(value: str, name: str) -> CriteriaError:
    return CriteriaError(
        'Invalid value of "%value" provided for the %fieldName field.',
        {"value": value, "fieldName": name},
    )


def parse_criteria(query: Mapping[str, Sequence[str]], prefix: str = "searchCriteria") -> Criteria:
    """The Criteria of a query string (`prefix` is `criteria` on a few endpoints)."""
    tree: dict[str, Any] = {}
    for key, values in query.items():
        found = _KEY.match(key)
        if found is None or found["prefix"] != prefix:
            continue
        parts = [_ALIASES.get(p, p) for p in re.findall(r"\[([^\]]*)\]", found["parts"])]
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise _invalid(key, prefix)
            node = child
        node[parts[-1]] = values[-1] if values else ""
    criteria = Criteria()
    for _, group in _indexed(tree.get("filter_groups"), "filter_groups"):
        filters = []
        for _, raw in _indexed(
            group.get("filters") if isinstance(group, dict) else None, "filters"
        ):
            filters.append(_filter(raw))
        if filters:
            criteria.groups.append(filters)
    for _, raw in _indexed(tree.get("sort_orders"), "sort_orders"):
        name = raw.get("field") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name:
            raise _invalid(str(name), "sortOrders.field")
        direction = str(raw.get("direction") or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise _invalid(direction, "sortOrders.direction")
        criteria.sort_orders.append(SortOrder(name, direction))
    criteria.page_size = _int(tree.get("page_size"), "pageSize")
    criteria.current_page = _int(tree.get("current_page"), "currentPage")
    return criteria


def _indexed(node: Any, name: str) -> list[tuple[int, Any]]:
    if node is None:
        return []
    if not isinstance(node, dict):
        raise _invalid(str(node), name)
    items = []
    for index, value in node.items():
        if not index.isdigit():
            raise _invalid(index, name)
        items.append((int(index), value))
    return sorted(items, key=lambda pair: pair[0])


def _filter(raw: Any) -> Filter:
    if not isinstance(raw, dict):
        raise _invalid(str(raw), "filters")
    name = raw.get("field")
    if not isinstance(name, str) or not name:
        raise CriteriaError(
            '"%fieldName" is required. Enter and try again.', {"fieldName": "field"}
        )
    condition = str(raw.get("condition_type") or "eq").lower()
    if condition not in CONDITIONS:
        raise _invalid(condition, "condition_type")
    value = raw.get("value")
    if value is None and condition not in ("null", "notnull"):
        raise CriteriaError(
            '"%fieldName" is required. Enter and try again.', {"fieldName": "value"}
        )
    return Filter(name, "" if value is None else str(value), condition)


def _int(raw: Any, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if not text.lstrip("-").isdigit():
        raise _invalid(text, name)
    return int(text)


# ---------------------------------------------------------------- evaluation

Getter = Callable[[Mapping[str, Any], str], Any]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _compare(live: Any, wanted: str) -> int | None:
    """-1, 0, 1 like a SQL comparison; None when live is NULL."""
    if live is None:
        return None
    left, right = _number(live), _number(wanted)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    a, b = str(live).casefold(), wanted.casefold()
    return (a > b) - (a < b)


def _like(live: Any, pattern: str) -> bool:
    if live is None:
        return False
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, str(live), flags=re.IGNORECASE | re.DOTALL) is not None


def _in_set(live: Any, wanted: str) -> bool:
    values = [v.strip() for v in str(live).split(",")] if live not in (None, "") else []
    return any(_compare(v, wanted) == 0 for v in values)


def matches(live: Any, f: Filter) -> bool:
    condition = f.condition_type
    if condition == "null":
        return live in (None, "")
    if condition == "notnull":
        return live not in (None, "")
    if condition in ("in", "nin"):
        wanted = [v.strip() for v in f.value.split(",")]
        hit = live is not None and any(_compare(live, w) == 0 for w in wanted)
        return hit if condition == "in" else (live is not None and not hit)
    if condition in ("like", "nlike"):
        hit = _like(live, f.value)
        return hit if condition == "like" else (live is not None and not hit)
    if condition in ("finset", "nfinset"):
        hit = _in_set(live, f.value)
        return hit if condition == "finset" else not hit
    order = _compare(live, f.value)
    if order is None:
        return False
    return {
        "eq": order == 0,
        "neq": order != 0,
        "gt": order > 0,
        "gteq": order >= 0,
        "moreq": order >= 0,
        "from": order >= 0,
        "lt": order < 0,
        "lteq": order <= 0,
        "to": order <= 0,
    }[condition]


def _key(value: Any) -> tuple[str, Any]:
    number = _number(value)
    return ("n", number) if number is not None else ("s", str(value).casefold())


def predicate(f: Filter) -> Callable[[Any], bool]:
    """`matches` for one filter, with an `in` / `nin` list made a set once (large lists)."""
    if f.condition_type not in ("in", "nin"):
        return lambda live: matches(live, f)
    wanted = {_key(v.strip()) for v in f.value.split(",")}
    if f.condition_type == "in":
        return lambda live: live is not None and _key(live) in wanted
    return lambda live: live is not None and _key(live) not in wanted


def select(
    records: Sequence[Mapping[str, Any]],
    criteria: Criteria,
    get: Getter,
    known_fields: frozenset[str],
) -> list[Mapping[str, Any]]:
    """The records the filter groups keep, sorted by the sort orders (then by id)."""
    unknown = sorted(criteria.fields() - known_fields)
    if unknown:
        raise _invalid(unknown[0], "field")
    groups = [[(f.field, predicate(f)) for f in group] for group in criteria.groups]
    kept = [
        record
        for record in records
        if all(any(test(get(record, name)) for name, test in group) for group in groups)
    ]
    kept.sort(key=lambda r: _number(r.get("id")) or 0.0)
    for order in reversed(criteria.sort_orders):
        kept.sort(
            key=lambda r, name=order.field: _sort_key(get(r, name)),
            reverse=order.direction == "DESC",
        )
    return kept


def _sort_key(value: Any) -> tuple[int, float, str]:
    number = _number(value)
    if value is None:
        return (0, 0.0, "")
    if number is not None:
        return (1, number, "")
    return (2, 0.0, str(value).casefold())


@dataclass(frozen=True)
class PageLimits:
    """The optional "Web API input limits": off by default, then every search is unbounded."""

    enabled: bool = False
    max_page_size: int = 300
    default_page_size: int = 20
    clamp_current_page: bool = True
    """Magento collections serve the last page again for a currentPage past the end."""


def page(
    records: Sequence[Mapping[str, Any]], criteria: Criteria, limits: PageLimits
) -> list[Mapping[str, Any]]:
    size = criteria.page_size
    if size is not None and size < 0:
        raise _invalid(str(size), "pageSize")
    if limits.enabled:
        if size is None or size == 0:
            size = limits.default_page_size
        if size > limits.max_page_size:
            raise CriteriaError(
                "Maximum SearchCriteria pageSize is %max", {"max": limits.max_page_size}
            )
    if not size:
        return list(records)
    current = criteria.current_page or 1
    if current < 1:
        raise _invalid(str(current), "currentPage")
    last = max((len(records) + size - 1) // size, 1)
    if current > last and limits.clamp_current_page:
        current = last
    return list(records[(current - 1) * size : current * size])

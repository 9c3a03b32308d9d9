"""Emporix's wire shapes: error bodies of both services, the gateway's 401, the `q` parameter,
sorting and offset paging. Facts are from the emporix/api-references OpenAPI files (customer-service,
oauth-service, client-management) unless a comment marks them (U): unverified, and then a setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .http import Response

SYSTEM = "emporix"
TENANT_PATTERN = re.compile(r"^[a-z][a-z0-9]{2,15}$")
CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,66}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")

READ_CUSTOMERS = ("customer.customer_read", "customer.customer_read_own")
MANAGE_CUSTOMERS = ("customer.customer_manage", "customer.customer_manage_own")
READ_ENTITIES = ("customermanagement.legalentity_read", "customermanagement.legalentity_read_own")
MANAGE_ENTITIES = ("customermanagement.legalentity_manage",)
READ_ASSIGNMENTS = ("customermanagement.contactassignment_read",)
MANAGE_ASSIGNMENTS = ("customermanagement.contactassignment_manage",)
ALL_SCOPES = (
    *READ_CUSTOMERS,
    *MANAGE_CUSTOMERS,
    "customer.import_manage",
    *READ_ENTITIES,
    *MANAGE_ENTITIES,
    *READ_ASSIGNMENTS,
    *MANAGE_ASSIGNMENTS,
)

SETTINGS: dict[str, Any] = {
    "tenant": "sandbox",
    # OAuth service (V: expires_in 14399 and session_idle_time 120 in the example answer; no refresh).
    "token_lifetime_seconds": 14399,
    "session_idle_time": 120,
    "client_scopes": list(ALL_SCOPES),
    # (U) a token that stops working after N authenticated calls (0: never): "expires mid-apply".
    "expire_token_after_calls": 0,
    # (U) Emporix publishes no maximum pageSize for customers, nor what a bigger one does.
    "max_page_size": 1000,
    "oversized_page": "cap",  # "cap": serve max_page_size items; "error": 400
    # (U) whether GET /customers honours the X-Total-Count request header (legal entities do: V).
    "x_total_count": True,
    # (U) the `Count` header: "Number of retrieved customers" - this page (False) or all (True).
    "count_header_is_total": False,
    # (U) active/onHold of a customer created without them (POST takes neither).
    "created_active": True,
    "created_on_hold": False,
    # (U) PUT on an existing customer: replace the profile (True) or merge the given fields.
    "put_replaces": False,
    # (U) deleting a customer also deletes its contact assignments.
    "delete_removes_assignments": True,
    # (U) a second assignment of one customer to one legal entity answers 409.
    "duplicate_assignment_conflict": True,
    # (U) no published rate limit: 0 turns it off; otherwise N requests per window, then 429.
    "rate_limit_requests": 0,
    "rate_limit_window_ms": 1000,
    "retry_after_seconds": 1,  # the 429's Retry-After header; null sends none
    # Run the next N calls of this endpoint (e.g. "PUT /customers/{customerNumber}"), then drop the
    # connection unanswered: the uncertain outcome a client must survive.
    "drop_answer_endpoint": "",
    "drop_answer_count": 0,
}


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


# ---------------------------------------------------------------- error bodies

_TYPES = {
    400: "bad_request",
    403: "Forbidden",
    404: "resource_not_found",
    405: "method_not_allowed",
    409: "conflict_resource",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}
_REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error(
    status: int, message: str, details: list[dict[str, str]] | None = None, type_: str = ""
) -> Response:
    """The customer service's ErrorMessage: {status, type, message, details?}."""
    body: dict[str, Any] = {
        "status": status,
        "type": type_ or _TYPES.get(status, "error"),
        "message": message,
    }
    if details:
        body["details"] = details
    return Response(status, body)


def generic_error(status: int, message: str) -> Response:
    """What the sandbox answers for an injected status, a bad JSON body, a 404/405 route."""
    if status == 401:
        return gateway_401(expired=False)
    if status == 403:
        return forbidden()
    return error(status, message)


def bad_field(field: str, message: str, type_: str = "invalid_value") -> dict[str, str]:
    return {"field": field, "type": type_, "message": message}


def gateway_401(*, expired: bool) -> Response:
    """The API gateway's 401 (V): a `fault` body, not the services' ErrorMessage."""
    if expired:
        fault = {
            "faultstring": "Access Token expired",
            "detail": {"errorcode": "keymanagement.service.access_token_expired"},
        }
    else:
        fault = {
            "faultstring": "Invalid access token",
            "detail": {"errorcode": "oauth.v2.InvalidAccessToken"},
        }
    return Response(401, {"fault": fault})


def forbidden() -> Response:
    return Response(403, {"type": "Forbidden", "status": 403, "message": "User not authorized."})


def customer_not_found(number: str) -> Response:
    return Response(
        404,
        {
            "status": 404,
            "type": "application/json",
            "message": "Customer not Found",
            "details": [{"message": f"Couldn't find a customer with customerNumber '{number}'"}],
        },
    )


def address_not_found(address_id: str, number: str) -> Response:
    return error(404, f"Address {address_id} of customer {number} not found.")


def duplicate_account(email: str, tenant: str) -> Response:
    return error(409, f"Duplicate account '{email}' for tenant '{tenant}'.")


def invalid_tenant() -> Response:
    return error(400, "The tenant information provided with the request is not valid.")


def rate_limited(retry_after: Any) -> Response:
    """(U) no 429 contract is published; the gateway's fault shape, Retry-After if configured."""
    body = {
        "fault": {
            "faultstring": "Rate limit quota violation. Quota limit exceeded.",
            "detail": {"errorcode": "policies.ratelimit.QuotaViolation"},
        }
    }
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return Response(429, body, headers)


def management_error(status: int, message: str, details: list[str] | None = None) -> Response:
    """The customer-management service's errorMessage (V): {code, status, message, details?}."""
    body: dict[str, Any] = {
        "code": status,
        "status": _REASONS.get(status, "Error"),
        "message": message,
    }
    if details:
        body["details"] = details
    return Response(status, body)


# ---------------------------------------------------------------- the q parameter


class QueryError(ValueError):
    """A `q` the emulator cannot read; answered with a 400."""


Predicate = Callable[[Any], bool]
_TERM_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_COMPARISON = re.compile(r"^(>=|<=|>|<)(.+)$")


def _split_terms(text: str) -> Iterator[str]:
    """Whitespace-separated terms, keeping quoted strings and parentheses whole."""
    term: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char.isspace() and not quoted and depth == 0:
            if term:
                yield "".join(term)
                term = []
            continue
        term.append(char)
    if quoted or depth:
        raise QueryError(f"unbalanced quotes or parentheses in q={text!r}")
    if term:
        yield "".join(term)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _scalar(text: str) -> Any:
    raw = text.strip()
    if raw.startswith('"'):
        return _unquote(raw)
    if raw in ("true", "false"):
        return raw == "true"
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def _equals(wanted: Any, casefold: bool) -> Predicate:
    def test(value: Any) -> bool:
        if isinstance(wanted, bool) or isinstance(value, bool):
            return value is wanted or value == wanted
        if isinstance(wanted, int | float) and isinstance(value, int | float):
            return bool(value == wanted)
        if casefold:
            return str(value).casefold() == str(wanted).casefold()
        return str(value) == str(wanted)

    return test


def _compare(operator: str, bound: Any) -> Predicate:
    def test(value: Any) -> bool:
        if value is None:
            return False
        left, right = value, bound
        if isinstance(left, int | float) != isinstance(right, int | float):
            left, right = str(left), str(right)
        try:
            return {
                ">": left > right,
                "<": left < right,
                ">=": left >= right,
                "<=": left <= right,
            }[operator]
        except TypeError:
            return False

    return test


def _value_predicate(raw: str, casefold: bool) -> Predicate:
    if raw.startswith("~"):
        needle = _unquote(raw[1:].strip("()")).casefold()
        return lambda value: value is not None and needle in str(value).casefold()
    if raw.startswith("(") and raw.endswith(")"):
        inner = raw[1:-1].strip()
        if " AND " in inner:
            parts = [_value_predicate(p.strip(), casefold) for p in inner.split(" AND ")]
            return lambda value: all(p(value) for p in parts)
        options = [_equals(_scalar(p), casefold) for p in _split_values(inner)]
        return lambda value: any(p(value) for p in options)
    found = _COMPARISON.match(raw)
    if found:
        return _compare(found[1], _scalar(found[2]))
    if not raw:
        raise QueryError("an empty value in q")
    return _equals(_scalar(raw), casefold)


def _split_values(inner: str) -> list[str]:
    values: list[str] = []
    current: list[str] = []
    quoted = False
    for char in inner:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            values.append("".join(current))
            current = []
            continue
        current.append(char)
    values.append("".join(current))
    return [v.strip() for v in values if v.strip()]


def values_at(record: Any, path: str) -> list[Any]:
    """Every value at a dotted path; a list on the way fans out (b2b.legalEntities.id)."""
    current: list[Any] = [record]
    for part in path.split("."):
        following: list[Any] = []
        for item in current:
            if isinstance(item, Mapping) and part in item:
                value = item[part]
                following.extend(value if isinstance(value, list) else [value])
        current = following
    return current


@dataclass(frozen=True)
class Term:
    field: str
    test: Predicate
    presence: str | None = None  # "exists" | "missing"

    def matches(self, record: Any) -> bool:
        values = [v for v in values_at(record, self.field) if v is not None]
        if self.presence == "exists":
            return bool(values)
        if self.presence == "missing":
            return not values
        return any(self.test(v) for v in values)


def parse_q(text: str | None, casefold_fields: frozenset[str] = frozenset()) -> list[Term]:
    """`field:value field2:(a,b) field3:~part field4:>=3 field5:exists` (all terms must hold)."""
    if text is None or not text.strip():
        return []
    terms: list[Term] = []
    for raw in _split_terms(text.strip()):
        field, sep, value = raw.partition(":")
        if not sep or not _TERM_FIELD.match(field):
            raise QueryError(f"q term {raw!r} is not field:value")
        if value in ("exists",):
            terms.append(Term(field, lambda _v: True, "exists"))
        elif value in ("missing", "null"):
            terms.append(Term(field, lambda _v: True, "missing"))
        else:
            terms.append(Term(field, _value_predicate(value, field in casefold_fields)))
    return terms


def matches_all(record: Any, terms: list[Term]) -> bool:
    return all(term.matches(record) for term in terms)


# ---------------------------------------------------------------- sorting and paging


def sort_records(records: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    """`field`, `field:asc`, `field:desc`, comma-separated; missing values sort last."""
    if not sort:
        return records
    ordered = list(records)
    for spec in reversed([s.strip() for s in sort.split(",") if s.strip()]):
        field, _, direction = spec.partition(":")
        descending = direction.lower() == "desc"

        def key(record: dict[str, Any], field: str = field) -> tuple[int, Any]:
            values = values_at(record, field)
            value = values[0] if values else None
            if value is None:
                return (1, "")
            return (0, value if isinstance(value, int | float) else str(value).casefold())

        present = [r for r in ordered if key(r)[0] == 0]
        absent = [r for r in ordered if key(r)[0] == 1]
        present.sort(key=key, reverse=descending)
        ordered = present + absent
    return ordered


class PageError(ValueError):
    """pageNumber or pageSize the service refuses."""


def page_params(
    number: str | None, size: str | None, default_size: int, max_size: int, oversized: str
) -> tuple[int, int]:
    """(pageNumber, pageSize) as served: positive integers; a size over the maximum is capped or
    refused as the `oversized` setting says."""
    try:
        page = int(number) if number is not None else 1
        per_page = int(size) if size is not None else default_size
    except ValueError:
        raise PageError("pageNumber and pageSize must be integers") from None
    if page < 1 or per_page < 1:
        raise PageError("pageNumber and pageSize must be at least 1")
    if per_page > max_size:
        if oversized == "error":
            raise PageError(f"pageSize must be at most {max_size}")
        per_page = max_size
    return page, per_page


def paged(records: list[Any], page: int, size: int) -> list[Any]:
    return records[(page - 1) * size : page * size]

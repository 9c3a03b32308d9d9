"""Salesforce wire details shared by the emulator's modules: error bodies, ids, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .http import Response

SYSTEM = "salesforce"
DATA_PREFIX = "/services/data/"

_STATUS_CODES = {
    400: "JSON_PARSER_ERROR",
    401: "INVALID_SESSION_ID",
    403: "REQUEST_LIMIT_EXCEEDED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    410: "GONE",
    500: "UNKNOWN_EXCEPTION",
    503: "SERVER_UNAVAILABLE",
}

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def error(status: int, code: str, message: str, fields: list[str] | None = None) -> Response:
    """The REST error body: a JSON array of {message, errorCode, fields}."""
    item: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = fields
    return Response(status, [item])


def generic_error(status: int, message: str) -> Response:
    return error(status, _STATUS_CODES.get(status, "UNKNOWN_EXCEPTION"), message)


def id_suffix(id15: str) -> str:
    """The 3-character case-safety suffix that turns a 15-character id into 18."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, c in enumerate(id15[start : start + 5]) if "A" <= c <= "Z")
        suffix += _SUFFIX[bits]
    return suffix


def make_id(prefix: str, number: int) -> str:
    """An 18-character id: key prefix, pod "SB", a base62 counter, the checksum suffix."""
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    id15 = prefix + "SB" + digits.rjust(10, "0")
    return id15 + id_suffix(id15)


def to_id18(value: str) -> str:
    """Normalise a 15- or 18-character id to 18 characters (other strings unchanged)."""
    if len(value) == 15 and value.isalnum():
        return value + id_suffix(value)
    return value


def now_stamp() -> str:
    """The current time as Salesforce serialises datetimes: 2024-05-01T12:00:00.000+0000."""
    return format_datetime(datetime.now(UTC))


def format_datetime(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime:
    """Accept ISO 8601 with Z, +hh:mm or +hhmm offsets (and none, meaning UTC)."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit() and ":" not in value[-5:]:
        value = value[:-2] + ":" + value[-2:]
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

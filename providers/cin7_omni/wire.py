"""Cin7 Omni contacts on the wire: storegate's field names against the API's, both casings read.

The API's help pages name the fields in PascalCase (`IsActive`); the JSON it sends is camelCase
(`isActive`); requests are accepted in either. storegate writes camelCase and reads keys
case-insensitively, so either answer works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CONTACT_FIELDS: dict[str, str] = {
    "email": "email",
    "first_name": "firstName",
    "last_name": "lastName",
    "company": "company",
    "type": "type",
    "is_active": "isActive",
    "on_hold": "onHold",
    "price_column": "priceColumn",
    "credit_limit": "creditLimit",
}
"""storegate field -> the API's (camelCase) field."""

LIST_FIELDS = ",".join(["id", *CONTACT_FIELDS.values()])
CUSTOMER_TYPE = "Customer"


def get(item: Mapping[str, Any], name: str) -> Any:
    """A field of an API object, whatever the casing of its key."""
    if name in item:
        return item[name]
    lowered = name.lower()
    for key, value in item.items():
        if key.lower() == lowered:
            return value
    return None


def contact_id(item: Mapping[str, Any]) -> int | None:
    value = get(item, "id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def storegate_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """An API contact in storegate's names."""
    return {name: get(item, api) for name, api in CONTACT_FIELDS.items()}


def api_value(name: str, value: Any) -> Any:
    """A value as the API takes it: a cleared text field is "" (null would leave it unchanged)."""
    if value is None and name not in ("credit_limit", "is_active", "on_hold"):
        return ""
    return value


def payload(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONTACT_FIELDS[name]: api_value(name, value)
        for name, value in values.items()
        if name in CONTACT_FIELDS
    }


def quote(value: str) -> str:
    """A string literal for a `where` condition."""
    return "'" + value.replace("'", "''") + "'"

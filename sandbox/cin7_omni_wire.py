"""Cin7 Omni Contacts on the wire: the Contact model as the API help pages list it, validation of a
create or update, field-name casing, and the per-item results of a batch write.

The help pages list the fields in PascalCase (`IsActive`, `PriceColumn`); the JSON the API sends is
camelCase (`isActive`, `priceColumn`) as Cin7's public API clients read it, and a request's keys are
matched case-insensitively, so both spellings are accepted. Stored records use the documented
PascalCase; `render` turns them into the configured response casing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONTACT_TYPES = ("Customer", "Supplier")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # str | int | bool | decimal | date | type
    max_length: int | None = None
    read_only: bool = False


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("Id", "int", read_only=True),
    FieldSpec("Type", "type"),
    FieldSpec("SalesPersonId", "int"),
    FieldSpec("AccountNumber", "str", 10),
    FieldSpec("BillingId", "int"),
    FieldSpec("BillingCompany", "str", 50),
    FieldSpec("AccountsFirstName", "str", 50),
    FieldSpec("AccountsLastName", "str", 50),
    FieldSpec("BillingEmail", "str", 50),
    FieldSpec("AccountsPhone", "str", 50),
    FieldSpec("CostCenter", "str"),
    FieldSpec("PriceColumn", "str"),
    FieldSpec("PercentageOff", "decimal"),
    FieldSpec("PaymentTerms", "str"),
    FieldSpec("TaxStatus", "str"),
    FieldSpec("TaxNumber", "str"),
    FieldSpec("CreditLimit", "decimal"),
    FieldSpec("BalanceOwing", "decimal", read_only=True),
    FieldSpec("OnHold", "bool"),
    FieldSpec("Group", "str"),
    FieldSpec("SubGroup", "str"),
    FieldSpec("Stages", "str"),
    FieldSpec("CreatedDate", "date", read_only=True),
    FieldSpec("ModifiedDate", "date", read_only=True),
    FieldSpec("IsActive", "bool"),
    FieldSpec("Company", "str", 250),
    FieldSpec("FirstName", "str", 250),
    FieldSpec("LastName", "str", 250),
    FieldSpec("JobTitle", "str", 250),
    FieldSpec("Email", "str"),
    FieldSpec("Website", "str"),
    FieldSpec("Phone", "str"),
    FieldSpec("Mobile", "str"),
    FieldSpec("Address1", "str"),
    FieldSpec("Address2", "str"),
    FieldSpec("City", "str"),
    FieldSpec("State", "str"),
    FieldSpec("PostCode", "str"),
    FieldSpec("Country", "str"),
    FieldSpec("Notes", "str"),
    FieldSpec("IntegrationRef", "str"),
)
BY_NAME = {f.name: f for f in FIELDS}
LOWER = {f.name.lower(): f.name for f in FIELDS}
"""lower-case field name -> documented name: how the API matches a request's keys and a where."""


def camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def render(
    record: Mapping[str, Any], case: str, only: Iterable[str] | None = None
) -> dict[str, Any]:
    """A stored (PascalCase) record as the API answers it: every field, or only `only`."""
    names = list(only) if only is not None else [f.name for f in FIELDS]
    out: dict[str, Any] = {}
    for name in names:
        out[camel(name) if case == "camel" else name] = record.get(name)
    return out


def now_iso(offset_seconds: float = 0.0) -> str:
    moment = datetime.now(UTC).timestamp() + offset_seconds
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def email_key(email: str) -> str:
    return email.strip().lower()


def normalise(item: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A request item's known fields under their documented names (unknown keys are ignored, as
    the API's JSON binding ignores them), and the errors of values of the wrong type."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in item.items():
        name = LOWER.get(str(key).lower())
        if name is None:
            continue
        spec = BY_NAME[name]
        converted, problem = _convert(spec, value)
        if problem:
            errors.append(problem)
        else:
            values[name] = converted
    return values, errors


def _convert(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    kind = spec.kind
    if kind in ("str", "date", "type"):
        if not isinstance(value, str):
            return None, f"{spec.name} must be a string"
        if spec.max_length is not None and len(value) > spec.max_length:
            return None, f"{spec.name} is longer than {spec.max_length} characters"
        if kind == "type":
            match = next((t for t in CONTACT_TYPES if t.lower() == value.strip().lower()), None)
            if match is None:
                return None, f"Type must be one of {', '.join(CONTACT_TYPES)}"
            return match, None
        return value, None
    if kind == "bool":
        if not isinstance(value, bool):
            return None, f"{spec.name} must be true or false"
        return value, None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"{spec.name} must be an integer"
        return value, None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, f"{spec.name} must be a number"
    if spec.name == "PercentageOff" and not 0 <= value <= 100:
        return None, "PercentageOff must be between 0 and 100"
    return value, None


def writable(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values a write may set: read-only fields dropped, null meaning "leave unchanged"."""
    return {
        name: value
        for name, value in values.items()
        if not BY_NAME[name].read_only and value is not None
    }


def new_contact(contact_id: int, values: Mapping[str, Any], stamp: str) -> dict[str, Any]:
    record: dict[str, Any] = {f.name: None for f in FIELDS}
    record.update({"IsActive": True, "OnHold": False, "BalanceOwing": 0.0})
    record.update(writable(values))
    record.update({"Id": contact_id, "CreatedDate": stamp, "ModifiedDate": stamp})
    return record


def result(
    index: int, case: str, *, contact_id: int | None = None, errors: list[str] | None = None
) -> dict[str, Any]:
    """One item's outcome in a POST/PUT answer."""
    body = {
        "Index": index,
        "Success": not errors,
        "Id": contact_id,
        "Code": None if not errors else "ValidationFailed",
        "Errors": list(errors or []),
    }
    return {camel(k) if case == "camel" else k: v for k, v in body.items()}

"""Translation between Salesforce API records and storegate's field names and values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract import (
    PERSON_FIELDS,
    AccessLevel,
    Address,
    KeepIfSet,
    LiveRecord,
    email_key,
    shared_text,
)
from .lookups import NameIndex
from .profiles import (
    LOOKUPS,
    PERMISSION_FIELDS,
    FieldMap,
    Kind,
)

DATE_FIELDS = frozenset({"ecommerce_access_date"})
PARENT_IDS = frozenset({"account_id"})
"""Fields holding the id of a parent record: the contacts of an account all bring the same one."""


class UnmappedField(ValueError):
    """A change names a field the configured profile leaves unmapped, or an unknown lookup name."""


def select_fields(fields: FieldMap, kind: Kind) -> list[str]:
    """The SOQL select list of `kind`: Id, every mapped field, and the contact's Account.Name."""
    names = ["Id", *dict.fromkeys(fields.mapped(kind).values())]
    if kind == "contact":
        names.append("Account.Name")
    return names


def to_live(
    system: str,
    kind: Kind,
    record: Mapping[str, Any],
    fields: FieldMap,
    lookups: Mapping[str, NameIndex],
) -> LiveRecord:
    values: dict[str, Any] = {}
    for name, api in fields.mapped(kind).items():
        value = record.get(api)
        if name in LOOKUPS and value is not None and name in lookups:
            value = lookups[name].name_of(str(value))
        elif name in DATE_FIELDS and isinstance(value, str):
            value = value[:10]
        elif name in PARENT_IDS and isinstance(value, str):
            value = shared_text(value)  # held once across the read, as the account's name is
        elif name in PERSON_FIELDS:
            value = shared_text(value)  # as the repo holds it: one string for both
        values[name] = value
    record_id = str(record["Id"])
    if kind == "account":
        name = str(values["name"] or "")
        active = values.get("active") if fields.is_mapped("account", "active") else None
        access: AccessLevel | None = None if active is None else ("active" if active else "revoked")
        return LiveRecord(Address(system, kind, name), record_id, values, name, access)
    parent = record.get("Account")
    # Fifty contacts of an account each bring its name: held once (interned) across the read.
    account = shared_text(str(parent.get("Name") or "")) if isinstance(parent, Mapping) else ""
    key = shared_text(email_key(str(values.get("email") or "")))
    if values.get("email") == key:
        values["email"] = key  # one string for the person everywhere
    return LiveRecord(
        Address(system, kind, key),
        record_id,
        values,
        account=account,
        access=live_access(values, fields),
    )


def live_access(values: Mapping[str, Any], fields: FieldMap) -> AccessLevel:
    if fields.profile == "cpq_ecommerce":
        return "active" if values.get("ecommerce_enabled") else "revoked"
    permissions = [values.get(p) for p in PERMISSION_FIELDS if fields.is_mapped("contact", p)]
    if not any(permissions):
        return "revoked"
    return "active" if values.get("invitation_accepted_at") else "pending"


def to_api(
    kind: Kind,
    values: Mapping[str, Any],
    fields: FieldMap,
    lookups: Mapping[str, NameIndex],
) -> dict[str, Any]:
    """An API body for storegate `values`; UnmappedField names what cannot be written."""
    body: dict[str, Any] = {}
    for name, raw in values.items():
        value = raw.value if isinstance(raw, KeepIfSet) else raw
        api = fields.api(kind, name)
        if api is None:
            raise UnmappedField(
                f"{name} is not mapped in the {fields.profile} profile; set "
                f"systems.salesforce.fields.{name}"
            )
        if name in LOOKUPS and value is not None:
            index = lookups.get(name)
            problem = None if index is None else index.problem(str(value))
            if index is None or problem is not None:
                raise UnmappedField(problem or f"{name} names cannot be resolved")
            value = index.id_of(str(value))
        body[api] = value
    return body

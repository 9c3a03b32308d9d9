"""After a revocation: re-read the contacts and check every expected value, for the receipt.

Seed 000's trap is checked too: with the CPQ eCommerce fields, a contact left Active with its email
is recreated in the store by the integration, so an offboarding is not complete until Contact Status
is Deactivated (or the email cleared).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..contract import Change, Check, KeepIfSet, LiveRecord
from .connection import Connection
from .lookups import NameIndex
from .profiles import FieldMap
from .records import select_fields, to_live
from .soql import chunked_selects

RECREATION_CHECK = "contact could be recreated by the integration"


def recreation_risk(live: LiveRecord, fields: FieldMap) -> str | None:
    """Advice when revoking this contact leaves it open to recreation by the eCommerce integration."""
    if fields.profile != "cpq_ecommerce" or live.kind != "contact":
        return None
    if live.fields.get("contact_status") != "Active" or not live.fields.get("email"):
        return None
    return (
        "the contact stays Active with its email, so the eCommerce integration will create a new "
        "store account if they sign up again; set offboard: true so Contact Status becomes "
        "Deactivated, or clear the contact's email in Salesforce"
    )


def verify_revocations(
    system: str,
    connection: Connection,
    fields: FieldMap,
    lookups: Mapping[str, NameIndex],
    changes: Sequence[Change],
) -> list[Check]:
    touched = [c for c in changes if c.kind == "contact" and c.remote_id]
    ids = {c.remote_id for c in touched if c.remote_id}
    live: dict[str, LiveRecord] = {}
    for soql in chunked_selects("Contact", select_fields(fields, "contact"), "Id", ids):
        for raw in connection.query(soql):
            found = to_live(system, "contact", raw, fields, lookups)
            live[found.id] = found
    checks: list[Check] = []
    for change in touched:
        record = live.get(str(change.remote_id))
        if record is None:
            checks.append(
                Check(system, str(change.address), "contact", "present", "not found", False)
            )
            continue
        for field in change.fields:
            expected = field.after.value if isinstance(field.after, KeepIfSet) else field.after
            seen = record.fields.get(field.name)
            checks.append(
                Check(
                    system, str(change.address), field.name, expected, seen, _same(expected, seen)
                )
            )
        if fields.profile == "cpq_ecommerce":
            checks.append(_recreation_check(system, change, record))
    return checks


def _recreation_check(system: str, change: Change, record: LiveRecord) -> Check:
    offboard = any(f.name == "contact_status" and f.after == "Deactivated" for f in change.fields)
    status = record.fields.get("contact_status")
    email = record.fields.get("email")
    open_door = offboard and status == "Active" and bool(email)
    return Check(
        system,
        str(change.address),
        RECREATION_CHECK,
        "no: Contact Status Deactivated or email cleared" if offboard else "not an offboarding",
        f"Contact Status {status}, email {'set' if email else 'cleared'}",
        not open_door,
    )


def _same(expected: Any, seen: Any) -> bool:
    if isinstance(expected, bool) or isinstance(seen, bool):
        return bool(expected) == bool(seen)
    if expected in (None, "") and seen in (None, ""):
        return True
    return bool(expected == seen)

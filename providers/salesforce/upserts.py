"""Contact creates as upserts on an External ID field (`systems.<name>.external_id_field`).

storegate writes each contact's email key into that field, and creates contacts with sObject
Collections upsert (`PATCH composite/sobjects/Contact/{Field}`): a value no record holds creates
one, a value one record holds updates it. Sending the same upsert twice (a retry after a timeout,
a request that lands late) cannot make a second contact, so upserts are retried like updates and
need no look-up first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract import email_key

SOBJECT = "Contact"


def upsert_path(field: str) -> str:
    """The Collections upsert resource for contacts keyed by `field`."""
    return f"composite/sobjects/{SOBJECT}/{field}"


def with_key(body: Mapping[str, Any], field: str) -> dict[str, Any]:
    """An API body with the external id set from its Email (the contact's key)."""
    return {**body, field: email_key(str(body.get("Email") or ""))}


def external_id_problems(
    system: str, field: str | None, contact_describe: Mapping[str, Any]
) -> list[str]:
    """Why the configured field cannot key upserts, one line each (none when it can or is unset)."""
    if field is None:
        return []
    setting = f"systems.{system}.external_id_field"
    fields = contact_describe.get("fields", [])
    found = next(
        (f for f in fields if str(f.get("name", "")).lower() == field.lower()),
        None,
    )
    if found is None:
        return [
            f"{SOBJECT}.{field} ({setting}) is missing from the org; create it as a text External "
            f"ID field on {SOBJECT}, or remove the setting"
        ]
    problems: list[str] = []
    if not found.get("externalId"):
        problems.append(
            f"{SOBJECT}.{field} ({setting}) is not an External ID field; tick External ID on it "
            f"in Setup, or name another field"
        )
    if not (found.get("createable") and found.get("updateable")):
        problems.append(
            f"{SOBJECT}.{field} ({setting}) is read-only for this user but storegate writes it; "
            f"grant edit access to the field"
        )
    return problems

"""Emporix records in storegate's terms: field names both ways, access from `active`/`onHold`,
the live records, and the ids storegate chooses so that every create is a retryable PUT upsert.

Ids (Emporix custom ids: 1-66 characters of `[A-Za-z0-9_-]`, case-sensitive):

- a customer: the Salesforce Contact Id when state knows it, else `sg-` and the first 32 hex digits of
  the SHA-256 of the lowercased email, so the same contact always gets the same id;
- a legal entity: the Salesforce Account Id when known, else `sg-` and the first 32 hex digits of
  the SHA-256 of the casefolded account name;
- a contact assignment: `sg-` and the first 32 hex digits of the SHA-256 of "customer id|entity id".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..contract import AccessLevel, Address, LiveRecord, email_key

CUSTOMER = "customer"
COMPANY = "legal_entity"
COMPANY_FIELD = "legal_entity"
"""The customer's field naming the companies (legal entities) it is a contact of."""
CUSTOMER_FIELDS: dict[str, str] = {
    "email": "contactEmail",
    "first_name": "firstName",
    "last_name": "lastName",
    "company": "company",
    "currency": "preferredCurrency",
    "site": "preferredSite",
    "active": "active",
    "on_hold": "onHold",
}
CUSTOMER_ID = "customer_id"
COMPANY_ID = "legal_entity_id"
"""Create-only fields: the id a create PUTs to."""
OURS = "sg-"
_CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,66}$")

ACCESS_FLAGS: dict[AccessLevel, dict[str, bool]] = {
    "active": {"active": True, "on_hold": False},
    "pending": {"active": False, "on_hold": True},
    "revoked": {"active": False, "on_hold": False},
}


def access_of(active: Any, on_hold: Any) -> AccessLevel:
    """Active and not on hold can log in; on hold is prepared (seed 004) or suspended."""
    if bool(active) and not bool(on_hold):
        return "active"
    if bool(on_hold):
        return "pending"
    return "revoked"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def customer_id_for(salesforce_id: str | None, email: str) -> str:
    if salesforce_id and _CUSTOM_ID.match(salesforce_id):
        return salesforce_id
    return OURS + _digest(email_key(email))


def company_id_for(salesforce_id: str | None, name: str) -> str:
    if salesforce_id and _CUSTOM_ID.match(salesforce_id):
        return salesforce_id
    return OURS + _digest(name.casefold())


def assignment_id_for(customer_id: str, company_id: str) -> str:
    return OURS + _digest(f"{customer_id}|{company_id}")


class AccountNames:
    """Live company names shown as the access repo spells its accounts (matched casefolded)."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def learn(self, names: Iterable[str]) -> None:
        for name in names:
            self._known.setdefault(name.casefold(), name)

    def canonical(self, name: str) -> str:
        return self._known.get(name.casefold(), name)

    def known(self, name: str) -> bool:
        return name.casefold() in self._known


def company_names(customer: Mapping[str, Any], names: AccountNames) -> list[str]:
    entities = (customer.get("b2b") or {}).get("legalEntities") or []
    found = {
        names.canonical(str(e.get("name") or e.get("id"))) for e in entities if isinstance(e, dict)
    }
    return sorted(found)


def customer_record(system: str, customer: Mapping[str, Any], names: AccountNames) -> LiveRecord:
    email = str(customer.get("contactEmail") or customer.get("email") or "")
    companies = company_names(customer, names)
    fields: dict[str, Any] = {name: customer.get(wire) for name, wire in CUSTOMER_FIELDS.items()}
    fields["active"] = bool(fields["active"])
    fields["on_hold"] = bool(fields["on_hold"])
    fields[COMPANY_FIELD] = companies
    account = next((c for c in companies if names.known(c)), companies[0] if companies else "")
    customer_id = str(customer["id"])
    return LiveRecord(
        address=Address(system, CUSTOMER, email_key(email) if email else f"id:{customer_id}"),
        id=customer_id,
        fields=fields,
        account=account,
        access=access_of(customer.get("active"), customer.get("onHold")),
        managed_by_storegate=customer_id.startswith(OURS),
    )


def company_record(system: str, entity: Mapping[str, Any], names: AccountNames) -> LiveRecord:
    name = names.canonical(str(entity.get("name") or ""))
    entity_id = str(entity["id"])
    return LiveRecord(
        address=Address(system, COMPANY, name or f"id:{entity_id}"),
        id=entity_id,
        fields={"name": entity.get("name")},
        account=name,
        managed_by_storegate=entity_id.startswith(OURS),
    )


def customer_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    """The Emporix body for storegate fields (legal entity and ids are sent elsewhere)."""
    return {
        CUSTOMER_FIELDS[name]: value for name, value in values.items() if name in CUSTOMER_FIELDS
    }

"""Adobe Commerce read in bulk, as storegate's records.

- companies: one search over every company (the Salesforce ID is an extension attribute, which
  searches cannot filter on); a company carrying an account's Salesforce Id takes that account's
  name as its key, else its own name does;
- company users: `/V1/customers/companies` by `company_id in (...)` for the members, then
  `/V1/customers/search` by `entity_id in (...)` (and by `email in (...)` for contacts that may
  sit in no company yet);
- roles: one search by `company_id in (...)`, then `/V1/company/role/{id}/users` per role (the only
  place a user's role shows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..contract import (
    AccessLevel,
    Address,
    LiveRecord,
    ProviderError,
    email_key,
)
from .client import AdobeClient, error_text, json_of
from .config import PAY_ON_ACCOUNT
from .desired import (
    COMPANY,
    ROLE,
    USER,
    role_key,
    salesforce_key,
)
from .search import Searcher

STORE_DEFAULT = "store default"
ALL_ENABLED = "all enabled methods"


def company_attributes(customer: Mapping[str, Any]) -> dict[str, Any]:
    found = (customer.get("extension_attributes") or {}).get("company_attributes") or {}
    return dict(found)


def payment_on_account(company: Mapping[str, Any]) -> bool | str:
    """Whether Payment on Account is among the company's own methods, or where they come from."""
    extensions = company.get("extension_attributes") or {}
    if int(extensions.get("use_config_settings") or 0) == 1:
        return STORE_DEFAULT
    kind = int(extensions.get("applicable_payment_method") or 0)
    if kind == 0:
        return STORE_DEFAULT
    if kind == 1:
        return ALL_ENABLED
    return PAY_ON_ACCOUNT in method_codes(company)


def method_codes(company: Mapping[str, Any]) -> list[str]:
    raw = (company.get("extension_attributes") or {}).get("available_payment_methods") or ""
    return [code.strip() for code in str(raw).split(",") if code.strip()]


@dataclass
class Snapshot:
    """What one read saw: companies by id and the key each has, so writers reuse it."""

    companies: dict[int, dict[str, Any]] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)


class LiveReader:
    def __init__(
        self,
        system: str,
        client: AdobeClient,
        searcher: Searcher,
        salesforce_attribute: str,
    ) -> None:
        self.system = system
        self.client = client
        self.searcher = searcher
        self.salesforce_attribute = salesforce_attribute
        self.accounts_by_salesforce_id: dict[str, str] = {}

    # ------------------------------------------------------------------ companies

    def companies(self) -> Snapshot:
        snapshot = Snapshot()
        for company in self.searcher.all("/company"):
            company_id = int(company["id"])
            snapshot.companies[company_id] = company
            snapshot.keys[company_id] = self.company_key(company)
        return snapshot

    def company_key(self, company: Mapping[str, Any]) -> str:
        salesforce_id = self.salesforce_id(company)
        if salesforce_id:
            account = self.accounts_by_salesforce_id.get(salesforce_key(salesforce_id))
            if account is not None:
                return account
        return str(company.get("company_name") or "")

    def salesforce_id(self, company: Mapping[str, Any]) -> str | None:
        value = (company.get("extension_attributes") or {}).get(self.salesforce_attribute)
        return str(value) if value not in (None, "") else None

    def company_record(self, company: Mapping[str, Any], key: str) -> LiveRecord:
        fields = {
            "name": company.get("company_name"),
            "salesforce_id": self.salesforce_id(company),
            "status": company.get("status"),
            "payment_on_account": payment_on_account(company),
            "customer_group_id": company.get("customer_group_id"),
        }
        return LiveRecord(
            Address(self.system, COMPANY, key), str(company["id"]), fields, account=key
        )

    # ------------------------------------------------------------------ users

    def members(self, company_ids: Iterable[int]) -> list[dict[str, Any]]:
        """The company attributes of every member of these companies."""
        return self.searcher.where_in(
            "/customers/companies", "company_id", map(str, company_ids), prefix="criteria"
        )

    def customers_by_ids(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        return self.searcher.where_in("/customers/search", "entity_id", map(str, ids))

    def customers_by_emails(self, emails: Iterable[str]) -> list[dict[str, Any]]:
        return self.searcher.where_in("/customers/search", "email", {email_key(e) for e in emails})

    def user_record(
        self, customer: Mapping[str, Any], snapshot: Snapshot, roles: Mapping[int, str]
    ) -> LiveRecord:
        attributes = company_attributes(customer)
        company_id = int(attributes.get("company_id") or 0)
        status = attributes.get("status") if company_id else None
        fields = {
            "email": customer.get("email"),
            "first_name": customer.get("firstname"),
            "last_name": customer.get("lastname"),
            "status": int(status) if status is not None else None,
            "company": str(company_id) if company_id else None,
            "role": roles.get(int(customer["id"])),
        }
        access: AccessLevel = "active" if company_id and status == 1 else "revoked"
        return LiveRecord(
            Address(self.system, USER, email_key(str(customer.get("email") or ""))),
            str(customer["id"]),
            fields,
            account=snapshot.keys.get(company_id, ""),
            access=access,
        )

    # ------------------------------------------------------------------ roles

    def roles(self, company_ids: Iterable[int]) -> list[dict[str, Any]]:
        return self.searcher.where_in("/company/role", "company_id", map(str, company_ids))

    def role_users(self, role_id: int) -> list[int]:
        response = self.client.request("GET", f"/company/role/{role_id}/users")
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise ProviderError(
                f"{self.system}: reading the users of role {role_id} failed: {error_text(response)}"
            )
        body = json_of(response, f"{self.system}: GET /company/role/{role_id}/users")
        return [int(c["id"]) for c in body if isinstance(c, dict) and "id" in c]

    def role_record(self, role: Mapping[str, Any], snapshot: Snapshot) -> LiveRecord:
        company_id = int(role["company_id"])
        account = snapshot.keys.get(company_id, str(company_id))
        allowed = sorted(
            str(p["resource_id"])
            for p in role.get("permissions") or []
            if isinstance(p, dict) and p.get("permission") == "allow"
        )
        return LiveRecord(
            Address(self.system, ROLE, role_key(account, str(role["role_name"]))),
            str(role["id"]),
            {"company": str(company_id), "permissions": allowed},
            account=account,
        )

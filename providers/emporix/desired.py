"""The access repo projected onto Emporix: a company (legal entity) per served account that has
buyers, and a customer per contact on it.

- `pending`: `active = false, onHold = true` (seed 004: prepared, told so, cannot log in yet);
- `active`: `active = true, onHold = false` (can log in);
- `revoked`: `active = false, onHold = false`, or the customer deleted when the account file says
  `store_removal: delete`; a revoked contact with no customer gets none (`include_change`).

Names, email, company, currency and site are managed; a field the YAML leaves out is not. The
currency comes from `account.stores.<name>.currency` or `default_currency`: one of them is required
for an account with buyers (SG721, at the file and line), never an API 400 later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract import (
    AccessLevel,
    AccountSpec,
    Address,
    ContactSpec,
    DesiredContext,
    DesiredRecord,
    InputError,
    Intent,
    Problem,
    StoreRemoval,
)
from .config import EmporixSystem
from .records import (
    ACCESS_FLAGS,
    COMPANY,
    COMPANY_FIELD,
    COMPANY_ID,
    CUSTOMER,
    CUSTOMER_ID,
    company_id_for,
    customer_id_for,
)

MISSING_CURRENCY = "SG721"


class DesiredBuilder:
    def __init__(self, name: str, settings: EmporixSystem, context: DesiredContext) -> None:
        self.name = name
        self.settings = settings
        self.context = context
        self.crm = context.crm()
        self._state_ids = {
            (m.address.kind, m.address.key): m.id
            for m in context.managed_in(name)
            if m.id is not None
        }
        crm_ids: dict[tuple[str, str], str] = {}
        if self.crm is not None:
            for managed in context.managed_in(self.crm.name):
                if managed.id is not None:
                    crm_ids[(managed.address.kind, managed.address.key)] = managed.id
        self._crm_ids = crm_ids
        self.problems: list[Problem] = []

    def build(self) -> list[DesiredRecord]:
        records: list[DesiredRecord] = []
        declared: set[str] = set()
        for account in self.context.desired.accounts:
            if not self.serves(account):
                continue
            options = account.options.get(self.name) or {}
            buyers = [c for c in account.contacts if c.access != "revoked"]
            if buyers:
                records.append(self._company(account))
            shared = self._account_fields(account, options) if buyers else {}
            for contact in account.contacts:
                if contact.key in declared:
                    continue  # a contact listed twice is a rules error; project it once
                declared.add(contact.key)
                records.append(self._customer(account, contact, shared))
        renamed = {
            old for _, contact in self.context.desired.contacts() for old in contact.previously
        }
        removal = {a.name: a.store_removal for a in self.context.desired.accounts}
        for managed in self.context.managed_in(self.name, CUSTOMER):
            key = managed.address.key
            if key not in declared and key not in renamed:
                records.append(
                    self._gone(key, managed.account, managed.id, removal.get(managed.account))
                )
        if self.problems:
            raise InputError(self.problems)
        return records

    def serves(self, account: AccountSpec) -> bool:
        if account.stores is None:
            return self.settings.accounts == "all"
        return self.name in account.stores

    # ------------------------------------------------------------------ the company

    def _company(self, account: AccountSpec) -> DesiredRecord:
        crm_kind = (self.crm.account_kind if self.crm else None) or "account"
        salesforce_id = account.salesforce_id or self._crm_ids.get((crm_kind, account.name))
        depends: tuple[Address, ...] = ()
        if self.crm is not None:
            depends = (Address(self.crm.name, crm_kind, account.name),)
        return DesiredRecord(
            address=Address(self.name, COMPANY, account.name),
            account=account.name,
            intent="present",
            fields={"name": account.name},
            remote_id=self._state_ids.get((COMPANY, account.name)) or salesforce_id,
            create_fields={COMPANY_ID: company_id_for(salesforce_id, account.name)},
            depends_on=depends,
        )

    # ------------------------------------------------------------------ customers

    def _account_fields(self, account: AccountSpec, options: Mapping[str, Any]) -> dict[str, Any]:
        display = account.settings.get("display_name")
        fields: dict[str, Any] = {
            "company": options.get("company") or display or account.name,
            COMPANY_FIELD: account.name,
        }
        currency = options.get("currency") or self.settings.default_currency
        if currency is None:
            self.problems.append(self._missing_currency(account))
        else:
            fields["currency"] = currency
        site = options.get("site") or self.settings.default_site
        if site is not None:
            fields["site"] = site
        return fields

    def _missing_currency(self, account: AccountSpec) -> Problem:
        listed = account.stores is not None and self.name in account.stores
        keys: tuple[str | int, ...] = (
            ("account", "stores", self.name) if listed else ("account", "name")
        )
        return self.context.desired.problem(
            account.path,
            keys,
            f"{self.name} needs a preferred currency for the customers of {account.name!r}: add "
            f"`currency: EUR` (ISO 4217) under account.stores.{self.name}, or set "
            f"systems.{self.name}.default_currency in storegate.yaml",
            MISSING_CURRENCY,
        )

    def _customer(
        self, account: AccountSpec, contact: ContactSpec, shared: Mapping[str, Any]
    ) -> DesiredRecord:
        flags = ACCESS_FLAGS[contact.access]
        if contact.access == "revoked":
            fields: dict[str, Any] = dict(flags)
            depends: tuple[Address, ...] = ()
        else:
            names = {
                k: contact.fields[k] for k in ("first_name", "last_name") if k in contact.fields
            }
            fields = {"email": contact.email, **names, **shared, **flags}
            depends = (Address(self.name, COMPANY, account.name),)
        if self.crm is not None:
            depends = (
                Address(self.crm.name, self.crm.contact_kind or "contact", contact.key),
                *depends,
            )
        salesforce_id = self._crm_contact_id(contact)
        return DesiredRecord(
            address=Address(self.name, CUSTOMER, contact.key),
            account=account.name,
            intent=_intent(contact.access, account.store_removal),
            fields=fields,
            access=contact.access,
            person=contact.key,
            aliases=contact.previously,
            remote_id=self._customer_state_id((contact.key, *contact.previously)),
            create_fields={CUSTOMER_ID: customer_id_for(salesforce_id, contact.email)},
            depends_on=depends,
        )

    def _crm_contact_id(self, contact: ContactSpec) -> str | None:
        if self.crm is None:
            return None
        kind = self.crm.contact_kind or "contact"
        for key in (contact.key, *contact.previously):
            found = self._crm_ids.get((kind, key))
            if found is not None:
                return found
        return None

    def _customer_state_id(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            found = self._state_ids.get((CUSTOMER, key))
            if found is not None:
                return found
        return None

    def _gone(
        self, key: str, account: str, remote_id: str | None, removal: StoreRemoval | None
    ) -> DesiredRecord:
        """A managed customer the repo no longer declares here: revoked."""
        return DesiredRecord(
            address=Address(self.name, CUSTOMER, key),
            account=account,
            intent=_intent("revoked", removal or "deactivate"),
            fields=dict(ACCESS_FLAGS["revoked"]),
            access="revoked",
            person=key,
            remote_id=remote_id,
        )


def _intent(access: AccessLevel, removal: StoreRemoval) -> Intent:
    return "absent" if access == "revoked" and removal == "delete" else "present"

"""The access repo projected onto Cin7 Omni: per contact of a served account, a CRM contact (by API),
its B2B store customer (manual steps), and, where an email change must reach the store at once,
the store's login email (a manual step too).

- `contact` (API): type Customer on create; email, names, company (the account's display name
  where the YAML sets it, else its name once, on create), `is_active` (off when access is revoked or the account inactive), `on_hold` (credit
  hold), `price_column` (the price book through `price_columns`), `credit_limit` (where
  `account.stores.<name>.credit_limit` sets one). Fields the YAML leaves out are not managed.
- `customer` (manual, the access record): `status` current (active), pending (pending) or
  deactivated (revoked). A revoked contact storegate never managed is left alone unless a store
  view shows the dashboard (then only a live store customer is deactivated).
- `store_email` (manual): only after an email change (`previously:`) that must work at once.
Contacts that are no longer declared but still managed get their CRM contact made inactive and
their store customer deactivated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cin7_omni import steps
from ..contract import (
    AccountSpec,
    Address,
    ContactSpec,
    DesiredContext,
    DesiredRecord,
    InputError,
    Problem,
    email_key,
)
from .config import Cin7OmniSystem

CONTACT = "contact"
CUSTOMER = "customer"
STORE_EMAIL = "store_email"
CUSTOMER_TYPE = "Customer"
UNMAPPED_PRICE_BOOK = "SG771"


@dataclass
class Projection:
    records: list[DesiredRecord] = field(default_factory=list)
    customers: dict[Address, steps.Customer] = field(default_factory=dict)
    """Who each store customer record is, as the dashboard lists them (for its steps)."""
    account_of_key: dict[str, str] = field(default_factory=dict)
    """contact key -> account name, to fill LiveRecord.account on reads."""
    account_of_company: dict[str, str] = field(default_factory=dict)
    """lower-cased CRM company -> account name."""


class DesiredProjection:
    def __init__(
        self,
        name: str,
        settings: Cin7OmniSystem,
        serves: Callable[[AccountSpec], bool],
        has_store_view: bool,
    ) -> None:
        self.name = name
        self.settings = settings
        self.serves = serves
        self.has_store_view = has_store_view

    def project(self, context: DesiredContext) -> Projection:
        out = Projection()
        problems: list[Problem] = []
        ids = _managed_ids(context, self.name)
        served = [a for a in context.desired.accounts if self.serves(a)]
        seen: set[str] = set()
        renamed: set[str] = set()
        for account in served:
            fields = self._account_fields(context, account, problems)
            company = _company(account)
            out.account_of_company[company.lower()] = account.name
            for contact in account.contacts:
                if contact.key in seen:
                    continue  # a contact listed twice is a rules error; project it once
                seen.add(contact.key)
                renamed.update(email_key(e) for e in contact.previously)
                out.account_of_key[contact.key] = account.name
                for record in self._contact_records(context, account, contact, fields, ids):
                    out.records.append(record)
                    if record.kind == CUSTOMER:
                        out.customers[record.address] = _customer_of(contact, company)
        for managed in context.managed_in(self.name):
            if managed.address.key in seen or managed.address.key in renamed:
                continue
            if managed.address.kind in (CONTACT, CUSTOMER):
                out.records.append(self._removed(managed.address, managed.account, managed.id))
        out.records = _dedupe_removed(out.records)
        if problems:
            raise InputError(problems)
        return out

    # ------------------------------------------------------------------ one account

    def _account_fields(
        self, context: DesiredContext, account: AccountSpec, problems: list[Problem]
    ) -> dict[str, Any]:
        settings = account.settings
        fields: dict[str, Any] = {}
        if "display_name" in settings:
            fields["company"] = _company(account)
        if "credit_hold" in settings:
            fields["on_hold"] = bool(settings["credit_hold"])
        if "price_book" in settings:
            book = settings["price_book"]
            if book is None:
                fields["price_column"] = None
            elif book in self.settings.price_columns:
                fields["price_column"] = self.settings.price_columns[book]
            else:
                known = ", ".join(sorted(self.settings.price_columns)) or "none yet"
                problems.append(
                    context.desired.problem(
                        account.path,
                        ("account", "price_book"),
                        f"price book {book!r} has no Cin7 Omni price column: map it under "
                        f"systems.{self.name}.price_columns in storegate.yaml (mapped: {known})",
                        UNMAPPED_PRICE_BOOK,
                    )
                )
        options = _options(account, self.name)
        if options.get("credit_limit") is not None:
            fields["credit_limit"] = float(options["credit_limit"])
        return fields

    def _at_once(self, account: AccountSpec) -> bool:
        chosen = _options(account, self.name).get("update_emails_at_once")
        return self.settings.update_emails_at_once if chosen is None else bool(chosen)

    # ------------------------------------------------------------------ one contact

    def _contact_records(
        self,
        context: DesiredContext,
        account: AccountSpec,
        contact: ContactSpec,
        account_fields: Mapping[str, Any],
        ids: Mapping[str, str],
    ) -> list[DesiredRecord]:
        aliases = tuple(email_key(e) for e in contact.previously)
        remote_id = next((ids[k] for k in (contact.key, *aliases) if k in ids), None)
        crm = _salesforce_contact(context, contact.key)
        crm_contact = Address(self.name, CONTACT, contact.key)
        source = context.desired.locate(account.path, "contacts", contact.index, "email")
        active = account.settings.get("active", True) is not False
        fields: dict[str, Any] = {"email": contact.email}
        for name in ("first_name", "last_name"):
            if name in contact.fields:
                fields[name] = contact.fields[name]
        fields.update(account_fields)
        fields["is_active"] = contact.access != "revoked" and active
        common: dict[str, Any] = {
            "account": account.name,
            "intent": "present",
            "person": contact.key,
            "aliases": aliases,
            "remote_id": remote_id,
            "source": source,
        }
        records = [
            DesiredRecord(
                address=crm_contact,
                fields=fields,
                access="active" if fields["is_active"] else "revoked",
                create_fields={"type": CUSTOMER_TYPE, "company": _company(account)},
                depends_on=crm,
                **common,
            )
        ]
        who = _customer_of(contact, _company(account))
        target = steps.target_of(contact.access)
        known = remote_id is not None
        if contact.access == "revoked" and not known and not self.has_store_view:
            return records  # access storegate never gave and cannot see: nothing to take away
        # A contact new to storegate is most likely no store customer yet: the step is the invite.
        tab = "none" if not known and target in steps.GRANTED else None
        records.append(
            DesiredRecord(
                address=Address(self.name, CUSTOMER, contact.key),
                fields={"status": target},
                access=contact.access,
                depends_on=(crm_contact, *crm),
                manual=steps.access_step(who, target, self.settings.store_name, tab),
                **common,
            )
        )
        if contact.previously and contact.access != "revoked" and self._at_once(account):
            records.append(
                DesiredRecord(
                    address=Address(self.name, STORE_EMAIL, contact.key),
                    fields={"email": contact.email},
                    depends_on=(crm_contact,),
                    manual=steps.update_emails(who, self.settings.store_name),
                    **common,
                )
            )
        return records

    def _removed(self, address: Address, account: str, remote_id: str | None) -> DesiredRecord:
        """A managed contact the repo no longer declares: CRM contact off, store access removed."""
        key = address.key
        if address.kind == CONTACT:
            return DesiredRecord(
                address=address,
                account=account,
                intent="present",
                fields={"is_active": False},
                access="revoked",
                person=key,
                remote_id=remote_id,
            )
        who = steps.Customer(key)
        return DesiredRecord(
            address=address,
            account=account,
            intent="present",
            fields={"status": "deactivated"},
            access="revoked",
            person=key,
            remote_id=remote_id,
            depends_on=(Address(self.name, CONTACT, key),),
            manual=steps.access_step(who, "deactivated", self.settings.store_name, None),
        )


def _company(account: AccountSpec) -> str:
    return str(account.settings.get("display_name") or account.name)


def _customer_of(contact: ContactSpec, company: str) -> steps.Customer:
    return steps.Customer(
        contact.email, contact.fields.get("first_name"), contact.fields.get("last_name"), company
    )


def _dedupe_removed(records: Sequence[DesiredRecord]) -> list[DesiredRecord]:
    unique: dict[Address, DesiredRecord] = {}
    for record in records:
        unique.setdefault(record.address, record)
    return list(unique.values())


def _options(account: AccountSpec, name: str) -> Mapping[str, Any]:
    options = account.options.get(name) or {}
    if isinstance(options, Mapping):
        return options
    dumped = getattr(options, "model_dump", None)
    return dumped(exclude_unset=True) if callable(dumped) else {}


def _managed_ids(context: DesiredContext, name: str) -> dict[str, str]:
    """contact key -> the Cin7 contact id state learned (the store customer carries it too)."""
    ids: dict[str, str] = {}
    for kind in (CUSTOMER, CONTACT):
        for managed in context.managed_in(name, kind):
            if managed.id:
                ids[managed.address.key] = managed.id
    return ids


def _salesforce_contact(context: DesiredContext, key: str) -> tuple[Address, ...]:
    crm = context.crm()
    if crm is None:
        return ()
    return (Address(crm.name, crm.contact_kind or "contact", key),)

"""The access repo projected onto Adobe Commerce B2B: a company per account, a company user per
contact, and the company roles the contacts' permissions map to.

- company (key: the account name): `name`, `salesforce_id` (the file's, else the CRM account's id),
  `status` (1 approved / 3 blocked, from `active`), `payment_on_account` (pay by account and no
  credit hold), `customer_group_id` (the price book's shared catalog). Created with the legal
  address and admin from `account.stores.<name>` over `company_defaults`; an account no longer
  served is blocked, deleted only when its options say `delete_company: true`.
- company user (key: the email): `email`, names, `status` (1 active; 0 pending or revoked),
  `company` (the company's id), `role`. After its company and role (`depends_on`); revoked = status
  0, deleted instead with `store_removal: delete`.
- company role (key: "<account>/<role>"): `company`, `permissions` (the resources it allows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..contract import (
    PERMISSIONS,
    AccountSpec,
    Address,
    ContactSpec,
    DesiredContext,
    DesiredRecord,
    Problem,
    Ref,
)
from .config import (
    REQUIRED_DETAILS,
    AdobeCommerceAccountOptions,
    AdobeCommerceSystem,
)

COMPANY = "company"
USER = "company_user"
ROLE = "company_role"
APPROVED, BLOCKED = 1, 3
ACTIVE_USER, INACTIVE_USER = 1, 0

MISSING_DETAIL = "SG731"
UNMAPPED_PRICE_BOOK = "SG732"
UNKNOWN_SUPER_USER = "SG733"
DELETED_WITH_USERS = "SG734"


def role_key(account: str, role: str) -> str:
    return f"{account}/{role}"


@dataclass
class Projection:
    records: list[DesiredRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Errors in the repo whatever the live store holds."""
    create_problems: dict[Address, list[Problem]] = field(default_factory=dict)
    """Errors only if the company must be created (its required details are missing)."""
    accounts_by_salesforce_id: dict[str, str] = field(default_factory=dict)
    """Salesforce Account Id (15 characters) -> account name, to match companies carrying it."""
    super_users: dict[str, str] = field(default_factory=dict)
    """Account name -> the email of its company admin (contact key)."""


def salesforce_key(salesforce_id: str) -> str:
    return salesforce_id[:15]


class DesiredBuilder:
    def __init__(self, system: str, settings: AdobeCommerceSystem, context: DesiredContext) -> None:
        self.system = system
        self.settings = settings
        self.context = context
        self.out = Projection()
        self.managed = {
            (m.address.kind, m.address.key): m.id
            for m in context.managed_in(system)
            if m.id is not None
        }
        self.crm = context.crm()

    def build(self) -> Projection:
        served = [a for a in self.context.desired.accounts if self._serves(a)]
        seen_users: set[str] = set()
        renamed: set[str] = set()
        roles: dict[Address, DesiredRecord] = {}
        for account in served:
            options = AdobeCommerceAccountOptions.model_validate(
                dict(account.options.get(self.system) or {})
            )
            super_user = self._super_user(account, options)
            self.out.records.append(self._company(account, options, super_user))
            for contact in account.contacts:
                if contact.key in seen_users:
                    continue  # a contact listed twice is a rules error; project it once
                seen_users.add(contact.key)
                renamed.update(contact.previously)
                user, role = self._user(account, options, contact, super_user)
                self.out.records.append(user)
                if role is not None:
                    roles.setdefault(role.address, role)
        self.out.records.extend(roles.values())
        self._undeclared({a.name for a in served}, seen_users | renamed)
        return self.out

    def _serves(self, account: AccountSpec) -> bool:
        if account.stores is None:
            return self.settings.accounts == "all"
        return self.system in account.stores

    def _address(self, kind: str, key: str) -> Address:
        return Address(self.system, kind, key)

    def _managed_id(self, kind: str, *keys: str) -> str | None:
        return next((self.managed[(kind, k)] for k in keys if (kind, k) in self.managed), None)

    def _problem(
        self, account: AccountSpec, keys: tuple[str | int, ...], text: str, code: str
    ) -> Problem:
        return self.context.desired.problem(account.path, keys, text, code)

    def _options_path(self, account: AccountSpec) -> tuple[str, ...]:
        return ("account", "stores", self.system) if account.stores is not None else ("account",)

    # ------------------------------------------------------------------ companies

    def _company(
        self,
        account: AccountSpec,
        options: AdobeCommerceAccountOptions,
        super_user: ContactSpec | None,
    ) -> DesiredRecord:
        address = self._address(COMPANY, account.name)
        settings = account.settings
        fields: dict[str, Any] = {"name": account.name}
        if account.salesforce_id:
            fields["salesforce_id"] = account.salesforce_id
            self.out.accounts_by_salesforce_id[salesforce_key(account.salesforce_id)] = account.name
        elif self.crm is not None and self.settings.salesforce_id_from_crm:
            fields["salesforce_id"] = Ref(Address(self.crm.name, "account", account.name), "id")
        if settings.get("active") is not None:
            fields["status"] = APPROVED if settings["active"] else BLOCKED
        payment = _payment_on_account(settings)
        if payment is not None:
            fields["payment_on_account"] = payment
        if "price_book" in settings:
            group = self._customer_group(account, settings["price_book"])
            if group is not None:
                fields["customer_group_id"] = group
        create = self._create_fields(account, options, super_user, address)
        for name in ("status", "customer_group_id"):
            if name in fields:
                del create[name]
        if options.delete_company:
            active = [c for c in account.contacts if c.access != "revoked"]
            for contact in active:
                self.out.problems.append(
                    self._problem(
                        account,
                        ("contacts", contact.index, "access"),
                        f"{self.system}: the company is marked delete_company, so "
                        f"{contact.email} must be revoked first",
                        DELETED_WITH_USERS,
                    )
                )
        return DesiredRecord(
            address=address,
            account=account.name,
            intent="absent" if options.delete_company else "present",
            fields={} if options.delete_company else fields,
            remote_id=self._managed_id(COMPANY, account.name),
            create_fields=create,
        )

    def _customer_group(self, account: AccountSpec, price_book: Any) -> int | None:
        if price_book is None:
            return self.settings.default_customer_group_id
        group = self.settings.shared_catalogs.get(str(price_book))
        if group is None:
            known = ", ".join(sorted(self.settings.shared_catalogs)) or "none mapped"
            self.out.problems.append(
                self._problem(
                    account,
                    ("account", "price_book"),
                    f"price book {price_book!r} has no {self.system} shared catalog; map it to a "
                    f"customer_group_id in systems.{self.system}.shared_catalogs (mapped: {known})",
                    UNMAPPED_PRICE_BOOK,
                )
            )
        return group

    def _create_fields(
        self,
        account: AccountSpec,
        options: AdobeCommerceAccountOptions,
        super_user: ContactSpec | None,
        address: Address,
    ) -> dict[str, Any]:
        defaults = self.settings.company_defaults.model_dump(exclude_none=True)
        given = options.model_dump(exclude_none=True, exclude={"super_user", "delete_company"})
        details = {**defaults, **given}
        missing = [name for name in REQUIRED_DETAILS if name not in details]
        if super_user is None:
            missing.append("super_user")
        if missing:
            self.out.create_problems[address] = [
                self._problem(
                    account,
                    self._options_path(account),
                    f"{self.system} needs {', '.join(missing)} to create the company "
                    f"{account.name!r}: set them under account.stores.{self.system} "
                    + (
                        "(super_user: a contact's email, or list an active contact)"
                        if "super_user" in missing
                        else f"or in systems.{self.system}.company_defaults"
                    ),
                    MISSING_DETAIL,
                )
            ]
        create: dict[str, Any] = dict(details)
        if super_user is not None:
            local = super_user.email.split("@", 1)[0]
            create["super_user_email"] = super_user.email
            create["super_user_first_name"] = super_user.fields.get("first_name") or local
            create["super_user_last_name"] = super_user.fields.get("last_name") or local
        create["status"] = APPROVED
        create["customer_group_id"] = self.settings.default_customer_group_id
        return create

    def _super_user(
        self, account: AccountSpec, options: AdobeCommerceAccountOptions
    ) -> ContactSpec | None:
        if options.super_user is not None:
            wanted = options.super_user.strip().lower()
            found = next((c for c in account.contacts if c.key == wanted), None)
            if found is None:
                self.out.problems.append(
                    self._problem(
                        account,
                        (*self._options_path(account), "super_user"),
                        f"super_user {options.super_user!r} is not a contact of this account; "
                        "name one of its contacts' emails",
                        UNKNOWN_SUPER_USER,
                    )
                )
        else:
            found = next((c for c in account.contacts if c.access == "active"), None)
        if found is not None:
            self.out.super_users[account.name] = found.key
        return found

    # ------------------------------------------------------------------ users and roles

    def _user(
        self,
        account: AccountSpec,
        options: AdobeCommerceAccountOptions,
        contact: ContactSpec,
        super_user: ContactSpec | None,
    ) -> tuple[DesiredRecord, DesiredRecord | None]:
        address = self._address(USER, contact.key)
        company = self._address(COMPANY, account.name)
        depends: list[Address] = []
        if self.crm is not None:
            depends.append(Address(self.crm.name, self.crm.contact_kind or "contact", contact.key))
        depends.append(company)
        remote_id = self._managed_id(USER, contact.key, *contact.previously)
        common: dict[str, Any] = {
            "address": address,
            "account": account.name,
            "person": contact.key,
            "aliases": contact.previously,
            "remote_id": remote_id,
        }
        if contact.access == "revoked" or options.delete_company:
            if account.store_removal == "delete":
                return DesiredRecord(intent="absent", fields={}, access="revoked", **common), None
            record = DesiredRecord(
                intent="present",
                fields={"status": INACTIVE_USER},
                access="revoked",
                depends_on=tuple(depends),
                **common,
            )
            return record, None
        fields: dict[str, Any] = {"email": contact.email}
        fields.update(
            {k: v for k, v in contact.fields.items() if k in ("first_name", "last_name") and v}
        )
        fields["status"] = ACTIVE_USER if contact.access == "active" else INACTIVE_USER
        fields["company"] = Ref(company, "id")
        role: DesiredRecord | None = None
        is_admin = super_user is not None and super_user.key == contact.key
        if not is_admin and any(name in contact.fields for name in PERMISSIONS):
            permissions = {name: bool(contact.fields.get(name)) for name in PERMISSIONS}
            name = self.settings.role_for(permissions)
            fields["role"] = name
            role = self._role(account.name, name, company)
            depends.append(role.address)
        local = contact.email.split("@", 1)[0]
        create: dict[str, Any] = {
            n: contact.fields.get(n) or local
            for n in ("first_name", "last_name")
            if n not in fields
        }
        create["job_title"] = self.settings.job_title
        telephone = options.telephone or self.settings.company_defaults.telephone
        if telephone:
            create["telephone"] = telephone
        record = DesiredRecord(
            intent="present",
            fields=fields,
            access=contact.access,
            depends_on=tuple(depends),
            create_fields=create,
            **common,
        )
        return record, role

    def _role(self, account: str, name: str, company: Address) -> DesiredRecord:
        key = role_key(account, name)
        return DesiredRecord(
            address=self._address(ROLE, key),
            account=account,
            intent="present",
            fields={"company": Ref(company, "id"), "permissions": self.settings.resources_of(name)},
            remote_id=self._managed_id(ROLE, key),
            depends_on=(company,),
        )

    # ------------------------------------------------------------------ no longer declared

    def _undeclared(self, served: set[str], declared_users: set[str]) -> None:
        """Managed users no longer declared here are revoked; companies no longer served blocked."""
        for managed in self.context.managed_in(self.system, USER):
            if managed.address.key in declared_users:
                continue
            self.out.records.append(
                DesiredRecord(
                    address=managed.address,
                    account=managed.account,
                    intent="present",
                    fields={"status": INACTIVE_USER},
                    access="revoked",
                    person=managed.address.key,
                    remote_id=managed.id,
                    depends_on=(self._address(COMPANY, managed.account),),
                )
            )
        for managed in self.context.managed_in(self.system, COMPANY):
            if managed.address.key in served:
                continue
            self.out.records.append(
                DesiredRecord(
                    address=managed.address,
                    account=managed.account,
                    intent="present",
                    fields={"status": BLOCKED},
                    remote_id=managed.id,
                )
            )


def _payment_on_account(settings: Mapping[str, Any]) -> bool | None:
    """Payment on Account is offered when the account pays by account and is not on credit hold;
    unmanaged when the file sets neither (or only `credit_hold: false`)."""
    on_hold = settings.get("credit_hold")
    if "pay_by_account" in settings:
        return bool(settings["pay_by_account"]) and not bool(on_hold)
    if on_hold:
        return False
    return None

"""Seeding the Adobe Commerce emulator (the `adobe_commerce:` part of a sandbox seed).

    adobe_commerce:
      customer_groups: [{id: 4, code: Wholesale 2026}]        # id optional
      customers: [{email, firstname, lastname}]               # customers in no company
      companies:
        - company_name: Pinecrest Builders
          salesforce_id: 001SB00000000042AAA                  # the extension's Salesforce ID
          status: 1                                           # 0 pending, 1 approved, 3 blocked
          company_email, street: [..], city, country_id, region, postcode, telephone
          customer_group: Wholesale 2026                      # or customer_group_id: 4
          payment_methods: [checkmo, companycredit]           # optional: "selected" methods
          super_user: {email, firstname, lastname}
          roles: [{role_name: Buyer, allow: [Magento_Sales::place_order, ...]}]
          users: [{email, firstname, lastname, status: 1, role: Buyer}]

Every record is checked as the API checks it; a bad one aborts the seed with its place named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .adobe_commerce_companies import default_extensions
from .adobe_commerce_data import AdobeData
from .adobe_commerce_roles import INDEX
from .adobe_commerce_wire import (
    COMPANY_STATUSES,
    DEFAULT_USER_ALLOWS,
    ROLE_RESOURCES,
    blank,
    now,
)
from .seed import SeedError
from .store import Record, Store

SECTIONS = frozenset({"customer_groups", "customers", "companies"})
COMPANY_KEYS = frozenset(
    {
        "company_name",
        "legal_name",
        "salesforce_id",
        "status",
        "company_email",
        "street",
        "city",
        "country_id",
        "region",
        "region_id",
        "postcode",
        "telephone",
        "customer_group",
        "customer_group_id",
        "payment_methods",
        "super_user",
        "roles",
        "users",
    }
)
ADDRESS_DEFAULTS = {
    "street": ["1 Seed Street"],
    "city": "Austin",
    "country_id": "US",
    "region": "Texas",
    "region_id": "57",
    "postcode": "78701",
    "telephone": "5125550100",
}
DEFAULT_ROLE = "Default User"
SALESFORCE_ATTRIBUTE = "salesforce_id"


def load(store: Store, data: Any) -> dict[str, int]:
    if not isinstance(data, dict) or set(data) - SECTIONS:
        raise SeedError(f"adobe_commerce: expected a mapping with {', '.join(sorted(SECTIONS))}")
    for name in SECTIONS & set(data):
        if not isinstance(data[name], list) or not all(isinstance(r, dict) for r in data[name]):
            raise SeedError(f"adobe_commerce.{name}: expected a list of records")
    seeder = _Seeder(AdobeData(store))
    with store.transaction():
        for index, group in enumerate(data.get("customer_groups", [])):
            seeder.group(index, group)
        for index, customer in enumerate(data.get("customers", [])):
            seeder.customer(f"adobe_commerce.customers[{index}]", customer)
        for index, company in enumerate(data.get("companies", [])):
            seeder.company(index, company)
    return {
        "customer_groups": len(data.get("customer_groups", [])),
        "customers": seeder.customers,
        "companies": len(data.get("companies", [])),
    }


class _Seeder:
    def __init__(self, data: AdobeData) -> None:
        self.data = data
        self.customers = 0

    def group(self, index: int, fields: Mapping[str, Any]) -> None:
        where = f"adobe_commerce.customer_groups[{index}]"
        code = fields.get("code")
        if not isinstance(code, str) or not code.strip():
            raise SeedError(f"{where}: code (the group's name) is required")
        given = fields.get("id")
        if given is None:
            group_id = self.data.next_group_id()
        elif isinstance(given, int) and not isinstance(given, bool) and given > 0:
            group_id = given
            fresh = self.data.next_group_id()
            if given > fresh:
                self.data.store.next_id("adobe_commerce", "group", given - fresh)
        else:
            raise SeedError(f"{where}: id {given!r} must be a positive integer")
        self.data.save_group({**fields, "id": group_id, "code": code})

    def customer(self, where: str, fields: Mapping[str, Any]) -> Record:
        for name in ("email", "firstname", "lastname"):
            if not isinstance(fields.get(name), str) or not fields[name].strip():
                raise SeedError(f"{where}: {name} is required")
        if self.data.customer_by_email(fields["email"]) is not None:
            raise SeedError(f"{where}: the email {fields['email']} is already a customer")
        customer_id = self.data.next_customer_id()
        stamp = now()
        customer: Record = {
            "id": customer_id,
            "group_id": 1,
            "created_at": stamp,
            "updated_at": stamp,
            "created_in": "Default Store View",
            "email": fields["email"].strip(),
            "firstname": fields["firstname"],
            "lastname": fields["lastname"],
            "store_id": 1,
            "website_id": 1,
            "addresses": [],
            "disable_auto_group_change": 0,
            "extension_attributes": {
                "company_attributes": {"customer_id": customer_id, "company_id": 0},
                "is_subscribed": False,
            },
        }
        self.data.save_customer(customer)
        self.customers += 1
        return customer

    def company(self, index: int, fields: Mapping[str, Any]) -> None:
        where = f"adobe_commerce.companies[{index}]"
        unknown = sorted(set(fields) - COMPANY_KEYS)
        if unknown:
            raise SeedError(f"{where}: unknown key(s) {', '.join(unknown)}")
        if blank(fields.get("company_name")):
            raise SeedError(f"{where}: company_name is required")
        status = fields.get("status", 1)
        if status not in COMPANY_STATUSES:
            raise SeedError(f"{where}: status {status!r} is not one of 0, 1, 2, 3")
        admin_fields = fields.get("super_user")
        if not isinstance(admin_fields, dict):
            raise SeedError(f"{where}: super_user {{email, firstname, lastname}} is required")
        group_id = self._group_id(where, fields)
        admin = self.customer(f"{where}.super_user", admin_fields)
        company_id = self.data.next_company_id()
        extensions = default_extensions(company_id)
        if fields.get("salesforce_id"):
            extensions[SALESFORCE_ATTRIBUTE] = str(fields["salesforce_id"])
        methods = fields.get("payment_methods")
        if methods is not None:
            if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
                raise SeedError(f"{where}: payment_methods is a list of method codes")
            extensions.update(
                use_config_settings=0,
                applicable_payment_method=2,
                available_payment_methods=",".join(methods),
            )
        company: Record = {
            "id": company_id,
            "status": status,
            "company_name": fields["company_name"],
            "legal_name": fields.get("legal_name"),
            "company_email": fields.get("company_email") or admin["email"],
            "vat_tax_id": None,
            "reseller_id": None,
            "comment": None,
            **{name: fields.get(name, default) for name, default in ADDRESS_DEFAULTS.items()},
            "customer_group_id": group_id,
            "sales_representative_id": 1,
            "reject_reason": None,
            "rejected_at": None,
            "super_user_id": admin["id"],
            "extension_attributes": extensions,
        }
        self.data.save_company(company)
        self._member(admin, company, 1, None)
        roles = {
            DEFAULT_ROLE.lower(): self.data.new_role(
                DEFAULT_ROLE, company_id, set(DEFAULT_USER_ALLOWS)
            )
        }
        for role_index, role in enumerate(fields.get("roles") or []):
            made = self._role(f"{where}.roles[{role_index}]", role, company_id)
            roles[str(made["role_name"]).lower()] = made
        self.data.new_credit(company_id, "USD")
        for user_index, user in enumerate(fields.get("users") or []):
            self._user(f"{where}.users[{user_index}]", user, company, roles)

    def _group_id(self, where: str, fields: Mapping[str, Any]) -> int:
        if fields.get("customer_group_id") is not None:
            group_id = fields["customer_group_id"]
            if not isinstance(group_id, int) or self.data.group(group_id) is None:
                raise SeedError(f"{where}: customer_group_id {group_id!r} names no customer group")
            return group_id
        name = fields.get("customer_group")
        if name is None:
            return 1
        found = [g for g in self.data.groups() if str(g["code"]).lower() == str(name).lower()]
        if not found:
            raise SeedError(f"{where}: customer_group {name!r} names no customer group")
        return int(found[0]["id"])

    def _role(self, where: str, role: Any, company_id: int) -> Record:
        if not isinstance(role, dict) or blank(role.get("role_name")):
            raise SeedError(f"{where}: role_name is required")
        allow = role.get("allow") or []
        unknown = [r for r in allow if r not in ROLE_RESOURCES]
        if unknown:
            raise SeedError(f"{where}: unknown resource(s) {', '.join(map(str, unknown))}")
        return self.data.new_role(str(role["role_name"]), company_id, {INDEX, *allow})

    def _user(self, where: str, user: Any, company: Record, roles: Mapping[str, Record]) -> None:
        if not isinstance(user, dict):
            raise SeedError(f"{where}: expected a mapping")
        status = user.get("status", 1)
        if status not in (0, 1):
            raise SeedError(f"{where}: status {status!r} is not 0 or 1")
        role_name = str(user.get("role") or DEFAULT_ROLE).lower()
        if role_name not in roles:
            raise SeedError(f"{where}: role {user.get('role')!r} is not a role of this company")
        fields = {k: v for k, v in user.items() if k in ("email", "firstname", "lastname")}
        customer = self.customer(where, fields)
        self._member(customer, company, status, int(roles[role_name]["id"]))

    def _member(self, customer: Record, company: Record, status: int, role_id: int | None) -> None:
        customer["extension_attributes"]["company_attributes"] = {
            "customer_id": customer["id"],
            "company_id": company["id"],
            "status": status,
            "job_title": "",
            "telephone": company["telephone"],
        }
        customer["group_id"] = company["customer_group_id"]
        self.data.save_customer(customer)
        self.data.assign(int(customer["id"]), role_id)

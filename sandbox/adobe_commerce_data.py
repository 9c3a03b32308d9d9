"""Adobe Commerce emulator storage: companies, customers, roles and their users, credits, groups.

Records live in the sandbox's SQLite store under the system `adobe_commerce`. A customer's email
is unique (one website); `customer_email` indexes it. A company user's role is kept apart from the
customer (`role_user`: customer id -> role id), as Magento keeps it in its own table.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .adobe_commerce_wire import (
    DEFAULT_USER_ALLOWS,
    ROLE_RESOURCES,
    SYSTEM,
    now,
)
from .store import Record, Store

COMPANY = "company"
CUSTOMER = "customer"
EMAIL_INDEX = "customer_email"
ROLE = "role"
PERMISSION = "permission"
ROLE_USER = "role_user"
CREDIT = "credit"
HISTORY = "credit_history"
GROUP = "group"

DEFAULT_GROUPS = (
    (0, "NOT LOGGED IN"),
    (1, "General"),
    (2, "Wholesale"),
    (3, "Retailer"),
)


def email_key(email: str) -> str:
    return email.strip().lower()


class AdobeData:
    """The emulator's records; every write of a request happens under `lock`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ groups

    def ensure_groups(self) -> None:
        with self.lock, self.store.transaction():
            if self.store.count(SYSTEM, GROUP) == 0:
                for group_id, code in DEFAULT_GROUPS:
                    self.save_group({"id": group_id, "code": code})
                self.store.next_id(SYSTEM, GROUP, len(DEFAULT_GROUPS) - 1)

    def group(self, group_id: int) -> Record | None:
        self.ensure_groups()
        return self.store.get(SYSTEM, GROUP, str(group_id))

    def groups(self) -> list[Record]:
        self.ensure_groups()
        return self.store.list(SYSTEM, GROUP)

    def save_group(self, group: dict[str, Any]) -> Record:
        record = {
            "id": int(group["id"]),
            "code": str(group["code"]),
            "tax_class_id": int(group.get("tax_class_id", 3)),
            "tax_class_name": str(group.get("tax_class_name", "Retail Customer")),
        }
        self.store.update(SYSTEM, GROUP, str(record["id"]), record)
        return record

    def next_group_id(self) -> int:
        self.ensure_groups()
        return self.store.next_id(SYSTEM, GROUP)

    # ------------------------------------------------------------------ companies

    def company(self, company_id: int) -> Record | None:
        return self.store.get(SYSTEM, COMPANY, str(company_id))

    def companies(self) -> list[Record]:
        return self.store.list(SYSTEM, COMPANY)

    def save_company(self, company: Record) -> None:
        self.store.update(SYSTEM, COMPANY, str(company["id"]), company)

    def delete_company(self, company_id: int) -> None:
        """Members become inactive and leave the company; its roles and credit go with it."""
        with self.store.transaction():
            for member in self.members(company_id):
                attributes = member["extension_attributes"]["company_attributes"]
                attributes.update({"company_id": 0, "status": 0})
                self.assign(int(member["id"]), None)
                self.save_customer(member)
            for role in self.roles(company_id):
                self.store.delete(SYSTEM, ROLE, str(role["id"]))
            credit = self.credit_of(company_id)
            if credit is not None:
                self.store.delete(SYSTEM, CREDIT, str(credit["id"]))
            self.store.delete(SYSTEM, COMPANY, str(company_id))

    def next_company_id(self) -> int:
        return self.store.next_id(SYSTEM, COMPANY)

    # ------------------------------------------------------------------ customers

    def customer(self, customer_id: int) -> Record | None:
        return self.store.get(SYSTEM, CUSTOMER, str(customer_id))

    def customers(self) -> list[Record]:
        return self.store.list(SYSTEM, CUSTOMER)

    def customers_by_id(self, ids: Iterable[int]) -> dict[int, Record]:
        found = self.store.get_many(SYSTEM, CUSTOMER, (str(i) for i in ids))
        return {int(k): v for k, v in found.items()}

    def customer_by_email(self, email: str) -> Record | None:
        index = self.store.get(SYSTEM, EMAIL_INDEX, email_key(email))
        return None if index is None else self.customer(int(index["id"]))

    def save_customer(self, customer: Record, old_email: str | None = None) -> None:
        customer["updated_at"] = now()
        with self.store.transaction():
            if old_email is not None and email_key(old_email) != email_key(customer["email"]):
                self.store.delete(SYSTEM, EMAIL_INDEX, email_key(old_email))
            self.store.update(SYSTEM, CUSTOMER, str(customer["id"]), customer)
            self.store.update(
                SYSTEM, EMAIL_INDEX, email_key(customer["email"]), {"id": customer["id"]}
            )

    def delete_customer(self, customer: Record) -> None:
        with self.store.transaction():
            self.assign(int(customer["id"]), None)
            self.store.delete(SYSTEM, CUSTOMER, str(customer["id"]))
            self.store.delete(SYSTEM, EMAIL_INDEX, email_key(customer["email"]))

    def next_customer_id(self) -> int:
        return self.store.next_id(SYSTEM, CUSTOMER)

    def members(self, company_id: int) -> list[Record]:
        return self.store.list(
            SYSTEM,
            CUSTOMER,
            lambda c: company_of(c) == company_id,
        )

    # ------------------------------------------------------------------ roles

    def role(self, role_id: int) -> Record | None:
        return self.store.get(SYSTEM, ROLE, str(role_id))

    def roles(self, company_id: int | None = None) -> list[Record]:
        if company_id is None:
            return self.store.list(SYSTEM, ROLE)
        return self.store.list(SYSTEM, ROLE, lambda r: r["company_id"] == company_id)

    def save_role(self, role_id: int, name: str, company_id: int, allowed: set[str]) -> Record:
        """Store a role with one permission row per resource (fresh permission ids, as Magento)."""
        first = self.store.next_id(SYSTEM, PERMISSION, len(ROLE_RESOURCES))
        role = {
            "id": role_id,
            "role_name": name,
            "permissions": [
                {
                    "id": first + index,
                    "role_id": role_id,
                    "resource_id": resource,
                    "permission": "allow" if resource in allowed else "deny",
                }
                for index, resource in enumerate(ROLE_RESOURCES)
            ],
            "company_id": company_id,
        }
        self.store.update(SYSTEM, ROLE, str(role_id), role)
        return role

    def new_role(self, name: str, company_id: int, allowed: set[str]) -> Record:
        return self.save_role(self.store.next_id(SYSTEM, ROLE), name, company_id, allowed)

    def default_role(self, company_id: int, name: str) -> Record:
        """The role new members get: the one named `name`, else the oldest; made if none."""
        roles = sorted(self.roles(company_id), key=lambda r: int(r["id"]))
        named = [r for r in roles if str(r["role_name"]).lower() == name.lower()]
        if named:
            return named[0]
        if roles:
            return roles[0]
        return self.new_role(name, company_id, set(DEFAULT_USER_ALLOWS))

    def delete_role(self, role_id: int) -> None:
        self.store.delete(SYSTEM, ROLE, str(role_id))

    def role_of(self, customer_id: int) -> int | None:
        found = self.store.get(SYSTEM, ROLE_USER, str(customer_id))
        return None if found is None else int(found["role_id"])

    def assign(self, customer_id: int, role_id: int | None) -> None:
        if role_id is None:
            self.store.delete(SYSTEM, ROLE_USER, str(customer_id))
        else:
            self.store.update(SYSTEM, ROLE_USER, str(customer_id), {"role_id": role_id})

    def users_of(self, role_id: int) -> list[int]:
        links = self._role_users()
        return sorted(int(key) for key, link in links.items() if int(link["role_id"]) == role_id)

    def _role_users(self) -> dict[str, Record]:
        ids = self.store.ids(SYSTEM, ROLE_USER)
        return self.store.get_many(SYSTEM, ROLE_USER, ids)

    # ------------------------------------------------------------------ credit

    def credit(self, credit_id: int) -> Record | None:
        return self.store.get(SYSTEM, CREDIT, str(credit_id))

    def credits(self) -> list[Record]:
        return self.store.list(SYSTEM, CREDIT)

    def credit_of(self, company_id: int) -> Record | None:
        found = self.store.list(SYSTEM, CREDIT, lambda c: c["company_id"] == company_id)
        return found[0] if found else None

    def new_credit(self, company_id: int, currency: str) -> Record:
        credit = {
            "id": self.store.next_id(SYSTEM, CREDIT),
            "company_id": company_id,
            "credit_limit": 0,
            "balance": 0,
            "currency_code": currency,
            "exceed_limit": False,
            "available_limit": 0,
        }
        self.save_credit(credit)
        return credit

    def save_credit(self, credit: Record) -> None:
        credit["available_limit"] = float(credit.get("credit_limit") or 0) + float(
            credit.get("balance") or 0
        )
        self.store.update(SYSTEM, CREDIT, str(credit["id"]), credit)

    def add_history(self, credit: Record, amount: float, kind: int, comment: str) -> Record:
        entry = {
            "id": self.store.next_id(SYSTEM, HISTORY),
            "company_credit_id": credit["id"],
            "user_id": 1,
            "user_type": 2,
            "currency_credit": credit["currency_code"],
            "currency_operation": credit["currency_code"],
            "rate": 1,
            "rate_credit": 0,
            "amount": amount,
            "balance": credit["balance"],
            "credit_limit": credit.get("credit_limit") or 0,
            "available_limit": credit["available_limit"],
            "type": kind,
            "datetime": now(),
            "purchase_order": None,
            "custom_reference_number": None,
            "comment": comment,
        }
        self.store.update(SYSTEM, HISTORY, str(entry["id"]), entry)
        return entry

    def history(self) -> list[Record]:
        return self.store.list(SYSTEM, HISTORY)


def company_of(customer: Record) -> int:
    attributes = (customer.get("extension_attributes") or {}).get("company_attributes") or {}
    return int(attributes.get("company_id") or 0)

"""What Cin7 Omni holds, as storegate records: CRM contacts, and store customers where a store view
shows them (keyed by their CRM contact's email, so a store customer follows its contact's email
change at once; the store's own login email is the `email` field)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract import AccessLevel, Address, LiveRecord, email_key
from .desired import CONTACT, CUSTOMER, STORE_EMAIL
from .store_view import StoreCustomer
from .wire import contact_id, get, storegate_fields

ACCESS_OF_TAB: dict[str, AccessLevel] = {
    "current": "active",
    "pending": "pending",
    "error": "pending",
    "deactivated": "revoked",
}
"""What a dashboard tab grants: an Error-tab customer is invited but not working yet."""


class LiveBuilder:
    def __init__(
        self,
        name: str,
        account_of_key: Mapping[str, str],
        account_of_company: Mapping[str, str],
    ) -> None:
        self.name = name
        self.account_of_key = account_of_key
        self.account_of_company = account_of_company

    def _account(self, key: str, company: Any) -> str:
        if key in self.account_of_key:
            return self.account_of_key[key]
        text = str(company or "")
        return self.account_of_company.get(text.lower(), text)

    def contact(self, item: Mapping[str, Any]) -> LiveRecord | None:
        number = contact_id(item)
        if number is None:
            return None
        fields = storegate_fields(item)
        email = get(item, "email")
        key = email_key(email) if isinstance(email, str) and email.strip() else f"id:{number}"
        return LiveRecord(
            address=Address(self.name, CONTACT, key),
            id=str(number),
            fields=fields,
            account=self._account(key, fields.get("company")),
            access="active" if fields.get("is_active") is True else "revoked",
        )

    def customer(self, store: StoreCustomer, contact: LiveRecord | None) -> list[LiveRecord]:
        """The access record of a store customer, and its login email record."""
        key = contact.key if contact is not None else email_key(store.email)
        company = contact.fields.get("company") if contact is not None else None
        account = contact.account if contact is not None else self._account(key, company)
        fields = {"status": store.tab, "email": store.email, "error": store.error}
        return [
            LiveRecord(
                address=Address(self.name, CUSTOMER, key),
                id=str(store.contact_id),
                fields=fields,
                account=account,
                access=ACCESS_OF_TAB[store.tab],
            ),
            LiveRecord(
                address=Address(self.name, STORE_EMAIL, key),
                id=str(store.contact_id),
                fields={"email": store.email},
                account=account,
            ),
        ]

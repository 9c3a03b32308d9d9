"""The access repo projected onto Salesforce: one DesiredRecord per account and contact.

Access levels become field values per profile (StoreConnect permission checkboxes, or the CPQ
eCommerce checkbox, date stamp, store ids and Contact Status). A managed contact removed from the YAML
becomes a revocation, never a silent forget.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from storegate.engine.errors import InputError
from storegate.engine.model import (
    ACCOUNT_SETTINGS,
    PERMISSIONS,
    Contact,
    LoadedAccount,
    email_key,
    managed_fields,
)
from storegate.engine.plan import Ref
from storegate.engine.problems import Problem
from storegate.providers.base import DesiredContext, DesiredRecord, KeepIfSet, address_of
from storegate.providers.salesforce.lookups import NameIndex
from storegate.providers.salesforce.profiles import CHECKBOXES, LOOKUPS, FieldMap, Kind
from storegate.providers.salesforce.records import SYSTEM

UNMAPPED_CODE = "SG310"
UNKNOWN_LOOKUP_CODE = "SG311"


class DesiredBuilder:
    def __init__(
        self, context: DesiredContext, fields: FieldMap, lookups: Mapping[str, NameIndex]
    ) -> None:
        self._context = context
        self._fields = fields
        self._lookups = lookups
        self._problems: list[Problem] = []
        self._managed_ids: dict[tuple[str, str], str] = {
            (m.kind, m.key): m.id
            for m in context.managed
            if m.system == SYSTEM and m.id is not None
        }

    def build(self) -> list[DesiredRecord]:
        records: list[DesiredRecord] = []
        declared: set[str] = set()
        for loaded in self._context.desired.accounts:
            records.append(self._account(loaded))
            for index, contact in enumerate(loaded.file.contacts):
                records.append(self._contact(loaded, index, contact))
                declared.add(contact.key)
                declared.update(email_key(e) for e in contact.previously)
        if self._problems:
            raise InputError(sorted(self._problems))
        records.extend(self._removed(declared))
        return records

    # ------------------------------------------------------------------ accounts

    def _account(self, loaded: LoadedAccount) -> DesiredRecord:
        account = loaded.file.account
        values: dict[str, Any] = {"name": account.name}
        for name, value in managed_fields(account, ACCOUNT_SETTINGS).items():
            if not self._mapped(loaded.path, "account", name, ("account", name)):
                continue
            if name in LOOKUPS and value is not None:
                self._check_lookup(loaded.path, name, str(value))
            values[name] = _checkbox(name, value)
        return DesiredRecord(
            system=SYSTEM,
            kind="account",
            key=account.name,
            account=account.name,
            intent="present",
            fields=values,
            remote_id=account.salesforce_id or self._managed_ids.get(("account", account.name)),
        )

    def _check_lookup(self, path: str, name: str, value: str) -> None:
        index = self._lookups.get(name)
        problem = f"{name} names cannot be resolved" if index is None else index.problem(value)
        if problem is not None:
            where = self._context.desired.sources.locate(path, "account", name)
            self._problems.append(
                Problem(where.path, where.line, where.col, problem, UNKNOWN_LOOKUP_CODE)
            )

    # ------------------------------------------------------------------ contacts

    def _contact(self, loaded: LoadedAccount, index: int, contact: Contact) -> DesiredRecord:
        account_name = loaded.file.account.name
        account_address = address_of(SYSTEM, "account", account_name)
        values: dict[str, Any] = {"email": contact.email}
        values.update(managed_fields(contact, ("first_name", "last_name")))
        values["account_id"] = Ref(account_address, "id")
        permissions = {
            name: _checkbox(name, value)
            for name, value in managed_fields(contact, PERMISSIONS).items()
            if self._permission_mapped(loaded.path, index, name)
        }
        writeback: frozenset[str] = frozenset()
        if self._fields.profile == "cpq_ecommerce":
            values.update(permissions)
            values.update(self._ecommerce(contact))
            if contact.access == "active" and self._context.store_system is not None:
                customer = address_of(self._context.store_system, "customer", contact.key)
                values.update(
                    self._only_mapped(
                        {
                            "ecommerce_customer_id": Ref(customer, "id"),
                            "ecommerce_user_id": Ref(customer, "email"),
                        }
                    )
                )
                writeback = frozenset({"ecommerce_customer_id", "ecommerce_user_id"})
        elif contact.access == "revoked":
            values.update(self._storeconnect_revocation())
        else:
            values.update(permissions)
        aliases = tuple(email_key(e) for e in contact.previously)
        remote_id = next(
            (
                found
                for key in (contact.key, *aliases)
                if (found := self._managed_ids.get(("contact", key))) is not None
            ),
            None,
        )
        create_fields: dict[str, Any] = {}
        if "last_name" not in values:
            create_fields["last_name"] = contact.last_name or contact.email.split("@", 1)[0]
        return DesiredRecord(
            system=SYSTEM,
            kind="contact",
            key=contact.key,
            account=account_name,
            intent="present",
            fields=values,
            access=contact.access,
            aliases=aliases,
            remote_id=remote_id,
            create_fields=create_fields,
            depends_on=(account_address,),
            writeback_fields=writeback,
            offboard=contact.offboard,
        )

    def _ecommerce(self, contact: Contact) -> dict[str, Any]:
        if contact.access == "active":
            return self._only_mapped(
                {
                    "ecommerce_enabled": True,
                    "ecommerce_access_date": KeepIfSet(date.today().isoformat()),
                    "contact_status": "Active",
                }
            )
        if contact.access == "pending":
            return {"ecommerce_enabled": False}
        return self._cpq_revocation(contact.offboard)

    def _cpq_revocation(self, offboard: bool) -> dict[str, Any]:
        values: dict[str, Any] = {
            "ecommerce_enabled": False,
            "ecommerce_access_date": None,
            "ecommerce_user_id": None,
            "ecommerce_customer_id": None,
        }
        if offboard:
            values["contact_status"] = "Deactivated"
        return self._only_mapped(values)

    def _storeconnect_revocation(self) -> dict[str, Any]:
        return self._only_mapped(dict.fromkeys(PERMISSIONS, False))

    def _revocation(self) -> dict[str, Any]:
        if self._fields.profile == "cpq_ecommerce":
            return self._cpq_revocation(offboard=False)
        return self._storeconnect_revocation()

    def _removed(self, declared: set[str]) -> list[DesiredRecord]:
        """Managed contacts no longer in the YAML: revoked, with only the revocation fields."""
        return [
            DesiredRecord(
                system=SYSTEM,
                kind="contact",
                key=m.key,
                account=m.account,
                intent="present",
                fields=self._revocation(),
                access="revoked",
                remote_id=m.id,
            )
            for m in self._context.managed
            if m.system == SYSTEM and m.kind == "contact" and m.key not in declared
        ]

    # ------------------------------------------------------------------ helpers

    def _only_mapped(self, values: dict[str, Any]) -> dict[str, Any]:
        return {n: v for n, v in values.items() if self._fields.is_mapped("contact", n)}

    def _permission_mapped(self, path: str, index: int, name: str) -> bool:
        if self._fields.is_mapped("contact", name):
            return True
        if self._fields.profile == "storeconnect":
            self._mapped(path, "contact", name, ("contacts", index, name))
        return False

    def _mapped(self, path: str, kind: Kind, name: str, keys: tuple[str | int, ...]) -> bool:
        if self._fields.is_mapped(kind, name):
            return True
        where = self._context.desired.sources.locate(path, *keys)
        self._problems.append(
            Problem(
                where.path,
                where.line,
                where.col,
                f"{name} is not mapped to a Salesforce field in the {self._fields.profile} "
                f"profile; set systems.salesforce.fields.{name} in storegate.yaml to the org's API "
                f"name, or remove {name} from this file",
                UNMAPPED_CODE,
            )
        )
        return False


def _checkbox(name: str, value: Any) -> Any:
    """An explicit null on a checkbox clears it, and a cleared checkbox reads back as false."""
    return False if value is None and name in CHECKBOXES else value

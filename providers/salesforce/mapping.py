"""The access repo projected onto Salesforce: one DesiredRecord per account and contact.

Access levels become field values per profile (StoreConnect permission checkboxes, or the CPQ
eCommerce checkbox, date stamp, store ids and Contact Status). A managed contact removed from the YAML
becomes a revocation, never a silent forget. The ids the stores assign are written back into the
contact (`writeback`) in a second change, once the store records exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..contract import (
    NO_VALUES,
    PERMISSIONS,
    PERSON_FIELDS,
    AccountSpec,
    Address,
    ContactSpec,
    DesiredContext,
    DesiredRecord,
    InputError,
    KeepIfSet,
    Problem,
    Ref,
)
from .lookups import NameIndex
from .profiles import CHECKBOXES, LOOKUPS, FieldMap, Kind

UNMAPPED_CODE = "SG310"
UNKNOWN_LOOKUP_CODE = "SG311"
NO_FIELDS: frozenset[str] = frozenset()
CPQ_WRITEBACK = {"ecommerce_customer_id": "id", "ecommerce_user_id": "email"}
"""The cpq_ecommerce profile's default: the first store's customer id and login."""


class DesiredBuilder:
    def __init__(
        self,
        system: str,
        context: DesiredContext,
        fields: FieldMap,
        lookups: Mapping[str, NameIndex],
        writeback: Mapping[str, Mapping[str, str]],
    ) -> None:
        self._system = system
        self._context = context
        self._fields = fields
        self._lookups = lookups
        self._problems: list[Problem] = []
        self._managed_ids: dict[tuple[str, str], str] = {
            (m.address.kind, m.address.key): m.id
            for m in context.managed_in(system)
            if m.id is not None
        }
        self._writeback = self._writeback_targets(writeback)
        self._store_kinds = {
            store: context.systems[store].contact_kind or "customer" for store in self._writeback
        }
        self._mapped_permissions = frozenset(
            name for name in PERMISSIONS if fields.is_mapped("contact", name)
        )

    def _writeback_targets(
        self, configured: Mapping[str, Mapping[str, str]]
    ) -> dict[str, dict[str, str]]:
        """Per store system name: Salesforce contact field -> the store attribute written there."""
        stores = {s.name: s for s in self._context.stores()}
        if configured:
            return {name: dict(targets) for name, targets in configured.items() if name in stores}
        if self._fields.profile == "cpq_ecommerce" and stores:
            first = next(iter(stores))
            return {first: self._only_mapped(dict(CPQ_WRITEBACK))}
        return {}

    def build(self) -> list[DesiredRecord]:
        records: list[DesiredRecord] = []
        declared: set[str] = set()
        for account in self._context.desired.accounts:
            records.append(self._account(account))
            account_address = Address(self._system, "account", account.name)
            account_id = Ref(account_address, "id")
            depends_on = (account_address,)
            for contact in account.contacts:
                records.append(self._contact(account, contact, account_id, depends_on))
                declared.add(contact.key)
                declared.update(contact.previously)
        if self._problems:
            raise InputError(sorted(self._problems))
        records.extend(self._removed(declared))
        return records

    # ------------------------------------------------------------------ accounts

    def _account(self, account: AccountSpec) -> DesiredRecord:
        values: dict[str, Any] = {"name": account.name}
        for name, value in account.settings.items():
            if not self._mapped(account.path, "account", name, ("account", name)):
                continue
            if name in LOOKUPS and value is not None:
                self._check_lookup(account.path, name, str(value))
            values[name] = _checkbox(name, value)
        active = account.settings.get("active", True)
        return DesiredRecord(
            address=Address(self._system, "account", account.name),
            account=account.name,
            intent="present",
            fields=values,
            access=None if "active" not in values else ("active" if active else "revoked"),
            remote_id=account.salesforce_id or self._managed_ids.get(("account", account.name)),
        )

    def _check_lookup(self, path: str, name: str, value: str) -> None:
        index = self._lookups.get(name)
        problem = f"{name} names cannot be resolved" if index is None else index.problem(value)
        if problem is not None:
            self._problems.append(
                self._context.desired.problem(path, ("account", name), problem, UNKNOWN_LOOKUP_CODE)
            )

    # ------------------------------------------------------------------ contacts

    def _contact(
        self,
        account: AccountSpec,
        contact: ContactSpec,
        account_id: Ref,
        depends_on: tuple[Address, ...],
    ) -> DesiredRecord:
        """One contact's record; `account_id` and `depends_on` are its account's, shared by every
        contact of the account (immutable, so one object serves them all)."""
        key = contact.key
        values: dict[str, Any] = {"email": contact.email}
        values.update({k: v for k, v in contact.fields.items() if k in PERSON_FIELDS})
        values["account_id"] = account_id
        mapped = self._mapped_permissions
        permissions = {
            name: _checkbox(name, value)
            for name, value in contact.fields.items()
            if name in PERMISSIONS
            and (name in mapped or self._permission_mapped(account.path, contact.index, name))
        }
        later: frozenset[str] = NO_FIELDS
        if self._fields.profile == "cpq_ecommerce":
            values.update(permissions)
            values.update(self._ecommerce(contact))
        elif contact.access == "revoked":
            values.update(self._storeconnect_revocation())
        else:
            values.update(permissions)
        if contact.access == "active":
            for store, targets in self._writeback.items():
                target = Address(store, self._store_kinds[store], key)
                for field_name, attribute in targets.items():
                    values[field_name] = Ref(target, attribute)
                later = later | frozenset(targets)
        remote_id = self._managed_ids.get(("contact", key))
        if remote_id is None and contact.previously:
            remote_id = next(
                (
                    found
                    for old in contact.previously
                    if (found := self._managed_ids.get(("contact", old))) is not None
                ),
                None,
            )
        create_fields: dict[str, Any] = {}
        if "last_name" not in values:
            create_fields["last_name"] = (
                contact.fields.get("last_name") or contact.email.split("@", 1)[0]
            )
        return DesiredRecord(
            address=Address(self._system, "contact", key),
            account=account.name,
            intent="present",
            fields=values,
            access=contact.access,
            person=key,
            aliases=contact.previously,
            remote_id=remote_id,
            create_fields=create_fields or NO_VALUES,
            depends_on=depends_on,
            later_fields=later,
        )

    def _ecommerce(self, contact: ContactSpec) -> dict[str, Any]:
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
            **dict.fromkeys(self._written_back(), None),
        }
        if offboard:
            values["contact_status"] = "Deactivated"
        return self._only_mapped(values)

    def _written_back(self) -> list[str]:
        names = [n for targets in self._writeback.values() for n in targets]
        if self._fields.profile == "cpq_ecommerce":
            names += [n for n in CPQ_WRITEBACK if n not in names]
        return names

    def _storeconnect_revocation(self) -> dict[str, Any]:
        values: dict[str, Any] = dict.fromkeys(PERMISSIONS, False)
        values.update(dict.fromkeys(self._written_back(), None))
        return self._only_mapped(values)

    def _revocation(self) -> dict[str, Any]:
        if self._fields.profile == "cpq_ecommerce":
            return self._cpq_revocation(offboard=False)
        return self._storeconnect_revocation()

    def _removed(self, declared: set[str]) -> list[DesiredRecord]:
        """Managed contacts no longer in the YAML: revoked, with only the revocation fields."""
        return [
            DesiredRecord(
                address=m.address,
                account=m.account,
                intent="present",
                fields=self._revocation(),
                access="revoked",
                person=m.address.key,
                remote_id=m.id,
            )
            for m in self._context.managed_in(self._system, "contact")
            if m.address.key not in declared
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
        self._problems.append(
            self._context.desired.problem(
                path,
                keys,
                f"{name} is not mapped to a Salesforce field in the {self._fields.profile} "
                f"profile; set systems.{self._system}.fields.{name} in storegate.yaml to the "
                f"org's API name, or remove {name} from this file",
                UNMAPPED_CODE,
            )
        )
        return False


def _checkbox(name: str, value: Any) -> Any:
    """An explicit null on a checkbox clears it, and a cleared checkbox reads back as false."""
    return False if value is None and name in CHECKBOXES else value

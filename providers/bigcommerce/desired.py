"""The access repo projected onto BigCommerce customers: one per contact, keyed by email.

A customer exists exactly while its contact's access is active; pending, revoked and contacts
dropped from the YAML (but still managed) are "absent", so the engine plans a deletion.
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
    Problem,
)
from .config import BigCommerceSystem

KIND = "customer"
NO_GROUP = 0
"""BigCommerce's customer_group_id for "no group": what an explicit `price_book: null` means."""
UNMAPPED_PRICE_BOOK = "SG601"


def desired_customers(
    system: str, settings: BigCommerceSystem, context: DesiredContext
) -> list[DesiredRecord]:
    records: list[DesiredRecord] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    managed = context.managed_in(system, KIND)
    managed_ids = {m.address.key: m.id for m in managed if m.id is not None}
    crm = context.crm()

    def crm_contact(key: str) -> tuple[Address, ...]:
        """The CRM contact whose access this customer carries: created or granted first, and
        (the edge turned round for removals) revoked only after the customer is gone."""
        return (Address(crm.name, crm.contact_kind or "contact", key),) if crm else ()

    renamed: set[str] = set()
    on_create: dict[str, dict[str, Any]] = {}
    for account, contact in context.desired.contacts():
        renamed.update(contact.previously)
        key = contact.key
        if key in seen or not _serves(system, settings, account):
            continue  # a contact listed twice is a rules.py error; project it once
        seen.add(key)
        address = Address(system, KIND, key)
        if contact.access != "active":
            depends = crm_contact(key)
            records.append(_absent(address, account.name, contact.access, None, depends))
            continue
        fields = _customer_fields(settings, context, account, contact, problems)
        aliases = contact.previously
        remote_id = managed_ids.get(key)
        if remote_id is None and aliases:
            remote_id = next((managed_ids[k] for k in aliases if k in managed_ids), None)
        create_fields = _create_fields(contact, fields)
        if "company" not in fields:  # display_name unmanaged: named once, on create
            if create_fields:
                create_fields["company"] = account.name
            else:  # the usual case: one mapping serves every contact of the account
                create_fields = on_create.setdefault(account.name, {"company": account.name})
        records.append(
            DesiredRecord(
                address=address,
                account=account.name,
                intent="present",
                fields=fields,
                access="active",
                person=key,
                aliases=aliases,
                remote_id=remote_id,
                create_fields=create_fields,
                depends_on=crm_contact(key),
            )
        )
    # A managed key a contact now lists under `previously` is an email change, not a removal.
    for gone in managed:
        if gone.address.key not in seen and gone.address.key not in renamed:
            depends = crm_contact(gone.address.key)
            records.append(_absent(gone.address, gone.account, "revoked", gone.id, depends))
    if problems:
        raise InputError(sorted(set(problems)))
    return records


def _create_fields(contact: ContactSpec, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The names BigCommerce requires that the YAML leaves unmanaged: given once, on create."""
    local_part = contact.email.split("@", 1)[0]
    return {
        name: contact.fields.get(name) or local_part
        for name in ("first_name", "last_name")
        if name not in fields
    }


def _serves(system: str, settings: BigCommerceSystem, account: AccountSpec) -> bool:
    if account.stores is None:
        return settings.accounts == "all"
    return system in account.stores


def _customer_fields(
    settings: BigCommerceSystem,
    context: DesiredContext,
    account: AccountSpec,
    contact: ContactSpec,
    problems: list[Problem],
) -> dict[str, Any]:
    # BigCommerce requires names: an explicit null cannot clear them, so it leaves them unmanaged.
    names = {
        k: v for k in ("first_name", "last_name") if (v := contact.fields.get(k)) is not None and v
    }
    fields: dict[str, Any] = {"email": contact.email, **names}
    if "display_name" in account.settings:
        fields["company"] = account.settings["display_name"] or account.name
    if "price_book" in account.settings:
        group = _customer_group(settings, context, account, problems)
        if group is not None:
            fields["customer_group_id"] = group
    return fields


def _customer_group(
    settings: BigCommerceSystem,
    context: DesiredContext,
    account: AccountSpec,
    problems: list[Problem],
) -> int | None:
    price_book = account.settings.get("price_book")
    if price_book is None:
        return NO_GROUP
    group = settings.customer_groups.get(str(price_book))
    if group is None:
        known = ", ".join(sorted(settings.customer_groups)) or "none configured"
        problems.append(
            context.desired.problem(
                account.path,
                ("account", "price_book"),
                f"price book {price_book!r} has no BigCommerce customer group; map it in "
                f"systems.bigcommerce.customer_groups in storegate.yaml (mapped: {known})",
                UNMAPPED_PRICE_BOOK,
            )
        )
    return group


def _absent(
    address: Address,
    account: str,
    access: AccessLevel,
    remote_id: str | None,
    depends_on: tuple[Address, ...],
) -> DesiredRecord:
    return DesiredRecord(
        address=address,
        account=account,
        intent="absent",
        fields={},
        access=access,
        person=address.key,
        remote_id=remote_id,
        depends_on=depends_on,
    )

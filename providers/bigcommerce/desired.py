"""The access repo projected onto BigCommerce customers: one per contact, keyed by email.

A customer exists exactly while its contact's access is active; pending, revoked and contacts
dropped from the YAML (but still managed) are "absent", so the engine plans a deletion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storegate.engine.errors import InputError
from storegate.engine.model import (
    AccessLevel,
    BigCommerceSystem,
    Contact,
    LoadedAccount,
    email_key,
    managed_fields,
)
from storegate.engine.problems import Problem
from storegate.providers.base import DesiredContext, DesiredRecord, ManagedResource, address_of

SYSTEM = "bigcommerce"
KIND = "customer"
NO_GROUP = 0
"""BigCommerce's customer_group_id for "no group": what an explicit `price_book: null` means."""
UNMAPPED_PRICE_BOOK = "SG601"


def desired_customers(settings: BigCommerceSystem, context: DesiredContext) -> list[DesiredRecord]:
    records: list[DesiredRecord] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for loaded, _index, contact in context.desired.contacts():
        if contact.key in seen:
            continue  # a contact listed twice is a rules.py error; project it once
        seen.add(contact.key)
        if contact.access != "active":
            records.append(_absent(contact.key, loaded.file.account.name, contact.access, None))
            continue
        fields = _customer_fields(settings, context, loaded, contact, problems)
        records.append(_present(context, loaded, contact, fields))
    # A managed key a contact now lists under `previously` is an email change, not a removal.
    renamed = {email_key(e) for _, _, c in context.desired.contacts() for e in c.previously}
    for managed in _managed_customers(context.managed):
        if managed.key not in seen and managed.key not in renamed:
            records.append(_absent(managed.key, managed.account, "revoked", managed.id))
    if problems:
        raise InputError(problems)
    return records


def _customer_fields(
    settings: BigCommerceSystem,
    context: DesiredContext,
    loaded: LoadedAccount,
    contact: Contact,
    problems: list[Problem],
) -> dict[str, Any]:
    account = loaded.file.account
    # BigCommerce requires names: an explicit null cannot clear them, so it leaves them unmanaged.
    names = {k: v for k, v in managed_fields(contact, ("first_name", "last_name")).items() if v}
    fields: dict[str, Any] = {"email": contact.email, **names}
    fields["company"] = account.display_name or account.name
    if "price_book" in account.model_fields_set:
        group = _customer_group(settings, context, loaded, problems)
        if group is not None:
            fields["customer_group_id"] = group
    return fields


def _customer_group(
    settings: BigCommerceSystem,
    context: DesiredContext,
    loaded: LoadedAccount,
    problems: list[Problem],
) -> int | None:
    price_book = loaded.file.account.price_book
    if price_book is None:
        return NO_GROUP
    group = settings.customer_groups.get(price_book)
    if group is None:
        where = context.desired.sources.locate(loaded.path, "account", "price_book")
        known = ", ".join(sorted(settings.customer_groups)) or "none configured"
        problems.append(
            Problem(
                where.path,
                where.line,
                where.col,
                f"price book {price_book!r} has no BigCommerce customer group; map it in "
                f"systems.bigcommerce.customer_groups in storegate.yaml (mapped: {known})",
                UNMAPPED_PRICE_BOOK,
            )
        )
    return group


def _present(
    context: DesiredContext, loaded: LoadedAccount, contact: Contact, fields: dict[str, Any]
) -> DesiredRecord:
    local_part = contact.email.split("@", 1)[0]
    aliases = tuple(email_key(e) for e in contact.previously)
    create_fields = {
        name: getattr(contact, name) or local_part
        for name in ("first_name", "last_name")
        if name not in fields
    }
    return DesiredRecord(
        system=SYSTEM,
        kind=KIND,
        key=contact.key,
        account=loaded.file.account.name,
        intent="present",
        fields=fields,
        access="active",
        aliases=aliases,
        remote_id=_managed_id(context.managed, (contact.key, *aliases)),
        create_fields=create_fields,
        depends_on=(address_of("salesforce", "contact", contact.key),),
    )


def _absent(key: str, account: str, access: AccessLevel, remote_id: str | None) -> DesiredRecord:
    return DesiredRecord(
        system=SYSTEM,
        kind=KIND,
        key=key,
        account=account,
        intent="absent",
        fields={},
        access=access,
        remote_id=remote_id,
    )


def _managed_customers(managed: Sequence[ManagedResource]) -> list[ManagedResource]:
    return [m for m in managed if m.system == SYSTEM and m.kind == KIND]


def _managed_id(managed: Sequence[ManagedResource], keys: tuple[str, ...]) -> str | None:
    """The id state learned for this customer, under its email or an earlier one."""
    ids = {m.key: m.id for m in _managed_customers(managed) if m.id is not None}
    for key in keys:
        if key in ids:
            return str(ids[key])
    return None

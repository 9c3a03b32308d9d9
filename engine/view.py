"""The loaded access repo as the providers see it: the contract's DesiredView.

Only what the YAML sets is carried (a field left out is unmanaged; an explicit null clears it), so no
provider ever reads pydantic's `model_fields_set` or a file format.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from ..providers.contract import (
    PERSON_FIELDS,
    AccountSpec,
    ContactSpec,
    DesiredView,
    shared_text,
)
from ..state.gcpause import paused_collection
from .model import (
    ACCOUNT_SETTINGS,
    PERMISSIONS,
    Contact,
    DesiredState,
    LoadedAccount,
    email_key,
    managed_fields,
)


def desired_view(desired: DesiredState) -> DesiredView:
    if desired.view is not None:
        return desired.view
    accounts = tuple(_account(loaded, desired.config.exclusive) for loaded in desired.accounts)
    return DesiredView(accounts=accounts, locator=desired.sources.locate_keys)


def view_only(desired: DesiredState) -> DesiredState:
    """The repo with its view made and the contacts' validated models released: what `plan` and
    `apply` need, about 400 bytes a contact less. The account files then list no contacts, so a
    command that reads them (`report`, `validate`) keeps the loaded state as it is."""
    if desired.view is not None:
        return desired
    with paused_collection():  # as the load: 100,000s of objects that all stay alive
        view = desired_view(desired)
    accounts = [
        replace(loaded, file=loaded.file.model_copy(update={"contacts": []}))
        for loaded in desired.accounts
    ]
    return replace(desired, accounts=accounts, view=view)


def _account(loaded: LoadedAccount, exclusive_default: bool) -> AccountSpec:
    account = loaded.file.account
    stores = _stores(account.stores)
    return AccountSpec(
        name=account.name,
        path=loaded.path,
        settings=managed_fields(account, ACCOUNT_SETTINGS),
        contacts=tuple(_contact(i, c) for i, c in enumerate(loaded.file.contacts)),
        salesforce_id=account.salesforce_id,
        options={name: _options(value) for name, value in (stores or {}).items()},
        stores=None if stores is None else tuple(stores),
        exclusive=exclusive_default if account.exclusive is None else account.exclusive,
        store_removal=account.store_removal or "deactivate",
    )


def _stores(stores: Any) -> dict[str, Any] | None:
    """`account.stores` by system name; a store listed with no options (`name:` alone) is listed."""
    if stores is None:
        return None
    if isinstance(stores, BaseModel):
        return {name: getattr(stores, name) for name in stores.model_fields_set}
    return dict(stores)


def _options(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True)
    return dict(value or {})


_CONTACT_FIELDS = (*PERSON_FIELDS, *PERMISSIONS)


def _contact(index: int, contact: Contact) -> ContactSpec:
    fields = managed_fields(contact, _CONTACT_FIELDS)
    for name in PERSON_FIELDS:
        if name in fields:
            fields[name] = shared_text(fields[name])  # the same names come back in every read
    return ContactSpec(
        email=shared_text(contact.email),  # its key, when already lowercase: held once
        access=contact.access,
        fields=fields,
        previously=tuple(map(email_key, contact.previously)) if contact.previously else (),
        offboard=contact.offboard,
        index=index,
    )

"""Cin7 Omni's projection of the access repo: a CRM contact per contact, its B2B store customer as a
manual step, the store login email where it must change at once, and removals of managed ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storegate.engine.errors import InputError
from storegate.engine.model import (
    AccountFile,
    Config,
    DesiredState,
    LoadedAccount,
    Location,
    SourceMap,
)
from storegate.engine.view import desired_view
from storegate.providers.cin7_omni import Cin7OmniProvider
from storegate.providers.cin7_omni.config import Cin7OmniSystem
from storegate.providers.contract import (
    Address,
    DesiredContext,
    DesiredRecord,
    ManagedResource,
    SystemInfo,
)

BASE: dict[str, Any] = {
    "base_url": "https://127.0.0.1:9",
    "api_username": "storegate",
    "api_key": "env:CIN7_TEST_KEY",
    "price_columns": {"Wholesale 2026": "WholesalePrice"},
    "accounts": "all",
}
ACME: dict[str, Any] = {
    "account": {
        "name": "Acme Industrial",
        "display_name": "ACME",
        "price_book": "Wholesale 2026",
        "credit_hold": True,
        "stores": {"cin7_omni": {"credit_limit": 5000}},
    },
    "contacts": [
        {
            "email": "Jane.Doe@acme.example",
            "first_name": "Jane",
            "last_name": "Doe",
            "access": "active",
        },
        {"email": "pending@acme.example", "access": "pending"},
        {"email": "gone@acme.example", "access": "revoked"},
    ],
}


def make(tmp_path: Path, **overrides: Any) -> Cin7OmniProvider:
    return Cin7OmniProvider(
        "cin7_omni", Cin7OmniSystem.model_validate({**BASE, **overrides}), tmp_path
    )


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cin7OmniProvider:
    monkeypatch.setenv("CIN7_TEST_KEY", "test-key-value")
    return make(tmp_path)


def context(
    accounts: list[tuple[str, dict[str, Any]]],
    managed: tuple[ManagedResource, ...] = (),
    sources: SourceMap | None = None,
    crm: bool = True,
) -> DesiredContext:
    config = Config.model_validate({"systems": {}})
    loaded = [LoadedAccount(path, AccountFile.model_validate(data)) for path, data in accounts]
    state = DesiredState(".", config, loaded, sources or SourceMap())
    systems = {"cin7_omni": SystemInfo("cin7_omni", "cin7_omni", "customer")}
    if crm:
        systems["salesforce"] = SystemInfo(
            "salesforce", "salesforce", "contact", holds_ids_of_stores=True
        )
    return DesiredContext(desired_view(state), managed, systems)


def managed(kind: str, key: str, remote_id: str | None) -> ManagedResource:
    return ManagedResource(Address("cin7_omni", kind, key), remote_id, "Acme Industrial")


def by_address(records: list[DesiredRecord]) -> dict[str, DesiredRecord]:
    return {str(r.address): r for r in records}


def test_an_active_contact_is_a_crm_contact_and_an_invite_step(
    provider: Cin7OmniProvider,
) -> None:
    records = by_address(provider.desired(context([("accounts/acme.yaml", ACME)])))
    jane = records['cin7_omni.contact["jane.doe@acme.example"]']
    assert dict(jane.fields) == {
        "email": "Jane.Doe@acme.example",
        "first_name": "Jane",
        "last_name": "Doe",
        "company": "ACME",
        "on_hold": True,
        "price_column": "WholesalePrice",
        "credit_limit": 5000.0,
        "is_active": True,
    }
    assert dict(jane.create_fields) == {"type": "Customer", "company": "ACME"}
    assert (jane.access, jane.person, jane.manual) == ("active", "jane.doe@acme.example", None)
    assert jane.depends_on == (Address("salesforce", "contact", "jane.doe@acme.example"),)
    store = records['cin7_omni.customer["jane.doe@acme.example"]']
    assert dict(store.fields) == {"status": "current"} and store.access == "active"
    assert store.depends_on == (
        jane.address,
        Address("salesforce", "contact", "jane.doe@acme.example"),
    )
    assert store.manual is not None
    assert store.manual.title == "Invite Jane.Doe@acme.example to the B2B online store"
    assert "Click Invite New Customers." in store.manual.steps
    assert any("Jane.Doe@acme.example (Jane Doe, ACME)" in s for s in store.manual.steps)
    assert "Pending Customers or Current Customers" in store.manual.done_when


def test_pending_is_invited_and_a_never_managed_revoked_contact_gets_no_step(
    provider: Cin7OmniProvider,
) -> None:
    records = by_address(provider.desired(context([("accounts/acme.yaml", ACME)])))
    pending = records['cin7_omni.customer["pending@acme.example"]']
    assert dict(pending.fields) == {"status": "pending"}
    assert pending.manual is not None and pending.manual.title.startswith("Invite ")
    gone = records['cin7_omni.contact["gone@acme.example"]']
    assert gone.fields["is_active"] is False and gone.access == "revoked"
    assert 'cin7_omni.customer["gone@acme.example"]' not in records


def test_a_managed_revoked_contact_gets_the_step_with_both_tabs(
    provider: Cin7OmniProvider,
) -> None:
    state = (managed("contact", "gone@acme.example", "12"),)
    records = by_address(provider.desired(context([("accounts/acme.yaml", ACME)], state)))
    gone = records['cin7_omni.customer["gone@acme.example"]']
    assert dict(gone.fields) == {"status": "deactivated"} and gone.access == "revoked"
    assert gone.remote_id == "12"
    assert gone.manual is not None
    text = " ".join(gone.manual.steps)
    assert "Current Customers tab" in text and "Deactivate customer" in text
    assert "Pending Customers tab" in text and "Cancel invitation" in text


def test_with_a_store_view_every_revoked_contact_is_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CIN7_TEST_KEY", "test-key-value")
    provider = make(tmp_path, store_view_url="https://127.0.0.1:9/view")
    records = by_address(provider.desired(context([("accounts/acme.yaml", ACME)])))
    assert 'cin7_omni.customer["gone@acme.example"]' in records


def test_fields_the_yaml_leaves_out_are_not_managed(provider: Cin7OmniProvider) -> None:
    plain = {
        "account": {"name": "Plain Co"},
        "contacts": [{"email": "a@plain.example", "access": "active"}],
    }
    records = by_address(provider.desired(context([("a.yaml", plain)], crm=False)))
    contact = records['cin7_omni.contact["a@plain.example"]']
    assert dict(contact.fields) == {"email": "a@plain.example", "is_active": True}
    assert dict(contact.create_fields) == {"type": "Customer", "company": "Plain Co"}
    assert contact.depends_on == ()


def test_null_price_book_clears_and_inactive_account_deactivates(
    provider: Cin7OmniProvider,
) -> None:
    closed = {
        "account": {"name": "Closed Co", "active": False, "price_book": None, "credit_hold": None},
        "contacts": [{"email": "a@closed.example", "access": "active"}],
    }
    records = by_address(provider.desired(context([("a.yaml", closed)])))
    fields = records['cin7_omni.contact["a@closed.example"]'].fields
    assert fields["price_column"] is None and fields["on_hold"] is False
    assert fields["is_active"] is False


def test_email_change_keeps_the_id_and_plans_the_update_only_when_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CIN7_TEST_KEY", "test-key-value")
    moved = {
        "account": {"name": "Acme Industrial", "stores": {"cin7_omni": {}}},
        "contacts": [
            {"email": "new@acme.example", "access": "active", "previously": ["Old@acme.example"]}
        ],
    }
    state = (
        managed("contact", "old@acme.example", "7"),
        managed("customer", "old@acme.example", None),
    )
    waiting = by_address(make(tmp_path).desired(context([("a.yaml", moved)], state)))
    contact = waiting['cin7_omni.contact["new@acme.example"]']
    assert contact.aliases == ("old@acme.example",) and contact.remote_id == "7"
    assert waiting['cin7_omni.customer["new@acme.example"]'].remote_id == "7"
    assert not any(a.startswith("cin7_omni.store_email") for a in waiting)
    assert 'cin7_omni.contact["old@acme.example"]' not in waiting  # moved, not removed

    now = by_address(
        make(tmp_path, update_emails_at_once=True).desired(context([("a.yaml", moved)], state))
    )
    login = now['cin7_omni.store_email["new@acme.example"]']
    assert dict(login.fields) == {"email": "new@acme.example"}
    assert login.depends_on == (contact.address,) and login.access is None
    assert login.manual is not None and "Update emails from CRM" in " ".join(login.manual.steps)

    per_account = {
        **moved,
        "account": {**moved["account"], "stores": {"cin7_omni": {"update_emails_at_once": False}}},
    }
    off = make(tmp_path, update_emails_at_once=True).desired(
        context([("a.yaml", per_account)], state)
    )
    assert not any(r.kind == "store_email" for r in off)


def test_contacts_no_longer_declared_are_revoked(provider: Cin7OmniProvider) -> None:
    state = (
        managed("contact", "left@acme.example", "42"),
        managed("customer", "left@acme.example", "42"),
    )
    records = by_address(provider.desired(context([("accounts/acme.yaml", ACME)], state)))
    contact = records['cin7_omni.contact["left@acme.example"]']
    assert dict(contact.fields) == {"is_active": False}
    assert (contact.access, contact.remote_id, contact.person) == (
        "revoked",
        "42",
        "left@acme.example",
    )
    store = records['cin7_omni.customer["left@acme.example"]']
    assert dict(store.fields) == {"status": "deactivated"} and store.access == "revoked"
    assert store.manual is not None and "left@acme.example" in store.manual.title


def test_unmapped_price_book_is_an_input_error_at_its_line(provider: Cin7OmniProvider) -> None:
    unmapped = {
        "account": {"name": "Acme", "price_book": "Retail"},
        "contacts": [{"email": "a@acme.example", "access": "active"}],
    }
    sources = SourceMap(
        {("accounts/acme.yaml", ("account", "price_book")): Location("accounts/acme.yaml", 4, 15)}
    )
    with pytest.raises(InputError) as raised:
        provider.desired(context([("accounts/acme.yaml", unmapped)], sources=sources))
    message = str(raised.value)
    assert message.startswith("accounts/acme.yaml:4:15:")
    assert "'Retail'" in message and "systems.cin7_omni.price_columns" in message
    assert "[SG771]" in message


def test_listed_accounts_only_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CIN7_TEST_KEY", "test-key-value")
    contacts = [{"email": "a@x.example", "access": "active"}]
    unlisted = {"account": {"name": "Unlisted"}, "contacts": contacts}
    listed = {"account": {"name": "Listed", "stores": {"cin7_omni": {}}}, "contacts": contacts}
    default = make(tmp_path, accounts="listed")
    assert default.desired(context([("a.yaml", unlisted)])) == []
    assert {r.account for r in default.desired(context([("b.yaml", listed)]))} == {"Listed"}

"""BigCommerce's projection of the access repo: which customers should exist, with which fields."""

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
from storegate.providers.bigcommerce import BigCommerceProvider
from storegate.providers.bigcommerce.config import BigCommerceSystem
from storegate.providers.contract import Address, DesiredContext, ManagedResource, SystemInfo

SETTINGS = BigCommerceSystem.model_validate(
    {
        "base_url": "https://127.0.0.1:9",
        "store_hash": "sandbox",
        "access_token": "env:BC_TEST_TOKEN",
        "customer_groups": {"Wholesale 2026": 7},
    }
)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> BigCommerceProvider:
    monkeypatch.setenv("BC_TEST_TOKEN", "test-token-value")
    return BigCommerceProvider("bigcommerce", SETTINGS, tmp_path)


def context(
    accounts: list[tuple[str, dict[str, Any]]],
    managed: tuple[ManagedResource, ...] = (),
    sources: SourceMap | None = None,
) -> DesiredContext:
    config = Config.model_validate(
        {
            "systems": {
                "salesforce": {
                    "instance_url": "https://example.my.salesforce.com",
                    "auth": {"type": "session", "session_id": "env:SF_SESSION"},
                }
            }
        }
    )
    loaded = [LoadedAccount(path, AccountFile.model_validate(data)) for path, data in accounts]
    state = DesiredState(".", config, loaded, sources or SourceMap())
    systems = {
        "salesforce": SystemInfo("salesforce", "salesforce", "contact", holds_ids_of_stores=True),
        "bigcommerce": SystemInfo("bigcommerce", "bigcommerce", "customer"),
    }
    return DesiredContext(desired_view(state), managed, systems)


def managed(system: str, kind: str, key: str, remote_id: str) -> ManagedResource:
    return ManagedResource(Address(system, kind, key), remote_id, "Acme Industrial")


ACME = {
    "account": {"name": "Acme Industrial", "display_name": "ACME", "price_book": "Wholesale 2026"},
    "contacts": [
        {"email": "Jane.Doe@acme.example", "first_name": "Jane", "access": "active"},
        {"email": "pending@acme.example", "access": "pending"},
        {"email": "gone@acme.example", "access": "revoked"},
    ],
}


def test_active_contact_is_a_present_customer(provider: BigCommerceProvider) -> None:
    records = {r.key: r for r in provider.desired(context([("accounts/acme.yaml", ACME)]))}
    jane = records["jane.doe@acme.example"]
    assert jane.intent == "present" and jane.access == "active"
    assert str(jane.address) == 'bigcommerce.customer["jane.doe@acme.example"]'
    assert dict(jane.fields) == {
        "email": "Jane.Doe@acme.example",
        "first_name": "Jane",
        "company": "ACME",
        "customer_group_id": 7,
    }
    assert dict(jane.create_fields) == {"last_name": "Jane.Doe"}
    assert jane.depends_on == (Address("salesforce", "contact", "jane.doe@acme.example"),)
    assert jane.person == "jane.doe@acme.example"
    assert jane.account == "Acme Industrial"


def test_pending_and_revoked_contacts_are_absent(provider: BigCommerceProvider) -> None:
    records = {r.key: r for r in provider.desired(context([("accounts/acme.yaml", ACME)]))}
    assert records["pending@acme.example"].intent == "absent"
    assert records["pending@acme.example"].access == "pending"
    assert records["gone@acme.example"].intent == "absent"
    assert records["gone@acme.example"].access == "revoked"
    # the customer goes before the Salesforce contact loses access (the engine turns the edge round)
    assert records["gone@acme.example"].depends_on == (
        Address("salesforce", "contact", "gone@acme.example"),
    )
    assert records["pending@acme.example"].person == "pending@acme.example"


def test_company_falls_back_to_name_and_unmanaged_price_book(provider: BigCommerceProvider) -> None:
    plain = {
        "account": {"name": "Plain Co"},
        "contacts": [{"email": "a@plain.example", "access": "active"}],
    }
    (record,) = provider.desired(context([("accounts/plain.yaml", plain)]))
    # display_name and price_book unmanaged: the company is named once, on create, and kept after
    assert dict(record.fields) == {"email": "a@plain.example"}
    assert dict(record.create_fields) == {
        "first_name": "a",
        "last_name": "a",
        "company": "Plain Co",
    }


def test_null_display_name_sets_the_company_to_the_account_name(
    provider: BigCommerceProvider,
) -> None:
    cleared = {
        "account": {"name": "Plain Co", "display_name": None},
        "contacts": [{"email": "a@plain.example", "access": "active"}],
    }
    (record,) = provider.desired(context([("accounts/plain.yaml", cleared)]))
    assert record.fields["company"] == "Plain Co"
    assert "company" not in record.create_fields


def test_null_price_book_clears_the_group(provider: BigCommerceProvider) -> None:
    cleared = {
        "account": {"name": "Plain Co", "price_book": None},
        "contacts": [{"email": "a@plain.example", "access": "active"}],
    }
    (record,) = provider.desired(context([("accounts/plain.yaml", cleared)]))
    assert record.fields["customer_group_id"] == 0


def test_managed_ids_aliases_and_removed_contacts(provider: BigCommerceProvider) -> None:
    moved = {
        "account": {"name": "Acme Industrial"},
        "contacts": [
            {"email": "new@acme.example", "access": "active", "previously": ["Old@acme.example"]}
        ],
    }
    state = (
        managed("bigcommerce", "customer", "old@acme.example", "41"),
        managed("bigcommerce", "customer", "left@acme.example", "42"),
        managed("salesforce", "contact", "left@acme.example", "003X"),
    )
    records = {r.key: r for r in provider.desired(context([("a.yaml", moved)], state))}
    assert set(records) == {"new@acme.example", "left@acme.example"}
    assert records["new@acme.example"].aliases == ("old@acme.example",)
    assert records["new@acme.example"].remote_id == "41"
    left = records["left@acme.example"]
    assert (left.intent, left.access, left.remote_id) == ("absent", "revoked", "42")
    assert left.person == "left@acme.example"
    assert left.depends_on == (Address("salesforce", "contact", "left@acme.example"),)


def test_unmapped_price_book_is_an_input_error_at_its_line(provider: BigCommerceProvider) -> None:
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
    assert "'Retail'" in message and "systems.bigcommerce.customer_groups" in message
    assert "\n" not in message


def test_a_store_serves_listed_accounts_and_unlisted_ones_only_with_accounts_all(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BC_TEST_TOKEN", "test-token-value")
    contacts = [{"email": "a@x.example", "access": "active"}]
    unlisted = {"account": {"name": "Unlisted"}, "contacts": contacts}
    listed = {"account": {"name": "Listed", "stores": {"bigcommerce": {}}}, "contacts": contacts}
    elsewhere = {"account": {"name": "Elsewhere", "stores": {"emporix": {}}}, "contacts": contacts}

    def served(accounts: str, data: dict[str, Any]) -> list[str]:
        settings = SETTINGS.model_copy(update={"accounts": accounts})
        provider = BigCommerceProvider("bigcommerce", settings, tmp_path)
        return [r.account for r in provider.desired(context([("accounts/a.yaml", data)]))]

    assert served("all", unlisted) == ["Unlisted"]
    assert served("listed", unlisted) == []
    assert served("listed", listed) == ["Listed"]
    assert served("all", elsewhere) == []

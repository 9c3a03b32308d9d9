"""BigCommerce's projection of the access repo: which customers should exist, with which fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storegate.engine.errors import InputError
from storegate.engine.model import (
    AccountFile,
    BigCommerceSystem,
    Config,
    DesiredState,
    LoadedAccount,
    Location,
    SourceMap,
)
from storegate.providers.base import DesiredContext, ManagedResource
from storegate.providers.bigcommerce import BigCommerceProvider

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
    return BigCommerceProvider(SETTINGS, tmp_path)


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
    return DesiredContext(state, managed, "bigcommerce")


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
    assert jane.address == 'bigcommerce.customer["jane.doe@acme.example"]'
    assert dict(jane.fields) == {
        "email": "Jane.Doe@acme.example",
        "first_name": "Jane",
        "company": "ACME",
        "customer_group_id": 7,
    }
    assert dict(jane.create_fields) == {"last_name": "Jane.Doe"}
    assert jane.depends_on == ('salesforce.contact["jane.doe@acme.example"]',)
    assert jane.account == "Acme Industrial"


def test_pending_and_revoked_contacts_are_absent(provider: BigCommerceProvider) -> None:
    records = {r.key: r for r in provider.desired(context([("accounts/acme.yaml", ACME)]))}
    assert records["pending@acme.example"].intent == "absent"
    assert records["pending@acme.example"].access == "pending"
    assert records["gone@acme.example"].intent == "absent"
    assert records["gone@acme.example"].access == "revoked"


def test_company_falls_back_to_name_and_unmanaged_price_book(provider: BigCommerceProvider) -> None:
    plain = {
        "account": {"name": "Plain Co"},
        "contacts": [{"email": "a@plain.example", "access": "active"}],
    }
    (record,) = provider.desired(context([("accounts/plain.yaml", plain)]))
    assert dict(record.fields) == {"email": "a@plain.example", "company": "Plain Co"}
    assert dict(record.create_fields) == {"first_name": "a", "last_name": "a"}


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
    managed = (
        ManagedResource("bigcommerce", "customer", "old@acme.example", "41", "Acme Industrial"),
        ManagedResource("bigcommerce", "customer", "left@acme.example", "42", "Acme Industrial"),
        ManagedResource("salesforce", "contact", "left@acme.example", "003X", "Acme Industrial"),
    )
    records = {r.key: r for r in provider.desired(context([("a.yaml", moved)], managed))}
    assert set(records) == {"new@acme.example", "left@acme.example"}
    assert records["new@acme.example"].aliases == ("old@acme.example",)
    assert records["new@acme.example"].remote_id == "41"
    left = records["left@acme.example"]
    assert (left.intent, left.access, left.remote_id) == ("absent", "revoked", "42")


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

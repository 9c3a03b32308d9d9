"""EmporixProvider.desired(): the access repo projected onto companies and customers (no network:
the provider is built against the sandbox's env but desired() makes no call)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storegate.providers.contract import Address, DesiredRecord, InputError
from storegate.providers.emporix import EmporixProvider
from storegate.providers.emporix.records import customer_id_for
from tests.providers.emporix_support import NAME, account, contact, context, managed, settings


@pytest.fixture
def provider(sandbox_env: dict[str, str], tmp_path: Path) -> Iterator[EmporixProvider]:
    made = EmporixProvider(NAME, settings(), tmp_path)
    yield made
    made.close()


def by_address(records: list[DesiredRecord]) -> dict[str, DesiredRecord]:
    return {str(r.address): r for r in records}


def test_access_levels_map_to_active_and_on_hold(provider: EmporixProvider) -> None:
    ctx = context(
        [
            account(
                "Acme Industrial",
                [
                    contact("jane@acme.example", "active"),
                    contact("raj@acme.example", "pending"),
                    contact("bill@acme.example", "revoked"),
                ],
                options={"currency": "EUR", "site": "de"},
                settings={"display_name": "ACME"},
            )
        ]
    )
    records = by_address(provider.desired(ctx))
    company = records['emporix.legal_entity["Acme Industrial"]']
    assert company.fields == {"name": "Acme Industrial"}
    jane = records['emporix.customer["jane@acme.example"]']
    assert jane.fields == {
        "email": "jane@acme.example",
        "first_name": "Jane",
        "last_name": "Doe",
        "company": "ACME",
        "legal_entity": "Acme Industrial",
        "currency": "EUR",
        "site": "de",
        "active": True,
        "on_hold": False,
    }
    assert jane.access == "active" and jane.person == "jane@acme.example"
    assert jane.depends_on == (Address(NAME, "legal_entity", "Acme Industrial"),)
    raj = records['emporix.customer["raj@acme.example"]']
    assert (raj.fields["active"], raj.fields["on_hold"]) == (False, True)
    bill = records['emporix.customer["bill@acme.example"]']
    assert bill.fields == {"active": False, "on_hold": False}
    assert bill.intent == "present"


def test_unmanaged_names_stay_out(provider: EmporixProvider) -> None:
    bare = contact("jane@acme.example")
    bare = type(bare)(email=bare.email, access="active", fields={})
    named_null = contact("raj@acme.example", first_name=None)
    records = by_address(provider.desired(context([account("Acme", [bare, named_null])])))
    assert "first_name" not in records['emporix.customer["jane@acme.example"]'].fields
    assert records['emporix.customer["raj@acme.example"]'].fields["first_name"] is None


def test_store_removal_delete_makes_revoked_absent(provider: EmporixProvider) -> None:
    ctx = context(
        [account("Acme", [contact("bill@acme.example", "revoked")], store_removal="delete")]
    )
    (bill,) = provider.desired(ctx)
    assert bill.intent == "absent" and bill.access == "revoked"


def test_missing_currency_is_an_input_error_at_the_stores_entry(provider: EmporixProvider) -> None:
    ctx = context([account("Acme Industrial", [contact("jane@acme.example")], options={})])
    with pytest.raises(InputError) as raised:
        provider.desired(ctx)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line, problem.col) == ("accounts/acme-industrial.yaml", 10, 3)
    assert problem.code == "SG721"
    assert "currency: EUR" in problem.message and "default_currency" in problem.message


def test_default_currency_and_site_come_from_settings(
    sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    made = EmporixProvider(NAME, settings(default_currency="GBP", default_site="uk"), tmp_path)
    try:
        records = made.desired(context([account("Acme", [contact("a@acme.example")], options={})]))
    finally:
        made.close()
    customer = next(r for r in records if r.kind == "customer")
    assert (customer.fields["currency"], customer.fields["site"]) == ("GBP", "uk")


def test_only_revoked_contacts_need_no_currency_nor_company(provider: EmporixProvider) -> None:
    ctx = context([account("Acme", [contact("bill@acme.example", "revoked")], options={})])
    assert [r.kind for r in provider.desired(ctx)] == ["customer"]


def test_accounts_listed_or_all(sandbox_env: dict[str, str], tmp_path: Path) -> None:
    unlisted = account("Unlisted", [contact("u@x.example")], stores=None)
    other = account("Other store", [contact("o@x.example")], stores=("bigcommerce",))
    listed = account("Listed", [contact("l@x.example")])
    ctx = context([unlisted, other, listed])
    for served, expected in (("listed", {"Listed"}), ("all", {"Listed", "Unlisted"})):
        made = EmporixProvider(NAME, settings(accounts=served, default_currency="EUR"), tmp_path)
        try:
            assert {r.account for r in made.desired(ctx)} == expected
        finally:
            made.close()


def test_customer_ids_come_from_salesforce_or_the_email(provider: EmporixProvider) -> None:
    ctx = context(
        [account("Acme", [contact("jane@acme.example"), contact("new@acme.example")])],
        [
            managed("contact", "jane@acme.example", "003Hs00002abcdEIAQ", "Acme", "salesforce"),
            managed("account", "Acme", "001Hs00001acmeXIAQ", "Acme", "salesforce"),
        ],
        crm=True,
    )
    records = by_address(provider.desired(ctx))
    jane = records['emporix.customer["jane@acme.example"]']
    assert jane.create_fields == {"customer_id": "003Hs00002abcdEIAQ"}
    assert jane.depends_on == (
        Address("salesforce", "contact", "jane@acme.example"),
        Address(NAME, "legal_entity", "Acme"),
    )
    new = records['emporix.customer["new@acme.example"]']
    derived = customer_id_for(None, "New@Acme.example")
    assert new.create_fields == {"customer_id": derived}
    assert derived.startswith("sg-") and len(derived) == 35
    company = records['emporix.legal_entity["Acme"]']
    assert company.remote_id == "001Hs00001acmeXIAQ"
    assert company.create_fields == {"legal_entity_id": "001Hs00001acmeXIAQ"}


def test_state_ids_pin_and_email_changes_alias(provider: EmporixProvider) -> None:
    moved = contact("jane.doe@acme.example", previously=("jane@acme.example",))
    ctx = context(
        [account("Acme", [moved])],
        [managed("customer", "jane@acme.example", "sg-1", "Acme")],
    )
    customer = next(r for r in provider.desired(ctx) if r.kind == "customer")
    assert customer.remote_id == "sg-1" and customer.aliases == ("jane@acme.example",)


def test_managed_customers_no_longer_declared_are_revoked(provider: EmporixProvider) -> None:
    ctx = context(
        [account("Acme", [contact("jane@acme.example")], store_removal="delete")],
        [
            managed("customer", "jane@acme.example", "c1", "Acme"),
            managed("customer", "gone@acme.example", "c2", "Acme"),
            managed("customer", "left@old.example", "c3", "Old Co"),
        ],
    )
    records = by_address(provider.desired(ctx))
    gone = records['emporix.customer["gone@acme.example"]']
    assert (gone.intent, gone.access, gone.remote_id) == ("absent", "revoked", "c2")
    left = records['emporix.customer["left@old.example"]']
    assert (left.intent, left.fields) == ("present", {"active": False, "on_hold": False})

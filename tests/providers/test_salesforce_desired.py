"""desired(): the access repo projected onto Salesforce records, per profile (no network)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from storegate.engine.errors import InputError
from storegate.providers.contract import Address, KeepIfSet, Ref
from tests.providers.test_salesforce_support import context, load_desired, managed, sf_provider

SETTINGS = """\
      active: true
      credit_hold: null
      display_name: ACME
"""
ACME_BARE = """\
    account:
      name: Acme Industrial
    contacts:
      - email: Jane.Doe@Acme.example
        first_name: Jane
        last_name: Doe
        access: active
        purchase_on_account: true
        account_credit: false
        previously: [jane@old.example]
      - email: bob@acme.example
        access: revoked
        offboard: true
      - email: pat@acme.example
        access: pending
        account_pricing: true
    """
ACME = ACME_BARE.replace("Acme Industrial\n", "Acme Industrial\n" + SETTINGS, 1)


def _by_key(records: list) -> dict:  # type: ignore[type-arg]
    return {(r.kind, r.key): r for r in records}


def test_storeconnect_accounts_and_contacts(tmp_path: Path) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME})
    provider = sf_provider(tmp_path)
    jane_before = managed("contact", "jane@old.example", "003JANE", "Acme Industrial")
    records = _by_key(provider.desired(context(desired, (jane_before,))))

    account = records[("account", "Acme Industrial")]
    assert str(account.address) == 'salesforce.account["Acme Industrial"]'
    assert dict(account.fields) == {
        "name": "Acme Industrial",
        "active": True,
        "credit_hold": False,  # explicit null on a checkbox clears it
        "display_name": "ACME",
    }

    jane = records[("contact", "jane.doe@acme.example")]
    assert jane.fields["email"] == "Jane.Doe@Acme.example"
    acme = Address("salesforce", "account", "Acme Industrial")
    assert jane.fields["account_id"] == Ref(acme, "id")
    assert jane.fields["purchase_on_account"] is True
    assert jane.fields["account_credit"] is False
    assert "account_points" not in jane.fields  # unmanaged
    assert jane.aliases == ("jane@old.example",)
    assert jane.remote_id == "003JANE"  # state learned it under the old email
    assert jane.depends_on == (acme,)
    assert jane.person == "jane.doe@acme.example"
    assert jane.create_fields == {}
    assert jane.access == "active"

    bob = records[("contact", "bob@acme.example")]
    assert {
        k: bob.fields[k]
        for k in ("purchase_on_account", "account_credit", "account_points", "account_pricing")
    } == dict.fromkeys(
        ("purchase_on_account", "account_credit", "account_points", "account_pricing"), False
    )
    assert bob.create_fields == {"last_name": "bob"}
    assert bob.access == "revoked"
    assert bob.person == "bob@acme.example"
    # storeconnect maps no Contact Status: offboard writes the same revocation, nothing more
    assert "contact_status" not in bob.fields

    pat = records[("contact", "pat@acme.example")]
    assert pat.fields["account_pricing"] is True
    assert pat.access == "pending"


def test_cpq_ecommerce_access_fields_and_store_write_back(tmp_path: Path) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME_BARE}, profile="cpq_ecommerce")
    provider = sf_provider(tmp_path, profile="cpq_ecommerce")
    records = _by_key(provider.desired(context(desired, store="bigcommerce")))

    jane = records[("contact", "jane.doe@acme.example")]
    customer = Address("bigcommerce", "customer", "jane.doe@acme.example")
    assert jane.fields["ecommerce_enabled"] is True
    assert jane.fields["ecommerce_access_date"] == KeepIfSet(date.today().isoformat())
    assert jane.fields["contact_status"] == "Active"
    assert jane.fields["ecommerce_customer_id"] == Ref(customer, "id")
    assert jane.fields["ecommerce_user_id"] == Ref(customer, "email")
    assert jane.later_fields == {"ecommerce_customer_id", "ecommerce_user_id"}
    assert "purchase_on_account" not in jane.fields  # permissions unmapped in this profile

    bob = records[("contact", "bob@acme.example")]
    assert dict(bob.fields) | {} == {
        "email": "bob@acme.example",
        "account_id": Ref(Address("salesforce", "account", "Acme Industrial"), "id"),
        "ecommerce_enabled": False,
        "ecommerce_access_date": None,
        "ecommerce_user_id": None,
        "ecommerce_customer_id": None,
        "contact_status": "Deactivated",
    }
    assert records[("contact", "pat@acme.example")].fields["ecommerce_enabled"] is False


def test_cpq_without_store_writes_no_store_ids(tmp_path: Path) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME_BARE}, profile="cpq_ecommerce")
    records = _by_key(sf_provider(tmp_path, profile="cpq_ecommerce").desired(context(desired)))
    jane = records[("contact", "jane.doe@acme.example")]
    assert "ecommerce_customer_id" not in jane.fields
    assert jane.later_fields == frozenset()


def test_cpq_maps_permissions_when_the_user_overrides_them(tmp_path: Path) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME_BARE}, profile="cpq_ecommerce")
    provider = sf_provider(
        tmp_path, profile="cpq_ecommerce", fields={"purchase_on_account": "Buy_On_Account__c"}
    )
    jane = _by_key(provider.desired(context(desired)))[("contact", "jane.doe@acme.example")]
    assert jane.fields["purchase_on_account"] is True
    assert "account_credit" not in jane.fields


@pytest.mark.parametrize("profile", ["storeconnect", "cpq_ecommerce"])
def test_removed_managed_contact_becomes_a_revocation(tmp_path: Path, profile: str) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME}, profile=profile)
    overrides = (
        {"fields": dict.fromkeys(("active", "credit_hold", "display_name"), "X__c")}
        if profile == "cpq_ecommerce"
        else {}
    )
    provider = sf_provider(tmp_path, profile=profile, **overrides)
    state = (
        managed("contact", "gone@acme.example", "003GONE", "Acme Industrial"),
        managed("contact", "jane@old.example", "003JANE", "Acme Industrial"),
    )
    records = _by_key(provider.desired(context(desired, state)))
    gone = records[("contact", "gone@acme.example")]
    assert gone.access == "revoked"
    assert gone.remote_id == "003GONE"
    assert gone.account == "Acme Industrial"
    assert gone.person == "gone@acme.example"  # safety counts the person whose access goes
    if profile == "storeconnect":
        assert set(gone.fields) == {
            "purchase_on_account",
            "account_credit",
            "account_points",
            "account_pricing",
        }
        assert not any(gone.fields.values())
    else:
        assert dict(gone.fields) == {
            "ecommerce_enabled": False,
            "ecommerce_access_date": None,
            "ecommerce_user_id": None,
            "ecommerce_customer_id": None,
        }
    # a `previously` email is still declared: no revocation record for it
    assert ("contact", "jane@old.example") not in records


def test_managing_an_unmapped_field_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME}, profile="cpq_ecommerce")
    with pytest.raises(InputError) as caught:
        sf_provider(tmp_path, profile="cpq_ecommerce").desired(context(desired))
    lines = str(caught.value).splitlines()
    assert len(lines) == 3  # active, credit_hold, display_name
    assert lines[0].startswith("accounts/acme.yaml:3:")
    assert "systems.salesforce.fields.active" in lines[0]
    assert "[SG310]" in lines[0]


def test_unmapped_permission_under_storeconnect_is_an_input_error(tmp_path: Path) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME})
    provider = sf_provider(tmp_path, fields={"account_credit": None})
    with pytest.raises(InputError) as caught:
        provider.desired(context(desired))
    message = str(caught.value)
    assert message.startswith("accounts/acme.yaml:12:")
    assert "systems.salesforce.fields.account_credit" in message

"""Adobe Commerce's projection of the access repo (no network): records, fields, edges, settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from storegate.engine.model import AccountFile, Config, DesiredState, LoadedAccount, SourceMap
from storegate.engine.view import desired_view
from storegate.providers.adobe_commerce import AdobeCommerceProvider
from storegate.providers.adobe_commerce.config import AdobeCommerceSystem
from storegate.providers.contract import (
    Address,
    DesiredContext,
    DesiredRecord,
    ManagedResource,
    Ref,
    SystemInfo,
)

SYSTEM = "adobe_commerce"
BASE = {
    "base_url": "https://127.0.0.1:9",
    "username": "integration",
    "password": "env:AC_TEST_PASSWORD",
    "shared_catalogs": {"Wholesale 2026": 4},
}
OPTIONS = {
    "company_email": "p@acme.example",
    "street": ["1 Main St"],
    "city": "Austin",
    "country_id": "US",
    "region": "Texas",
    "postcode": "78701",
    "telephone": "5125550100",
}


def provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: Any
) -> AdobeCommerceProvider:
    monkeypatch.setenv("AC_TEST_PASSWORD", "secret-value")
    return AdobeCommerceProvider(
        SYSTEM, AdobeCommerceSystem.model_validate({**BASE, **settings}), tmp_path
    )


def context(
    accounts: list[dict[str, Any]],
    managed: tuple[ManagedResource, ...] = (),
    crm: bool = True,
) -> DesiredContext:
    config = Config.model_validate({"systems": {}})
    loaded = [
        LoadedAccount(f"accounts/a{i}.yaml", AccountFile.model_validate(data))
        for i, data in enumerate(accounts)
    ]
    state = DesiredState(".", config, loaded, SourceMap())
    systems = {SYSTEM: SystemInfo(SYSTEM, SYSTEM, "company_user")}
    if crm:
        systems["salesforce"] = SystemInfo("salesforce", "salesforce", "contact", True)
    return DesiredContext(desired_view(state), managed, systems)


def acme(**account: Any) -> dict[str, Any]:
    contacts = account.pop("contacts", None)
    return {
        "account": {"name": "Acme", "stores": {SYSTEM: OPTIONS}, **account},
        "contacts": contacts
        or [
            {"email": "Boss@acme.example", "access": "active"},
            {
                "email": "buyer@acme.example",
                "access": "active",
                "first_name": "Bo",
                "purchase_on_account": True,
            },
            {"email": "new@acme.example", "access": "pending"},
            {"email": "gone@acme.example", "access": "revoked"},
        ],
    }


def records(p: AdobeCommerceProvider, ctx: DesiredContext) -> dict[str, DesiredRecord]:
    return {str(r.address): r for r in p.desired(ctx)}


def test_company_fields_come_from_account_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = provider(tmp_path, monkeypatch)
    found = records(
        p, context([acme(active=True, pay_by_account=True, price_book="Wholesale 2026")])
    )
    company = found['adobe_commerce.company["Acme"]']
    assert company.fields == {
        "name": "Acme",
        "salesforce_id": Ref(Address("salesforce", "account", "Acme"), "id"),
        "status": 1,
        "payment_on_account": True,
        "customer_group_id": 4,
    }
    assert company.create_fields["super_user_email"] == "Boss@acme.example"
    assert company.create_fields["street"] == ["1 Main St"]
    assert "status" not in company.create_fields


def test_file_salesforce_id_wins_and_unmanaged_settings_stay_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = provider(tmp_path, monkeypatch)
    found = records(p, context([acme(salesforce_id="001SB0000000ACMAAA")], crm=False))
    company = found['adobe_commerce.company["Acme"]']
    assert company.fields == {"name": "Acme", "salesforce_id": "001SB0000000ACMAAA"}
    assert company.create_fields["status"] == 1 and company.create_fields["customer_group_id"] == 1


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"pay_by_account": True}, True),
        ({"pay_by_account": True, "credit_hold": True}, False),
        ({"pay_by_account": False}, False),
        ({"credit_hold": True}, False),
        ({"credit_hold": False}, None),
        ({}, None),
    ],
)
def test_payment_on_account_from_pay_by_account_and_credit_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any], expected: bool | None
) -> None:
    company = records(provider(tmp_path, monkeypatch), context([acme(**settings)]))[
        'adobe_commerce.company["Acme"]'
    ]
    assert company.fields.get("payment_on_account") == expected


def test_users_depend_on_crm_contact_company_and_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = records(provider(tmp_path, monkeypatch), context([acme()]))
    buyer = found['adobe_commerce.company_user["buyer@acme.example"]']
    assert buyer.depends_on == (
        Address("salesforce", "contact", "buyer@acme.example"),
        Address(SYSTEM, "company", "Acme"),
        Address(SYSTEM, "company_role", "Acme/Buyer on Account"),
    )
    assert buyer.fields["role"] == "Buyer on Account" and buyer.fields["status"] == 1
    assert buyer.fields["company"] == Ref(Address(SYSTEM, "company", "Acme"), "id")
    assert buyer.create_fields == {
        "last_name": "buyer",
        "job_title": "Buyer",
        "telephone": "5125550100",
    }
    role = found['adobe_commerce.company_role["Acme/Buyer on Account"]']
    assert "Magento_Sales::payment_account" in role.fields["permissions"]
    assert role.depends_on == (Address(SYSTEM, "company", "Acme"),)


def test_admin_has_no_role_pending_is_inactive_revoked_is_status_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = records(provider(tmp_path, monkeypatch), context([acme()]))
    assert "role" not in found['adobe_commerce.company_user["boss@acme.example"]'].fields
    pending = found['adobe_commerce.company_user["new@acme.example"]']
    assert pending.fields["status"] == 0 and pending.access == "pending"
    gone = found['adobe_commerce.company_user["gone@acme.example"]']
    assert gone.fields == {"status": 0} and gone.access == "revoked" and gone.intent == "present"


def test_store_removal_delete_makes_revoked_users_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = records(provider(tmp_path, monkeypatch), context([acme(store_removal="delete")]))
    assert found['adobe_commerce.company_user["gone@acme.example"]'].intent == "absent"


def test_undeclared_managed_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    managed = (
        ManagedResource(Address(SYSTEM, "company_user", "left@acme.example"), "41", "Acme"),
        ManagedResource(Address(SYSTEM, "company", "Old Co"), "9", "Old Co"),
        ManagedResource(Address(SYSTEM, "company_role", "Old Co/Buyer"), "3", "Old Co"),
    )
    found = records(provider(tmp_path, monkeypatch), context([acme()], managed))
    left = found['adobe_commerce.company_user["left@acme.example"]']
    assert left.fields == {"status": 0} and left.remote_id == "41" and left.access == "revoked"
    old = found['adobe_commerce.company["Old Co"]']
    assert old.fields == {"status": 3} and old.intent == "present" and old.remote_id == "9"
    assert 'adobe_commerce.company_role["Old Co/Buyer"]' not in found


def test_email_change_keeps_the_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = acme(
        contacts=[
            {
                "email": "new.name@acme.example",
                "access": "active",
                "previously": ["old.name@acme.example"],
            }
        ]
    )
    managed = (
        ManagedResource(Address(SYSTEM, "company_user", "old.name@acme.example"), "7", "Acme"),
    )
    found = records(provider(tmp_path, monkeypatch), context([body], managed))
    user = found['adobe_commerce.company_user["new.name@acme.example"]']
    assert user.remote_id == "7" and user.aliases == ("old.name@acme.example",)
    assert 'adobe_commerce.company_user["old.name@acme.example"]' not in found


def test_unlisted_accounts_are_served_only_with_accounts_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = acme()
    del body["account"]["stores"]
    assert provider(tmp_path, monkeypatch).desired(context([body])) == []
    served = provider(tmp_path, monkeypatch, accounts="all").desired(context([body]))
    assert any(r.kind == "company" for r in served)


def test_custom_role_rules_and_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {
        "roles": [{"role": "Points Buyer", "account_points": True}, {"role": "Plain"}],
        "role_resources": {"Points Buyer": ["Magento_Sales::all"], "Plain": []},
    }
    body = acme(
        contacts=[
            {"email": "boss@acme.example", "access": "active"},
            {"email": "p@acme.example", "access": "active", "account_points": True},
            {"email": "q@acme.example", "access": "active", "purchase_on_account": True},
        ]
    )
    found = records(provider(tmp_path, monkeypatch, **settings), context([body]))
    assert found['adobe_commerce.company_user["p@acme.example"]'].fields["role"] == "Points Buyer"
    assert found['adobe_commerce.company_user["q@acme.example"]'].fields["role"] == "Plain"
    plain = found['adobe_commerce.company_role["Acme/Plain"]']
    assert plain.fields["permissions"] == ["Magento_Company::index"]


def test_role_rules_must_cover_every_combination_and_name_resources() -> None:
    with pytest.raises(ValidationError, match="no rule matches"):
        AdobeCommerceSystem.model_validate(
            {**BASE, "roles": [{"role": "X", "account_credit": True}], "role_resources": {"X": []}}
        )
    with pytest.raises(ValidationError, match="no resources for role"):
        AdobeCommerceSystem.model_validate({**BASE, "roles": [{"role": "Y"}]})

"""check() against describe, and verify() after revocations (seed 000's recreation trap)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storegate.engine.errors import SchemaMismatch
from storegate.providers.contract import AccessLevel, Address, DesiredRecord, LiveRecord, Scope
from storegate.sandbox.admin import SandboxAdmin
from tests.providers.test_salesforce_support import calls_to, change, seed_records, sf_provider


@pytest.mark.parametrize("profile", ["storeconnect", "cpq_ecommerce"])
def test_check_passes_on_the_default_org_with_two_describes(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin, profile: str
) -> None:
    provider = sf_provider(tmp_path, profile=profile)
    provider.check()
    assert calls_to(admin, "GET describe") + calls_to(admin, "GET sobjects") == 2
    lookups = 2 if profile == "storeconnect" else 0  # price books, memberships
    assert provider.calls() == 2 + lookups


def test_check_names_every_missing_or_read_only_field_once(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    admin.salesforce_describe("Contact", "s_c__Can_Use_Account_Points__c", remove=True)
    admin.salesforce_describe("Account", "s_c__Credit_Hold__c", updateable=False)
    with pytest.raises(SchemaMismatch) as caught:
        sf_provider(tmp_path).check()
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert (
        "Account.s_c__Credit_Hold__c (credit_hold, profile storeconnect) is read-only" in lines[1]
    )
    assert "systems.salesforce.fields.credit_hold" in lines[1]
    assert (
        "Contact.s_c__Can_Use_Account_Points__c (account_points, profile storeconnect)" in lines[2]
    )
    assert "missing" in lines[2] and "systems.salesforce.fields.account_points" in lines[2]


def test_an_override_fixes_a_renamed_field(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    admin.salesforce_describe("Account", "s_c__Brand__c", remove=True)
    sf_provider(tmp_path, fields={"brand": None}).check()


def _cpq_contact(tmp_path: Path, status: str = "Active") -> str:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Advanced Tech"}])
    [contact_id] = seed_records(
        tmp_path,
        "Contact",
        [
            {
                "LastName": "Leaver",
                "Email": "leaver@ats.example",
                "AccountId": account_id,
                "eCommerce__c": True,
                "eCommerce_Access_Date_Stamp__c": "2026-01-15",
                "eCommerce_User_ID__c": "leaver@ats.example",
                "eCommerce_Customer_ID__c": "4711",
                "Contact_Status__c": status,
            }
        ],
    )
    return contact_id


REVOKE = {
    "ecommerce_enabled": False,
    "ecommerce_access_date": None,
    "ecommerce_user_id": None,
    "ecommerce_customer_id": None,
}


def test_verify_checks_every_revoked_field_after_apply(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    contact_id = _cpq_contact(tmp_path)
    provider = sf_provider(tmp_path, profile="cpq_ecommerce")
    revoke = change(
        "contact",
        "leaver@ats.example",
        "revoke",
        {**REVOKE, "contact_status": "Deactivated"},
        remote_id=contact_id,
    )
    provider.apply([revoke], lambda results: None)
    [live] = provider.read(Scope(kinds=frozenset({"contact"})))
    assert live.access == "revoked"
    assert live.fields["contact_status"] == "Deactivated"
    before = provider.calls()
    checks = provider.verify([revoke], frozenset({"leaver@ats.example"}))
    assert provider.calls() == before + 1
    assert [c.what for c in checks] == [
        *REVOKE,
        "contact_status",
        "contact could be recreated by the integration",
    ]
    assert all(c.ok for c in checks)


def test_an_offboarding_that_left_the_contact_active_fails_verification(
    tmp_path: Path, sandbox_env: dict[str, str]
) -> None:
    contact_id = _cpq_contact(tmp_path)
    provider = sf_provider(tmp_path, profile="cpq_ecommerce")
    provider.apply(
        [change("contact", "leaver@ats.example", "revoke", REVOKE, remote_id=contact_id)],
        lambda r: None,
    )
    offboard = change(
        "contact",
        "leaver@ats.example",
        "revoke",
        {**REVOKE, "contact_status": "Deactivated"},
        remote_id=contact_id,
    )
    checks = {c.what: c for c in provider.verify([offboard], frozenset({"leaver@ats.example"}))}
    assert checks["ecommerce_enabled"].ok
    assert not checks["contact_status"].ok
    assert checks["contact_status"].seen == "Active"
    trap = checks["contact could be recreated by the integration"]
    assert not trap.ok
    assert trap.seen == "Contact Status Active, email set"


def test_recreation_warning_only_for_a_revoked_active_cpq_contact_with_an_email(
    tmp_path: Path,
) -> None:
    address = Address("salesforce", "contact", "a@b.example")

    def live(status: str | None, email: str | None) -> LiveRecord:
        return LiveRecord(address, "003X", {"email": email, "contact_status": status})

    def desired(access: AccessLevel = "revoked", **fields: object) -> DesiredRecord:
        return DesiredRecord(
            address,
            "Acme",
            "present",
            {"ecommerce_enabled": access == "active", **fields},
            access=access,
            person=address.key,
        )

    cpq = sf_provider(tmp_path, profile="cpq_ecommerce")
    [warning] = cpq.plan_warnings([desired()], [live("Active", "a@b.example")])
    assert warning.code == "SG-RECREATE"
    assert warning.address == str(address)
    assert "offboard: true" in warning.message and "email" in warning.message
    assert cpq.plan_warnings([desired()], [live("Deactivated", "a@b.example")]) == []
    assert cpq.plan_warnings([desired()], [live("Active", None)]) == []
    # offboard: true already deactivates the contact, so there is nothing to warn about
    offboarded = desired(contact_status="Deactivated")
    assert cpq.plan_warnings([offboarded], [live("Active", "a@b.example")]) == []
    # only revocations are at risk
    assert cpq.plan_warnings([desired("active")], [live("Active", "a@b.example")]) == []
    assert cpq.plan_warnings([desired()], []) == []  # no live contact, nothing to recreate
    assert sf_provider(tmp_path).plan_warnings([desired()], [live("Active", "a@b.example")]) == []

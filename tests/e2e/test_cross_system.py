"""Issue 5 end to end: Salesforce (CPQ eCommerce fields, seed 000) and BigCommerce together —
grant, change, revoke, offboard, the receipt, and a store failure followed by a re-run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import Run, soql, trust

pytestmark = pytest.mark.e2e

CONFIG = """\
version: 1
systems:
  salesforce:
    instance_url: env:STOREGATE_SANDBOX_URL
    ca_bundle: env:STOREGATE_SANDBOX_CA
    auth: {type: session, session_id: env:SF_ACCESS_TOKEN}
    profile: cpq_ecommerce
    fields: {price_book: s_c__Pricebook_Id__c}
  bigcommerce:
    base_url: env:STOREGATE_SANDBOX_URL
    store_hash: env:BIGCOMMERCE_STORE_HASH
    access_token: env:BIGCOMMERCE_ACCESS_TOKEN
    ca_bundle: env:STOREGATE_SANDBOX_CA
    customer_groups: {Wholesale 2026: 1}
safety: {max_revocations: 10}
"""

SEED: dict[str, Any] = {
    "salesforce": {
        "Pricebook2": [{"Name": "Wholesale 2026"}],
        "Account": [{"Name": "Advanced Tech", "s_c__Pricebook_Id__c": "Wholesale 2026"}],
        "Contact": [
            {
                "FirstName": "Ann",
                "LastName": "Lee",
                "Email": f"{name}@atech.example",
                "Account": "Advanced Tech",
            }
            for name in ("ann", "bob", "cat", "dan")
        ],
    },
    "bigcommerce": {"customer_groups": [{"id": 1, "name": "Wholesale"}]},
}


def account_yaml(contacts: dict[str, str], extra: dict[str, str] | None = None) -> str:
    lines = ["account:", "  name: Advanced Tech", "  price_book: Wholesale 2026", "contacts:"]
    for name, access in contacts.items():
        lines += [f"  - email: {name}@atech.example", f"    access: {access}"]
        lines += [f"    {line}" for line in (extra or {}).get(name, "").splitlines()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def cpq_repo(tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str]) -> Path:
    repo = tmp_path / "cpq-repo"
    (repo / "accounts").mkdir(parents=True)
    (repo / "storegate.yaml").write_text(CONFIG, encoding="utf-8")
    load_seed(sandbox.store, SEED)
    return repo


def write_account(
    repo: Path, contacts: dict[str, str], extra: dict[str, str] | None = None
) -> None:
    text = account_yaml(contacts, extra)
    (repo / "accounts" / "advanced-tech.yaml").write_text(text, encoding="utf-8")


def contacts(admin: SandboxAdmin, sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    rows = soql(
        admin,
        sandbox,
        "SELECT Email, eCommerce__c, eCommerce_Access_Date_Stamp__c, eCommerce_User_ID__c, "
        "eCommerce_Customer_ID__c, Contact_Status__c FROM Contact",
    )
    return {r["Email"]: r for r in rows}


def customers(sandbox: Sandbox) -> list[dict[str, Any]]:
    with httpx.Client(verify=trust(sandbox)) as client:
        response = client.get(
            f"{sandbox.url}/stores/sandbox/v3/customers",
            params={"limit": 250},
            headers={"X-Auth-Token": sandbox.env["BIGCOMMERCE_ACCESS_TOKEN"]},
        )
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()["data"]
        return found


def apply(storegate: Run, repo: Path, expect: int = 0) -> str:
    # the seeded org already holds the contacts: the first apply takes them over
    result = storegate("apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state")
    assert result.code == expect, result.out + result.err
    return result.out + result.err


def plan_changes(storegate: Run, repo: Path) -> list[dict[str, Any]]:
    result = storegate("plan", str(repo), "--format", "json")
    assert result.code == 0, result.err
    changes: list[dict[str, Any]] = json.loads(result.out)["changes"]
    return changes


def test_grant_creates_store_customer_and_writes_its_ids_back(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    write_account(cpq_repo, {"ann": "active", "bob": "pending"})
    planned = plan_changes(storegate, cpq_repo)
    contact = 'salesforce.contact["ann@atech.example"]'
    customer = 'bigcommerce.customer["ann@atech.example"]'
    write_back = contact + "+1"  # the contact's second change: the store's ids
    # in apply order: the grant, then the store customer, then the ids written back
    assert [c["id"] for c in planned] == [contact, customer, write_back]
    grant, create, ids = planned
    assert (grant["action"], grant["step"]) == ("grant", 0)
    assert create["action"] == "create" and create["depends_on"] == [contact]
    assert (ids["action"], ids["step"]) == ("update", 1)
    assert ids["depends_on"] == [customer, contact]
    assert {f["name"] for f in ids["fields"]} == {"ecommerce_customer_id", "ecommerce_user_id"}

    apply(storegate, cpq_repo)

    [customer] = customers(sandbox)
    assert customer["email"] == "ann@atech.example" and customer["customer_group_id"] == 1
    ann = contacts(admin, sandbox)["ann@atech.example"]
    assert ann["eCommerce__c"] is True and ann["eCommerce_Access_Date_Stamp__c"]
    assert ann["eCommerce_Customer_ID__c"] == str(customer["id"])
    assert ann["eCommerce_User_ID__c"] == "ann@atech.example"
    assert contacts(admin, sandbox)["bob@atech.example"]["eCommerce__c"] is False
    assert plan_changes(storegate, cpq_repo) == []


def test_change_updates_both_systems_in_place(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox
) -> None:
    write_account(cpq_repo, {"ann": "active"}, {"ann": "first_name: Ann"})
    apply(storegate, cpq_repo)
    [before] = customers(sandbox)

    write_account(cpq_repo, {"ann": "active"}, {"ann": "first_name: Annabel"})
    planned = plan_changes(storegate, cpq_repo)
    assert {(c["system"], c["action"]) for c in planned} == {
        ("salesforce", "update"),
        ("bigcommerce", "update"),
    }
    apply(storegate, cpq_repo)
    [after] = customers(sandbox)
    assert after["id"] == before["id"] and after["first_name"] == "Annabel"


def test_email_changed_in_yaml_moves_both_records_keeping_their_ids(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    write_account(cpq_repo, {"ann": "active"})
    apply(storegate, cpq_repo)
    [before] = customers(sandbox)

    text = account_yaml({"ann.lee": "active"}, {"ann.lee": "previously: [ann@atech.example]"})
    (cpq_repo / "accounts" / "advanced-tech.yaml").write_text(text, encoding="utf-8")
    planned = plan_changes(storegate, cpq_repo)
    assert {c["action"] for c in planned} == {"update"}, planned
    apply(storegate, cpq_repo)

    [after] = customers(sandbox)
    assert after["id"] == before["id"] and after["email"] == "ann.lee@atech.example"
    assert "ann.lee@atech.example" in contacts(admin, sandbox)
    assert "ann@atech.example" not in contacts(admin, sandbox)
    assert plan_changes(storegate, cpq_repo) == []


def test_revoke_deletes_store_first_clears_salesforce_and_warns_of_recreation(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    write_account(cpq_repo, {"ann": "active", "bob": "active"})
    apply(storegate, cpq_repo)
    write_account(cpq_repo, {"ann": "revoked", "bob": "active"})

    plan = storegate("plan", str(cpq_repo))
    assert "SG-RECREATE" in plan.out or "recreate" in plan.out.lower()
    planned = plan_changes(storegate, cpq_repo)
    delete = next(c for c in planned if c["action"] == "delete")
    revoke = next(c for c in planned if c["action"] == "revoke")
    # the store customer is deleted before the contact's access is revoked
    assert planned.index(delete) < planned.index(revoke) and delete["id"] in revoke["depends_on"]

    output = apply(storegate, cpq_repo)
    assert "all revocations verified" in output
    assert [c["email"] for c in customers(sandbox)] == ["bob@atech.example"]
    ann = contacts(admin, sandbox)["ann@atech.example"]
    assert ann["eCommerce__c"] is False
    assert ann["eCommerce_Access_Date_Stamp__c"] is None
    assert ann["eCommerce_User_ID__c"] is None and ann["eCommerce_Customer_ID__c"] is None
    assert ann["Contact_Status__c"] == "Active"


def test_offboard_deactivates_the_contact(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    write_account(cpq_repo, {"ann": "active"})
    apply(storegate, cpq_repo)
    write_account(cpq_repo, {"ann": "revoked"}, {"ann": "offboard: true"})
    plan = storegate("plan", str(cpq_repo))
    assert "SG-RECREATE" not in plan.out

    output = apply(storegate, cpq_repo)
    receipt_path = Path(output.split("verified): ")[1].split()[0])
    receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
    assert receipt["ok"] is True and receipt["contacts"] == ["ann@atech.example"]
    assert {c["system"] for c in receipt["checks"]} == {"salesforce", "bigcommerce"}
    assert contacts(admin, sandbox)["ann@atech.example"]["Contact_Status__c"] == "Deactivated"
    assert customers(sandbox) == []


def test_receipt_fails_when_the_store_keeps_a_deleted_customer(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    write_account(cpq_repo, {"ann": "active"})
    apply(storegate, cpq_repo)
    admin.setting("bigcommerce", "ignore_deletes", True)
    write_account(cpq_repo, {"ann": "revoked"}, {"ann": "offboard: true"})

    output = apply(storegate, cpq_repo, expect=1)
    assert "REVOCATION NOT COMPLETE" in output
    assert 'not revoked: bigcommerce.customer["ann@atech.example"]' in output
    receipt_path = Path(output.split("COMPLETE): ")[1].split()[0])
    receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
    assert receipt["ok"] is False
    assert any(c["result"] == "fail" and c["system"] == "bigcommerce" for c in receipt["checks"])


def test_store_failure_stops_only_that_contacts_writeback_and_rerun_converges(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    write_account(cpq_repo, {"ann": "active", "bob": "active", "cat": "active"})
    admin.fault(system="bigcommerce", kind="record_error", match="bob@", count=-1)
    admin.fault(system="bigcommerce", kind="status", status=500, method="POST", count=1)

    output = apply(storegate, cpq_repo, expect=1)
    assert 'bigcommerce.customer["bob@atech.example"]' in output
    state = contacts(admin, sandbox)
    assert state["ann@atech.example"]["eCommerce_Customer_ID__c"]
    assert state["bob@atech.example"]["eCommerce_Customer_ID__c"] is None

    admin.clear_faults()
    apply(storegate, cpq_repo)
    emails = sorted(c["email"] for c in customers(sandbox))
    assert emails == ["ann@atech.example", "bob@atech.example", "cat@atech.example"]
    assert plan_changes(storegate, cpq_repo) == []


def test_plan_and_apply_call_counts_across_both_systems(
    cpq_repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    names = [f"buyer{i:02d}" for i in range(25)]
    extra_contacts = [
        {"FirstName": "B", "LastName": n, "Email": f"{n}@atech.example", "Account": "Advanced Tech"}
        for n in names
    ]
    load_seed(sandbox.store, {"salesforce": {"Contact": extra_contacts}})
    write_account(cpq_repo, dict.fromkeys(names, "active"))
    admin.reset_calls()
    apply(storegate, cpq_repo)
    calls = admin.calls()
    creates = calls["bigcommerce"].get("POST /v3/customers", 0)
    assert creates == 3, calls  # 25 customers in batches of 10
    writes = sum(v for k, v in calls["salesforce"].items() if k.startswith(("POST", "PATCH")))
    assert writes == 2, calls  # the grants, then the ids written back: 200 records per call

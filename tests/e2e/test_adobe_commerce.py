"""Issue 12 end to end: Salesforce (StoreConnect fields) and Adobe Commerce B2B through the real
`storegate plan` and `storegate apply`: a new account and its users in one apply (company, roles,
users), a permissions change moving a user to another role, blocking an account, revoking one
user with its receipt, a company found by its Salesforce ID after a rename with state lost, and the
company id written back into a Salesforce contact field (`writeback: {adobe_commerce: {...}}`)."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import Run, soql, state_of

pytestmark = pytest.mark.e2e

SYSTEM = "adobe_commerce"
CONFIG = {
    "version": 1,
    "systems": {
        "salesforce": {
            "instance_url": "env:STOREGATE_SANDBOX_URL",
            "ca_bundle": "env:STOREGATE_SANDBOX_CA",
            "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
            "profile": "storeconnect",
        },
        SYSTEM: {
            "base_url": "env:STOREGATE_SANDBOX_URL",
            "username": "env:ADOBE_COMMERCE_ADMIN_USERNAME",
            "password": "env:ADOBE_COMMERCE_ADMIN_PASSWORD",
            "ca_bundle": "env:STOREGATE_SANDBOX_CA",
            "shared_catalogs": {"Wholesale 2026": 4, "Retail 2026": 5},
            "company_defaults": {"country_id": "US", "region": "Colorado"},
        },
    },
    "safety": {"max_revocations": 10},
}
SEED: dict[str, Any] = {
    "salesforce": {"Pricebook2": [{"Name": "Wholesale 2026"}, {"Name": "Retail 2026"}]},
    SYSTEM: {
        "customer_groups": [{"id": 4, "code": "Wholesale 2026"}, {"id": 5, "code": "Retail 2026"}]
    },
}
NAME = "Foothill Supply"
DANA = "dana@foothill.example"
MARCO = "marco@foothill.example"


def contacts(**overrides: dict[str, Any]) -> list[dict[str, Any]]:
    people = {
        DANA: {"first_name": "Dana", "last_name": "Reyes", "access": "active"},
        MARCO: {
            "first_name": "Marco",
            "last_name": "Diaz",
            "access": "active",
            "purchase_on_account": True,
            "account_credit": False,
        },
    }
    for email, change in overrides.items():
        people[email] = {**people.get(email, {}), **change}
    return [{"email": email, **fields} for email, fields in people.items()]


def write_account(root: Path, people: list[dict[str, Any]], **account: Any) -> None:
    body = {
        "account": {
            "name": NAME,
            "active": True,
            "pay_by_account": True,
            "credit_hold": False,
            "price_book": "Wholesale 2026",
            "stores": {
                SYSTEM: {
                    "company_email": "buying@foothill.example",
                    "street": ["400 Canyon Blvd"],
                    "city": "Boulder",
                    "postcode": "80302",
                    "telephone": "3035550199",
                }
            },
            **account,
        },
        "contacts": people,
    }
    (root / "accounts" / "foothill.yaml").write_text(yaml.safe_dump(body, sort_keys=False))


@pytest.fixture
def repo(tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str]) -> Path:
    root = tmp_path / "adobe-repo"
    (root / "accounts").mkdir(parents=True)
    (root / "storegate.yaml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    load_seed(sandbox.store, SEED)
    return root


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{sandbox.url}/rest/default/V1",
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
    ) as http:
        token = http.post(
            "/integration/admin/token",
            json={
                "username": sandbox.env["ADOBE_COMMERCE_ADMIN_USERNAME"],
                "password": sandbox.env["ADOBE_COMMERCE_ADMIN_PASSWORD"],
            },
        ).json()
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


def plan(storegate: Run, repo: Path) -> dict[str, Any]:
    result = storegate("plan", str(repo), "--format", "json")
    assert result.code == 0, result.out + result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def apply(storegate: Run, repo: Path) -> str:
    result = storegate(
        "apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state", "--no-color"
    )
    assert result.code == 0, result.out + result.err
    return result.out


def converged(storegate: Run, repo: Path) -> None:
    again = storegate("plan", str(repo), "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def mine(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["kind"], c["key"], c["action"]) for c in data["changes"] if c["system"] == SYSTEM]


def company(api: httpx.Client) -> dict[str, Any]:
    [found] = api.get("/company").json()["items"]
    return dict(found)


def customer(api: httpx.Client, email: str) -> dict[str, Any]:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "email",
        "searchCriteria[filter_groups][0][filters][0][value]": email,
    }
    [found] = api.get("/customers/search", params=params).json()["items"]
    return dict(found)


def role_of(api: httpx.Client, email: str) -> str | None:
    user = customer(api, email)
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "company_id",
        "searchCriteria[filter_groups][0][filters][0][value]": company(api)["id"],
    }
    for role in api.get("/company/role", params=params).json()["items"]:
        if user["id"] in {u["id"] for u in api.get(f"/company/role/{role['id']}/users").json()}:
            return str(role["role_name"])
    return None


def status_of(api: httpx.Client, email: str) -> int:
    return int(customer(api, email)["extension_attributes"]["company_attributes"]["status"])


def salesforce_account_id(sandbox: Sandbox, admin: SandboxAdmin) -> str:
    [row] = soql(admin, sandbox, f"SELECT Id FROM Account WHERE Name = '{NAME}'")
    return str(row["Id"])


def test_new_account_and_two_users_in_one_apply(
    repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin, api: httpx.Client
) -> None:
    write_account(repo, contacts())
    data = plan(storegate, repo)
    order = [(c["system"], c["kind"], c["key"]) for c in data["changes"]]
    assert sorted(mine(data)) == [
        ("company", NAME, "create"),
        ("company_role", f"{NAME}/Buyer on Account", "create"),
        ("company_user", DANA, "create"),
        ("company_user", MARCO, "create"),
    ]
    position = {key: i for i, key in enumerate(order)}
    assert (
        position[("salesforce", "account", NAME)]
        < position[(SYSTEM, "company", NAME)]
        < position[(SYSTEM, "company_role", f"{NAME}/Buyer on Account")]
        < position[(SYSTEM, "company_user", MARCO)]
    )

    out = apply(storegate, repo)
    assert "0 failed, 0 skipped" in out
    converged(storegate, repo)

    live = company(api)
    assert live["status"] == 1 and live["customer_group_id"] == 4
    assert live["extension_attributes"]["salesforce_id"] == salesforce_account_id(sandbox, admin)
    assert "companycredit" in live["extension_attributes"]["available_payment_methods"]
    assert live["super_user_id"] == customer(api, DANA)["id"]
    assert role_of(api, MARCO) == "Buyer on Account" and status_of(api, MARCO) == 1
    address = f'{SYSTEM}.company["{NAME}"]'
    assert state_of(repo)["resources"][address]["id"] == str(live["id"])


def test_permissions_change_moves_a_user_to_another_role(
    repo: Path, storegate: Run, api: httpx.Client
) -> None:
    write_account(repo, contacts())
    apply(storegate, repo)
    write_account(repo, contacts(**{MARCO: {"account_credit": True}}))
    assert sorted(mine(plan(storegate, repo))) == [
        ("company_role", f"{NAME}/Buyer on Account with Credit", "create"),
        ("company_user", MARCO, "update"),
    ]
    apply(storegate, repo)
    assert role_of(api, MARCO) == "Buyer on Account with Credit"
    converged(storegate, repo)


def test_blocking_an_account(repo: Path, storegate: Run, api: httpx.Client) -> None:
    write_account(repo, contacts())
    apply(storegate, repo)
    revoked = {"access": "revoked"}
    write_account(repo, contacts(**{DANA: revoked, MARCO: revoked}), active=False)
    assert sorted(mine(plan(storegate, repo))) == [
        ("company", NAME, "update"),
        ("company_user", DANA, "revoke"),
        ("company_user", MARCO, "revoke"),
    ]
    apply(storegate, repo)
    assert company(api)["status"] == 3
    assert status_of(api, MARCO) == 0
    converged(storegate, repo)


def test_revoking_one_user_is_verified_in_the_receipt(
    repo: Path, storegate: Run, api: httpx.Client, sandbox: Sandbox
) -> None:
    write_account(repo, contacts())
    apply(storegate, repo)
    write_account(repo, contacts(**{MARCO: {"access": "revoked"}}))
    assert mine(plan(storegate, repo)) == [("company_user", MARCO, "revoke")]
    out = apply(storegate, repo)
    assert "all revocations verified" in out
    assert status_of(api, MARCO) == 0 and status_of(api, DANA) == 1
    receipts = sorted((repo / ".storegate").rglob("receipt*.json"))
    receipt = json.loads(receipts[-1].read_text())
    checks = [c for c in receipt["checks"] if c["system"] == SYSTEM]
    assert receipt["ok"] and [(c["what"], c["result"]) for c in checks] == [
        ("company user", "pass")
    ]
    converged(storegate, repo)


def test_company_found_by_its_salesforce_id_after_a_rename(
    repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin, api: httpx.Client
) -> None:
    write_account(repo, contacts())
    apply(storegate, repo)
    live = company(api)
    renamed = {k: v for k, v in live.items() if k != "extension_attributes"}
    renamed["company_name"] = "Foothill Supply Co. (renamed in the store)"
    assert api.put(f"/company/{live['id']}", json={"company": renamed}).status_code == 200
    (repo / ".storegate" / "state.json").unlink()  # nothing pins the company any more
    write_account(repo, contacts(), salesforce_id=salesforce_account_id(sandbox, admin))

    data = plan(storegate, repo)
    assert mine(data) == [("company", NAME, "update")]
    [change] = [c for c in data["changes"] if c["system"] == SYSTEM]
    assert {"name": "name", "before": renamed["company_name"], "after": NAME} in change["fields"]
    apply(storegate, repo)
    assert [c["company_name"] for c in api.get("/company").json()["items"]] == [NAME]
    converged(storegate, repo)


def test_company_id_written_back_where_the_profile_has_a_field(
    repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin, api: httpx.Client
) -> None:
    config = json.loads(json.dumps(CONFIG))
    config["systems"]["salesforce"]["fields"] = {
        "ecommerce_customer_id": "eCommerce_Customer_ID__c",
        "ecommerce_user_id": "eCommerce_User_ID__c",
    }
    config["systems"]["salesforce"]["writeback"] = {
        SYSTEM: {"ecommerce_customer_id": "company", "ecommerce_user_id": "id"}
    }
    (repo / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    write_account(repo, contacts())
    apply(storegate, repo)
    converged(storegate, repo)
    rows = soql(
        admin,
        sandbox,
        f"SELECT eCommerce_Customer_ID__c, eCommerce_User_ID__c FROM Contact WHERE Email = '{MARCO}'",
    )
    assert rows[0]["eCommerce_Customer_ID__c"] == str(company(api)["id"])
    assert rows[0]["eCommerce_User_ID__c"] == str(customer(api, MARCO)["id"])

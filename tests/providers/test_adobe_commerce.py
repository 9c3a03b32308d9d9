"""AdobeCommerceProvider against the sandbox over HTTPS, planned and applied by the real engine
(loader, planner, applier) in this process: companies, company users, roles, revocation, recovery."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from storegate.engine.apply import ApplyOutcome, apply_plan
from storegate.engine.commands.session import load_desired
from storegate.engine.plan import Plan
from storegate.engine.planner import make_plan
from storegate.engine.registry import open_providers
from storegate.providers.adobe_commerce import AdobeCommerceProvider
from storegate.providers.contract import (
    Action,
    AuthError,
    ConfigError,
    InputError,
    Provider,
    Scope,
)
from storegate.sandbox import adobe_commerce
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from storegate.state.memory import MemoryStateBackend

SYSTEM = "adobe_commerce"
SALESFORCE_ID = "001SB0000000RDGAAA"
SYSTEM_BLOCK: dict[str, Any] = {
    "base_url": "env:STOREGATE_SANDBOX_URL",
    "username": "env:ADOBE_COMMERCE_ADMIN_USERNAME",
    "password": "env:ADOBE_COMMERCE_ADMIN_PASSWORD",
    "ca_bundle": "env:STOREGATE_SANDBOX_CA",
    "shared_catalogs": {"Wholesale 2026": 4, "Retail 2026": 5},
    "max_retries": 3,
}
OPTIONS = {
    "company_email": "purchasing@ridgeline.example",
    "street": ["1800 Larimer St"],
    "city": "Denver",
    "country_id": "US",
    "region": "Colorado",
    "region_id": 13,
    "postcode": "80202",
    "telephone": "3035550142",
}


def account(**overrides: Any) -> dict[str, Any]:
    options = overrides.pop("options", OPTIONS)
    contacts = overrides.pop("contacts", None)
    body: dict[str, Any] = {
        "account": {
            "name": "Ridgeline Mechanical",
            "salesforce_id": SALESFORCE_ID,
            "active": True,
            "pay_by_account": True,
            "credit_hold": False,
            "price_book": "Wholesale 2026",
            "stores": {SYSTEM: options},
            **overrides,
        },
        "contacts": contacts
        if contacts is not None
        else [
            {
                "email": "dana.whitfield@ridgeline.example",
                "first_name": "Dana",
                "last_name": "Whitfield",
                "access": "active",
            },
            {
                "email": "marco.bianchi@ridgeline.example",
                "first_name": "Marco",
                "last_name": "Bianchi",
                "access": "active",
                "purchase_on_account": True,
                "account_credit": False,
            },
            {
                "email": "li.wei@ridgeline.example",
                "first_name": "Li",
                "last_name": "Wei",
                "access": "active",
                "purchase_on_account": False,
                "account_credit": False,
            },
        ],
    }
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class Repo:
    root: Path
    system: dict[str, Any] = field(default_factory=lambda: dict(SYSTEM_BLOCK))
    backend: MemoryStateBackend = field(default_factory=MemoryStateBackend)
    opened: list[dict[str, Provider]] = field(default_factory=list)

    def write(self, *accounts: dict[str, Any]) -> None:
        folder = self.root / "accounts"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.yaml"):
            old.unlink()
        config = {"version": 1, "systems": {SYSTEM: self.system}}
        (self.root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        for index, body in enumerate(accounts):
            (folder / f"account{index}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))

    def providers(self) -> dict[str, Provider]:
        opened = open_providers(load_desired(self.root).config, self.root)
        self.opened.append(opened)
        return opened

    def plan(self) -> Plan:
        return make_plan(load_desired(self.root), self.backend.read(), self.providers())

    def apply(self, plan: Plan | None = None) -> ApplyOutcome:
        providers = self.providers()
        made = plan or make_plan(load_desired(self.root), self.backend.read(), providers)
        outcome = apply_plan(made, self.backend, self.backend.read(), providers)
        assert not outcome.failed, outcome.failed
        return outcome

    def provider(self) -> AdobeCommerceProvider:
        found = self.providers()[SYSTEM]
        assert isinstance(found, AdobeCommerceProvider)
        return found

    def close(self) -> None:
        for providers in self.opened:
            for provider in providers.values():
                provider.close()


@pytest.fixture
def repo(sandbox: Sandbox, sandbox_env: dict[str, str], tmp_path: Path) -> Iterator[Repo]:
    adobe_commerce.seed(
        sandbox.store,
        {
            "customer_groups": [
                {"id": 4, "code": "Wholesale 2026"},
                {"id": 5, "code": "Retail 2026"},
            ]
        },
    )
    made = Repo(tmp_path / "repo")
    yield made
    made.close()


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


def actions(plan: Plan) -> list[tuple[str, str, str]]:
    return [(c.kind, c.key, c.action.value) for c in plan.changes]


def companies(api: httpx.Client) -> list[dict[str, Any]]:
    return list(api.get("/company").json()["items"])


def user(api: httpx.Client, email: str) -> dict[str, Any]:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "email",
        "searchCriteria[filter_groups][0][filters][0][value]": email,
    }
    items = api.get("/customers/search", params=params).json()["items"]
    assert len(items) == 1, items
    return dict(items[0])


def attributes(customer: dict[str, Any]) -> dict[str, Any]:
    return dict(customer["extension_attributes"]["company_attributes"])


def role_of(api: httpx.Client, customer: dict[str, Any]) -> str | None:
    company_id = attributes(customer)["company_id"]
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "company_id",
        "searchCriteria[filter_groups][0][filters][0][value]": company_id,
    }
    for role in api.get("/company/role", params=params).json()["items"]:
        users = api.get(f"/company/role/{role['id']}/users").json()
        if customer["id"] in {u["id"] for u in users}:
            return str(role["role_name"])
    return None


# ---------------------------------------------------------------- one apply, then nothing to do


def test_new_account_and_users_in_one_apply_company_roles_then_users(
    repo: Repo, api: httpx.Client, admin: SandboxAdmin
) -> None:
    repo.write(account())
    plan = repo.plan()
    assert sorted(actions(plan)) == [
        ("company", "Ridgeline Mechanical", "create"),
        ("company_role", "Ridgeline Mechanical/Buyer", "create"),
        ("company_role", "Ridgeline Mechanical/Buyer on Account", "create"),
        ("company_user", "dana.whitfield@ridgeline.example", "create"),
        ("company_user", "li.wei@ridgeline.example", "create"),
        ("company_user", "marco.bianchi@ridgeline.example", "create"),
    ]
    by_id = {c.id: c for c in plan.changes}
    marco = by_id['adobe_commerce.company_user["marco.bianchi@ridgeline.example"]']
    assert set(marco.depends_on) == {
        'adobe_commerce.company["Ridgeline Mechanical"]',
        'adobe_commerce.company_role["Ridgeline Mechanical/Buyer on Account"]',
    }
    admin.reset_calls()
    outcome = repo.apply(plan)
    assert len(outcome.succeeded) == 6
    calls = admin.calls()[SYSTEM]
    assert sum(calls.values()) <= 20, sorted(calls.items())  # 6 records: 19 calls

    [company] = companies(api)
    assert company["status"] == 1 and company["customer_group_id"] == 4
    extensions = company["extension_attributes"]
    assert extensions["salesforce_id"] == SALESFORCE_ID
    assert extensions["use_config_settings"] == 0 and extensions["applicable_payment_method"] == 2
    assert "companycredit" in extensions["available_payment_methods"].split(",")
    dana = user(api, "dana.whitfield@ridgeline.example")
    assert company["super_user_id"] == dana["id"] and attributes(dana)["status"] == 1
    marco_live = user(api, "marco.bianchi@ridgeline.example")
    assert attributes(marco_live)["company_id"] == company["id"]
    assert attributes(marco_live)["job_title"] == "Buyer"
    assert role_of(api, marco_live) == "Buyer on Account"
    assert role_of(api, user(api, "li.wei@ridgeline.example")) == "Buyer"

    assert repo.plan().changes == ()
    state = repo.backend.read().resources
    assert state['adobe_commerce.company["Ridgeline Mechanical"]'].id == str(company["id"])


def test_read_after_apply_equals_the_desired_values(repo: Repo) -> None:
    repo.write(account())
    repo.apply()
    provider = repo.provider()
    live = {str(r.address): r for r in provider.read(Scope())}
    company = live['adobe_commerce.company["Ridgeline Mechanical"]']
    assert company.fields == {
        "name": "Ridgeline Mechanical",
        "salesforce_id": SALESFORCE_ID,
        "status": 1,
        "payment_on_account": True,
        "customer_group_id": 4,
    }
    marco = live['adobe_commerce.company_user["marco.bianchi@ridgeline.example"]']
    assert marco.fields == {
        "email": "marco.bianchi@ridgeline.example",
        "first_name": "Marco",
        "last_name": "Bianchi",
        "status": 1,
        "company": company.id,
        "role": "Buyer on Account",
    }
    assert marco.access == "active" and marco.account == "Ridgeline Mechanical"
    role = live['adobe_commerce.company_role["Ridgeline Mechanical/Buyer on Account"]']
    assert "Magento_Sales::payment_account" in role.fields["permissions"]


def test_pending_user_is_created_inactive_then_granted(repo: Repo, api: httpx.Client) -> None:
    body = account()
    body["contacts"][2]["access"] = "pending"
    repo.write(body)
    repo.apply()
    assert attributes(user(api, "li.wei@ridgeline.example"))["status"] == 0
    body["contacts"][2]["access"] = "active"
    repo.write(body)
    plan = repo.plan()
    assert actions(plan) == [("company_user", "li.wei@ridgeline.example", "grant")]
    repo.apply(plan)
    assert attributes(user(api, "li.wei@ridgeline.example"))["status"] == 1


# ---------------------------------------------------------------- changes after the first apply


def test_permissions_change_moves_a_user_to_another_role(repo: Repo, api: httpx.Client) -> None:
    body = account()
    repo.write(body)
    repo.apply()
    body["contacts"][2]["account_credit"] = True
    repo.write(body)
    plan = repo.plan()
    assert sorted(actions(plan)) == [
        ("company_role", "Ridgeline Mechanical/Buyer with Credit", "create"),
        ("company_user", "li.wei@ridgeline.example", "update"),
    ]
    repo.apply(plan)
    assert role_of(api, user(api, "li.wei@ridgeline.example")) == "Buyer with Credit"
    assert repo.plan().changes == ()


def test_role_permissions_drift_is_put_back(repo: Repo, api: httpx.Client) -> None:
    repo.write(account())
    repo.apply()
    [company] = companies(api)
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "role_name",
        "searchCriteria[filter_groups][0][filters][0][value]": "Buyer",
    }
    role = api.get("/company/role", params=params).json()["items"][0]
    only_index = [{"resource_id": "Magento_Company::index", "permission": "allow"}]
    body = {"id": role["id"], "company_id": company["id"], "permissions": only_index}
    assert api.put(f"/company/role/{role['id']}", json={"role": body}).status_code == 200
    plan = repo.plan()
    assert actions(plan) == [("company_role", "Ridgeline Mechanical/Buyer", "update")]
    repo.apply(plan)
    assert repo.plan().changes == ()


def test_blocking_an_account_blocks_its_company_and_deactivates_users(
    repo: Repo, api: httpx.Client
) -> None:
    repo.write(account())
    repo.apply()
    blocked = account(active=False)
    for contact in blocked["contacts"]:
        contact["access"] = "revoked"
    repo.write(blocked)
    plan = repo.plan()
    assert sorted(actions(plan)) == [
        ("company", "Ridgeline Mechanical", "update"),
        ("company_user", "dana.whitfield@ridgeline.example", "revoke"),
        ("company_user", "li.wei@ridgeline.example", "revoke"),
        ("company_user", "marco.bianchi@ridgeline.example", "revoke"),
    ]
    repo.apply(plan)
    assert companies(api)[0]["status"] == 3
    assert attributes(user(api, "li.wei@ridgeline.example"))["status"] == 0
    assert repo.plan().changes == ()


def test_active_users_of_a_company_pending_approval_are_warned_about(
    repo: Repo, sandbox: Sandbox
) -> None:
    seed_company(sandbox, salesforce_id=SALESFORCE_ID, status=0)
    body = account()
    del body["account"]["active"]
    repo.write(body)
    warned = [w for w in repo.plan().warnings if w.code == "SG735"]
    assert len(warned) == 3 and "not approved (status 0)" in warned[0].message


def test_credit_hold_takes_payment_on_account_away(repo: Repo, api: httpx.Client) -> None:
    repo.write(account())
    repo.apply()
    repo.write(account(credit_hold=True))
    plan = repo.plan()
    [change] = plan.changes
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("payment_on_account", True, False)
    ]
    repo.apply(plan)
    methods = companies(api)[0]["extension_attributes"]["available_payment_methods"]
    assert methods == "checkmo,banktransfer,purchaseorder"


def test_price_book_moves_the_company_to_another_shared_catalog(
    repo: Repo, api: httpx.Client
) -> None:
    repo.write(account())
    repo.apply()
    repo.write(account(price_book="Retail 2026"))
    repo.apply()
    [company] = companies(api)
    assert company["customer_group_id"] == 5
    assert user(api, "marco.bianchi@ridgeline.example")["group_id"] == 5


def test_revoking_one_user_deactivates_it_and_verify_proves_it(
    repo: Repo, api: httpx.Client
) -> None:
    body = account()
    repo.write(body)
    repo.apply()
    body["contacts"][1]["access"] = "revoked"
    repo.write(body)
    plan = repo.plan()
    assert actions(plan) == [("company_user", "marco.bianchi@ridgeline.example", "revoke")]
    repo.apply(plan)
    marco = user(api, "marco.bianchi@ridgeline.example")
    assert attributes(marco)["status"] == 0
    provider = repo.provider()
    checks = provider.verify(plan.changes, frozenset({"marco.bianchi@ridgeline.example"}))
    assert [(c.what, c.ok) for c in checks] == [("company user", True)]

    put_back = {**marco, "extension_attributes": {"company_attributes": {"status": 1}}}
    api.put(f"/customers/{marco['id']}", json={"customer": put_back})
    checks = provider.verify(plan.changes, frozenset({"marco.bianchi@ridgeline.example"}))
    assert [(c.ok, c.seen) for c in checks] == [(False, "status 1")]
    assert repo.plan().changes[0].action is Action.REVOKE


def test_removing_a_contact_revokes_it_and_delete_removal_deletes(
    repo: Repo, api: httpx.Client
) -> None:
    body = account()
    repo.write(body)
    repo.apply()
    removed = account(contacts=body["contacts"][:2])
    repo.write(removed)
    plan = repo.plan()
    assert actions(plan) == [("company_user", "li.wei@ridgeline.example", "revoke")]
    repo.apply(plan)
    assert attributes(user(api, "li.wei@ridgeline.example"))["status"] == 0

    body = account(store_removal="delete")
    body["contacts"][1]["access"] = "revoked"
    repo.write(body)
    plan = repo.plan()
    assert ("company_user", "marco.bianchi@ridgeline.example", "delete") in actions(plan)
    repo.apply(plan)
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "email",
        "searchCriteria[filter_groups][0][filters][0][value]": "marco.bianchi@ridgeline.example",
    }
    assert api.get("/customers/search", params=params).json()["total_count"] == 0


def test_a_revoked_contact_with_no_user_needs_nothing(repo: Repo) -> None:
    body = account()
    body["contacts"].append({"email": "never@ridgeline.example", "access": "revoked"})
    repo.write(body)
    assert ("company_user", "never@ridgeline.example", "create") not in actions(repo.plan())


def test_removed_account_file_blocks_the_company_never_deletes(
    repo: Repo, api: httpx.Client
) -> None:
    repo.write(account())
    repo.apply()
    other = account(name="Other Co", salesforce_id=None, contacts=[])
    other["account"].pop("salesforce_id")
    other["account"]["stores"] = {}  # served by no store
    repo.write(other)
    plan = repo.plan()
    found = {(k, key): a for k, key, a in actions(plan)}
    assert found[("company", "Ridgeline Mechanical")] == "update"
    assert all(a != "delete" for a in found.values())
    repo.apply(plan)
    ridgeline = next(c for c in companies(api) if c["company_name"] == "Ridgeline Mechanical")
    assert ridgeline["status"] == 3


def test_delete_company_when_the_file_says_so(repo: Repo, api: httpx.Client) -> None:
    body = account()
    repo.write(body)
    repo.apply()
    marked = account(options={**OPTIONS, "delete_company": True})
    for contact in marked["contacts"]:
        contact["access"] = "revoked"
    repo.write(marked)
    plan = repo.plan()
    by_id = {c.id: c for c in plan.changes}
    company = by_id['adobe_commerce.company["Ridgeline Mechanical"]']
    assert company.action is Action.DELETE
    assert 'adobe_commerce.company_user["li.wei@ridgeline.example"]' in company.depends_on
    repo.apply(plan)
    assert companies(api) == []


def test_delete_company_with_an_active_contact_is_refused_at_its_line(repo: Repo) -> None:
    repo.write(account(options={**OPTIONS, "delete_company": True}))
    with pytest.raises(InputError) as caught:
        repo.plan()
    assert [p.code for p in caught.value.problems] == ["SG734"] * 3
    assert caught.value.problems[0].path == "accounts/account0.yaml"


# ---------------------------------------------------------------- matching existing companies


def seed_company(sandbox: Sandbox, **extra: Any) -> None:
    adobe_commerce.seed(
        sandbox.store,
        {
            "companies": [
                {
                    "company_name": "Ridgeline Mech. (old name)",
                    "customer_group_id": 1,
                    "super_user": {
                        "email": "dana.whitfield@ridgeline.example",
                        "firstname": "Dana",
                        "lastname": "Whitfield",
                    },
                    **extra,
                }
            ]
        },
    )


def test_company_found_by_salesforce_id_after_a_rename(
    repo: Repo, sandbox: Sandbox, api: httpx.Client
) -> None:
    seed_company(sandbox, salesforce_id=SALESFORCE_ID)
    repo.write(account())
    plan = repo.plan()
    company = next(c for c in plan.changes if c.kind == "company")
    assert company.action is Action.UPDATE
    assert ("name", "Ridgeline Mech. (old name)", "Ridgeline Mechanical") in [
        (f.name, f.before, f.after) for f in company.fields
    ]
    repo.apply(plan)
    [live] = companies(api)
    assert live["company_name"] == "Ridgeline Mechanical"
    assert repo.plan().changes == ()


def test_unsynced_company_found_by_name_gets_the_salesforce_id_and_is_pinned(
    repo: Repo, sandbox: Sandbox, api: httpx.Client
) -> None:
    seed_company(sandbox)
    body = account()
    repo.write(body)
    # named as the account: matched by name, the Salesforce ID written so the integration sees it
    api_company = companies(api)[0]
    rename = {k: v for k, v in api_company.items() if k != "extension_attributes"}
    rename["company_name"] = "Ridgeline Mechanical"
    api.put(f"/company/{api_company['id']}", json={"company": rename})
    plan = repo.plan()
    company = next(c for c in plan.changes if c.kind == "company")
    assert company.action is Action.UPDATE
    assert ("salesforce_id", None, SALESFORCE_ID) in [
        (f.name, f.before, f.after) for f in company.fields
    ]
    repo.apply(plan)
    assert companies(api)[0]["extension_attributes"]["salesforce_id"] == SALESFORCE_ID
    state = repo.backend.read().resources
    assert state['adobe_commerce.company["Ridgeline Mechanical"]'].id == str(api_company["id"])


# ---------------------------------------------------------------- bad input


def test_missing_legal_address_is_an_error_at_the_options_line(repo: Repo) -> None:
    repo.write(account(options={"company_email": "p@ridgeline.example"}))
    with pytest.raises(InputError) as caught:
        repo.plan()
    [problem] = caught.value.problems
    assert problem.code == "SG731" and problem.path == "accounts/account0.yaml"
    assert problem.line > 1
    assert "street, city, country_id, region, postcode, telephone" in problem.message


def test_missing_details_do_not_matter_for_an_existing_company(
    repo: Repo, sandbox: Sandbox
) -> None:
    seed_company(sandbox, salesforce_id=SALESFORCE_ID)
    repo.write(account(options={}))
    assert any(c.kind == "company" for c in repo.plan().changes)


def test_company_defaults_fill_what_the_file_leaves_out(repo: Repo, api: httpx.Client) -> None:
    repo.system["company_defaults"] = {k: v for k, v in OPTIONS.items() if k != "company_email"}
    repo.write(account(options={"company_email": "p@ridgeline.example"}))
    repo.apply()
    assert companies(api)[0]["city"] == "Denver"


def test_unmapped_price_book_is_an_error_at_its_line(repo: Repo) -> None:
    repo.write(account(price_book="Distributor 2026"))
    with pytest.raises(InputError) as caught:
        repo.plan()
    [problem] = caught.value.problems
    assert problem.code == "SG732" and "shared_catalogs" in problem.message


def test_super_user_must_be_a_contact(repo: Repo) -> None:
    repo.write(account(options={**OPTIONS, "super_user": "boss@elsewhere.example"}))
    with pytest.raises(InputError) as caught:
        repo.plan()
    assert [p.code for p in caught.value.problems] == ["SG733"]


def test_check_names_a_missing_shared_catalog(repo: Repo) -> None:
    repo.system["shared_catalogs"] = {"Wholesale 2026": 44}
    repo.write(account())
    with pytest.raises(ConfigError, match="44"):
        repo.plan()


def test_wrong_password_is_an_auth_error(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADOBE_COMMERCE_ADMIN_PASSWORD", "wrong-password")
    repo.write(account())
    with pytest.raises(AuthError, match="admin token was refused"):
        repo.plan()


# ---------------------------------------------------------------- resilience and paging


def test_token_renewal_and_5xx_retries_during_apply(repo: Repo, admin: SandboxAdmin) -> None:
    repo.write(account())
    plan = repo.plan()
    admin.expire_tokens()
    admin.fault(system=SYSTEM, kind="status", status=503, count=2, method="PUT")
    repo.apply(plan)
    assert admin.faults() == []
    assert repo.plan().changes == ()


def test_lost_create_answers_make_no_duplicates(
    repo: Repo, admin: SandboxAdmin, api: httpx.Client
) -> None:
    repo.write(account())
    admin.fault(system=SYSTEM, kind="drop", method="POST", path_contains="/V1/company", count=1)
    admin.fault(system=SYSTEM, kind="drop", method="POST", path_contains="/V1/customers", count=2)
    repo.apply()
    assert len(companies(api)) == 1
    assert repo.plan().changes == ()


def test_one_refused_user_fails_alone(repo: Repo, admin: SandboxAdmin) -> None:
    repo.write(account())
    admin.fault(system=SYSTEM, kind="record_error", match="marco.bianchi@", count=-1)
    providers = repo.providers()
    plan = make_plan(load_desired(repo.root), repo.backend.read(), providers)
    outcome = apply_plan(plan, repo.backend, repo.backend.read(), providers)
    assert list(outcome.failed) == [
        'adobe_commerce.company_user["marco.bianchi@ridgeline.example"]'
    ]
    assert len(outcome.succeeded) == 5
    [error] = outcome.failed.values()
    assert 'The record "marco.bianchi@ridgeline.example" was refused' in error  # %1 filled


def test_pages_adopt_the_stores_maximum(repo: Repo, sandbox: Sandbox, admin: SandboxAdmin) -> None:
    adobe_commerce.seed(
        sandbox.store,
        {
            "companies": [
                {
                    "company_name": f"Filler {n}",
                    "super_user": {
                        "email": f"f{n}@filler.example",
                        "firstname": "F",
                        "lastname": "N",
                    },
                }
                for n in range(7)
            ]
        },
    )
    admin.setting(SYSTEM, "input_limits_enabled", True)
    admin.setting(SYSTEM, "max_page_size", 3)
    repo.write(account())
    admin.reset_calls()
    live = repo.provider().read(Scope(kinds=frozenset({"company"})))
    assert len(live) == 7
    assert admin.calls()[SYSTEM]["GET /V1/company"] == 1 + 3  # refused once, then 3 pages of 3


def test_unlisted_users_of_a_managed_company_are_read_with_their_access(
    repo: Repo, api: httpx.Client
) -> None:
    repo.write(account())
    repo.apply()
    [company] = companies(api)
    extra = {
        "email": "temp@ridgeline.example",
        "firstname": "T",
        "lastname": "Emp",
        "extension_attributes": {"company_attributes": {"company_id": company["id"], "status": 1}},
    }
    assert api.post("/customers", json={"customer": extra}).status_code == 200
    live = {
        r.key: r for r in repo.provider().read(Scope(accounts=frozenset({"Ridgeline Mechanical"})))
    }
    temp = live["temp@ridgeline.example"]
    assert temp.account == "Ridgeline Mechanical" and temp.access == "active"


def test_exclusive_account_revokes_undeclared_users(repo: Repo, api: httpx.Client) -> None:
    repo.write(account())
    repo.apply()
    [company] = companies(api)
    extra = {
        "email": "temp@ridgeline.example",
        "firstname": "T",
        "lastname": "Emp",
        "extension_attributes": {"company_attributes": {"company_id": company["id"], "status": 1}},
    }
    assert api.post("/customers", json={"customer": extra}).status_code == 200
    repo.write(account(exclusive=True))
    plan = repo.plan()
    [change] = plan.changes
    assert (change.key, change.action, change.origin.value) == (
        "temp@ridgeline.example",
        Action.REVOKE,
        "unmanaged",
    )
    repo.apply(plan)
    assert attributes(user(api, "temp@ridgeline.example"))["status"] == 0
    assert repo.plan().changes == ()


def test_store_code_all_works_and_an_unknown_one_is_a_config_error(repo: Repo) -> None:
    repo.system["store_code"] = "all"
    repo.write(account())
    assert any(c.kind == "company" for c in repo.plan().changes)
    repo.system["store_code"] = "wholesale_eu"
    repo.write(account())
    with pytest.raises(ConfigError, match="store_code"):
        repo.plan()


def test_apply_and_plan_under_the_stores_input_limits(repo: Repo, admin: SandboxAdmin) -> None:
    admin.setting(SYSTEM, "input_limits_enabled", True)
    admin.setting(SYSTEM, "max_page_size", 2)
    admin.setting(SYSTEM, "input_list_limit", 12)
    repo.write(account())
    repo.apply()
    assert repo.plan().changes == ()

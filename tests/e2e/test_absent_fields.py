"""Issue 10: a field the account file leaves out is not managed, in every system.

One live world, seeded in the sandbox with a value in every field that differs from what a default
would be (an inactive account on credit hold, every permission granted, a BigCommerce company that is
not the account's name...). For each provider (Salesforce with the storeconnect profile, Salesforce
with cpq_ecommerce, BigCommerce) and each field a user can leave out, an account file that states
every other field as it is live and omits that one plans nothing at all: no change names the field,
and the plan is empty. A control plan per provider, where the file states every field differently
from live, shows each of those fields is read and would be changed if the file named it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from storegate.engine.commands.session import load_desired
from storegate.engine.plan import Plan
from storegate.engine.planner import make_plan
from storegate.engine.registry import close_all, open_providers
from storegate.providers.contract import ACCOUNT_SETTINGS, PERMISSIONS, PERSON_FIELDS
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox
from storegate.state.memory import MemoryStateBackend

pytestmark = pytest.mark.e2e

ACCOUNT = "Pinecrest"
EMAIL = "livia.liveson@pinecrest.example"

LIVE_SETTINGS: dict[str, Any] = {
    "active": False,
    "credit_hold": True,
    "pay_by_account": True,
    "price_book": "Wholesale 2026",
    "display_name": "Pinecrest Builders",
    "membership": "Gold",
    "tax_entity_code": "EXEMPT-NY",
    "supplier": True,
    "brand": True,
}
"""Every account setting as it is live: each differs from what a default would be."""
LIVE_PERMISSIONS: dict[str, Any] = dict.fromkeys(PERMISSIONS, True)
LIVE_PERSON: dict[str, Any] = {"first_name": "Livia", "last_name": "Liveson"}

OTHER_SETTINGS: dict[str, Any] = {
    "active": True,
    "credit_hold": False,
    "pay_by_account": False,
    "price_book": "Retail 2026",
    "display_name": "PC",
    "membership": "Silver",
    "tax_entity_code": "TAXABLE",
    "supplier": False,
    "brand": False,
}
"""A value other than the live one for every account setting (the control plan)."""
OTHER_PERMISSIONS: dict[str, Any] = dict.fromkeys(PERMISSIONS, False)
OTHER_PERSON: dict[str, Any] = {"first_name": "Olivia", "last_name": "Other"}

USER_FIELDS = (*ACCOUNT_SETTINGS, *PERMISSIONS, *PERSON_FIELDS)
"""Every field a user can leave out of an account file."""

STORECONNECT_API = {
    "active": "s_c__Active__c",
    "credit_hold": "s_c__Credit_Hold__c",
    "pay_by_account": "s_c__Pay_By_Account__c",
    "price_book": "s_c__Pricebook_Id__c",
    "display_name": "s_c__Display_Name__c",
    "membership": "s_c__Membership_Id__c",
    "tax_entity_code": "s_c__Tax_Entity_Code__c",
    "supplier": "s_c__Supplier__c",
    "brand": "s_c__Brand__c",
    "purchase_on_account": "s_c__Can_Purchase_For_Account__c",
    "account_credit": "s_c__Can_Use_Account_Credit__c",
    "account_points": "s_c__Can_Use_Account_Points__c",
    "account_pricing": "s_c__Can_Use_Account_Pricing__c",
}

SEED: dict[str, Any] = {
    "salesforce": {
        "Pricebook2": [{"Name": "Wholesale 2026"}, {"Name": "Retail 2026"}],
        "s_c__Membership__c": [{"Name": "Gold"}, {"Name": "Silver"}],
        "Account": [
            {
                "Name": ACCOUNT,
                **{STORECONNECT_API[k]: v for k, v in LIVE_SETTINGS.items()},
            }
        ],
        "Contact": [
            {
                "FirstName": LIVE_PERSON["first_name"],
                "LastName": LIVE_PERSON["last_name"],
                "Email": EMAIL,
                "Account": ACCOUNT,
                **{STORECONNECT_API[k]: v for k, v in LIVE_PERMISSIONS.items()},
                "s_c__Invitation_Accepted_At__c": "2025-03-02T12:30:00.000+0000",
                "eCommerce__c": True,
                "eCommerce_Access_Date_Stamp__c": "2025-03-02",
                "Contact_Status__c": "Active",
            }
        ],
    },
    "bigcommerce": {
        "customer_groups": [{"id": 1, "name": "Wholesale"}, {"id": 2, "name": "Retail"}],
        "customers": [
            {
                "email": EMAIL,
                **LIVE_PERSON,
                "company": LIVE_SETTINGS["display_name"],
                "customer_group_id": 1,
            }
        ],
    },
}

SANDBOX_TLS = {"ca_bundle": "env:STOREGATE_SANDBOX_CA"}
SALESFORCE: dict[str, Any] = {
    "type": "salesforce",
    "instance_url": "env:STOREGATE_SANDBOX_URL",
    "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
    **SANDBOX_TLS,
}
PROVIDERS: dict[str, dict[str, Any]] = {
    "storeconnect": {"salesforce": {**SALESFORCE, "profile": "storeconnect"}},
    # cpq_ecommerce maps no account setting or permission of its own: an org that has them maps
    # them by override, and then they are managed (and left alone when absent) like any other.
    "cpq_ecommerce": {
        "salesforce": {**SALESFORCE, "profile": "cpq_ecommerce", "fields": STORECONNECT_API}
    },
    "bigcommerce": {
        "bigcommerce": {
            "type": "bigcommerce",
            "base_url": "env:STOREGATE_SANDBOX_URL",
            "store_hash": "env:BIGCOMMERCE_STORE_HASH",
            "access_token": "env:BIGCOMMERCE_ACCESS_TOKEN",
            "customer_groups": {"Wholesale 2026": 1, "Retail 2026": 2},
            **SANDBOX_TLS,
        }
    },
}
CHANGE_NAMES: dict[str, dict[str, str]] = {
    "storeconnect": {},
    "cpq_ecommerce": {},
    "bigcommerce": {"display_name": "company", "price_book": "customer_group_id"},
}
"""Per provider: the name a plan's change gives a user field, where it is not the field's own."""
BIGCOMMERCE_FIELDS = ("display_name", "price_book", *PERSON_FIELDS)
"""The user fields BigCommerce holds (the others have no BigCommerce counterpart)."""


STATED_LIVE_SETTINGS = {k: v for k, v in LIVE_SETTINGS.items() if k != "active"}
"""The live settings a file can state: `active: false` beside an active contact is refused (SG104),
so `active` is always left out of these files, and the live account stays inactive."""


def account_file(
    omit: str | None,
    settings: dict[str, Any] = STATED_LIVE_SETTINGS,
    permissions: dict[str, Any] = LIVE_PERMISSIONS,
    person: dict[str, Any] = LIVE_PERSON,
) -> dict[str, Any]:
    account = {"name": ACCOUNT, **{k: v for k, v in settings.items() if k != omit}}
    contact = {
        "email": EMAIL,
        **{k: v for k, v in person.items() if k != omit},
        "access": "active",
        **{k: v for k, v in permissions.items() if k != omit},
    }
    return {"account": account, "contacts": [contact]}


def write_repo(root: Path, provider: str, body: dict[str, Any]) -> None:
    (root / "accounts").mkdir(parents=True, exist_ok=True)
    config = {"version": 1, "systems": PROVIDERS[provider]}
    (root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "accounts" / "pinecrest.yaml").write_text(yaml.safe_dump(body, sort_keys=False))


def plan_of(root: Path) -> Plan:
    providers = open_providers(load_desired(root).config, root)
    try:
        return make_plan(load_desired(root), MemoryStateBackend().read(), providers)
    finally:
        close_all(providers)


def names_in(plan: Plan) -> set[str]:
    return {f.name for c in plan.changes for f in (*c.fields, *c.create_fields)}


def change_name(provider: str, field: str) -> str:
    return CHANGE_NAMES[provider].get(field, field)


@pytest.fixture(scope="module")
def world(sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """The live world, seeded once for the module (plans only read it)."""
    sandbox_server.reset()
    load_seed(sandbox_server.store, SEED)
    yield sandbox_server
    sandbox_server.reset()


@pytest.fixture
def env(world: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_file_stating_every_field_as_it_is_live_plans_nothing(
    tmp_path: Path, provider: str
) -> None:
    write_repo(tmp_path, provider, account_file(omit=None))
    plan = plan_of(tmp_path)
    assert [(c.id, c.fields) for c in plan.changes] == []


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_control_every_field_stated_otherwise_is_changed(tmp_path: Path, provider: str) -> None:
    """The live value of each field is read and compared: a file naming it changes it."""
    body = account_file(None, OTHER_SETTINGS, OTHER_PERMISSIONS, OTHER_PERSON)
    write_repo(tmp_path, provider, body)
    held = BIGCOMMERCE_FIELDS if provider == "bigcommerce" else USER_FIELDS
    assert {change_name(provider, f) for f in held} <= names_in(plan_of(tmp_path))


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("field", USER_FIELDS)
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_field_left_out_is_never_touched(tmp_path: Path, provider: str, field: str) -> None:
    write_repo(tmp_path, provider, account_file(omit=field))
    plan = plan_of(tmp_path)
    naming = [c.id for c in plan.changes if change_name(provider, field) in names_in_change(c)]
    assert naming == [], f"{field} is absent from the file, yet {naming} change it"
    assert [(c.id, c.fields) for c in plan.changes] == []


def names_in_change(change: Any) -> set[str]:
    return {f.name for f in (*change.fields, *change.create_fields)}


@pytest.mark.usefixtures("env")
def test_issue_reproduction_minimal_file_without_display_name_keeps_the_company(
    tmp_path: Path,
) -> None:
    """A minimal account file (a name and one contact) planned `company: "Pinecrest" ->
    "Pinecrest Builders"` in BigCommerce; the company is named only when a customer is created."""
    minimal = {"account": {"name": ACCOUNT}, "contacts": [{"email": EMAIL, "access": "active"}]}
    write_repo(tmp_path, "bigcommerce", minimal)
    plan = plan_of(tmp_path)
    assert "company" not in names_in(plan)
    assert plan.changes == ()

    # A new contact of the same file: its customer is created with the account's name once.
    minimal["contacts"].append({"email": "new.person@pinecrest.example", "access": "active"})
    write_repo(tmp_path, "bigcommerce", minimal)
    [create] = plan_of(tmp_path).changes
    assert create.action.value == "create"
    assert {f.name: f.after for f in create.create_fields}["company"] == ACCOUNT
    assert "company" not in {f.name for f in create.fields}

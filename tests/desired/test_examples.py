"""examples/: a realistic access repo that validates, and a sandbox seed that makes a real first plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from storegate.engine.load import load_repo
from storegate.engine.model import DesiredState, email_key
from tests.desired.conftest import validate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def desired() -> DesiredState:
    result = load_repo(EXAMPLES)
    assert result.errors == [], [p.format() for p in result.errors]
    assert result.desired is not None
    return result.desired


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    loaded = yaml.safe_load((EXAMPLES / "sandbox-seed.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_validate_examples_exits_0() -> None:
    outcome = validate(EXAMPLES)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.lines[-1].startswith("valid: 11 files, 10 accounts, 58 contacts (0 errors")


def test_examples_cover_the_seeds_situations(desired: DesiredState) -> None:
    accounts = [a.file.account for a in desired.accounts]
    contacts = [c for _, _, c in desired.contacts()]
    assert len(accounts) >= 6 and len(contacts) >= 40
    assert {a.price_book for a in accounts} >= {"Wholesale 2026", "Retail 2026", "Distributor 2026"}
    assert {a.membership for a in accounts} >= {"Gold", "Silver"}
    assert any(a.credit_hold and a.pay_by_account for a in accounts)
    assert any(a.active is False for a in accounts)
    assert any("'" in a.name and "&" in a.name for a in accounts)
    assert {c.access for c in contacts} == {"active", "pending", "revoked"}
    assert any(c.offboard for c in contacts)
    assert any(c.previously for c in contacts)
    assert any(c.purchase_on_account for c in contacts)
    assert [p.code for p in load_repo(EXAMPLES).warnings] == ["SG106", "SG103"]


def test_every_example_file_names_its_schema() -> None:
    for path in [EXAMPLES / "storegate.yaml", *sorted((EXAMPLES / "accounts").glob("*.yaml"))]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        schema = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema.is_file(), f"{path}: {schema} does not exist"


def test_seed_is_consistent_and_makes_a_real_first_plan(
    desired: DesiredState, seed: dict[str, Any]
) -> None:
    salesforce = seed["salesforce"]
    names = {a["Name"] for a in salesforce["Account"]}
    assert all(c["Account"] in names for c in salesforce["Contact"])
    books = {b["Name"] for b in salesforce["Pricebook2"]}
    memberships = {m["Name"] for m in salesforce["s_c__Membership__c"]}
    declared = [a.file.account for a in desired.accounts]
    assert {a.price_book for a in declared} <= books
    assert {a.membership for a in declared if a.membership} <= memberships

    live = {email_key(c["Email"]): c for c in salesforce["Contact"]}
    yaml_contacts = {c.key: c for _, _, c in desired.contacts()}
    new = set(yaml_contacts) - set(live)
    unmanaged = set(live) - set(yaml_contacts)
    assert len(new) >= 3
    assert any(name not in names for name in (a.name for a in declared))  # a new account
    renamed = {p for c in yaml_contacts.values() for p in c.previously}
    assert renamed & set(unmanaged)  # the email change: live still has the old address
    assert len(unmanaged - renamed) >= 3  # contacts storegate must ignore

    revocations = [
        key
        for key, contact in yaml_contacts.items()
        if contact.access == "revoked"
        and key in live
        and any(v is True for k, v in live[key].items() if k.startswith("s_c__Can_"))
    ]
    assert len(revocations) == 1

    bigcommerce = seed["bigcommerce"]
    groups = {g["id"] for g in bigcommerce["customer_groups"]}
    assert {c["customer_group_id"] for c in bigcommerce["customers"]} <= groups
    assert revocations[0] in {email_key(c["email"]) for c in bigcommerce["customers"]}
    assert set(desired.config.systems["bigcommerce"].customer_groups.values()) == {1, 2, 3}


def test_seed_loads_into_a_sandbox(seed: dict[str, Any], tmp_path: Path) -> None:
    from storegate.sandbox.seed import load_seed

    counts = load_seed(tmp_path, seed)
    assert counts["salesforce"] == {
        "Pricebook2": 5,
        "s_c__Membership__c": 3,
        "Account": 7,
        "Contact": 41,
    }
    assert counts["bigcommerce"] == {"customer_groups": 3, "customers": 12}

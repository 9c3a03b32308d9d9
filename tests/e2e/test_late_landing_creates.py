"""Issue 10: a create that lands after the client's timeout is never made twice.

The sandbox is made slower than `timeout_seconds` for creates (a `latency` fault longer than the
client's timeout): the client gives up, the server commits anyway. Without care, the look-up that
precedes the retry runs before that late commit and the retry makes a second record. Each test
applies a small repo through the real loader, planner and applier, then counts the records in the
sandbox over its own API.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from storegate.engine.apply import ApplyOutcome, apply_plan
from storegate.engine.commands.session import load_desired
from storegate.engine.planner import make_plan
from storegate.engine.registry import close_all, open_providers
from storegate.providers.contract import SchemaMismatch
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from storegate.state.memory import MemoryStateBackend
from tests.e2e.conftest import soql, trust

pytestmark = pytest.mark.e2e

TIMEOUT = 0.6
"""The client's `timeout_seconds` in these tests."""
SLOWER = 1400
"""The server's delay on every create, in ms: longer than the timeout, shorter than the window."""
MARGIN = 1.0
"""`uncertainty_margin_seconds`: a look-up waits TIMEOUT + MARGIN after a create got no answer."""
KEY_FIELD = "Storegate_Key__c"

ACCOUNTS = {"Latecomer Supply": 7, "Tardy Tools": 6}
"""Account name -> number of active contacts (13 customers: two BigCommerce create batches)."""


def emails() -> list[str]:
    return [
        f"person{i}@{name.split()[0].lower()}.example"
        for name, count in ACCOUNTS.items()
        for i in range(count)
    ]


def salesforce_settings(**extra: Any) -> dict[str, Any]:
    return {
        "type": "salesforce",
        "instance_url": "env:STOREGATE_SANDBOX_URL",
        "ca_bundle": "env:STOREGATE_SANDBOX_CA",
        "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
        "profile": "storeconnect",
        "timeout_seconds": TIMEOUT,
        "max_retries": 2,
        "uncertainty_margin_seconds": MARGIN,
        **extra,
    }


def bigcommerce_settings() -> dict[str, Any]:
    return {
        "type": "bigcommerce",
        "base_url": "env:STOREGATE_SANDBOX_URL",
        "store_hash": "env:BIGCOMMERCE_STORE_HASH",
        "access_token": "env:BIGCOMMERCE_ACCESS_TOKEN",
        "ca_bundle": "env:STOREGATE_SANDBOX_CA",
        "timeout_seconds": TIMEOUT,
        "max_retries": 3,
        "uncertainty_margin_seconds": MARGIN,
    }


def write_repo(root: Path, salesforce: dict[str, Any]) -> None:
    (root / "accounts").mkdir(parents=True, exist_ok=True)
    config = {
        "version": 1,
        "systems": {"salesforce": salesforce, "bigcommerce": bigcommerce_settings()},
        "safety": {"max_revocations": 50},
    }
    (root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    for name, count in ACCOUNTS.items():
        domain = name.split()[0].lower()
        contacts = [
            {
                "email": f"person{i}@{domain}.example",
                "first_name": f"Person{i}",
                "last_name": name.split()[0],
                "access": "active",
                "purchase_on_account": True,
            }
            for i in range(count)
        ]
        body = {"account": {"name": name, "pay_by_account": True}, "contacts": contacts}
        (root / "accounts" / f"{domain}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))


def apply_repo(root: Path) -> tuple[ApplyOutcome, float]:
    """Plan and apply `root` in-process; the outcome and how long the apply took."""
    providers = open_providers(load_desired(root).config, root)
    backend = MemoryStateBackend()
    try:
        plan = make_plan(load_desired(root), backend.read(), providers)
        assert plan.changes, "the repo asks for creates"
        started = time.monotonic()
        outcome = apply_plan(plan, backend, backend.read(), providers)
        elapsed = time.monotonic() - started
        again = make_plan(load_desired(root), backend.read(), providers)
        assert [c.id for c in again.changes] == [], "a second plan is empty"
        return outcome, elapsed
    finally:
        close_all(providers)


def contact_counts(admin: SandboxAdmin, sandbox: Sandbox) -> Counter[str]:
    return Counter(r["Email"].lower() for r in soql(admin, sandbox, "SELECT Email FROM Contact"))


def account_counts(admin: SandboxAdmin, sandbox: Sandbox) -> Counter[str]:
    return Counter(r["Name"] for r in soql(admin, sandbox, "SELECT Name FROM Account"))


def customer_counts(sandbox: Sandbox) -> Counter[str]:
    with httpx.Client(verify=trust(sandbox)) as client:
        response = client.get(
            f"{sandbox.url}/stores/sandbox/v3/customers",
            params={"limit": 250},
            headers={"X-Auth-Token": sandbox.env["BIGCOMMERCE_ACCESS_TOKEN"]},
        )
        response.raise_for_status()
        return Counter(c["email"].lower() for c in response.json()["data"])


def settle(admin: SandboxAdmin) -> None:
    """Clear the faults and give any request still sleeping in the server time to commit."""
    admin.clear_faults()
    time.sleep(SLOWER / 1000 + 0.5)


@pytest.fixture
def late_repo(tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str]) -> Path:
    root = tmp_path / "late-repo"
    write_repo(root, salesforce_settings())
    return root


def test_salesforce_creates_slower_than_the_timeout_make_no_duplicate(
    late_repo: Path, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    admin.fault(
        system="salesforce",
        kind="latency",
        ms=SLOWER,
        method="POST",
        path_contains="composite/sobjects",
        count=-1,
    )
    outcome, _ = apply_repo(late_repo)
    settle(admin)
    assert not outcome.failed, outcome.failed
    contacts = contact_counts(admin, sandbox)
    assert sorted(contacts) == sorted(emails())
    assert [e for e, n in contacts.items() if n > 1] == []
    assert [a for a, n in account_counts(admin, sandbox).items() if n > 1] == []
    assert sorted(account_counts(admin, sandbox)) == sorted(ACCOUNTS)
    # Each create batch timed out once and was found by the look-up: never sent twice.
    assert admin.calls()["salesforce"]["POST composite/sobjects"] == 2


def test_bigcommerce_creates_slower_than_the_timeout_make_no_duplicate(
    late_repo: Path, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    admin.fault(system="bigcommerce", kind="latency", ms=SLOWER, method="POST", count=-1)
    outcome, elapsed = apply_repo(late_repo)
    settle(admin)
    assert not outcome.failed, outcome.failed
    customers = customer_counts(sandbox)
    assert sorted(customers) == sorted(emails())
    assert [e for e, n in customers.items() if n > 1] == []
    # Two batches of creates, each sent once: the look-up after the window found them landed.
    assert admin.calls()["bigcommerce"]["POST /v3/customers"] == 2
    assert elapsed >= TIMEOUT + MARGIN


@pytest.fixture
def keyed_repo(
    tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> Path:
    """The org has a Contact External ID field, and storegate.yaml names it."""
    admin.salesforce_describe(
        "Contact", KEY_FIELD, add={"type": "string", "externalId": True, "unique": True}
    )
    root = tmp_path / "keyed-repo"
    write_repo(root, salesforce_settings(external_id_field=KEY_FIELD))
    return root


def keys(admin: SandboxAdmin, sandbox: Sandbox) -> dict[str, str | None]:
    rows = soql(admin, sandbox, f"SELECT Email, {KEY_FIELD} FROM Contact")
    return {r["Email"].lower(): r[KEY_FIELD] for r in rows}


def test_salesforce_contacts_are_upserted_on_the_external_id_and_a_late_one_updates(
    keyed_repo: Path, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    # The first upsert lands after the client gave up; the retry lands first and creates.
    admin.fault(
        system="salesforce",
        kind="latency",
        ms=SLOWER,
        method="PATCH",
        path_contains=f"composite/sobjects/Contact/{KEY_FIELD}",
        count=1,
    )
    outcome, _ = apply_repo(keyed_repo)
    settle(admin)
    assert not outcome.failed, outcome.failed
    contacts = contact_counts(admin, sandbox)
    assert sorted(contacts) == sorted(emails())
    assert [e for e, n in contacts.items() if n > 1] == []
    assert keys(admin, sandbox) == {e: e for e in emails()}
    calls = admin.calls()["salesforce"]
    assert calls["PATCH composite/sobjects/{type}/{field}"] == 2  # the slow one and its retry
    assert calls["POST composite/sobjects"] == 1  # accounts have no external id: plain creates


def test_salesforce_upserts_that_never_answer_fail_then_converge_without_duplicates(
    keyed_repo: Path, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    admin.fault(
        system="salesforce",
        kind="latency",
        ms=SLOWER,
        method="PATCH",
        path_contains=f"composite/sobjects/Contact/{KEY_FIELD}",
        count=-1,
    )
    providers = open_providers(load_desired(keyed_repo).config, keyed_repo)
    backend = MemoryStateBackend()
    try:
        plan = make_plan(load_desired(keyed_repo), backend.read(), providers)
        outcome = apply_plan(plan, backend, backend.read(), providers)
        failed = sorted(outcome.failed)
        assert any(cid.startswith("salesforce.contact") for cid in failed)
        assert not any(cid.startswith("salesforce.account") for cid in failed)
        settle(admin)
        # Every attempt landed late, each on the same record: one contact per email already.
        assert sorted(contact_counts(admin, sandbox).elements()) == sorted(emails())
        again = make_plan(load_desired(keyed_repo), backend.read(), providers)
        rerun = apply_plan(again, backend, backend.read(), providers)
        assert not rerun.failed, rerun.failed
    finally:
        close_all(providers)
    assert sorted(contact_counts(admin, sandbox).elements()) == sorted(emails())
    assert keys(admin, sandbox) == {e: e for e in emails()}


@pytest.mark.parametrize(
    ("add", "message"),
    [
        (None, "is missing from the org"),
        ({"type": "string"}, "is not an External ID field"),
    ],
)
def test_plan_refuses_an_external_id_field_the_org_cannot_upsert_on(
    tmp_path: Path,
    sandbox: Sandbox,
    sandbox_env: dict[str, str],
    admin: SandboxAdmin,
    add: dict[str, Any] | None,
    message: str,
) -> None:
    if add is not None:
        admin.salesforce_describe("Contact", KEY_FIELD, add=add)
    root = tmp_path / "bad-key-repo"
    write_repo(root, salesforce_settings(external_id_field=KEY_FIELD))
    providers = open_providers(load_desired(root).config, root)
    try:
        with pytest.raises(SchemaMismatch, match=message) as raised:
            make_plan(load_desired(root), MemoryStateBackend().read(), providers)
    finally:
        close_all(providers)
    assert "systems.salesforce.external_id_field" in str(raised.value)
    assert admin.calls()["salesforce"].get("PATCH composite/sobjects/{type}/{field}", 0) == 0


def test_a_dropped_create_is_looked_up_after_the_window_then_sent_again(
    late_repo: Path, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """A connection cut with no answer is uncertain too; here nothing landed, so it is resent."""
    admin.fault(system="bigcommerce", kind="drop", method="POST", count=1)
    admin.fault(
        system="salesforce",
        kind="drop",
        method="POST",
        path_contains="composite/sobjects",
        count=1,
    )
    outcome, elapsed = apply_repo(late_repo)
    assert not outcome.failed, outcome.failed
    assert elapsed >= 2 * (TIMEOUT + MARGIN)  # one window per system
    assert sorted(contact_counts(admin, sandbox).elements()) == sorted(emails())
    assert sorted(customer_counts(sandbox).elements()) == sorted(emails())

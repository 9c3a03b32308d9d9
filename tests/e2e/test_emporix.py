"""Issue 11 end to end: Salesforce (StoreConnect fields) and Emporix through `storegate plan` and
`storegate apply` — pending then active (seed 004's two transitions in order), revoke with its
receipt, re-enable, an email change in place, a create whose answer is lost, a token that expires
mid-apply, deletion with the self-registration warning, and a missing currency at its line."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import Run, state_of

pytestmark = pytest.mark.e2e

CONFIG = """\
version: 1
systems:
  salesforce:
    instance_url: env:STOREGATE_SANDBOX_URL
    ca_bundle: env:STOREGATE_SANDBOX_CA
    auth: {type: session, session_id: env:SF_ACCESS_TOKEN}
    profile: storeconnect
  emporix:
    base_url: env:STOREGATE_SANDBOX_URL
    tenant: env:EMPORIX_TENANT
    client_id: env:EMPORIX_CLIENT_ID
    client_secret: env:EMPORIX_CLIENT_SECRET
    ca_bundle: env:STOREGATE_SANDBOX_CA
    send_password_reset_notifications: false
    max_retries: RETRIES
safety: {max_revocations: 10}
"""

SEED: dict[str, Any] = {
    "salesforce": {
        "Account": [{"Name": "Northgate Supply"}],
        "Contact": [
            {
                "FirstName": name.title(),
                "LastName": "Ng",
                "Email": f"{name}@northgate.example",
                "Account": "Northgate Supply",
            }
            for name in ("ann", "bob", "cat")
        ],
    },
}


@pytest.fixture
def repo(tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str]) -> Path:
    root = tmp_path / "emporix-repo"
    (root / "accounts").mkdir(parents=True)
    write_config(root)
    load_seed(sandbox.store, SEED)
    return root


def write_config(root: Path, retries: int = 5) -> None:
    text = CONFIG.replace("RETRIES", str(retries))
    (root / "storegate.yaml").write_text(text, encoding="utf-8")


def write_account(
    root: Path,
    contacts: dict[str, str],
    *,
    stores: str = "{emporix: {currency: EUR, site: main}}",
    extra: dict[str, str] | None = None,
    removal: str | None = None,
) -> None:
    lines = ["account:", "  name: Northgate Supply", f"  stores: {stores}"]
    if removal:
        lines.append(f"  store_removal: {removal}")
    lines.append("contacts:")
    for email, access in contacts.items():
        lines += [f"  - email: {email}", "    first_name: Ann", f"    access: {access}"]
        lines += [f"    {line}" for line in (extra or {}).get(email, "").splitlines()]
    text = "\n".join(lines) + "\n"
    (root / "accounts" / "northgate.yaml").write_text(text, encoding="utf-8")


class Emporix:
    def __init__(self, sandbox: Sandbox) -> None:
        self.tenant = sandbox.env["EMPORIX_TENANT"]
        self.http = httpx.Client(
            base_url=sandbox.url, verify=ssl.create_default_context(cafile=str(sandbox.ca_path))
        )
        token = self.http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.env["EMPORIX_CLIENT_ID"],
                "client_secret": sandbox.env["EMPORIX_CLIENT_SECRET"],
            },
        ).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def customers(self) -> dict[str, dict[str, Any]]:
        found = self.http.get(f"/customer/{self.tenant}/customers", params={"pageSize": 500})
        return {c["contactEmail"]: c for c in found.json()}

    def notifications(self) -> list[tuple[str, str]]:
        sent = self.http.get("/_sandbox/emporix/notifications").json()
        return [(n["email"], n["kind"]) for n in sent]


@pytest.fixture
def emporix(sandbox: Sandbox) -> Iterator[Emporix]:
    client = Emporix(sandbox)
    yield client
    client.http.close()


def apply(storegate: Run, repo: Path, expect: int = 0) -> str:
    # The seeded Salesforce records exist before the first apply: take them over.
    result = storegate(
        "apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state", "--no-color"
    )
    assert result.code == expect, result.out + result.err
    return result.out + result.err


def plan(storegate: Run, repo: Path) -> dict[str, Any]:
    result = storegate("plan", str(repo), "--format", "json")
    assert result.code == 0, result.out + result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def emporix_changes(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["address"], c["action"]) for c in data["changes"] if c["system"] == "emporix"]


def test_pending_then_active_sends_the_two_transitions_in_order(
    repo: Path, storegate: Run, emporix: Emporix
) -> None:
    write_account(repo, {"ann@northgate.example": "pending"})
    assert emporix_changes(plan(storegate, repo)) == [
        ('emporix.legal_entity["Northgate Supply"]', "create"),
        ('emporix.customer["ann@northgate.example"]', "create"),
    ]
    apply(storegate, repo)
    ann = emporix.customers()["ann@northgate.example"]
    assert (ann["active"], ann["onHold"]) == (False, True)
    assert ann["preferredCurrency"] == "EUR" and ann["businessModel"] == "B2B"
    resources = state_of(repo)["resources"]
    stored = resources['emporix.customer["ann@northgate.example"]']
    assert stored["id"] == ann["id"]

    write_account(repo, {"ann@northgate.example": "active"})
    assert emporix_changes(plan(storegate, repo)) == [
        ('emporix.customer["ann@northgate.example"]', "grant")
    ]
    apply(storegate, repo)
    assert emporix.notifications() == [
        ("ann@northgate.example", "account_being_prepared"),
        ("ann@northgate.example", "account_activated"),
    ]
    assert emporix_changes(plan(storegate, repo)) == []


def test_revoke_is_verified_and_re_enable_restores(
    repo: Path, storegate: Run, emporix: Emporix
) -> None:
    write_account(repo, {"ann@northgate.example": "active", "bob@northgate.example": "active"})
    apply(storegate, repo)
    write_account(repo, {"ann@northgate.example": "active", "bob@northgate.example": "revoked"})
    assert emporix_changes(plan(storegate, repo)) == [
        ('emporix.customer["bob@northgate.example"]', "revoke")
    ]
    out = apply(storegate, repo)
    bob = emporix.customers()["bob@northgate.example"]
    assert (bob["active"], bob["onHold"]) == (False, False)
    receipts = sorted((repo / ".storegate").rglob("receipt*.json"))
    assert receipts, out
    receipt = json.loads(receipts[-1].read_text())
    checks = [c for c in receipt["checks"] if c["system"] == "emporix"]
    assert receipt["ok"] and checks
    assert {c["result"] for c in checks} == {"pass"}
    write_account(repo, {"ann@northgate.example": "active", "bob@northgate.example": "active"})
    assert emporix_changes(plan(storegate, repo)) == [
        ('emporix.customer["bob@northgate.example"]', "grant")
    ]
    apply(storegate, repo)
    assert emporix.customers()["bob@northgate.example"]["active"] is True


def test_an_email_change_updates_the_customer_in_place(
    repo: Path, storegate: Run, emporix: Emporix
) -> None:
    write_account(repo, {"cat@northgate.example": "active"})
    apply(storegate, repo)
    before = emporix.customers()["cat@northgate.example"]
    write_account(
        repo,
        {"cat.ng@northgate.example": "active"},
        extra={"cat.ng@northgate.example": "previously: [cat@northgate.example]"},
    )
    changes = emporix_changes(plan(storegate, repo))
    assert changes == [('emporix.customer["cat.ng@northgate.example"]', "update")]
    apply(storegate, repo)
    after = emporix.customers()
    assert list(after) == ["cat.ng@northgate.example"]
    assert after["cat.ng@northgate.example"]["id"] == before["id"]


def test_a_create_whose_answer_is_lost_converges_without_a_duplicate(
    repo: Path, storegate: Run, emporix: Emporix, admin: SandboxAdmin
) -> None:
    write_config(repo, retries=1)  # no retry inside the apply: the re-run must recover
    admin.setting("emporix", "drop_answer_endpoint", "PUT /customers/{customerNumber}")
    admin.setting("emporix", "drop_answer_count", 1)
    write_account(repo, {"ann@northgate.example": "active"})
    out = apply(storegate, repo, expect=1)
    assert "ann@northgate.example" in out
    assert len(emporix.customers()) == 1  # the PUT landed; its answer did not
    apply(storegate, repo)
    customers = emporix.customers()
    assert list(customers) == ["ann@northgate.example"]
    assert customers["ann@northgate.example"]["active"] is True
    assert emporix_changes(plan(storegate, repo)) == []


def test_a_token_that_expires_mid_apply_is_renewed(
    repo: Path, storegate: Run, emporix: Emporix, admin: SandboxAdmin
) -> None:
    admin.setting("emporix", "expire_token_after_calls", 3)
    write_account(
        repo,
        {f"{n}@northgate.example": "active" for n in ("ann", "bob", "cat")},
    )
    apply(storegate, repo)
    assert len(emporix.customers()) == 3
    assert admin.calls()["emporix"]["POST /oauth/token"] >= 3


def test_delete_on_removal_warns_about_self_registration(
    repo: Path, storegate: Run, emporix: Emporix
) -> None:
    write_account(repo, {"ann@northgate.example": "active"}, removal="delete")
    apply(storegate, repo)
    write_account(repo, {"ann@northgate.example": "revoked"}, removal="delete")
    data = plan(storegate, repo)
    assert emporix_changes(data) == [('emporix.customer["ann@northgate.example"]', "delete")]
    assert "emporix-self-registration" in {w["code"] for w in data["warnings"]}
    apply(storegate, repo)
    assert emporix.customers() == {}


def test_a_missing_currency_names_the_file_and_line(repo: Path, storegate: Run) -> None:
    write_account(repo, {"ann@northgate.example": "active"}, stores="{emporix: {site: main}}")
    result = storegate("plan", str(repo))
    assert result.code == 1
    assert "accounts/northgate.yaml:3:" in result.err + result.out
    assert "SG721" in result.err + result.out

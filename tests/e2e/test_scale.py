"""Planning 20,000 managed contacts: no write calls, ceil(N/2000) + a small constant read calls."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import Run, state_of

pytestmark = pytest.mark.e2e

ACCOUNTS = 100
PER_ACCOUNT = 200
CONFIG = """\
version: 1
systems:
  salesforce:
    instance_url: env:STOREGATE_SANDBOX_URL
    ca_bundle: env:STOREGATE_SANDBOX_CA
    auth: {type: session, session_id: env:SF_ACCESS_TOKEN}
"""


def build(repo: Path) -> dict[str, Any]:
    (repo / "accounts").mkdir(parents=True)
    (repo / "storegate.yaml").write_text(CONFIG, encoding="utf-8")
    accounts: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    for a in range(ACCOUNTS):
        name = f"Account {a:03d}"
        accounts.append({"Name": name, "s_c__Pay_By_Account__c": True})
        lines = ["account:", f"  name: {name}", "  pay_by_account: true", "contacts:"]
        for c in range(PER_ACCOUNT):
            email = f"buyer{c:03d}@account{a:03d}.example"
            lines += [
                f"  - email: {email}",
                "    access: active",
                "    purchase_on_account: true",
                "    account_pricing: false",
            ]
            contacts.append(
                {
                    "FirstName": "Buyer",
                    "LastName": f"{c:03d}",
                    "Email": email,
                    "Account": name,
                    "s_c__Can_Purchase_For_Account__c": True,
                }
            )
        (repo / "accounts" / f"account-{a:03d}.yaml").write_text("\n".join(lines) + "\n")
    return {"salesforce": {"Account": accounts, "Contact": contacts}}


def test_planning_20000_managed_contacts_reads_in_pages_and_writes_nothing(
    tmp_path: Path,
    sandbox: Sandbox,
    sandbox_env: dict[str, str],
    admin: SandboxAdmin,
    storegate: Run,
) -> None:
    repo = tmp_path / "big-repo"
    load_seed(sandbox.store, build(repo))
    adopt = storegate("apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state")
    assert adopt.code == 0, adopt.err
    managed = [a for a in state_of(repo)["resources"] if a.startswith("salesforce.contact")]
    contacts = ACCOUNTS * PER_ACCOUNT
    assert len(managed) == contacts

    admin.reset_calls()
    planned = storegate("plan", str(repo), "--detailed-exitcode")
    assert planned.code == 0, planned.out + planned.err

    calls = admin.calls()["salesforce"]
    # A read this large runs as a Bulk API 2.0 query job: its POST reads, it writes nothing.
    writes = {k: v for k, v in calls.items() if not k.startswith("GET") and k != "POST jobs/query"}
    assert writes == {}
    reads = sum(calls.values())
    # contact pages (or the first page, the job, its polls and result set) + one account page
    # + describe x2 + price books + memberships
    assert reads <= math.ceil(contacts / 2000) + 6, calls

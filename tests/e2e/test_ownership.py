"""Ownership end to end over the sandbox (issue: live access equals git, or the plan says why)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import yaml

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import Run, soql, state_of, trust

pytestmark = pytest.mark.e2e

API = "/services/data/v59.0"
INTRUDER = "walk.in@acme.example"


def sf(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.url + API,
        verify=trust(sandbox),
        headers={"Authorization": f"Bearer {sandbox.env['SF_ACCESS_TOKEN']}"},
    )


def grant_by_hand(sandbox: Sandbox, admin: SandboxAdmin, email: str) -> None:
    """An admin gives a walk-in buyer store access in Salesforce, outside the access repo."""
    [acme] = soql(admin, sandbox, "SELECT Id FROM Account WHERE Name = 'Acme Industrial'")
    with sf(sandbox) as client:
        client.post(
            "/sobjects/Contact/",
            json={
                "LastName": "In",
                "FirstName": "Walk",
                "Email": email,
                "AccountId": acme["Id"],
                "s_c__Can_Purchase_For_Account__c": True,
                "s_c__Invitation_Accepted_At__c": "2026-11-01T10:00:00.000+0000",
            },
        ).raise_for_status()


def make_exclusive(repo: Path) -> None:
    path = repo / "accounts" / "acme-industrial.yaml"
    path.write_text(path.read_text().replace("account:\n", "account:\n  exclusive: true\n", 1))


def test_access_granted_by_hand_shows_in_plan_and_exclusive_revokes_it(
    repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    assert storegate("apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state").code == 0
    grant_by_hand(sandbox, admin, INTRUDER)
    shown = storegate("plan", str(repo), "--detailed-exitcode")
    assert shown.code == 0, "not exclusive: reported, nothing planned"
    assert f"Acme Industrial: salesforce contact {INTRUDER} (active)" in shown.out
    markdown = storegate("plan", str(repo), "--format", "markdown")
    assert "walk.in@&#8203;acme.example" in markdown.out
    make_exclusive(repo)
    revoking = storegate("plan", str(repo), "--format", "json")
    changes = json.loads(revoking.out)["changes"]
    [revoke] = [c for c in changes if c["person"] == INTRUDER]
    assert revoke["action"] == "revoke" and revoke["origin"] == "unmanaged"
    assert storegate("apply", "--dir", str(repo), "--auto-approve").code == 0
    [contact] = soql(
        admin,
        sandbox,
        f"SELECT s_c__Can_Purchase_For_Account__c FROM Contact WHERE Email = '{INTRUDER}'",
    )
    assert contact["s_c__Can_Purchase_For_Account__c"] is False
    assert storegate("plan", str(repo), "--detailed-exitcode").code == 0


def test_a_deleted_state_with_exclusive_still_revokes_a_removed_contact(
    repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    make_exclusive(repo)
    assert storegate("apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state").code == 0
    shutil.rmtree(repo / ".storegate")
    path = repo / "accounts" / "acme-industrial.yaml"
    text = path.read_text()
    start = text.index("  - email: raj.patel@acme.example")
    end = text.index("  - email:", start + 10)
    path.write_text(text[:start] + text[end:])
    planned = storegate("plan", str(repo), "--format", "json")
    plan = json.loads(planned.out)
    assert any(w["code"] == "SG-EMPTY-STATE" for w in plan["warnings"])
    raj = {c["id"]: c["action"] for c in plan["changes"] if c["person"] == "raj.patel@acme.example"}
    assert raj == {
        'salesforce.contact["raj.patel@acme.example"]': "revoke",
        'bigcommerce.customer["raj.patel@acme.example"]': "delete",
    }, "revoked in every system, from what the live systems hold"
    refused = storegate("apply", "--dir", str(repo), "--auto-approve")
    assert refused.code == 1 and "--allow-empty-state" in refused.err
    assert storegate("apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state").code == 0
    [raj] = soql(
        admin,
        sandbox,
        "SELECT s_c__Can_Purchase_For_Account__c FROM Contact WHERE Email = 'raj.patel@acme.example'",
    )
    assert raj["s_c__Can_Purchase_For_Account__c"] is False


def test_another_repos_state_is_refused_with_no_write(repo: Path, storegate: Run) -> None:
    config = repo / "storegate.yaml"
    config.write_text(config.read_text().replace("version: 1\n", "version: 1\nrepo: acme/one\n"))
    assert storegate("apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state").code == 0
    state_file = repo / ".storegate" / "state.json"
    before = state_file.read_bytes()
    assert json.loads(before)["repo"] == "acme/one"
    config.write_text(config.read_text().replace("repo: acme/one", "repo: acme/two"))
    for args in (["plan", str(repo)], ["apply", "--dir", str(repo), "--auto-approve"]):
        refused = storegate(*args)
        assert refused.code == 1 and "belongs to access repo 'acme/one'" in refused.err
    assert state_file.read_bytes() == before


def test_email_rename_then_previously_removed_leaves_no_phantom(repo: Path, storegate: Run) -> None:
    assert storegate("apply", "--dir", str(repo), "--auto-approve", "--allow-empty-state").code == 0
    path = repo / "accounts" / "acme-industrial.yaml"
    original = path.read_text()
    path.write_text(
        original.replace(
            "  - email: jane.doe@acme.example\n",
            "  - email: jane.doe-smith@acme.example\n    previously: [jane.doe@acme.example]\n",
        )
    )
    assert storegate("apply", "--dir", str(repo), "--auto-approve").code == 0
    path.write_text(original.replace("jane.doe@acme.example", "jane.doe-smith@acme.example"))
    after = storegate("plan", str(repo), "--detailed-exitcode")
    assert after.code == 0, after.out
    addresses = state_of(repo)["resources"]
    assert not [a for a in addresses if '"jane.doe@acme.example"' in a]


def test_import_of_the_seeded_sandbox_is_followed_by_an_empty_plan(
    repo: Path, storegate: Run
) -> None:
    shutil.rmtree(repo / "accounts")
    (repo / "accounts").mkdir()
    config = repo / "storegate.yaml"
    body = yaml.safe_load(config.read_text())
    # The org as the examples seed it: Salesforce and BigCommerce (the other stores have no seed
    # of the same accounts); the seed's old price book is mapped, as an admin would before import.
    body["systems"] = {
        k: v for k, v in body["systems"].items() if k in ("salesforce", "bigcommerce")
    }
    body["systems"]["bigcommerce"]["customer_groups"]["Retail 2025"] = 2
    config.write_text(yaml.safe_dump(body, sort_keys=False))
    imported = storegate("import", str(repo))
    assert imported.code == 0, imported.err
    assert "wrote accounts/acme-industrial.yaml (Acme Industrial)" in imported.out
    text = (repo / "accounts" / "acme-industrial.yaml").read_text()
    assert "# Imported by `storegate import`" in text and "access: active" in text
    assert storegate("validate", str(repo)).code == 0
    assert state_of(repo)["resources"], "the imported records are in state"
    planned = storegate("plan", str(repo), "--detailed-exitcode")
    assert planned.code == 0, planned.out

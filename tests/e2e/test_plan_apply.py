"""Issue 4 end to end: the real `storegate` command against the sandbox on a copy of examples/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import httpx
import jsonschema
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import Run, soql, state_of, trust

pytestmark = pytest.mark.e2e

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"


def plan_json(storegate: Run, repo: Path) -> dict[str, object]:
    result = storegate("plan", str(repo), "--format", "json")
    assert result.code == 0, result.err
    data: dict[str, object] = json.loads(result.out)
    return data


def changes_of(plan: dict[str, object]) -> list[dict[str, object]]:
    changes = plan["changes"]
    assert isinstance(changes, list)
    return changes


EMPTY_STATE = "--allow-empty-state"
"""The seeded sandbox already holds most records the examples declare: a first apply takes them over."""


def apply(storegate: Run, repo: Path, *extra: str) -> None:
    result = storegate("apply", "--dir", str(repo), "--auto-approve", EMPTY_STATE, *extra)
    assert result.code == 0, result.out + result.err


def patch_contact(sandbox: Sandbox, email: str, fields: dict[str, object]) -> None:
    [row] = soql_contacts(sandbox, email)
    with httpx.Client(verify=trust(sandbox)) as client:
        response = client.patch(
            f"{sandbox.url}/services/data/v59.0/sobjects/Contact/{row['Id']}",
            json=fields,
            headers={"Authorization": f"Bearer {sandbox.env['SF_ACCESS_TOKEN']}"},
        )
        assert response.status_code == 204, response.text


def soql_contacts(sandbox: Sandbox, email: str) -> list[dict[str, object]]:
    admin = SandboxAdmin(sandbox.url, sandbox.ca_path)
    try:
        return soql(admin, sandbox, f"SELECT Id, Email FROM Contact WHERE Email = '{email}'")
    finally:
        admin.close()


def test_first_apply_creates_then_second_plan_is_empty(
    repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    first = storegate("plan", str(repo), "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "to create" in first.out
    assert "SG-EMPTY-STATE" in first.out  # the records the repo declares exist live already

    refused = storegate("apply", "--dir", str(repo), "--auto-approve")
    assert refused.code == 1 and EMPTY_STATE in refused.err
    assert state_of(repo).get("resources", {}) == {}, "nothing was applied"

    apply(storegate, repo)

    second = storegate("plan", str(repo), "--detailed-exitcode")
    assert second.code == 0, second.out + second.err
    assert "No changes" in second.out
    emails = [r["Email"].lower() for r in soql(admin, sandbox, "SELECT Email FROM Contact")]
    assert len(emails) == len(set(emails)), "a contact was created twice"
    assert "sarah.okafor@harbourline.example" in emails
    assert "sarah.bennett@harbourline.example" not in emails, "email change must update in place"
    managed = state_of(repo)["resources"]
    assert 'salesforce.contact["jane.doe@acme.example"]' in managed


def test_yaml_edit_shows_exactly_that_change(repo: Path, storegate: Run) -> None:
    apply(storegate, repo)
    path = repo / "accounts" / "acme-industrial.yaml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace(
        "  - email: raj.patel@acme.example\n    first_name: Raj\n    last_name: Patel\n"
        "    access: active\n    purchase_on_account: true\n    account_credit: false",
        "  - email: raj.patel@acme.example\n    first_name: Raj\n    last_name: Patel\n"
        "    access: active\n    purchase_on_account: true\n    account_credit: true",
    )
    assert edited != text
    path.write_text(edited, encoding="utf-8")

    [change] = changes_of(plan_json(storegate, repo))
    assert change["address"] == 'salesforce.contact["raj.patel@acme.example"]'
    assert change["fields"] == [{"name": "account_credit", "before": False, "after": True}]
    assert change["source"] == "accounts/acme-industrial.yaml:25"


def test_drift_shows_in_plan_and_apply_reverts_it(
    repo: Path, storegate: Run, sandbox: Sandbox
) -> None:
    apply(storegate, repo)
    patch_contact(sandbox, "jane.doe@acme.example", {"s_c__Can_Use_Account_Credit__c": False})

    [change] = changes_of(plan_json(storegate, repo))
    assert change["action"] == "update"
    assert change["fields"] == [{"name": "account_credit", "before": False, "after": True}]

    apply(storegate, repo)
    assert changes_of(plan_json(storegate, repo)) == []


def test_email_changed_outside_storegate_is_drift_put_back(
    repo: Path, storegate: Run, sandbox: Sandbox
) -> None:
    apply(storegate, repo)
    patch_contact(sandbox, "jane.doe@acme.example", {"Email": "jane@personal.example"})

    plan = plan_json(storegate, repo)
    [change] = [c for c in changes_of(plan) if c["system"] == "salesforce"]
    assert change["fields"] == [
        {"name": "email", "before": "jane@personal.example", "after": "jane.doe@acme.example"}
    ]
    apply(storegate, repo)
    assert soql_contacts(sandbox, "jane.doe@acme.example")


def test_stale_saved_plan_is_refused_naming_the_record(
    repo: Path, storegate: Run, sandbox: Sandbox, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert storegate("plan", str(repo), "--out", str(saved)).code == 0
    patch_contact(sandbox, "raj.patel@acme.example", {"FirstName": "Rajesh"})
    # Raj's record is touched by no change; a record the plan touches must be named.
    patch_contact(sandbox, "emma.schultz@acme.example", {"s_c__Can_Use_Account_Points__c": True})

    result = storegate("apply", str(saved), "--dir", str(repo))
    assert result.code == 1
    assert 'salesforce.contact["emma.schultz@acme.example"] was modified' in result.err
    assert "raj.patel" not in result.err


def test_saved_plan_applies_once_then_is_stale(repo: Path, storegate: Run, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert storegate("plan", str(repo), "--out", str(saved)).code == 0
    first = storegate("apply", str(saved), "--dir", str(repo), EMPTY_STATE)
    assert first.code == 0, first.err
    again = storegate("apply", str(saved), "--dir", str(repo), EMPTY_STATE)
    assert again.code == 1 and "state changed since the plan" in again.err


def test_edited_plan_file_is_refused(repo: Path, storegate: Run, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert storegate("plan", str(repo), "--out", str(saved)).code == 0
    saved.write_text(saved.read_text().replace('"create"', '"delete"', 1))
    result = storegate("apply", str(saved), "--dir", str(repo))
    assert result.code == 1 and "checksum mismatch" in result.err


def test_mass_revocation_refused_without_the_flag(repo: Path, storegate: Run) -> None:
    apply(storegate, repo)
    for name in ("acme-industrial.yaml", "summit-outdoor.yaml"):
        (repo / "accounts" / name).unlink()

    plan = storegate("plan", str(repo))
    assert "--allow-mass-revoke" in plan.out
    refused = storegate("apply", "--dir", str(repo), "--auto-approve")
    assert refused.code == 1 and "--allow-mass-revoke" in refused.err
    assert EMPTY_STATE not in refused.err  # the state is no longer empty
    assert storegate("plan", str(repo), "--detailed-exitcode").code == 2, "nothing was applied"

    apply(storegate, repo, "--allow-mass-revoke")
    assert changes_of(plan_json(storegate, repo)) == []


def test_apply_without_tty_or_auto_approve_is_refused(repo: Path, storegate: Run) -> None:
    result = storegate("apply", "--dir", str(repo))
    assert result.code == 1 and "--auto-approve" in result.err


def test_json_plan_validates_against_the_documented_schema(repo: Path, storegate: Run) -> None:
    plan = plan_json(storegate, repo)
    jsonschema.validate(plan, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert plan["format_version"] == 2 and changes_of(plan)
    # changes are in apply order: each after every change it depends on
    position = {str(c["id"]): i for i, c in enumerate(changes_of(plan))}
    edges = [
        (str(c["id"]), str(d)) for c in changes_of(plan) for d in cast(list[str], c["depends_on"])
    ]
    assert edges
    assert all(position[d] < position[c] for c, d in edges)


def test_missing_credentials_give_one_line_and_no_secret(
    repo: Path, storegate: Run, monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox
) -> None:
    monkeypatch.delenv("SF_ACCESS_TOKEN")
    result = storegate("plan", str(repo))
    assert result.code == 1
    [error] = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert "SF_ACCESS_TOKEN" in error and "Traceback" not in result.err
    monkeypatch.setenv("SF_ACCESS_TOKEN", "00DSB0000000001!wrong-token-value")
    wrong = storegate("plan", str(repo))
    assert wrong.code == 1 and "Traceback" not in wrong.err
    assert "wrong-token-value" not in wrong.err + wrong.out

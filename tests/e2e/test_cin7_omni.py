"""Cin7 Omni end to end: the real `storegate` command against the sandbox, with the test clicking in
the B2B Dashboard (the sandbox's admin-only store view) as a person would.

grant → CRM contact created and an invite step pending → click → the next plan is empty; revoke →
deactivate step; re-enable; an email change with the store's delayed sync and with the immediate
"Update emails from CRM"; a step confirmed by `storegate confirm` with its note in state."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import Run, state_of

pytestmark = pytest.mark.e2e

SYSTEM = "cin7_omni"
JANE = "jane.doe@acme.example"
CUSTOMER = f'cin7_omni.customer["{JANE}"]'
CONTACT = f'cin7_omni.contact["{JANE}"]'


def system_block(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "cin7_omni",
        "base_url": "env:STOREGATE_SANDBOX_URL",
        "api_username": "env:CIN7_API_USERNAME",
        "api_key": "env:CIN7_API_KEY",
        "ca_bundle": "env:STOREGATE_SANDBOX_CA",
        "store_view_url": "env:CIN7_B2B_VIEW_URL",
        "price_columns": {"Wholesale 2026": "WholesalePrice"},
        **overrides,
    }


class Cin7Repo:
    """An access repo served by Cin7 Omni only, and the dashboard a person clicks in."""

    def __init__(self, root: Path, sandbox: Sandbox, storegate: Run) -> None:
        self.root = root
        self.sandbox = sandbox
        self.storegate = storegate
        (root / "accounts").mkdir(parents=True)
        self.configure()
        self.dashboard = httpx.Client(
            base_url=f"{sandbox.url}/_sandbox/cin7_omni/b2b",
            verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
        )

    def configure(self, **overrides: Any) -> None:
        config = {
            "version": 1,
            "systems": {SYSTEM: system_block(**overrides)},
            "state": {"type": "local", "path": ".storegate/state.json"},
        }
        (self.root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    def contacts(self, *contacts: dict[str, Any]) -> None:
        account = {
            "account": {
                "name": "Acme Industrial",
                "display_name": "ACME",
                "price_book": "Wholesale 2026",
                "stores": {SYSTEM: {"credit_limit": 5000}},
            },
            "contacts": list(contacts),
        }
        (self.root / "accounts" / "acme.yaml").write_text(yaml.safe_dump(account, sort_keys=False))

    def plan(self) -> dict[str, Any]:
        result = self.storegate("plan", str(self.root), "--format", "json")
        assert result.code == 0, result.out + result.err
        data: dict[str, Any] = json.loads(result.out)
        return data

    def changes(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.plan()["changes"]}

    def apply(self) -> str:
        result = self.storegate("apply", "--dir", str(self.root), "--auto-approve")
        assert result.code == 0, result.out + result.err
        return result.out

    def converged(self) -> None:
        result = self.storegate("plan", str(self.root), "--detailed-exitcode")
        assert result.code == 0, result.out + result.err

    def click(self, path: str, **body: Any) -> dict[str, Any]:
        answer = self.dashboard.post(path, json=body or None)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def tabs(self) -> dict[str, list[str]]:
        view = self.dashboard.get("").json()["tabs"]
        return {tab: [row["email"] for row in rows] for tab, rows in view.items()}

    def crm(self, email: str) -> dict[str, Any]:
        found = self.sandbox.store.list(
            SYSTEM, "contact", lambda c: str(c.get("Email", "")).lower() == email
        )
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def cin7(
    tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str], storegate: Run
) -> Iterator[Cin7Repo]:
    # Three calls a second as Cin7 Omni allows; the per-minute window would only slow the suite.
    sandbox.settings[SYSTEM]["rate_limit_per_minute"] = 0
    repo = Cin7Repo(tmp_path / "access-repo", sandbox, storegate)
    yield repo
    repo.dashboard.close()


def jane(**extra: Any) -> dict[str, Any]:
    return {"email": JANE, "first_name": "Jane", "last_name": "Doe", "access": "active", **extra}


def granted(cin7: Cin7Repo) -> None:
    """Jane has access: her CRM contact exists and she is a current store customer."""
    cin7.contacts(jane())
    cin7.apply()
    cin7.click("/invite", email=JANE)
    cin7.click("/customers/accept", email=JANE)
    cin7.converged()


def title(change: dict[str, Any]) -> str:
    return str(change["manual"]["title"])


def test_grant_creates_the_crm_contact_and_an_invite_step_a_click_completes(
    cin7: Cin7Repo,
) -> None:
    cin7.contacts(jane())
    planned = cin7.changes()
    assert planned[CONTACT]["action"] == "create"
    step = planned[CUSTOMER]
    assert step["action"] == "manual" and step["depends_on"] == [CONTACT]
    assert title(step) == f"Invite {JANE} to the B2B online store"
    assert "Click Invite New Customers." in step["manual"]["steps"]

    cin7.apply()
    contact = cin7.crm(JANE)
    assert (
        contact["Type"],
        contact["Company"],
        contact["PriceColumn"],
        contact["CreditLimit"],
    ) == (
        "Customer",
        "ACME",
        "WholesalePrice",
        5000.0,
    )
    manual = state_of(cin7.root)["resources"][CUSTOMER]["attributes"]["manual"]
    assert manual["status"] == "pending" and manual["after"] == {"status": "current"}
    again = cin7.changes()
    assert list(again) == [CUSTOMER] and "pending since" in again[CUSTOMER]["reason"]

    cin7.click("/invite", email=JANE)  # a person invites her; she has not accepted yet
    assert cin7.tabs()["pending"] == [JANE]
    cin7.converged()
    cin7.click("/customers/accept", email=JANE)
    cin7.converged()


def test_revoke_plans_deactivate_and_active_again_plans_re_enable(cin7: Cin7Repo) -> None:
    granted(cin7)
    cin7.contacts(jane(access="revoked"))
    planned = cin7.changes()
    assert planned[CONTACT]["action"] == "revoke"
    assert planned[CONTACT]["fields"] == [{"name": "is_active", "before": True, "after": False}]
    step = planned[CUSTOMER]
    assert title(step) == f"Deactivate {JANE} in the B2B online store"
    assert step["manual"]["where"].endswith("→ Current Customers")
    assert "Click Deactivate customer." in step["manual"]["steps"]
    cin7.apply()
    assert cin7.crm(JANE)["IsActive"] is False
    assert CUSTOMER in cin7.changes()  # still the person's to do
    cin7.click("/customers/deactivate", email=JANE)
    cin7.converged()

    cin7.contacts(jane())
    planned = cin7.changes()
    assert planned[CONTACT]["action"] == "grant"
    assert title(planned[CUSTOMER]) == f"Re-enable {JANE} in the B2B online store"
    assert "Click Re-enable customer." in planned[CUSTOMER]["manual"]["steps"]
    cin7.apply()
    assert cin7.crm(JANE)["IsActive"] is True
    cin7.click("/customers/reenable", email=JANE)
    cin7.converged()
    assert cin7.tabs()["current"] == [JANE]


def test_revoking_a_pending_customer_plans_cancel_invitation(cin7: Cin7Repo) -> None:
    cin7.contacts(jane(access="pending"))
    cin7.apply()
    cin7.click("/invite", email=JANE)
    cin7.converged()
    cin7.contacts(jane(access="revoked"))
    step = cin7.changes()[CUSTOMER]
    assert title(step) == f"Cancel the B2B online store invitation of {JANE}"
    cin7.apply()
    cin7.click("/customers/cancel-invitation", email=JANE)
    cin7.converged()


def test_an_email_change_reaches_the_store_after_the_delay(cin7: Cin7Repo) -> None:
    granted(cin7)
    new = "jane.smith@acme.example"
    cin7.contacts(jane(email=new, last_name="Smith", previously=[JANE]))
    plan = cin7.plan()
    [change] = plan["changes"]
    assert change["address"] == f'cin7_omni.contact["{new}"]' and change["action"] == "update"
    assert {"name": "email", "before": JANE, "after": new} in change["fields"]
    [warning] = plan["warnings"]
    assert warning["code"] == "SG-CIN7-EMAIL-DELAY" and "up to an hour" in warning["message"]

    cin7.apply()
    assert cin7.crm(new)["Id"] == 1  # changed in place
    assert cin7.tabs()["current"] == [JANE]  # the store still logs her in with the old address
    cin7.converged()  # nothing for a person to do: the store follows by itself
    cin7.sandbox.settings[SYSTEM]["clock_offset_seconds"] = 3601
    assert cin7.tabs()["current"] == [new]
    assert cin7.plan()["warnings"] == []
    sent = [(m["to"], m["kind"]) for m in cin7.dashboard.get("/emails").json()]
    assert sent[-2:] == [(JANE, "email_changed"), (new, "email_changed")]


def test_an_email_change_that_must_work_at_once_plans_update_emails_from_crm(
    cin7: Cin7Repo,
) -> None:
    cin7.configure(update_emails_at_once=True)
    granted(cin7)
    new = "jane.smith@acme.example"
    cin7.contacts(jane(email=new, previously=[JANE]))
    changes = cin7.changes()
    login = changes[f'cin7_omni.store_email["{new}"]']
    assert login["action"] == "manual" and login["depends_on"] == [f'cin7_omni.contact["{new}"]']
    assert login["fields"] == [{"name": "email", "before": JANE, "after": new}]
    assert "Update emails from CRM" in " ".join(login["manual"]["steps"])
    cin7.apply()
    assert cin7.tabs()["current"] == [JANE]
    assert list(cin7.changes()) == [f'cin7_omni.store_email["{new}"]']  # pending until clicked
    assert cin7.click("/update-emails") == {"updated": 1}
    cin7.converged()
    assert cin7.tabs()["current"] == [new]


def test_the_seed_warnings_follow_the_dashboard_tab(cin7: Cin7Repo) -> None:
    people = [
        jane(),
        {"email": "pending@acme.example", "access": "pending"},
        {"email": "errored@acme.example", "access": "active"},
    ]
    cin7.contacts(*people)
    cin7.apply()
    for email in ("jane.doe@acme.example", "pending@acme.example", "errored@acme.example"):
        cin7.click("/invite", email=email)
    cin7.click("/customers/accept", email=JANE)
    cin7.click("/customers/accept", email="errored@acme.example")
    cin7.click("/customers/error", email="errored@acme.example", message="bounced")
    cin7.contacts(
        jane(email="jane.new@acme.example", previously=[JANE], access="revoked"),
        {
            "email": "pending.new@acme.example",
            "access": "pending",
            "previously": ["pending@acme.example"],
        },
        {
            "email": "errored.new@acme.example",
            "access": "active",
            "previously": ["errored@acme.example"],
        },
    )
    cin7.click("/customers/deactivate", email=JANE)
    codes = {w["code"]: w["message"] for w in cin7.plan()["warnings"]}
    assert "receive no email" in codes["SG-CIN7-NO-EMAIL"]
    assert "another invitation" in codes["SG-CIN7-REINVITE"]
    assert "does not update it" in codes["SG-CIN7-ERROR-TAB"]


def test_a_step_is_confirmed_with_storegate_confirm_and_its_note_kept(
    cin7: Cin7Repo, storegate: Run
) -> None:
    cin7.configure(store_view_url=None)  # real Cin7 Omni: nobody can read the dashboard
    cin7.contacts(jane())
    step = cin7.changes()[CUSTOMER]
    assert title(step) == f"Invite {JANE} to the B2B online store"
    cin7.apply()
    cin7.click("/invite", email=JANE)  # done, but storegate cannot see it
    assert CUSTOMER in cin7.changes()
    note = "invited from the B2B Dashboard on the phone with Jane"
    done = storegate(
        "confirm", CUSTOMER, "--note", note, "--by", "ops@acme.example", "--dir", str(cin7.root)
    )
    assert done.code == 0, done.out + done.err
    manual = state_of(cin7.root)["resources"][CUSTOMER]["attributes"]["manual"]
    assert (manual["status"], manual["note"], manual["confirmed_by"]) == (
        "confirmed",
        note,
        "ops@acme.example",
    )
    cin7.converged()


def test_the_plan_text_names_tab_action_and_customer(cin7: Cin7Repo, storegate: Run) -> None:
    granted(cin7)
    cin7.contacts(jane(access="revoked"))
    result = storegate("plan", str(cin7.root), "--no-color")
    assert result.code == 0, result.err
    assert f"by hand: Deactivate {JANE} in the B2B online store" in result.out
    assert "(B2B Dashboard) → Current Customers" in result.out
    assert (
        "Find jane.doe@acme.example (Jane Doe, ACME) and click the three dots in their row."
        in result.out
    )

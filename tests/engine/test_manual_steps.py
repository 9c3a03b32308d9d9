"""Manual steps: planned with their instructions, recorded pending by apply, shown by every plan until
the store shows them done or `storegate confirm` records who did them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from storegate.engine.manual import CONFIRMED, PENDING, confirm
from storegate.providers.contract import Action
from tests.engine.conftest import Repo, account, person
from tests.support.memory_provider import World, reset_world

ACCESS = 'store.access["a@acme.example"]'


def manual_repo(repo: Repo) -> Repo:
    repo.systems["store"]["manual_access"] = True
    repo.write({"acme": account("Acme", person("a@acme.example"))})
    return repo


def test_plan_shows_the_step_with_where_to_click(repo: Repo) -> None:
    plan = manual_repo(repo).plan()
    step = plan.by_id()[ACCESS]
    assert step.action is Action.MANUAL and step.manual is not None
    assert step.manual.title == "Invite a@acme.example in the memory store"
    assert step.manual.where == "Memory store dashboard → Customers"
    assert step.manual.steps == ("Find a@acme.example", "Click invite")
    assert plan.counts()[Action.MANUAL] == 1


def test_apply_records_pending_and_plans_keep_showing_it(repo: Repo) -> None:
    outcome = manual_repo(repo).apply()
    assert [c.id for c in outcome.pending] == [ACCESS]
    recorded = repo.backend.read().resources[ACCESS].attributes["manual"]
    assert recorded["status"] == PENDING and recorded["after"] == {"status": "current"}
    again = repo.plan()
    [still] = again.changes
    assert still.id == ACCESS and "pending since" in still.reason
    assert not again.empty, "a pending step counts as a change (--detailed-exitcode 2)"


def test_the_store_showing_it_done_ends_the_step(repo: Repo) -> None:
    manual_repo(repo).apply()
    World.click(reset_world.__globals__["_WORLDS"]["default"], "a@acme.example", "current")
    assert repo.plan().empty


def test_confirm_records_who_and_ends_the_step(repo: Repo) -> None:
    manual_repo(repo).apply()
    state = repo.backend.read()
    step = confirm(state, ACCESS, "ops@acme.example", "invited by phone")
    assert step["status"] == CONFIRMED and step["confirmed_by"] == "ops@acme.example"
    repo.backend.write(state, state.serial)
    assert repo.plan().empty
    # a later change to the same record is a new step, not the confirmed one
    repo.write({"acme": account("Acme", person("a@acme.example", "revoked"))})
    revoked = repo.plan().by_id()
    assert by_action(revoked, Action.MANUAL) == [ACCESS]


def by_action(changes: dict[str, object], action: Action) -> list[str]:
    return [i for i, c in changes.items() if getattr(c, "action", None) is action]


def test_storegate_confirm_command_writes_state_and_history(
    tmp_path: Path, memory_plugin: dict[str, str]
) -> None:
    root = tmp_path / "cli-repo"
    repo = Repo(root, {"store": {"type": "memory", "manual_access": True, "path": "world.json"}})
    repo.write({"acme": account("Acme", person("a@acme.example"))})

    def storegate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "storegate.engine", *args],
            cwd=root,
            env=memory_plugin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    applied = storegate("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    planned = storegate("plan", "--detailed-exitcode")
    assert planned.returncode == 2 and "pending since" in planned.stdout
    waiting = storegate("plan", "--detailed-exitcode", "--manual-grace-hours", "1")
    assert waiting.returncode == 0, "a step recorded a moment ago is within the drift job's grace"
    as_json = json.loads(storegate("plan", "--format", "json").stdout)
    [step] = [c for c in as_json["changes"] if c["action"] == "manual"]
    assert step["manual"]["pending_since"]
    done = storegate("confirm", ACCESS, "--note", "invited by phone", "--by", "ops@acme.example")
    assert done.returncode == 0, done.stderr
    assert "confirmed" in done.stdout
    state = json.loads((root / ".storegate" / "state.json").read_text())
    step = state["resources"][ACCESS]["attributes"]["manual"]
    assert step["note"] == "invited by phone" and step["confirmed_by"] == "ops@acme.example"
    assert storegate("plan", "--detailed-exitcode").returncode == 0
    history = storegate("state", "history", ACCESS, "--format", "json")
    assert history.returncode == 0, history.stderr
    assert "confirm" in history.stdout and "ops@acme.example" in history.stdout
    unknown = storegate("confirm", 'store.access["nobody@acme.example"]')
    assert unknown.returncode == 1 and "pending steps: none" in unknown.stderr


def test_only_steps_pending_past_the_grace_count_as_drift() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from storegate.engine.manual import overdue
    from storegate.providers.contract import Address, Change, ManualStep

    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    step = ManualStep("Invite", "Dashboard", ("click",))
    fresh = Change(
        Address("s", "access", "a@x.example"),
        "A",
        Action.MANUAL,
        (),
        "invite",
        manual=replace(step, pending_since=(now - timedelta(hours=2)).isoformat()),
    )
    old = replace(
        fresh, manual=replace(step, pending_since=(now - timedelta(hours=30)).isoformat())
    )
    never_applied = replace(fresh, manual=step)
    assert not overdue([fresh], 24, now)
    assert overdue([old], 24, now)
    assert overdue([never_applied], 24, now), "a step no apply has recorded yet is a change"
    assert overdue([replace(fresh, action=Action.UPDATE, manual=None)], 24, now)
    assert not overdue([], 24, now)

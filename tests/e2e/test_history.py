"""Every apply leaves a history: each change with its result, plan checksum, commit and author,
and the revocation receipt (`storegate state history`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e


def test_state_history_shows_every_change_with_commit_and_author(
    repo: Path, storegate: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "0123abcd" * 5)
    monkeypatch.setenv("GITHUB_ACTOR", "merger-bot")
    saved = storegate("plan", str(repo), "--out", str(repo / "plan.json"))
    assert saved.code in (0, 2), saved.err
    plan = json.loads((repo / "plan.json").read_text())
    applied = storegate("apply", str(repo / "plan.json"), "--dir", str(repo), "--allow-empty-state")
    assert applied.code == 0, applied.err
    shown = storegate("state", "history", "--dir", str(repo), "--format", "json")
    assert shown.code == 0, shown.err
    entries = json.loads(shown.out)["entries"]
    changes = [e for e in entries if e["action"] != "receipt"]
    assert {e["address"] for e in changes} == {c["address"] for c in plan["changes"]}
    assert all(e["commit"] == "0123abcd" * 5 and e["author"] == "merger-bot" for e in entries)
    assert all(e["plan_checksum"] == plan["checksum"] for e in entries)
    assert all(e["result"] == "ok" for e in changes)
    [receipt] = [e for e in entries if e["action"] == "receipt"]
    assert receipt["receipt"]["ok"] is True
    one = 'salesforce.contact["bill.turner@acme.example"]'
    mine = storegate("state", "history", one, "--dir", str(repo), "--format", "json")
    assert {e["address"] for e in json.loads(mine.out)["entries"]} == {one, "receipt"}
    assert os.environ["GITHUB_ACTOR"] == "merger-bot"

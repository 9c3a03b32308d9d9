"""Faults during apply: a killed process, a partial Salesforce failure, two applies at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from storegate.state.local import LocalStateBackend
from tests.e2e.conftest import Run, soql, state_of, trust

pytestmark = pytest.mark.e2e


def store_emails(sandbox: Sandbox) -> list[str]:
    with httpx.Client(verify=trust(sandbox)) as client:
        response = client.get(
            f"{sandbox.url}/stores/sandbox/v3/customers",
            params={"limit": 250},
            headers={"X-Auth-Token": sandbox.env["BIGCOMMERCE_ACCESS_TOKEN"]},
        )
        response.raise_for_status()
        return [c["email"].lower() for c in response.json()["data"]]


def assert_no_duplicates(admin: SandboxAdmin, sandbox: Sandbox) -> None:
    contacts = Counter(
        r["Email"].lower() for r in soql(admin, sandbox, "SELECT Email FROM Contact")
    )
    assert [e for e, n in contacts.items() if n > 1] == []
    customers = Counter(store_emails(sandbox))
    assert [e for e, n in customers.items() if n > 1] == []


def plan_changes(storegate: Run, repo: Path) -> list[dict[str, Any]]:
    result = storegate("plan", str(repo), "--format", "json")
    assert result.code == 0, result.err
    changes: list[dict[str, Any]] = json.loads(result.out)["changes"]
    return changes


EMPTY_STATE = "--allow-empty-state"
"""The seeded sandbox already holds records the examples declare: a first apply takes them over."""


def start_apply(repo: Path) -> subprocess.Popen[str]:
    command = ["apply", "--dir", str(repo), "--auto-approve", EMPTY_STATE]
    return subprocess.Popen(
        [sys.executable, "-m", "storegate.engine", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Any, what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize("moment", ["between-batches", "mid-batch"])
def test_kill_9_during_apply_then_rerun_converges_without_duplicates(
    moment: str, repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    before = plan_changes(storegate, repo)
    # Slow every store create so the apply is reliably inside (or between) its batches.
    admin.fault(system="bigcommerce", kind="latency", ms=400, method="POST", count=-1)
    process = start_apply(repo)
    try:
        if moment == "between-batches":
            wait_for(lambda: state_of(repo).get("serial", 0) >= 3, "two batches in state")
        else:
            wait_for(
                lambda: admin.calls().get("bigcommerce", {}).get("POST /v3/customers", 0) >= 1,
                "a store create in flight",
            )
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    admin.clear_faults()
    time.sleep(0.5)  # let the server finish a request whose client was killed

    remaining = plan_changes(storegate, repo)
    assert 0 < len(remaining) < len(before)
    done = {c["id"] for c in before} - {c["id"] for c in remaining}
    assert done, "some work was recorded before the kill"

    rerun = storegate("apply", "--dir", str(repo), "--auto-approve", EMPTY_STATE)
    assert rerun.code == 0, rerun.out + rerun.err
    assert plan_changes(storegate, repo) == []
    assert_no_duplicates(admin, sandbox)


def test_salesforce_failure_on_some_records_fails_only_them(
    repo: Path, storegate: Run, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    admin.fault(system="salesforce", kind="record_error", match="kestrel", count=-1)
    failed = storegate("apply", "--dir", str(repo), "--auto-approve", EMPTY_STATE)
    assert failed.code == 1
    assert 'failed: create salesforce.account["Kestrel Laboratory Supplies"]' in failed.err
    assert "skipped: depends on" in failed.err  # Kestrel's contacts wait for their account
    remaining = plan_changes(storegate, repo)
    assert remaining and all("kestrel" in c["address"].lower() for c in remaining)

    admin.clear_faults()
    assert storegate("apply", "--dir", str(repo), "--auto-approve", EMPTY_STATE).code == 0
    assert plan_changes(storegate, repo) == []
    assert_no_duplicates(admin, sandbox)


def test_second_apply_waits_for_the_lock_then_names_its_holder(repo: Path, storegate: Run) -> None:
    backend = LocalStateBackend(repo / ".storegate" / "state.json")
    held = backend.lock("apply", 1)
    try:
        result = storegate("apply", "--dir", str(repo), "--auto-approve", "--lock-timeout", "1")
    finally:
        backend.unlock(held.id)
    assert result.code == 1
    assert held.id in result.err and f"pid {os.getpid()}" in result.err
    assert "storegate state unlock" in result.err

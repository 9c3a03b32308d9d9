"""A kill -9 of `storegate apply` during a Bulk API 2.0 ingest job: the job id is in storegate's
state, so the next apply reads that job's results instead of uploading the records again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.e2e.conftest import soql
from tests.providers.test_conformance_salesforce_bigcommerce import SALESFORCE

pytestmark = pytest.mark.e2e
PEOPLE = 40


def calls_to(admin: SandboxAdmin, endpoint: str) -> int:
    return sum(
        n for name, n in admin.calls().get("salesforce", {}).items() if name.startswith(endpoint)
    )


def test_kill_9_mid_job_then_apply_resumes_from_state(
    tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    root = tmp_path / "repo"
    (root / "accounts").mkdir(parents=True)
    settings = {**SALESFORCE, "bulk_write_threshold": 10, "bulk_poll_seconds": 0.2}
    config = {"version": 1, "systems": {"salesforce": settings}}
    (root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    contacts = [
        {"email": f"bulk{i}@resume.example", "last_name": f"B{i}", "access": "active"}
        for i in range(PEOPLE)
    ]
    body = {"account": {"name": "Resume Co"}, "contacts": contacts}
    (root / "accounts" / "resume.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    admin.setting("salesforce", "bulk_processing_delay_ms", 3000)
    env = {**sandbox_env}
    command = [sys.executable, "-m", "storegate.engine", "apply", "--auto-approve"]
    child = subprocess.Popen(
        command,
        cwd=root,
        env={**dict(os.environ), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and calls_to(admin, "PATCH jobs/ingest") == 0:
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    state = json.loads((root / ".storegate" / "state.json").read_text())
    journal = [a for a in state["resources"] if a.startswith("salesforce.journal[")]
    assert len(journal) == 1, "the job in flight is in state"
    uploads = calls_to(admin, "PUT jobs/ingest")
    admin.setting("salesforce", "bulk_processing_delay_ms", 50)
    rerun = subprocess.run(
        command,
        cwd=root,
        env={**dict(os.environ), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert calls_to(admin, "PUT jobs/ingest") == uploads, "resumed, not uploaded again"
    rows = soql(admin, sandbox, "SELECT Email FROM Contact WHERE Email LIKE '%@resume.example'")
    assert len(rows) == PEOPLE and len({r["Email"] for r in rows}) == PEOPLE
    after = json.loads((root / ".storegate" / "state.json").read_text())
    assert not [a for a in after["resources"] if a.startswith("salesforce.journal[")]
    replan = subprocess.run(
        [sys.executable, "-m", "storegate.engine", "plan", "--detailed-exitcode"],
        cwd=root,
        env={**dict(os.environ), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert replan.returncode == 0, replan.stdout

"""End-to-end fixtures: a copy of examples/ as the access repo, the sandbox seeded from it, and the
real `storegate` command run in a subprocess as a user would."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


def run_storegate(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "storegate.engine", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
    )
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def repo(tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str]) -> Path:
    """examples/ copied to a temp dir, with the sandbox seeded from its sandbox-seed.yaml."""
    target = tmp_path / "access-repo"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".storegate", ".github"))
    # The Cin7 Omni account converges only once a person clicks in the B2B Dashboard (manual
    # steps); `storegate demo` and tests/e2e/test_cin7_omni.py cover it, these tests are API-only.
    (target / "accounts" / "copperleaf-garden.yaml").unlink()
    seed = yaml.safe_load((EXAMPLES / "sandbox-seed.yaml").read_text(encoding="utf-8"))
    load_seed(sandbox.store, seed)
    return target


def trust(sandbox: Sandbox) -> ssl.SSLContext:
    """TLS settings that trust the sandbox's own CA."""
    return ssl.create_default_context(cafile=str(sandbox.ca_path))


@pytest.fixture
def storegate() -> Run:
    return run_storegate


def state_of(repo: Path) -> dict[str, Any]:
    path = repo / ".storegate" / "state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def soql(admin: SandboxAdmin, sandbox: Sandbox, query: str) -> list[dict[str, Any]]:
    """Query the sandbox's Salesforce over HTTPS the way any client would."""
    import httpx

    with httpx.Client(verify=trust(sandbox)) as client:
        response = client.get(
            f"{sandbox.url}/services/data/v59.0/queryAll/",
            params={"q": query},
            headers={"Authorization": f"Bearer {sandbox.env['SF_ACCESS_TOKEN']}"},
        )
        response.raise_for_status()
        body = response.json()
        records: list[dict[str, Any]] = body["records"]
        while not body["done"]:
            body = client.get(
                sandbox.url + body["nextRecordsUrl"],
                headers={"Authorization": f"Bearer {sandbox.env['SF_ACCESS_TOKEN']}"},
            ).json()
            records.extend(body["records"])
        return [r for r in records if not r.get("IsDeleted")]

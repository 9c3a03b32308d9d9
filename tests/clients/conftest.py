"""Independent clients of the sandbox from other ecosystems. jsforce (Node.js) is installed from the
npm registry with `npm ci` into tests/clients/jsforce/node_modules, pinned by its package-lock.json,
the first time a test needs it on a machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from storegate.sandbox.server import Sandbox

JSFORCE_DIR = Path(__file__).parent / "jsforce"
NODE_TIMEOUT = 240  # seconds for one scenario script

JsforceRun = Callable[..., dict[str, Any]]


def _pinned_version() -> str:
    manifest = json.loads((JSFORCE_DIR / "package.json").read_text())
    return str(manifest["dependencies"]["jsforce"])


def _installed_version() -> str | None:
    installed = JSFORCE_DIR / "node_modules" / "jsforce" / "package.json"
    if not installed.is_file():
        return None
    return str(json.loads(installed.read_text())["version"])


@pytest.fixture(scope="session")
def jsforce_installed() -> Path:
    """tests/clients/jsforce with its node_modules installed (`npm ci` when missing or stale)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not on PATH: the jsforce client tests need Node.js and npm")
    # Two test workers may both get here first: one installs, the other waits and finds it done.
    with FileLock(str(JSFORCE_DIR.parent / ".jsforce-npm-ci.lock")):
        _install_if_stale()
    return JSFORCE_DIR


def _install_if_stale() -> None:
    if _installed_version() != _pinned_version():
        result = subprocess.run(
            ["npm", "ci", "--silent", "--no-audit", "--no-fund"],
            cwd=JSFORCE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci in {JSFORCE_DIR} failed:\n{result.stderr[-4000:]}")


@pytest.fixture
def jsforce_run(sandbox: Sandbox, jsforce_installed: Path) -> JsforceRun:
    """Runs a scenario script of tests/clients/jsforce/ against the sandbox and returns the JSON
    object it prints. The script sees the sandbox's env (URL, consumer key and secret, username,
    password) and trusts the sandbox CA through NODE_EXTRA_CA_CERTS; extra keyword arguments
    become environment variables."""

    def run(script: str, **extra_env: str) -> dict[str, Any]:
        env = {
            **os.environ,
            **sandbox.env,
            "NODE_EXTRA_CA_CERTS": str(sandbox.ca_path),
            **extra_env,
        }
        result = subprocess.run(
            ["node", script],
            cwd=jsforce_installed,
            env=env,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, f"node {script} failed:\n{result.stderr[-4000:]}"
        output: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return output

    return run

"""An access repo applied over the in-memory store (through the CLI, in subprocesses), with every
kind of row the access report has: active, pending and revoked buyers, a revocation receipt, a
pending manual step and access no account file declares."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import CliRepo, account, cli_repo, person, plugin_env

__all__ = ["cli_repo", "plugin_env"]  # fixtures shared with tests/cli

CHROMIUM = Path("/usr/bin/chromium")
EVIL_NAME = "Jane \u202eevil\u001b[2J"
UNDECLARED = "xavier.hidden@acme.example"


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    found = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    return found or (str(CHROMIUM) if CHROMIUM.exists() else None)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """A headless Chromium: the machine's, else Debian's installed with apt-get (CI here runs as
    root on a fresh machine; elsewhere through passwordless sudo, as on GitHub's runners)."""
    found = _browser()
    if found is None:
        sudo = ["sudo", "-n"] if os.geteuid() != 0 and shutil.which("sudo") else []
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "chromium"],
        ):
            done = subprocess.run(
                [*sudo, *command], capture_output=True, text=True, timeout=900, check=False, env=env
            )
            if done.returncode != 0:
                pytest.fail(f"cannot install chromium ({' '.join(command)}): {done.stderr[-500:]}")
        found = _browser()
        if found is None:
            pytest.fail("apt-get installed chromium, but no chromium is on PATH")
    return Path(found)


@pytest.fixture
def reported(cli_repo: CliRepo, tmp_path: Path) -> tuple[CliRepo, Path]:
    """The repo after two applies (grant, then a revocation) and the report written to OUT."""
    cli_repo.store.update({"manual_access": True})
    acme = account(
        "Acme Industrial",
        person("jane@acme.example", first_name=EVIL_NAME, purchase_on_account=True),
        person("paul@acme.example", "pending", first_name="Paul"),
        person("rita@acme.example", first_name="Rita", last_name="Revoked"),
    )
    zeta = account("Zeta & <Sons>", person("zoe@zeta.example", first_name="Zoe"))
    cli_repo.write({"acme": acme, "zeta": zeta})
    first = cli_repo.run("apply", "--auto-approve")
    assert first.returncode in (0, 1), first.stderr  # manual steps wait for a person
    acme["contacts"][2]["access"] = "revoked"
    cli_repo.write({"acme": acme, "zeta": zeta})
    second = cli_repo.run("apply", "--auto-approve")
    assert "Revocation receipt" in second.stdout, second.stdout + second.stderr
    world_path = cli_repo.root / "world.json"
    world = json.loads(world_path.read_text())
    world["user"]["u999"] = {
        "id": "u999",
        "email": UNDECLARED,
        "company": "Acme Industrial",
        "status": 1,
    }
    world_path.write_text(json.dumps(world))
    out = tmp_path / "report"
    done = cli_repo.run("report", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return cli_repo, out

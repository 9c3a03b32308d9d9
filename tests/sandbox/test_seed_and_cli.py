"""Seeding (library and CLI) and `storegate sandbox serve` as a real process."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from storegate.engine.cli import app
from storegate.sandbox.seed import SeedError, load_seed
from storegate.sandbox.server import Sandbox

SEED = {
    "salesforce": {
        "Pricebook2": [{"Name": "Wholesale 2026"}],
        "s_c__Membership__c": [{"Name": "Gold"}],
        "Account": [
            {
                "Name": "Acme Industrial",
                "s_c__Pricebook_Id__c": "Wholesale 2026",
                "s_c__Membership_Id__c": "Gold",
            }
        ],
        "Contact": [
            {"LastName": "Doe", "Email": "jane@acme.example", "Account": "Acme Industrial"}
        ],
    }
}


def test_load_seed_resolves_names(sandbox: Sandbox) -> None:
    counts = load_seed(sandbox.store, SEED)
    assert counts == {
        "salesforce": {"Pricebook2": 1, "s_c__Membership__c": 1, "Account": 1, "Contact": 1}
    }
    [account] = sandbox.store.list("salesforce", "Account")
    [book] = sandbox.store.list("salesforce", "Pricebook2")
    [contact] = sandbox.store.list("salesforce", "Contact")
    assert account["s_c__Pricebook_Id__c"] == book["Id"]
    assert contact["AccountId"] == account["Id"] and contact["Name"] == "Doe"
    # A second seed finds the accounts the first one made.
    load_seed(
        sandbox.store,
        {"salesforce": {"Contact": [{"LastName": "Two", "Account": "Acme Industrial"}]}},
    )
    assert sandbox.store.count("salesforce", "Contact") == 2


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"salesforce": {"Widget": []}}, "unknown object"),
        ({"salesforc": {}}, "unknown seed section"),
        ({"salesforce": {"Contact": [{"LastName": "X", "Account": "Nobody"}]}}, "names no Account"),
        (
            {"salesforce": {"Contact": [{"FirstName": "X"}]}},
            r"Contact\[0\]: REQUIRED_FIELD_MISSING",
        ),
        ({"salesforce": {"Contact": [{"LastName": "X", "Bogus__c": 1}]}}, "INVALID_FIELD"),
    ],
)
def test_bad_seed_names_the_record(sandbox: Sandbox, seed: dict[str, object], message: str) -> None:
    with pytest.raises(SeedError, match=message):
        load_seed(sandbox.store, seed)
    assert sandbox.store.count("salesforce", "Contact") == 0  # nothing half-loaded


def test_seed_command_into_a_stopped_sandbox_then_serve(tmp_path: Path) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(json.dumps(SEED))
    result = CliRunner().invoke(
        app, ["sandbox", "seed", str(seed_file), "--dir", str(tmp_path / "sb")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "seeded salesforce: 1 Pricebook2, 1 s_c__Membership__c, 1 Account, 1 Contact"
        in result.output
    )
    with Sandbox(tmp_path / "sb") as sandbox:
        assert sandbox.store.count("salesforce", "Contact") == 1


def test_seed_command_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("salesforce: [unclosed\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from storegate.engine.cli import main; main()",
            "sandbox",
            "seed",
            str(bad),
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: {bad}:")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_serve_runs_until_sigterm_and_never_prints_a_token(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from storegate.engine.cli import main; main()",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("sandbox serving at https://127.0.0.1:")
        url = first.split()[3]
        env_line = proc.stdout.readline()
        assert str(tmp_path / "env") in env_line
        token = next(
            line.split("=", 1)[1].strip("'\n")
            for line in (tmp_path / "env").read_text().splitlines()
            if line.startswith("export SF_ACCESS_TOKEN=")
        )
        context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        response = httpx.get(
            f"{url}/services/data/v59.0/limits",
            headers={"Authorization": f"Bearer {token}"},
            verify=context,
        )
        assert response.status_code == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert token not in first + env_line + out + err

"""The command line's everyday habits: --version, -h, help on every option, completion, the same
directory argument for plan and apply, a saved plan applied by name, --target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from storegate.engine.cli import app
from tests.cli.conftest import CliRepo, account, person

runner = CliRunner()


def commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            found += commands(sub, (*path, name))
    return found


ROOT = typer.main.get_command(app)
EVERY_COMMAND = commands(ROOT)


def test_version_comes_from_the_installed_distribution() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"storegate {version('storegate')}"


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=lambda p: " ".join(p) or "storegate")
def test_dash_h_is_help_on_every_command_without_bool_metavars(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "-h"])
    assert result.exit_code == 0, result.output
    assert "Usage: storegate" in result.output
    assert "<bool>" not in result.output
    assert result.output == runner.invoke(app, [*path, "--help"]).output


def test_every_option_and_argument_has_help_text() -> None:
    missing: list[str] = []
    for path in EVERY_COMMAND:
        command = ROOT
        for name in path:
            command = command.commands[name]
        for param in command.params:
            if not getattr(param, "help", None):
                missing.append(f"storegate {' '.join(path)} {param.name}")
    assert missing == []


def test_completion_can_be_installed() -> None:
    help_text = runner.invoke(app, ["-h"]).output
    assert "--install-completion" in help_text and "--show-completion" in help_text
    # Typer detects the calling shell from the process tree, which a CI runner or a background
    # job may not have: with detection off, the shell is named on the command line instead.
    script = subprocess.run(
        [str(Path(sys.executable).with_name("storegate")), "--show-completion", "bash"],
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert script.returncode == 0, script.stderr
    assert "_STOREGATE_COMPLETE" in script.stdout


def test_flags_take_no_value_in_usage_errors() -> None:
    result = runner.invoke(app, ["plan", "--detailed-exitcode=yes"])
    assert result.exit_code != 0


def two_buyers(repo: CliRepo) -> None:
    repo.write(
        {
            "acme": account("Acme", person("a@acme.example"), person("b@acme.example")),
            "zeta": account("Zeta", person("z@zeta.example")),
        }
    )


def test_plan_and_apply_take_the_same_directory(cli_repo: CliRepo) -> None:
    two_buyers(cli_repo)
    where = cli_repo.root.parent
    planned = cli_repo.run("plan", str(cli_repo.root), "--detailed-exitcode", cwd=where)
    assert planned.returncode == 2, planned.stderr
    applied = cli_repo.run("apply", str(cli_repo.root), "--auto-approve", cwd=where)
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete:" in applied.stdout
    assert cli_repo.run("plan", "--detailed-exitcode").returncode == 0
    here = cli_repo.run("apply", ".", "--auto-approve")
    assert here.returncode == 0 and "No changes" in here.stdout


def test_apply_of_a_saved_plan_by_name_with_or_without_dir(cli_repo: CliRepo) -> None:
    two_buyers(cli_repo)
    saved = cli_repo.root.parent / "plan.json"
    assert cli_repo.run("plan", "--out", str(saved)).returncode == 0
    applied = cli_repo.run("apply", str(saved), "--dir", str(cli_repo.root), cwd=saved.parent)
    assert applied.returncode == 0, applied.stderr
    assert len(cli_repo.world()["user"]) == 3


def test_apply_names_what_it_cannot_use(cli_repo: CliRepo) -> None:
    two_buyers(cli_repo)
    notes = cli_repo.root / "notes.txt"
    notes.write_text("hello")
    wrong = cli_repo.run("apply", "notes.txt")
    assert wrong.returncode == 1 and "not a storegate plan file" in wrong.stderr
    missing = cli_repo.run("apply", "nowhere")
    assert missing.returncode == 1 and "no such directory or plan file" in missing.stderr
    other = cli_repo.root.parent / "other"
    other.mkdir()
    both = cli_repo.run("apply", ".", "--dir", str(other), "--auto-approve")
    assert both.returncode == 1 and "two access repos named" in both.stderr
    targeted = cli_repo.run("plan", "--out", "p.json")
    assert targeted.returncode == 0
    refused = cli_repo.run("apply", "p.json", "--target", "Acme")
    assert refused.returncode == 1 and "--target goes with" in refused.stderr


def test_target_an_account_plans_and_applies_only_it_with_the_warning(cli_repo: CliRepo) -> None:
    two_buyers(cli_repo)
    planned = cli_repo.run("plan", "--target", "zeta", "--no-color")
    assert planned.returncode == 0, planned.stderr
    assert "SG-TARGETED" in planned.stdout and "targeting is in effect (zeta)" in planned.stdout
    assert "z@zeta.example" in planned.stdout and "a@acme.example" not in planned.stdout
    applied = cli_repo.run("apply", "--target", "Zeta", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert "targeting was in effect" in applied.stderr
    users = {u["email"] for u in cli_repo.world()["user"].values()}
    assert users == {"z@zeta.example"}
    rest = cli_repo.run("plan", "--detailed-exitcode")
    assert rest.returncode == 2 and "a@acme.example" in rest.stdout
    assert "z@zeta.example" not in rest.stdout


def test_target_an_address_includes_what_it_depends_on(cli_repo: CliRepo) -> None:
    two_buyers(cli_repo)
    address = 'store.user["b@acme.example"]'
    planned = cli_repo.run("plan", "--target", address, "--format", "json")
    assert planned.returncode == 0, planned.stderr
    ids = [c["id"] for c in json.loads(planned.stdout)["changes"]]
    assert ids == ['store.company["Acme"]', address]  # the company the user needs comes first


def test_target_by_email_and_a_target_that_names_nothing(cli_repo: CliRepo) -> None:
    two_buyers(cli_repo)
    by_email = cli_repo.run("plan", "--target", "A@acme.example", "--format", "json")
    assert by_email.returncode == 0 and 'store.user[\\"a@acme.example\\"]' in by_email.stdout
    typo = cli_repo.run("plan", "--target", "Acmee")
    assert typo.returncode == 1
    assert "--target 'Acmee' is no account the repo declares" in typo.stderr
    assert "did you mean 'Acme'?" in typo.stderr


def test_apply_with_a_failed_record_says_it_finished_with_failures(cli_repo: CliRepo) -> None:
    cli_repo.store["fail"] = ["b@acme.example"]
    two_buyers(cli_repo)
    applied = cli_repo.run("apply", "--auto-approve")
    assert applied.returncode == 1
    assert "Apply finished with 1 failure: " in applied.stdout
    assert "Apply complete" not in applied.stdout
    assert 'failed: create store.user["b@acme.example"]: b@acme.example: rejected' in applied.stderr

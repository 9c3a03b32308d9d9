"""The workflow scripts' own logic, with no live system: credential hand-over, the secret guard, the
default-branch guard of apply, validation annotations and the drift issue (gh replaced on PATH)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.workflow.scripts import SCRIPTS, VENV_BIN, Runner, clean_environment, copy_examples


def bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script],
        env={"PATH": os.environ["PATH"], **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_only_this_jobs_prefix_is_exported_and_the_json_is_dropped(tmp_path: Path) -> None:
    secrets = {
        "STOREGATE_PLAN_SF_ACCESS_TOKEN": "read-only-token",
        "STOREGATE_APPLY_SF_ACCESS_TOKEN": "write-token",
        "OTHER_SECRET": "unrelated",
        "github_token": "ghs_x",
    }
    variables = {"STOREGATE_PLAN_SF_INSTANCE_URL": "https://127.0.0.1:1"}
    result = bash(
        f'source "{SCRIPTS}/lib.sh"; sg_export_credentials STOREGATE_PLAN_; env',
        {
            "STOREGATE_SECRETS_JSON": json.dumps(secrets),
            "STOREGATE_VARS_JSON": json.dumps(variables),
            "STOREGATE_OUT": str(tmp_path),
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert env["SF_ACCESS_TOKEN"] == "read-only-token"
    assert env["SF_INSTANCE_URL"] == "https://127.0.0.1:1"
    assert env["STOREGATE_SECRET_NAMES"].split() == ["SF_ACCESS_TOKEN"]
    assert "write-token" not in result.stdout
    assert "unrelated" not in result.stdout
    assert "STOREGATE_SECRETS_JSON" not in env
    assert "STOREGATE_VARS_JSON" not in env


def test_secret_guard_deletes_every_file_when_one_holds_a_credential(tmp_path: Path) -> None:
    (tmp_path / "comment.md").write_text("token is s3cr3t-value here\n")
    (tmp_path / "plan.json").write_text("{}\n")
    result = bash(
        f'source "{SCRIPTS}/lib.sh"; sg_guard_secrets comment.md plan.json',
        {
            "SF_ACCESS_TOKEN": "s3cr3t-value",
            "STOREGATE_SECRET_NAMES": "SF_ACCESS_TOKEN",
            "STOREGATE_OUT": str(tmp_path),
        },
        tmp_path,
    )
    assert result.returncode == 1
    assert "SF_ACCESS_TOKEN appeared in comment.md" in result.stderr
    assert "s3cr3t-value" not in result.stderr
    assert not (tmp_path / "comment.md").exists()
    assert not (tmp_path / "plan.json").exists()


def test_secret_guard_passes_clean_files(tmp_path: Path) -> None:
    (tmp_path / "comment.md").write_text("Plan: 1 to grant\n")
    result = bash(
        f'source "{SCRIPTS}/lib.sh"; sg_guard_secrets comment.md',
        {
            "SF_ACCESS_TOKEN": "s3cr3t-value",
            "STOREGATE_SECRET_NAMES": "SF_ACCESS_TOKEN",
            "STOREGATE_OUT": str(tmp_path),
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "comment.md").exists()


@pytest.mark.parametrize(
    ("event", "ref"),
    [("pull_request", "refs/pull/7/merge"), ("push", "refs/heads/feature"), ("schedule", "")],
)
def test_apply_refuses_anything_but_a_push_to_the_default_branch(
    tmp_path: Path, event: str, ref: str
) -> None:
    runner = Runner(tmp_path, tmp_path / "out", clean_environment(set()))
    step = runner.run(
        "storegate-apply.sh",
        env={
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_REF": ref,
            "STOREGATE_DEFAULT_BRANCH": "main",
            # A storegate that would fail loudly if the guard let it run.
            "STOREGATE_BIN": "false",
        },
    )
    assert step.returncode == 1
    assert "storegate apply runs only on a push to refs/heads/main" in step.stderr
    assert step.outputs == {}


def test_validate_annotates_the_file_and_line_of_a_typo(tmp_path: Path) -> None:
    repo = copy_examples(tmp_path / "access-repo")
    account = sorted((repo / "accounts").glob("*.yaml"))[0]
    account.write_text(account.read_text().replace("contacts:", "contacs:", 1))
    runner = Runner(repo, tmp_path / "out", clean_environment(set()))
    step = runner.run("storegate-validate.sh")
    assert step.returncode == 1
    assert f"::error file=accounts/{account.name},line=" in step.stdout


FAKE_GH = """#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$GH_LOG"
if [[ "$1 $2" == "issue list" ]]; then printf '%s' "$OPEN_ISSUE"; fi
"""


@pytest.mark.parametrize(
    ("drifted", "open_issue", "expected"),
    [
        (
            "true",
            "",
            [
                "label create storegate-drift",
                "issue create --title storegate: live systems drifted from git",
            ],
        ),
        ("true", "12", ["issue edit 12 --body-file drift.md"]),
        ("false", "12", ["issue close 12"]),
        ("false", "", []),
    ],
)
def test_drift_issue_is_opened_updated_or_closed(
    tmp_path: Path, drifted: str, open_issue: str, expected: list[str]
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "drift.md").write_text("<!-- storegate-drift -->\n")
    log = tmp_path / "gh.log"
    log.touch()
    done = subprocess.run(
        ["bash", str(SCRIPTS / "storegate-drift-issue.sh"), drifted, "drift.md"],
        env={
            "PATH": f"{bin_dir}{os.pathsep}{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            "GH_LOG": str(log),
            "OPEN_ISSUE": open_issue,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("issue list --label storegate-drift --state open")
    for call, prefix in zip(calls[1:], expected, strict=True):
        assert call.startswith(prefix)

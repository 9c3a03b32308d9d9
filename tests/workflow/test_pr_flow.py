"""The pull-request flow of the reusable workflow, end to end against the sandbox: the same scripts the
jobs run, in the same order, with credentials handed over the way GitHub hands them over."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from storegate.engine.render.markdown import MARKER
from storegate.engine.render.values import NO_CHANGES
from storegate.sandbox.server import Sandbox
from tests.workflow.scripts import (
    VENV_BIN,
    Runner,
    clean_environment,
    copy_examples,
    git,
    github_json,
    publish,
    secret_values,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def repo(tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str]) -> Path:
    """The example access repo, copied, with the sandbox seeded from its sandbox-seed.yaml."""
    target = copy_examples(tmp_path / "access-repo")
    seed = target / "sandbox-seed.yaml"
    subprocess.run(
        [
            str(VENV_BIN / "storegate"),
            "sandbox",
            "seed",
            str(seed),
            "--dir",
            str(sandbox.directory),
        ],
        cwd=target,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


def new_runner(repo: Path, job: Path, sandbox_env: dict[str, str]) -> Runner:
    out = job / "storegate"
    out.mkdir(parents=True)
    env = clean_environment(set(sandbox_env))
    env["STOREGATE_STATE_BRANCH"] = "storegate-state"
    return Runner(repo, out, env)


@pytest.fixture
def runner(repo: Path, tmp_path: Path, sandbox_env: dict[str, str]) -> Runner:
    publish(repo, tmp_path / "origin.git")
    return new_runner(repo, tmp_path / "job", sandbox_env)


def credentials(sandbox_env: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        "STOREGATE_SECRETS_JSON": github_json(sandbox_env, prefix, secrets=True),
        "STOREGATE_VARS_JSON": github_json(sandbox_env, prefix, secrets=False),
    }


def assert_no_secret(sandbox_env: dict[str, str], *texts: str) -> None:
    for name, value in secret_values(sandbox_env).items():
        for text in texts:
            assert value not in text, f"the value of {name} leaked"


def test_validate_plan_comment_apply_then_no_changes(
    runner: Runner, sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    validated = runner.run("storegate-validate.sh")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "::error" not in validated.stdout

    pulled = runner.run("storegate-state.sh", "pull")
    assert pulled.returncode == 0, pulled.stderr
    assert "does not exist yet" in pulled.stdout
    planned = runner.run("storegate-pr.sh", env=credentials(sandbox_env, "STOREGATE_PLAN_"))
    assert planned.returncode == 0, planned.stderr
    assert planned.outputs == {"exitcode": "2", "changes": "true"}
    comment = (runner.out / "comment.md").read_text()
    assert comment.splitlines()[0] == MARKER
    assert "Plan: " in comment
    assert "with read-only credentials" in comment
    assert comment in runner.summary.read_text()
    saved_plan = runner.out / "plan.json"
    artifact = [saved_plan.read_text(), (runner.out / "plan.md").read_text(), comment]
    assert_no_secret(sandbox_env, *artifact, planned.stdout, planned.stderr)

    applied = runner.run(
        "storegate-apply.sh", str(saved_plan), env=credentials(sandbox_env, "STOREGATE_APPLY_")
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.outputs == {"changes": "true", "applied": "true"}
    assert "storegate apply: succeeded" in runner.summary.read_text()
    assert_no_secret(sandbox_env, applied.stdout, applied.stderr, runner.summary.read_text())
    pushed = runner.run("storegate-state.sh", "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed" in pushed.stdout

    # The next pull request runs on a fresh runner: a new clone, the state from the state branch.
    fresh = tmp_path / "fresh-clone"
    git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), fresh.name)
    later = new_runner(fresh, tmp_path / "later-job", sandbox_env)
    assert later.run("storegate-state.sh", "pull").returncode == 0
    replanned = later.run("storegate-pr.sh", env=credentials(sandbox_env, "STOREGATE_PLAN_"))
    assert replanned.returncode == 0, replanned.stderr
    assert replanned.outputs == {"exitcode": "0", "changes": "false"}
    assert NO_CHANGES in (later.out / "comment.md").read_text()

    drift = later.run("storegate-drift.sh", env=credentials(sandbox_env, "STOREGATE_PLAN_"))
    assert drift.returncode == 0, drift.stderr
    assert drift.outputs == {"drifted": "false"}
    assert "No drift" in (later.out / "drift.md").read_text()


def test_apply_on_merge_plans_the_branch_then_applies_that_plan(
    runner: Runner, sandbox_env: dict[str, str]
) -> None:
    applied = runner.run("storegate-apply.sh", env=credentials(sandbox_env, "STOREGATE_APPLY_"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.outputs == {"changes": "true", "applied": "true"}
    assert (runner.out / "apply-plan.json").is_file()

    again = runner.run("storegate-apply.sh", env=credentials(sandbox_env, "STOREGATE_APPLY_"))
    assert again.returncode == 0, again.stderr
    assert again.outputs == {"changes": "false", "applied": "false"}


def test_drift_is_reported_when_live_systems_change_outside_git(
    runner: Runner, sandbox_env: dict[str, str]
) -> None:
    # Nothing applied yet: every grant in git is missing from the live systems.
    drift = runner.run("storegate-drift.sh", env=credentials(sandbox_env, "STOREGATE_PLAN_"))
    assert drift.returncode == 0, drift.stderr
    assert drift.outputs == {"drifted": "true"}
    body = (runner.out / "drift.md").read_text()
    assert body.startswith("<!-- storegate-drift -->\nThe live systems drifted from git.")
    assert_no_secret(sandbox_env, body, (runner.out / "drift-plan.json").read_text())


def test_pr_plan_gets_only_read_only_credentials(
    runner: Runner, sandbox_env: dict[str, str]
) -> None:
    # Only apply credentials exist: the PR job must not pick them up, so the plan cannot log in.
    planned = runner.run("storegate-pr.sh", env=credentials(sandbox_env, "STOREGATE_APPLY_"))
    assert planned.returncode == 1
    assert planned.outputs == {"exitcode": "1", "changes": "false"}
    comment = (runner.out / "comment.md").read_text()
    assert comment.startswith(f"{MARKER}\n## storegate plan failed")
    assert "environment variable" in comment
    assert_no_secret(sandbox_env, comment, planned.stdout, planned.stderr)

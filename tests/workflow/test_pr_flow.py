"""The pull-request flow of the reusable workflow, end to end against the sandbox: the same scripts the
jobs run, in the same order, with credentials handed over the way GitHub hands them over."""

from __future__ import annotations

import json
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


def by_hand(runner: Runner, sandbox_env: dict[str, str], *args: str) -> str:
    """`storegate ARGS` run by a person in the job's checkout, with the apply credentials."""
    done = subprocess.run(
        [str(VENV_BIN / "storegate"), *args],
        cwd=runner.repo,
        env={**runner.base_env, **sandbox_env},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def do_manual_steps(runner: Runner, sandbox_env: dict[str, str]) -> None:
    """A person does the steps apply left pending (a store with no API) and confirms each."""
    plan = json.loads(by_hand(runner, sandbox_env, "plan", ".", "--format", "json"))
    for change in plan["changes"]:
        if change["action"] == "manual":
            by_hand(runner, sandbox_env, "confirm", change["address"], "--note", "done by hand")


def take_over(runner: Runner, sandbox_env: dict[str, str], plan: Path | None = None) -> None:
    """What a person does once where the org's records already exist and no state says storegate
    manages them: apply with --allow-empty-state (here, exactly `plan`), do the manual steps it
    lists, then push the state that every later job pulls."""
    args = [str(plan)] if plan is not None else ["--auto-approve"]
    by_hand(runner, sandbox_env, "apply", *args, "--dir", ".", "--allow-empty-state")
    do_manual_steps(runner, sandbox_env)
    pushed = runner.run("storegate-state.sh", "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed" in pushed.stdout


def merge_a_grant(repo: Path) -> None:
    """A pull request merged to main: Raj may now use account credit."""
    path = repo / "accounts" / "acme-industrial.yaml"
    text = path.read_text(encoding="utf-8")
    raj = "  - email: raj.patel@acme.example\n"
    head, tail = text.split(raj, 1)
    assert "    account_credit: false\n" in tail
    tail = tail.replace("    account_credit: false\n", "    account_credit: true\n", 1)
    path.write_text(head + raj + tail, encoding="utf-8")
    git(repo, "commit", "--quiet", "--all", "-m", "Raj may use account credit")
    git(repo, "push", "--quiet", "origin", "main")


def fresh_runner(tmp_path: Path, name: str, sandbox_env: dict[str, str]) -> Runner:
    """A job on a new runner: a new clone of origin, no state until it pulls."""
    clone = tmp_path / f"{name}-clone"
    git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), clone.name)
    return new_runner(clone, tmp_path / f"{name}-job", sandbox_env)


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
    assert "SG-EMPTY-STATE" in comment  # the reviewers see that the org's records exist already
    assert comment in runner.summary.read_text()
    saved_plan = runner.out / "plan.json"
    artifact = [saved_plan.read_text(), (runner.out / "plan.md").read_text(), comment]
    assert_no_secret(sandbox_env, *artifact, planned.stdout, planned.stderr)

    # The job never takes over an existing org on its own: it applies nothing and says how.
    refused = runner.run(
        "storegate-apply.sh", str(saved_plan), env=credentials(sandbox_env, "STOREGATE_APPLY_")
    )
    assert refused.returncode == 1
    assert refused.outputs == {"changes": "true", "applied": "false"}
    assert "--allow-empty-state" in refused.stdout
    assert "storegate apply: failed (exit 1)" in runner.summary.read_text()
    assert_no_secret(sandbox_env, refused.stdout, refused.stderr, runner.summary.read_text())
    take_over(runner, sandbox_env, saved_plan)  # exactly the plan the pull request showed

    # The next pull request, merged, runs on a fresh runner: a new clone, the state from the branch.
    merge_a_grant(runner.repo)
    merged = fresh_runner(tmp_path, "merged", sandbox_env)
    assert merged.run("storegate-state.sh", "pull").returncode == 0
    planned = merged.run("storegate-pr.sh", env=credentials(sandbox_env, "STOREGATE_PLAN_"))
    assert planned.returncode == 0, planned.stderr
    assert planned.outputs == {"exitcode": "2", "changes": "true"}
    comment = (merged.out / "comment.md").read_text()
    assert "Plan: 0 to create, 1 to update, 0 to grant, 0 to revoke, 0 to delete." in comment
    assert "SG-EMPTY-STATE" not in comment
    applied = merged.run(
        "storegate-apply.sh",
        str(merged.out / "plan.json"),
        env=credentials(sandbox_env, "STOREGATE_APPLY_"),
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.outputs == {"changes": "true", "applied": "true"}
    assert "storegate apply: succeeded" in merged.summary.read_text()
    assert_no_secret(sandbox_env, applied.stdout, applied.stderr, merged.summary.read_text())
    do_manual_steps(merged, sandbox_env)
    pushed = merged.run("storegate-state.sh", "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed" in pushed.stdout

    later = fresh_runner(tmp_path, "later", sandbox_env)
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
    refused = runner.run("storegate-apply.sh", env=credentials(sandbox_env, "STOREGATE_APPLY_"))
    assert refused.returncode == 1  # the org's records exist and the state is empty
    assert refused.outputs == {"changes": "true", "applied": "false"}
    take_over(runner, sandbox_env)
    merge_a_grant(runner.repo)

    applied = runner.run("storegate-apply.sh", env=credentials(sandbox_env, "STOREGATE_APPLY_"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.outputs == {"changes": "true", "applied": "true"}
    assert (runner.out / "apply-plan.json").is_file()
    do_manual_steps(runner, sandbox_env)

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

"""The security properties of the workflows, read from their YAML so a later edit cannot drop them."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from tests.workflow.scripts import EXAMPLES, ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps_text(job: dict[str, Any]) -> str:
    return yaml.safe_dump(job.get("steps", []))


def test_reusable_workflow_is_called_and_grants_nothing_by_default() -> None:
    workflow = load(WORKFLOWS / "storegate.yml")
    assert "workflow_call" in workflow["on"]
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} must state its permissions"


def test_no_step_holds_both_storegate_credentials_and_a_github_token() -> None:
    for path in (WORKFLOWS / "storegate.yml", WORKFLOWS / "drift.yml"):
        for name, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                text = yaml.safe_dump(step)
                assert not ("toJSON(secrets)" in text and "github.token" in text), (path, name)


def test_only_the_apply_job_holds_credentials_and_a_write_permission() -> None:
    credentialed: dict[str, dict[str, str]] = {}
    for path in (WORKFLOWS / "storegate.yml", WORKFLOWS / "drift.yml"):
        for name, job in load(path)["jobs"].items():
            if "toJSON(secrets)" in steps_text(job):
                credentialed[f"{path.name}:{name}"] = job["permissions"]
    assert credentialed == {
        "storegate.yml:plan": {"contents": "read"},
        "storegate.yml:apply": {"contents": "write"},
        "storegate.yml:apply-mass-revoke": {"contents": "write", "actions": "read"},
        "drift.yml:plan": {"contents": "read"},
    }


def test_fork_pull_requests_get_validate_only() -> None:
    jobs = load(WORKFLOWS / "storegate.yml")["jobs"]
    assert "toJSON(secrets)" not in steps_text(jobs["validate"])
    condition = " ".join(jobs["plan"]["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.event_name == 'pull_request'" in condition
    assert "pull_request_target" not in (WORKFLOWS / "storegate.yml").read_text()


def test_apply_runs_alone_on_the_default_branch_in_a_protected_environment() -> None:
    apply = load(WORKFLOWS / "storegate.yml")["jobs"]["apply"]
    assert apply["if"] == (
        "github.event_name == 'push' && "
        "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    )
    assert apply["environment"] == "${{ inputs.apply-environment }}"
    assert apply["concurrency"]["cancel-in-progress"] is False
    assert "${{ github.repository }}" in apply["concurrency"]["group"]
    assert apply["permissions"] == {"contents": "write"}  # the state branch push only
    assert "STOREGATE_DEFAULT_BRANCH" in steps_text(apply)


def test_every_script_a_workflow_runs_exists_and_is_executable() -> None:
    referenced: set[str] = set()
    for path in WORKFLOWS.glob("*.yml"):
        referenced |= set(re.findall(r"\.github/scripts/([\w.-]+\.sh)", path.read_text()))
    assert referenced >= {
        "storegate-validate.sh",
        "storegate-pr.sh",
        "storegate-apply.sh",
        "storegate-drift.sh",
        "storegate-drift-issue.sh",
        "storegate-state.sh",
    }
    for script in referenced:
        assert os.access(ROOT / ".github" / "scripts" / script, os.X_OK), script


def test_example_workflows_call_the_reusable_ones_at_the_release_they_install() -> None:
    for name in ("storegate.yml", "drift.yml"):
        job = next(iter(load(EXAMPLES / ".github" / "workflows" / name)["jobs"].values()))
        uses, _, ref = job["uses"].partition("@")
        assert uses.endswith(f"/.github/workflows/{name}")
        assert job["with"]["storegate-version"] == ref
        assert job["secrets"] == "inherit"


def test_pre_commit_hook_validates_the_access_repo() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "storegate-validate")
    assert hook["entry"] == "storegate validate"
    assert hook["pass_filenames"] is False
    config = yaml.safe_load((EXAMPLES / ".pre-commit-config.yaml").read_text())
    ids = [h["id"] for repo in config["repos"] for h in repo["hooks"]]
    assert "storegate-validate" in ids


def test_codeowners_routes_every_account_file_to_its_own_owners() -> None:
    routed: dict[str, list[str]] = {}
    for line in (EXAMPLES / "CODEOWNERS").read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[0].startswith("/accounts/"):
            routed[words[0].removeprefix("/accounts/")] = words[1:]
    accounts = {path.name for path in (EXAMPLES / "accounts").glob("*.yaml")}
    assert set(routed) == accounts
    assert all(owners for owners in routed.values())

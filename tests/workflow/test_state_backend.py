"""The state-branch step follows storegate.yaml: a local state file is carried on the branch, a
PostgreSQL backend needs no branch at all."""

from __future__ import annotations

from pathlib import Path

from tests.workflow.scripts import Runner, clean_environment, copy_examples


def runner_for(tmp_path: Path, state: str) -> Runner:
    repo = copy_examples(tmp_path / "repo")
    config = repo / "storegate.yaml"
    text = config.read_text()
    start = text.index("state:\n")
    end = text.index("\n\n", start)
    config.write_text(text[:start] + state + text[end:])
    env = {**clean_environment(set()), "STOREGATE_STATE_BRANCH": "storegate-state"}
    return Runner(repo, tmp_path / "out", env)


def test_postgres_backend_skips_the_state_branch(tmp_path: Path) -> None:
    runner = runner_for(tmp_path, "state:\n  type: postgres\n  dsn: env:STOREGATE_PG_DSN")
    for action in ("pull", "push"):
        step = runner.run("storegate-state.sh", action)
        assert step.returncode == 0, step.stderr
        assert "keeps the state in postgres; no state branch needed" in step.stdout


def test_local_backend_path_comes_from_storegate_yaml(tmp_path: Path) -> None:
    runner = runner_for(tmp_path, "state:\n  type: local\n  path: custom/where.json")
    step = runner.run("storegate-state.sh", "push")
    assert "custom/where.json" in step.stdout + step.stderr

"""The README's sample pull-request comment is what the examples produce today."""

from __future__ import annotations

import pytest
import yaml

from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox
from tests.render.readme_sample import EXAMPLES, in_readme, plan_markdown, sample

pytestmark = pytest.mark.e2e


def test_readme_sample_comment_matches_the_examples(sandbox: Sandbox) -> None:
    seed = yaml.safe_load((EXAMPLES / "sandbox-seed.yaml").read_text(encoding="utf-8"))
    load_seed(sandbox.store, seed)
    fresh = sample(plan_markdown(EXAMPLES, dict(sandbox.env)))
    assert fresh == in_readme(), (
        "README.md's sample comment no longer matches what the examples produce; regenerate it "
        "with: .venv/bin/python -m tests.render.readme_sample"
    )


def test_the_sample_is_the_comment_the_pr_job_posts() -> None:
    shown = in_readme()
    assert shown.startswith("<!-- storegate-plan -->\n\n## storegate plan\n\n**Plan: ")
    assert "| create | update | grant | revoke | delete | manual |" in shown
    assert shown.count("<details") == 1 and shown.rstrip().endswith(")_")

"""The README's sample pull-request comment, generated from the examples against the seeded sandbox.

    .venv/bin/python -m tests.render.readme_sample          # rewrite the sample in README.md
    .venv/bin/python -m tests.render.readme_sample --check  # exit 1 when README.md differs

The sample is the comment `storegate-pr.sh` posts (the plan in markdown, without the footer that
names the CI run), cut after its first account block: the counts, the warnings, the checklist and
one account show what a reviewer reads; `tests/render/test_readme_sample.py` keeps it true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
START = "<!-- sample-comment:start -->"
END = "<!-- sample-comment:end -->"
REST = (
    "_(The other accounts follow, each in its own collapsible section; run `storegate demo` or "
    "`python -m tests.render.readme_sample` to see the whole comment.)_"
)


def plan_markdown(examples: Path, env: dict[str, str]) -> str:
    """`storegate plan --format markdown` of a copy of `examples`, as the PR job runs it."""
    with tempfile.TemporaryDirectory(prefix="storegate-readme-") as scratch:
        repo = Path(scratch) / "access-repo"
        shutil.copytree(examples, repo, ignore=shutil.ignore_patterns(".storegate", ".github"))
        done = subprocess.run(
            [sys.executable, "-m", "storegate.engine", "plan", ".", "--format", "markdown"],
            cwd=repo,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"storegate plan failed: {done.stderr}")
    return done.stdout


def sample(markdown: str) -> str:
    """The comment up to and including its first account block, then a line saying more follow."""
    first = markdown.find("<details")
    if first < 0:
        return markdown.strip() + "\n"
    end = markdown.index("</details>", first) + len("</details>")
    return markdown[:end].rstrip() + "\n\n" + REST + "\n"


def generated(examples: Path = EXAMPLES) -> str:
    from storegate.sandbox.seed import load_seed
    from storegate.sandbox.server import Sandbox

    seed = yaml.safe_load((examples / "sandbox-seed.yaml").read_text(encoding="utf-8"))
    with (
        tempfile.TemporaryDirectory(prefix="storegate-readme-sandbox-") as scratch,
        Sandbox(Path(scratch)) as sandbox,
    ):
        load_seed(sandbox.store, seed)
        return sample(plan_markdown(examples, dict(sandbox.env)))


def in_readme(text: str | None = None) -> str:
    body = text if text is not None else README.read_text(encoding="utf-8")
    start = body.index(START) + len(START)
    return body[start : body.index(END)].strip("\n") + "\n"


def write(new_sample: str) -> None:
    body = README.read_text(encoding="utf-8")
    start = body.index(START) + len(START)
    end = body.index(END)
    README.write_text(body[:start] + "\n\n" + new_sample + "\n" + body[end:], encoding="utf-8")


def main(argv: list[str]) -> int:
    examples = Path(argv[argv.index("--examples") + 1]) if "--examples" in argv else EXAMPLES
    fresh = generated(examples)
    if "--check" in argv:
        if fresh != in_readme():
            print("README.md's sample comment is stale; run python -m tests.render.readme_sample")
            return 1
        return 0
    write(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Runs the workflow scripts in .github/scripts exactly as the GitHub jobs do: a fresh process, the
access repo as the working directory, credentials handed over as the JSON of secrets and variables."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / ".github" / "scripts"
EXAMPLES = ROOT / "examples"
VENV_BIN = Path(sys.executable).parent

# Which sandbox env variables are credentials (everything else is a plain setting: URL, CA, user name).
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|_KEY)$")


def secret_values(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if SECRET_NAME.search(name)}


def github_json(env: dict[str, str], prefix: str, *, secrets: bool) -> str:
    """`toJSON(secrets)` or `toJSON(vars)` of a repo holding the sandbox's env under `prefix`."""
    chosen = {
        f"{prefix}{name}": value
        for name, value in env.items()
        if bool(SECRET_NAME.search(name)) == secrets
    }
    if secrets:
        chosen["github_token"] = "ghs_not_for_storegate"
    return json.dumps(chosen)


@dataclass
class Step:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class Runner:
    """One job's environment: the repo checkout, the output folder, and the GitHub step files."""

    repo: Path
    out: Path
    base_env: dict[str, str]
    summary: Path = field(init=False)

    def __post_init__(self) -> None:
        self.summary = self.out.parent / "step-summary.md"

    def run(self, script: str, *args: str, env: dict[str, str] | None = None) -> Step:
        outputs = self.out.parent / "github-output"
        outputs.write_text("")
        full_env = {
            **self.base_env,
            "STOREGATE_DIR": ".",
            "STOREGATE_OUT": str(self.out),
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            **(env or {}),
        }
        done = subprocess.run(
            ["bash", str(SCRIPTS / script), *args],
            cwd=self.repo,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        pairs = (line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
        return Step(done.returncode, done.stdout, done.stderr, dict(pairs))


def clean_environment(drop: set[str]) -> dict[str, str]:
    """This process's environment without the sandbox credentials, storegate first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("GITHUB_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def copy_examples(target: Path) -> Path:
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".storegate"))
    return target


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def publish(repo: Path, origin: Path) -> None:
    """Make `repo` a checkout of a new bare `origin`, as GitHub's copy of the access repo."""
    git(origin.parent, "init", "--quiet", "--bare", "--initial-branch=main", origin.name)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "access repo")
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "--quiet", "origin", "main")

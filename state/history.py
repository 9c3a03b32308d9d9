"""Where an apply's history entries come from: the commit and author, and a fresh apply id.

In CI the commit and author are what the CI system says (GitHub Actions: GITHUB_SHA, and
GITHUB_ACTOR, the person who merged or pushed); run by hand, they are the access repo's checked-out
commit and the git user's email. Outside a git checkout both are None: history records that too.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Provenance:
    commit: str | None
    author: str | None


def new_apply_id() -> str:
    return str(uuid.uuid4())


def provenance(root: Path | None = None, env: Mapping[str, str] | None = None) -> Provenance:
    """The commit and author of the change being applied, from CI's environment, else git in
    `root` (default: the working directory), else None."""
    environ = os.environ if env is None else env
    commit = environ.get("GITHUB_SHA") or _git(root, "rev-parse", "HEAD")
    author = environ.get("GITHUB_ACTOR") or _git(root, "config", "user.email")
    return Provenance(commit=commit or None, author=author or None)


def _git(root: Path | None, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None

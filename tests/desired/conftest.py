"""Helpers: write a small access repo to a temp dir and run `storegate validate` on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storegate.engine.cli import app

CONFIG = """\
systems:
  salesforce:
    instance_url: env:STOREGATE_SANDBOX_URL
    auth:
      type: session
      session_id: env:SF_ACCESS_TOKEN
"""

ACCOUNT = """\
account:
  name: Acme Industrial
  pay_by_account: true
  price_book: Wholesale 2026
contacts:
  - email: jane.doe@acme.example
    access: active
    purchase_on_account: true
"""


@dataclass
class Outcome:
    exit_code: int
    output: str

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()


RepoFactory = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> RepoFactory:
    def make(
        accounts: dict[str, str | bytes] | None = None, config: str | bytes | None = CONFIG
    ) -> Path:
        root = tmp_path / "repo"
        (root / "accounts").mkdir(parents=True, exist_ok=True)
        files: dict[str, str | bytes] = (
            {"accounts/acme.yaml": ACCOUNT} if accounts is None else accounts
        )
        if config is not None:
            files = {"storegate.yaml": config, **files}
        for relpath, content in files.items():
            path = root / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


def validate(root: Path, *args: str) -> Outcome:
    """`storegate validate ROOT ARGS` in-process; an exception (traceback) fails the test."""
    result = CliRunner().invoke(app, ["validate", str(root), *args], catch_exceptions=False)
    return Outcome(result.exit_code, result.output)

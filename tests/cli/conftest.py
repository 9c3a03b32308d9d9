"""CLI tests: `storegate` run as a user runs it (a subprocess), over the in-memory store whose
records live in a JSON file both processes share."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.plugins import installed_plugin

MEMORY = "tests.support.memory_provider:MemoryProvider"


def account(name: str, *contacts: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {"account": {"name": name, **settings}, "contacts": list(contacts)}


def person(email: str, access: str = "active", **fields: Any) -> dict[str, Any]:
    return {"email": email, "access": access, **fields}


@dataclass
class CliRepo:
    """An access repo on disk whose store is the memory provider's JSON world."""

    root: Path
    env: dict[str, str]
    store: dict[str, Any]

    def write(self, accounts: dict[str, dict[str, Any]], **config: Any) -> None:
        (self.root / "accounts").mkdir(parents=True, exist_ok=True)
        for old in (self.root / "accounts").glob("*.yaml"):
            old.unlink()
        body = {"version": 1, "systems": {"store": self.store}, **config}
        (self.root / "storegate.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
        for name, content in accounts.items():
            (self.root / "accounts" / f"{name}.yaml").write_text(
                yaml.safe_dump(content, sort_keys=False)
            )

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "storegate.engine", *args],
            cwd=cwd or self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "storegate.engine", *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def world(self) -> dict[str, Any]:
        path = self.root / "world.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def state(self) -> dict[str, Any]:
        path = self.root / ".storegate" / "state.json"
        return json.loads(path.read_text()) if path.exists() else {}

    @property
    def lock_file(self) -> Path:
        return self.root / ".storegate" / "state.json.lock"


@pytest.fixture
def plugin_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with installed_plugin(tmp_path / "site", {"memory": MEMORY}) as env:
        clean = {k: v for k, v in env.items() if k not in ("CI", "NO_COLOR")}
        yield clean


@pytest.fixture
def cli_repo(tmp_path: Path, plugin_env: dict[str, str]) -> CliRepo:
    store = {"type": "memory", "path": "world.json"}
    return CliRepo(tmp_path / "repo", plugin_env, store)

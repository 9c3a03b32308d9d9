"""Engine tests over the in-memory store: the real loader, planner and applier, no network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from storegate.engine.apply import ApplyOutcome, apply_plan
from storegate.engine.commands.session import load_desired
from storegate.engine.plan import Plan
from storegate.engine.planner import make_plan
from storegate.engine.registry import open_providers
from storegate.providers.contract import Provider
from storegate.state.memory import MemoryStateBackend
from tests.support.memory_provider import reset_world
from tests.support.plugins import installed_plugin

MEMORY = "tests.support.memory_provider:MemoryProvider"


@dataclass
class Repo:
    """An access repo on disk, planned and applied in this process against the memory store."""

    root: Path
    systems: dict[str, Any]
    backend: MemoryStateBackend = field(default_factory=MemoryStateBackend)

    def write(self, accounts: dict[str, dict[str, Any]], **config: Any) -> None:
        (self.root / "accounts").mkdir(parents=True, exist_ok=True)
        for old in (self.root / "accounts").glob("*.yaml"):
            old.unlink()
        body = {"version": 1, "systems": self.systems, **config}
        (self.root / "storegate.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
        for name, account in accounts.items():
            (self.root / "accounts" / f"{name}.yaml").write_text(
                yaml.safe_dump(account, sort_keys=False)
            )

    def providers(self) -> dict[str, Provider]:
        return open_providers(load_desired(self.root).config, self.root)

    def plan(self, providers: dict[str, Provider] | None = None) -> Plan:
        desired = load_desired(self.root)
        return make_plan(desired, self.backend.read(), providers or self.providers())

    def apply(self, plan: Plan | None = None) -> ApplyOutcome:
        providers = self.providers()
        made = plan or self.plan(providers)
        return apply_plan(made, self.backend, self.backend.read(), providers)


@pytest.fixture
def memory_plugin(tmp_path: Path) -> Iterator[dict[str, str]]:
    with installed_plugin(tmp_path / "site", {"memory": MEMORY}) as env:
        yield env


@pytest.fixture
def repo(tmp_path: Path, memory_plugin: dict[str, str]) -> Repo:
    del memory_plugin
    reset_world()
    return Repo(tmp_path / "repo", {"store": {"type": "memory"}})


def account(name: str, *contacts: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {"account": {"name": name, **settings}, "contacts": list(contacts)}


def person(email: str, access: str = "active", **fields: Any) -> dict[str, Any]:
    return {"email": email, "access": access, **fields}

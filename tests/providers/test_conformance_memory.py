"""The in-memory store passes the provider conformance suite (the suite's own fast check)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.providers.conformance import Harness, ProviderConformance
from tests.support.memory_provider import reset_world
from tests.support.plugins import installed_plugin


class TestMemoryConformance(ProviderConformance):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[Harness]:
        world = reset_world("conformance")
        settings = {"type": "memory", "world": "conformance", "fail": []}

        def put_back(key: str) -> None:
            for user in world["user"].values():
                if user["email"] == key:
                    user["status"] = 1

        def fail_next_write(key: str) -> None:
            settings["fail"].append(key)  # type: ignore[attr-defined]

        entry = {"memory": "tests.support.memory_provider:MemoryProvider"}
        with installed_plugin(tmp_path / "site", entry):
            yield Harness({"store": settings}, "store", put_back, fail_next_write)

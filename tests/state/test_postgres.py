"""What only the PostgreSQL backend has: its schema and migrations, state per access repo, the
advisory lock's life, TLS settings and the password kept out of every message."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
import trustme

from storegate.engine.errors import StateError, StateLocked
from storegate.engine.model import PostgresState
from storegate.state.factory import connection_settings, open_backend
from storegate.state.postgres import ConnectionSettings, PostgresStateBackend
from storegate.state.postgres_schema import MIGRATIONS, current_version, ensure_schema
from tests.state.helpers import document_with
from tests.state.pg_server import PostgresServer

REPO = "github.com/acme/store-access"


def backend_for(dsn: str, repo: str = REPO, **tls: str) -> PostgresStateBackend:
    return PostgresStateBackend(ConnectionSettings(dsn, **tls), repo=repo)  # type: ignore[arg-type]


# ---------------------------------------------------------------- schema


def test_first_use_creates_the_schema_and_records_its_version(postgres_dsn: str) -> None:
    backend = backend_for(postgres_dsn)
    backend.read()
    with psycopg.connect(postgres_dsn) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'storegate'"
            )
        }
        versions = [row[0] for row in conn.execute("SELECT version FROM storegate.schema_version")]
    assert tables == {"schema_version", "states", "history", "locks"}
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    backend.close()


def test_a_later_release_migrates_from_the_recorded_version_once(postgres_dsn: str) -> None:
    backend_for(postgres_dsn).write(document_with("jane.doe@acme.example"), 0)
    added = "ALTER TABLE storegate.history ADD COLUMN note text"
    newer = (*MIGRATIONS, (added,))
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        assert ensure_schema(conn, "test", newer) == len(newer)
        assert ensure_schema(conn, "test", newer) == len(newer)  # no second ALTER: it would fail
        assert current_version(conn) == len(newer)
        assert conn.execute("SELECT count(note) FROM storegate.history").fetchone() == (0,)
    # This release knows one migration fewer: it refuses the database rather than guess.
    with pytest.raises(StateError, match=f"version {len(newer)}, newer"):
        backend_for(postgres_dsn).read()


def test_a_database_a_newer_storegate_migrated_is_refused(postgres_dsn: str) -> None:
    backend_for(postgres_dsn).read()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO storegate.schema_version (version) VALUES (99)")
    with pytest.raises(StateError, match="version 99, newer than this storegate knows"):
        backend_for(postgres_dsn).read()


def test_processes_meeting_a_new_database_at_once_migrate_it_once(postgres_dsn: str) -> None:
    errors: list[BaseException] = []

    def first_use() -> None:
        try:
            backend_for(postgres_dsn).read()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with psycopg.connect(postgres_dsn) as conn:
        assert current_version(conn) == len(MIGRATIONS)


# ---------------------------------------------------------------- per repo


def test_each_access_repo_has_its_own_state_and_lock(postgres_dsn: str) -> None:
    acme, globex = backend_for(postgres_dsn, "acme"), backend_for(postgres_dsn, "globex")
    acme.write(document_with("jane.doe@acme.example"), 0)
    assert globex.read().serial == 0
    globex.write(document_with("bob@globex.example"), 0)
    assert acme.read().lineage != globex.read().lineage
    acme.lock("apply", 0)
    globex.lock("apply", 0)
    with pytest.raises(StateLocked):
        backend_for(postgres_dsn, "acme").lock("apply", 0)
    acme.close()
    globex.close()


def test_the_state_row_holds_the_document_as_json(
    shared_postgres_dsn: str, postgres_repo: str
) -> None:
    stored = backend_for(shared_postgres_dsn, postgres_repo).write(
        document_with("jane.doe@acme.example"), 0
    )
    with psycopg.connect(shared_postgres_dsn) as conn:
        row = conn.execute(
            "SELECT lineage, serial, document -> 'resources' -> %s ->> 'id' "
            "FROM storegate.states WHERE repo = %s",
            ('salesforce.contact["jane.doe@acme.example"]', postgres_repo),
        ).fetchone()
    assert row == (stored.lineage, 1, "003000000000001")


# ---------------------------------------------------------------- lock


def test_closing_the_holder_frees_the_lock_without_unlock(
    shared_postgres_dsn: str, postgres_repo: str
) -> None:
    holder = backend_for(shared_postgres_dsn, postgres_repo)
    holder.lock("apply", 0)
    holder.close()
    assert backend_for(shared_postgres_dsn, postgres_repo).lock("apply", 0).pid > 0


def test_a_second_lock_in_the_same_process_is_refused(
    shared_postgres_dsn: str, postgres_repo: str
) -> None:
    backend = backend_for(shared_postgres_dsn, postgres_repo)
    info = backend.lock("apply", 0)
    with pytest.raises(StateLocked, match=info.id):
        backend.lock("apply", 0)
    backend.unlock(info.id)
    backend.close()


def test_the_lock_row_names_the_commit(
    shared_postgres_dsn: str, postgres_repo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "feedfacecafebeef0123456789abcdef01234567")
    # The lock lives as long as this object's connection: keep a reference.
    holder = backend_for(shared_postgres_dsn, postgres_repo)
    info = holder.lock("apply", 0)
    assert info.commit == "feedfacecafebeef0123456789abcdef01234567"
    with pytest.raises(StateLocked, match="at commit feedfacecafe"):
        backend_for(shared_postgres_dsn, postgres_repo).lock("apply", 0)


def test_writing_after_the_lock_connection_died_is_refused(
    postgres_dsn: str, postgres_server: PostgresServer
) -> None:
    backend = backend_for(postgres_dsn)
    document = backend.write(document_with("jane.doe@acme.example"), 0)
    backend.lock("apply", 0)
    with postgres_server.admin() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'storegate lock'"
        )
    with pytest.raises(StateError, match="lock was lost"):
        backend.write(document, document.serial)
    assert backend_for(postgres_dsn).read().serial == 1


def test_unlock_by_id_removes_only_a_dead_holders_row(
    postgres_dsn: str, postgres_server: PostgresServer
) -> None:
    live = backend_for(postgres_dsn)
    info = live.lock("apply", 0)
    with pytest.raises(StateError, match="held by a running process"):
        backend_for(postgres_dsn).unlock(info.id)
    with postgres_server.admin() as admin:  # the holder's session ends; its row stays behind
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'storegate lock'"
        )
    other = backend_for(postgres_dsn)
    assert other.lock_holder() is None
    other.unlock(info.id)
    with pytest.raises(StateError, match="no lock"):
        other.unlock(info.id)


# ---------------------------------------------------------------- connection settings


def test_the_password_never_appears_in_a_connection_error(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    dbname = postgres_dsn.rsplit("/", 1)[1]
    wrong = "hunter2-not-the-password"
    with pytest.raises(StateError) as failed:
        backend_for(postgres_server.dsn(dbname, password=wrong)).read()
    message = str(failed.value)
    assert wrong not in message
    assert f"storegate@127.0.0.1:{postgres_server.port}/{dbname}" in message
    assert "password authentication failed" in message


def test_a_malformed_dsn_is_refused_without_echoing_it() -> None:
    dsn = "postgresql://app:s3cret-pw@[db.internal:5432/state"
    with pytest.raises(StateError) as refused:
        backend_for(dsn)
    assert "s3cret-pw" not in str(refused.value)
    assert "not a PostgreSQL connection string" in str(refused.value)


def test_the_server_is_named_without_the_password(
    shared_postgres_dsn: str, postgres_repo: str
) -> None:
    described = backend_for(shared_postgres_dsn, postgres_repo).describe()
    assert "storegate@127.0.0.1" in described and postgres_repo in described
    assert shared_postgres_dsn.split(":")[2].split("@")[0] not in described


def test_tls_settings_reach_the_connection(shared_postgres_dsn: str) -> None:
    settings = ConnectionSettings(shared_postgres_dsn, sslmode="disable", sslrootcert="/etc/ca.pem")
    with settings.connect("storegate test") as conn:
        assert "sslmode=disable" in conn.info.dsn
        assert "sslrootcert=/etc/ca.pem" in conn.info.dsn
    # The test server speaks no TLS: a required one is refused, which shows sslmode is honoured.
    with pytest.raises(StateError, match="SSL"):
        backend_for(shared_postgres_dsn, sslmode="require").read()


def test_verify_full_connects_over_tls_and_refuses_a_server_of_another_ca(
    tls_postgres_server: tuple[PostgresServer, Path], tmp_path: Path
) -> None:
    server, ca_file = tls_postgres_server
    dsn = server.dsn(server.create_database())
    settings = ConnectionSettings(dsn, sslmode="verify-full", sslrootcert=str(ca_file))
    with settings.connect("storegate test") as conn:
        assert conn.pgconn.ssl_in_use
    backend = PostgresStateBackend(settings, repo=REPO)
    assert backend.write(document_with("jane.doe@acme.example"), 0).serial == 1
    backend.close()
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    with pytest.raises(StateError, match="certificate verify failed"):
        backend_for(dsn, sslmode="verify-full", sslrootcert=str(stranger)).read()


def test_storegate_yaml_opens_postgres_from_an_env_reference(
    shared_postgres_dsn: str, postgres_repo: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = tmp_path
    monkeypatch.setenv("STATE_DSN", shared_postgres_dsn)
    config = PostgresState.model_validate(
        {"type": "postgres", "dsn": "env:STATE_DSN", "sslmode": "prefer", "sslrootcert": "ca.pem"}
    )
    settings = connection_settings(config, root)
    assert settings.sslrootcert == str(root / "ca.pem")
    assert settings.sslmode == "prefer"
    backend = open_backend(config, root, repo=postgres_repo)
    assert backend.write(document_with("jane.doe@acme.example"), 0).serial == 1
    assert backend_for(shared_postgres_dsn, postgres_repo).read().serial == 1


def test_a_literal_dsn_in_storegate_yaml_is_refused() -> None:
    with pytest.raises(ValueError, match="pattern"):
        PostgresState.model_validate({"type": "postgres", "dsn": "postgresql://app:pw@db/state"})

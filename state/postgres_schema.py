"""The PostgreSQL backend's schema, created and migrated by storegate itself.

Everything lives in one schema, `storegate`. `storegate.schema_version` has a row per migration that
ran; `MIGRATIONS[n - 1]` takes the schema from version n - 1 to n. A migration runs in one
transaction under an advisory lock, so two storegate processes meeting a new database (or a new
release) migrate it once; a database a newer storegate migrated is refused, not guessed at.

    states    one row per access repo (its identity): lineage, serial and the state document
    history   every applied change and receipt, inserted in the transaction of the state write
              that carried it (serial: the serial that write made; null for migrated copies)
    locks     one row per access repo naming the lock's holder: the message a waiting apply
              prints. The lock itself is an advisory lock, see state/postgres.py
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ..providers.contract import StateError

SCHEMA = "storegate"

Migration = Sequence[str]

MIGRATIONS: Sequence[Migration] = (
    (
        """
        CREATE TABLE storegate.states (
            repo        text PRIMARY KEY,
            lineage     text NOT NULL,
            serial      bigint NOT NULL CHECK (serial >= 0),
            version     integer NOT NULL,
            document    jsonb NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE storegate.history (
            id             bigserial PRIMARY KEY,
            repo           text NOT NULL,
            serial         bigint,
            apply_id       text NOT NULL,
            at             timestamptz NOT NULL,
            address        text NOT NULL,
            action         text NOT NULL,
            result         text NOT NULL CHECK (result IN ('ok', 'failed', 'skipped')),
            before         jsonb NOT NULL,
            after          jsonb NOT NULL,
            error          text,
            plan_checksum  text,
            commit         text,
            author         text,
            receipt        jsonb
        )
        """,
        "CREATE INDEX history_by_address ON storegate.history (repo, lower(address))",
        "CREATE INDEX history_by_apply ON storegate.history (repo, apply_id)",
        "CREATE INDEX history_by_time ON storegate.history (repo, at)",
        """
        CREATE TABLE storegate.locks (
            repo         text PRIMARY KEY,
            id           text NOT NULL,
            holder       text NOT NULL,
            host         text NOT NULL,
            pid          integer NOT NULL,
            operation    text NOT NULL,
            commit       text,
            created_at   timestamptz NOT NULL,
            backend_pid  integer NOT NULL
        )
        """,
    ),
)

MIGRATION_LOCK_KEY = 0x73746F7265676174  # "storegat": serialises migrations across processes


def current_version(conn: psycopg.Connection[Any]) -> int:
    """The schema version the database is at; 0 when storegate never ran there."""
    found = conn.execute("SELECT to_regclass('storegate.schema_version') IS NOT NULL").fetchone()
    if found is None or not found[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM storegate.schema_version").fetchone()
    return 0 if row is None else int(row[0])


def ensure_schema(
    conn: psycopg.Connection[Any], where: str, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the schema to the latest version; returns it. Costs one query when it is current,
    and then needs no privilege beyond reading the version table."""
    latest = len(migrations)
    version = current_version(conn)
    if version == latest:
        return version
    _refuse_newer(version, latest, where)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        conn.execute("CREATE SCHEMA IF NOT EXISTS storegate")
        conn.execute(
            """
            CREATE TABLE IF NOT EXISTS storegate.schema_version (
                version     integer PRIMARY KEY,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        version = current_version(conn)  # another process may have migrated while we waited
        _refuse_newer(version, latest, where)
        for target in range(version + 1, latest + 1):
            for statement in migrations[target - 1]:
                conn.execute(statement.encode("utf-8"))
            conn.execute("INSERT INTO storegate.schema_version (version) VALUES (%s)", (target,))
    return latest


def _refuse_newer(version: int, latest: int, where: str) -> None:
    if version > latest:
        raise StateError(
            f"{where}: schema {SCHEMA} is at version {version}, newer than this storegate "
            f"knows ({latest}); upgrade storegate (a newer release migrated this database)"
        )

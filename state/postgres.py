"""The PostgreSQL state backend: one database for every runner of a team, a lock that cannot
outlive its holder, and the history of every apply.

State is kept per access repo (its identity string) in `storegate.states` (state/postgres_schema.py
creates and migrates the schema). A write is a compare-and-swap on the serial inside one
transaction (the row is read FOR UPDATE), with the lineage checked as the local backend checks it;
the history entries the write carries are inserted in the same transaction, so the history never
holds a change the state lacks, nor the state one the history lacks.

The lock is a session-level advisory lock on a key derived from the repo identity, taken on a
connection of its own that stays open while the lock is held: PostgreSQL releases it when that
connection ends, so a kill -9'd apply frees it at once and `state unlock` is never needed. A row in
`storegate.locks` names the holder (user, host, pid, commit, time) for the message a waiting apply
prints; it is believed only while the PostgreSQL session it names still holds the advisory lock.

The connection string comes from an environment variable; the password in it is never printed: the
messages name the server as user@host:port/dbname and scrub the password from driver errors.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, cast

import psycopg
from psycopg import conninfo
from psycopg.types.json import Jsonb

from ..providers.contract import SerialConflict, StateError, StateLocked
from .base import (
    DEFAULT_REPO,
    HistoryEntry,
    LockInfo,
    Result,
    StateDocument,
    canonical_time,
    check_adoptable,
    now_utc,
)
from .codec import MalformedState, decode
from .history import provenance
from .lockfile import current_user
from .postgres_schema import ensure_schema

POLL_SECONDS = (0.05, 0.1, 0.2, 0.25)
"""Waits between tries for a held lock: quick at first, then four times a second."""
KEEPALIVE_SETTINGS = (
    # The server drops (and so unlocks) a session whose client host vanished within ~a minute,
    # not the operating system's two hours. Ignored on a Unix socket.
    "SET tcp_keepalives_idle = 30",
    "SET tcp_keepalives_interval = 10",
    "SET tcp_keepalives_count = 3",
)

Connection = psycopg.Connection[tuple[Any, ...]]


@dataclass(frozen=True)
class ConnectionSettings:
    """How to reach the database: the connection string (a secret) and the TLS options that
    storegate.yaml adds to it. `reference` is the env:NAME the DSN came from, for messages."""

    dsn: str
    reference: str = "the DSN"
    sslmode: str | None = None
    sslrootcert: str | None = None
    connect_timeout: int = 10

    def parts(self) -> dict[str, Any]:
        try:
            return conninfo.conninfo_to_dict(self.dsn)
        except psycopg.Error:
            # The driver's message quotes the string, password and all: say only where it came from.
            raise StateError(
                f"state.dsn: {self.reference} is not a PostgreSQL connection string "
                f"(libpq key=value pairs or a postgresql:// URI)"
            ) from None

    def secrets(self) -> list[str]:
        password = self.parts().get("password")
        return [s for s in (self.dsn, password) if s]

    def describe(self) -> str:
        """user@host:port/dbname, never the password."""
        parts = self.parts()
        user = parts.get("user") or os.environ.get("PGUSER") or current_user()
        host = parts.get("host") or parts.get("hostaddr") or os.environ.get("PGHOST") or "localhost"
        port = parts.get("port") or os.environ.get("PGPORT") or "5432"
        dbname = parts.get("dbname") or os.environ.get("PGDATABASE") or user
        return f"postgres {user}@{host}:{port}/{dbname}"

    def connect(self, application_name: str) -> Connection:
        options: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": self.connect_timeout,
            "application_name": application_name,
        }
        if self.sslmode is not None:
            options["sslmode"] = self.sslmode
        if self.sslrootcert is not None:
            options["sslrootcert"] = self.sslrootcert
        self.parts()  # refuse a malformed string before the driver can echo it
        return psycopg.connect(self.dsn, **options)


def lock_key(repo: str) -> int:
    """The advisory lock key of an access repo: 63 bits of a hash of its identity."""
    digest = hashlib.sha256(b"storegate state lock\0" + repo.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


class PostgresStateBackend:
    def __init__(
        self,
        settings: ConnectionSettings,
        repo: str = DEFAULT_REPO,
        root: Path | None = None,
    ) -> None:
        if not repo:
            raise StateError("the access repo identity must not be empty")
        self.settings = settings
        self.repo = repo
        self.root = root
        self._key = lock_key(repo)
        self._scrub = _scrubber(settings.secrets())
        self._where = f"{settings.describe()} (repo {repo})"
        self._conn: Connection | None = None
        self._lock_conn: Connection | None = None
        self._lock_info: LockInfo | None = None

    # ---------------------------------------------------------------- state

    def read(self) -> StateDocument:
        with self._errors("read the state"):
            row = (
                self._data()
                .execute(
                    "SELECT document::text FROM storegate.states WHERE repo = %s", (self.repo,)
                )
                .fetchone()
            )
        return StateDocument() if row is None else self._decode(row[0])

    def write(
        self,
        document: StateDocument,
        expected_serial: int,
        history: Sequence[HistoryEntry] = (),
    ) -> StateDocument:
        self._check_lock_alive()
        conn = self._data()
        with self._errors("write the state"), conn.transaction():
            row = conn.execute(
                "SELECT lineage, serial FROM storegate.states WHERE repo = %s FOR UPDATE",
                (self.repo,),
            ).fetchone()
            stored_serial = 0 if row is None else int(row[1])
            if row is not None and row[0] != document.lineage:
                raise StateError(
                    f"{self._where}: this state has lineage {row[0]}, the document written has "
                    f"{document.lineage}; they are different states, refusing to overwrite"
                )
            if stored_serial != expected_serial:
                raise SerialConflict(
                    f"{self._where}: state serial is {stored_serial} in the database but this "
                    f"run read serial {expected_serial}; someone else wrote the state since; "
                    f"re-run plan"
                )
            updated = StateDocument(
                lineage=document.lineage,
                repo=document.repo,
                serial=expected_serial + 1,
                resources=dict(document.resources),
            )
            if row is None and not self._insert_state(conn, updated):
                raise SerialConflict(
                    f"{self._where}: another run created this state at the same moment; re-run plan"
                )
            if row is not None:
                self._update_state(conn, updated)
            self._insert_history(conn, history, updated.serial)
        return updated

    def history(self, address: str | None = None, since: str | None = None) -> list[HistoryEntry]:
        floor = None if since is None else canonical_time(since)
        with self._errors("read the history"):
            rows = (
                self._data()
                .execute(
                    """
                    SELECT apply_id, at, address, action, result, before, after, error,
                           plan_checksum, commit, author, receipt
                    FROM storegate.history h
                    WHERE repo = %(repo)s
                      AND (%(address)s::text IS NULL
                           OR lower(address) = lower(%(address)s)
                           OR (action = 'receipt' AND apply_id IN (
                                SELECT apply_id FROM storegate.history
                                WHERE repo = %(repo)s AND lower(address) = lower(%(address)s))))
                      AND (%(since)s::timestamptz IS NULL OR at >= %(since)s::timestamptz)
                    ORDER BY id
                    """,
                    {"repo": self.repo, "address": address, "since": floor},
                )
                .fetchall()
            )
        return [_entry(row) for row in rows]

    def adopt(self, document: StateDocument, history: Sequence[HistoryEntry]) -> StateDocument:
        copy = StateDocument(
            lineage=document.lineage,
            repo=document.repo,
            serial=document.serial,
            resources=dict(document.resources),
        )
        conn = self._data()
        with self._errors("store the migrated state"), conn.transaction():
            row = conn.execute(
                "SELECT document::text FROM storegate.states WHERE repo = %s FOR UPDATE",
                (self.repo,),
            ).fetchone()
            check_adoptable(None if row is None else self._decode(row[0]), copy, self._where)
            if row is None:
                self._insert_state(conn, copy)
            else:
                self._update_state(conn, copy)
            conn.execute("DELETE FROM storegate.history WHERE repo = %s", (self.repo,))
            self._insert_history(conn, history, None)
        return copy

    def describe(self) -> str:
        return self._where

    def close(self) -> None:
        """Close the connections (releasing a lock still held)."""
        for conn in (self._lock_conn, self._conn):
            if conn is not None:
                with contextlib.suppress(psycopg.Error):
                    conn.close()
        self._conn = self._lock_conn = self._lock_info = None

    # ---------------------------------------------------------------- lock

    def lock(self, operation: str, timeout_seconds: float) -> LockInfo:
        if self._lock_info is not None:
            raise StateLocked(self._locked_message(self._lock_info))
        self._data()  # the schema (and its locks table) exists before we look for a holder
        deadline = time.monotonic() + max(timeout_seconds, 0.0)
        with self._errors("take the lock"):
            conn = self.settings.connect("storegate lock")
            try:
                for setting in KEEPALIVE_SETTINGS:
                    conn.execute(setting.encode("utf-8"))
                tries = 0
                while not self._try_advisory_lock(conn):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise StateLocked(self._refusal(conn))
                    time.sleep(min(POLL_SECONDS[min(tries, len(POLL_SECONDS) - 1)], remaining))
                    tries += 1
                info = LockInfo(
                    id=str(uuid.uuid4()),
                    holder=current_user(),
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    created_at=now_utc(),
                    operation=operation,
                    commit=provenance(self.root).commit,
                )
                conn.execute(
                    """
                    INSERT INTO storegate.locks
                        (repo, id, holder, host, pid, operation, commit, created_at, backend_pid)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, pg_backend_pid())
                    ON CONFLICT (repo) DO UPDATE SET
                        id = excluded.id, holder = excluded.holder, host = excluded.host,
                        pid = excluded.pid, operation = excluded.operation,
                        commit = excluded.commit, created_at = excluded.created_at,
                        backend_pid = excluded.backend_pid
                    """,
                    (
                        self.repo,
                        info.id,
                        info.holder,
                        info.host,
                        info.pid,
                        info.operation,
                        info.commit,
                        info.created_at,
                    ),
                )
            except BaseException:
                conn.close()
                raise
        self._lock_conn, self._lock_info = conn, info
        return info

    def unlock(self, lock_id: str) -> None:
        if self._lock_info is not None and self._lock_info.id == lock_id:
            self._release_own()
            return
        with self._errors("unlock the state"):
            conn = self._data()
            row = self._lock_row(conn)
            live_pid = self._advisory_holder_pid(conn)
            if row is None:
                raise StateError(f"{self._where}: no lock is held; nothing to unlock")
            info, backend_pid = row
            if info.id != lock_id:
                raise StateError(
                    f"{self._where}: lock id {lock_id} does not match the {info.describe()}"
                )
            if live_pid is not None and live_pid == backend_pid:
                raise StateError(
                    f"{self._where}: {info.describe()} is held by a running process; PostgreSQL "
                    f"releases it when that process ends (stop it, or end its database session "
                    f"{backend_pid}); nothing to unlock by hand"
                )
            # The holder is gone and its lock with it; only its row remained. Remove that.
            conn.execute(
                "DELETE FROM storegate.locks WHERE repo = %s AND id = %s", (self.repo, lock_id)
            )

    def lock_holder(self) -> LockInfo | None:
        with self._errors("read the lock"):
            conn = self._data()
            live_pid = self._advisory_holder_pid(conn)
            row = self._lock_row(conn)
        if live_pid is None or row is None or row[1] != live_pid:
            return None
        return row[0]

    # ---------------------------------------------------------------- internals

    def _data(self) -> Connection:
        """The connection for reads and writes, opened (and the schema ensured) on first use."""
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        with self._errors("connect"):
            conn = self.settings.connect("storegate")
            try:
                ensure_schema(conn, self._where)
            except BaseException:
                conn.close()
                raise
        self._conn = conn
        return conn

    def _check_lock_alive(self) -> None:
        """Holding the lock, refuse to write once its connection is gone (the lock with it)."""
        if self._lock_conn is None:
            return
        try:
            self._lock_conn.execute("SELECT 1")
        except psycopg.Error:
            self.close()
            raise StateError(
                f"{self._where}: the connection holding the state lock was lost, and the lock "
                f"with it; another apply may have started, so this one stops without writing"
            ) from None

    def _insert_state(self, conn: Connection, document: StateDocument) -> bool:
        cursor = conn.execute(
            """
            INSERT INTO storegate.states (repo, lineage, serial, version, document)
            VALUES (%s, %s, %s, %s, %s::jsonb)
            ON CONFLICT (repo) DO NOTHING
            """,
            (self.repo, document.lineage, document.serial, document.version, _compact(document)),
        )
        return cursor.rowcount == 1

    def _update_state(self, conn: Connection, document: StateDocument) -> None:
        conn.execute(
            """
            UPDATE storegate.states
            SET lineage = %s, serial = %s, version = %s, document = %s::jsonb, updated_at = now()
            WHERE repo = %s
            """,
            (document.lineage, document.serial, document.version, _compact(document), self.repo),
        )

    def _insert_history(
        self, conn: Connection, history: Sequence[HistoryEntry], serial: int | None
    ) -> None:
        if not history:
            return
        with conn.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO storegate.history
                    (repo, serial, apply_id, at, address, action, result, before, after, error,
                     plan_checksum, commit, author, receipt)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                [
                    (
                        self.repo,
                        serial,
                        e.apply_id,
                        e.at,
                        e.address,
                        e.action,
                        e.result,
                        Jsonb(dict(e.before)),
                        Jsonb(dict(e.after)),
                        e.error,
                        e.plan_checksum,
                        e.commit,
                        e.author,
                        None if e.receipt is None else Jsonb(dict(e.receipt)),
                    )
                    for e in history
                ],
            )

    def _try_advisory_lock(self, conn: Connection) -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        return bool(row and row[0])

    def _advisory_holder_pid(self, conn: Connection) -> int | None:
        """The PostgreSQL session holding this repo's advisory lock, if any. A bigint key shows
        in pg_locks as its high half in classid and its low half in objid, objsubid 1."""
        row = conn.execute(
            """
            SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 1
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = %s::bigint::oid AND objid = %s::bigint::oid
            """,
            (self._key >> 32, self._key & 0xFFFFFFFF),
        ).fetchone()
        return None if row is None else int(row[0])

    def _lock_row(self, conn: Connection) -> tuple[LockInfo, int] | None:
        row = conn.execute(
            """
            SELECT id, holder, host, pid, created_at, operation, commit, backend_pid
            FROM storegate.locks WHERE repo = %s
            """,
            (self.repo,),
        ).fetchone()
        if row is None:
            return None
        info = LockInfo(
            id=row[0],
            holder=row[1],
            host=row[2],
            pid=int(row[3]),
            created_at=canonical_time(cast(datetime, row[4])),
            operation=row[5],
            commit=row[6],
        )
        return info, int(row[7])

    def _refusal(self, conn: Connection) -> str:
        live_pid = self._advisory_holder_pid(conn)
        row = self._lock_row(conn)
        if row is not None and live_pid is not None and row[1] == live_pid:
            return self._locked_message(row[0])
        session = "" if live_pid is None else f" (database session {live_pid})"
        return (
            f"state is locked on {self._where} by a process that has not recorded itself yet"
            f"{session}; wait for it to finish; the lock ends with that process"
        )

    def _locked_message(self, info: LockInfo) -> str:
        return (
            f"state is locked: {info.describe()}; wait for it to finish: PostgreSQL releases the "
            f"lock when that process ends (no unlock needed)"
        )

    def _release_own(self) -> None:
        conn, info = self._lock_conn, self._lock_info
        self._lock_conn = self._lock_info = None
        if conn is None or info is None:
            return
        try:
            with self._errors("release the lock"):
                conn.execute(
                    "DELETE FROM storegate.locks WHERE repo = %s AND id = %s", (self.repo, info.id)
                )
                conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        finally:
            # Closing the session releases the advisory lock even if the statements failed.
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _decode(self, text: str) -> StateDocument:
        try:
            return decode(text, self._where)
        except MalformedState as exc:
            raise StateError(
                f"{self._where}: the stored state is corrupt ({exc}); restore the row of repo "
                f"{self.repo} in storegate.states from a backup"
            ) from None

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Driver errors become StateError naming the server, with every secret scrubbed."""
        try:
            yield
        except psycopg.Error as exc:
            self._fail(doing, exc)

    def _fail(self, doing: str, exc: psycopg.Error) -> NoReturn:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise StateError(f"{self._where}: cannot {doing}: {self._scrub(detail)}") from None


def _compact(document: StateDocument) -> str:
    """The document as the codec shapes it, without the file's indentation (jsonb drops it)."""
    return json.dumps(document.to_json(), ensure_ascii=False, separators=(",", ":"))


def _entry(row: Sequence[Any]) -> HistoryEntry:
    return HistoryEntry(
        apply_id=row[0],
        at=canonical_time(cast(datetime, row[1])),
        address=row[2],
        action=row[3],
        result=cast(Result, row[4]),
        before=_object(row[5]),
        after=_object(row[6]),
        error=row[7],
        plan_checksum=row[8],
        commit=row[9],
        author=row[10],
        receipt=None if row[11] is None else _object(row[11]),
    )


def _object(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):  # a driver configured without the jsonb loader
        value = json.loads(value)
    if not isinstance(value, dict):
        raise StateError(f"a history column holds {type(value).__name__}, not a JSON object")
    return value


def _scrubber(secrets: Sequence[str]) -> Callable[[str], str]:
    values = sorted({s for s in secrets if s}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def scrub(text: str) -> str:
        return text if pattern is None else pattern.sub("***", text)

    return scrub

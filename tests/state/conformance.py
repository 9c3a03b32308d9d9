"""The state backend conformance kits: what test_conformance.py needs from each backend.

A kit opens handles on one stored state (`open`: for the local and PostgreSQL backends a new
object each time, as a second process would have; the memory backend has only the one) and on a
fresh, empty location of the same kind (`other`: the target of a migration).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from storegate.state.base import StateBackend
from storegate.state.local import LocalStateBackend
from storegate.state.memory import MemoryStateBackend
from storegate.state.postgres import ConnectionSettings, PostgresStateBackend

REPO = "github.com/acme/store-access"


class BackendKit(Protocol):
    name: str
    waits_for_lock: bool
    """Whether lock() waits out its timeout (the memory backend refuses at once)."""

    def open(self) -> StateBackend: ...

    def other(self) -> StateBackend: ...

    def close(self) -> None: ...


class MemoryKit:
    name = "memory"
    waits_for_lock = False

    def __init__(self) -> None:
        self._backend = MemoryStateBackend()

    def open(self) -> StateBackend:
        return self._backend

    def other(self) -> StateBackend:
        return MemoryStateBackend()

    def close(self) -> None:
        pass


class LocalKit:
    name = "local"
    waits_for_lock = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self._others = 0

    def open(self) -> StateBackend:
        return LocalStateBackend(self.root / "state" / "state.json")

    def other(self) -> StateBackend:
        self._others += 1
        return LocalStateBackend(self.root / f"other{self._others}" / "state.json")

    def close(self) -> None:
        pass


class PostgresKit:
    name = "postgres"
    waits_for_lock = True

    def __init__(self, dsn: str, repo: str = REPO) -> None:
        self.settings = ConnectionSettings(dsn)
        self.repo = repo
        self._opened: list[PostgresStateBackend] = []

    def open(self) -> StateBackend:
        return self._track(PostgresStateBackend(self.settings, repo=self.repo))

    def other(self) -> StateBackend:
        return self._track(
            PostgresStateBackend(self.settings, repo=f"{self.repo}-other{len(self._opened)}")
        )

    def close(self) -> None:
        for backend in self._opened:
            backend.close()

    def _track(self, backend: PostgresStateBackend) -> PostgresStateBackend:
        self._opened.append(backend)
        return backend

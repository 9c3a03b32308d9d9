"""Open the state backend storegate.yaml configures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..providers.settings import resolve, resolve_path
from .base import DEFAULT_REPO, StateBackend
from .config import LocalState, PostgresState, StateConfig
from .local import LocalStateBackend

if TYPE_CHECKING:
    from .postgres import ConnectionSettings


def state_path(config: LocalState, root: Path) -> Path:
    """The state file: `state.path` is relative to the access repo root unless absolute."""
    path = Path(config.path).expanduser()
    return path if path.is_absolute() else root / path


def connection_settings(config: PostgresState, root: Path) -> ConnectionSettings:
    """The DSN (read from its environment variable, remembered as a secret) and TLS options;
    `sslrootcert` is relative to the access repo root unless absolute."""
    from .postgres import ConnectionSettings  # the driver is loaded for a PostgreSQL state only

    ca = resolve_path(config.sslrootcert, "state.sslrootcert", root)
    return ConnectionSettings(
        dsn=resolve(config.dsn, "state.dsn", secret=True),
        reference=config.dsn,
        sslmode=config.sslmode,
        sslrootcert=None if ca is None else str(ca),
        connect_timeout=config.connect_timeout,
    )


def open_backend(config: StateConfig, root: Path, repo: str = DEFAULT_REPO) -> StateBackend:
    """The backend; `repo` is the access repo's identity, which keys its state in a shared
    database (the local backend keeps one repo's state per file and ignores it)."""
    if isinstance(config, PostgresState):
        from .postgres import PostgresStateBackend  # ~10 MB of driver a local state never needs

        return PostgresStateBackend(connection_settings(config, root), repo=repo, root=root)
    return LocalStateBackend(state_path(config, root))

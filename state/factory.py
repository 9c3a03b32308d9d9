"""Open the state backend storegate.yaml configures."""

from __future__ import annotations

from pathlib import Path

from storegate.engine.model import LocalState, StateConfig
from storegate.state.base import StateBackend
from storegate.state.local import LocalStateBackend


def state_path(config: LocalState, root: Path) -> Path:
    """The state file: `state.path` is relative to the access repo root unless absolute."""
    path = Path(config.path).expanduser()
    return path if path.is_absolute() else root / path


def open_backend(config: StateConfig, root: Path) -> StateBackend:
    return LocalStateBackend(state_path(config, root))

"""`storegate state migrate`: copy the state and its history from one backend to another.

Both locks are held for the copy, so no apply writes either side meanwhile. The target keeps the
source's lineage and serial (a plan saved before the move still applies after it) and its history
becomes the source's. A target holding another lineage, or this one at a newer serial, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..providers.contract import StateError
from .base import StateBackend


@dataclass(frozen=True)
class Migrated:
    lineage: str
    serial: int
    resources: int
    history_entries: int


def migrate(source: StateBackend, target: StateBackend, lock_timeout: float) -> Migrated:
    if source is target or source.describe() == target.describe():
        raise StateError(f"{target.describe()} is the configured state itself; nothing to migrate")
    source_lock = source.lock("state migrate", lock_timeout)
    try:
        target_lock = target.lock("state migrate", lock_timeout)
        try:
            document = source.read()
            if document.serial == 0:
                raise StateError(f"{source.describe()} holds no state yet; nothing to migrate")
            history = source.history()
            copy = target.adopt(document, history)
        finally:
            target.unlock(target_lock.id)
    finally:
        source.unlock(source_lock.id)
    return Migrated(copy.lineage, copy.serial, len(copy.resources), len(history))

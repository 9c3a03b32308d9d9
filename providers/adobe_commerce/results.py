"""Results of one change, and the lookup-before-retry loop every create goes through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..contract import Change, ChangeResult, TransientError

T = TypeVar("T")


def ok(change: Change, record_id: Any, **attributes: Any) -> ChangeResult:
    return ChangeResult(
        change.id,
        True,
        remote_id=str(record_id),
        attributes={"id": str(record_id), **{k: str(v) for k, v in attributes.items()}},
    )


def failed(change: Change, error: str) -> ChangeResult:
    return ChangeResult(change.id, False, remote_id=change.remote_id, error=error)


def create_once(send: Callable[[], T], lookup: Callable[[], T | None], attempts: int) -> T:
    """Send a create; after an uncertain failure (no answer, 5xx) look it up before sending again,
    so a create that landed is never made twice."""
    last: TransientError | None = None
    for _ in range(max(attempts, 1)):
        try:
            return send()
        except TransientError as exc:
            last = exc
            found = lookup()
            if found is not None:
                return found
    assert last is not None
    raise last

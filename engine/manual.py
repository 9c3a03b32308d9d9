"""Manual steps: changes a person makes where a system has no API.

Apply records each as pending in state (with the values it asks for); every later plan shows it
again, marked pending since then, until the provider reads that it took effect (`step_done`) or
`storegate confirm ADDRESS` records who did it, when and with what note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..providers.contract import Action, Change, LiveRecord, Provider, Ref
from ..state.base import StateDocument
from .errors import StateError

PENDING = "pending"
CONFIRMED = "confirmed"


def asked_values(change: Change) -> dict[str, Any]:
    """What a manual step asks for, as stored in state (refs are not known values)."""
    return {name: value for name, value in change.after().items() if not isinstance(value, Ref)}


def recorded_step(state: StateDocument, change: Change) -> dict[str, Any] | None:
    entry = state.resources.get(str(change.address))
    step = entry.attributes.get("manual") if entry is not None else None
    if isinstance(step, dict) and step.get("after") == asked_values(change):
        return step
    return None


def track(
    changes: Sequence[Change],
    state: StateDocument,
    live: Mapping[str, LiveRecord],
    providers: Mapping[str, Provider],
) -> list[Change]:
    """Drop the manual steps seen done or confirmed; mark the ones still pending since when."""
    out: list[Change] = []
    for change in changes:
        if change.action is Action.MANUAL:
            step = recorded_step(state, change)
            if step is not None:
                if step.get("status") == CONFIRMED:
                    continue
                if providers[change.system].step_done(change, live.get(str(change.address))):
                    continue
                since = step.get("recorded_at", "an earlier apply")
                change = replace(
                    change,
                    reason=f"{change.reason} (pending since {since})",
                    manual=replace(change.manual, pending_since=str(since))
                    if change.manual is not None
                    else None,
                )
        out.append(change)
    return out


def overdue(changes: Sequence[Change], grace_hours: float, now: datetime | None = None) -> bool:
    """Whether anything but a manual step pending for less than `grace_hours` is in `changes`
    (a step just recorded waits for its person before the drift job calls it drift)."""
    moment = now or datetime.now(UTC)
    for change in changes:
        since = change.manual.pending_since if change.manual is not None else None
        if change.action is not Action.MANUAL or since is None:
            return True
        try:
            recorded = datetime.fromisoformat(since)
        except ValueError:
            return True
        if recorded.tzinfo is None:
            recorded = recorded.replace(tzinfo=UTC)
        if (moment - recorded).total_seconds() >= grace_hours * 3600:
            return True
    return False


def confirm(state: StateDocument, address: str, who: str, note: str | None) -> dict[str, Any]:
    """Record that a person did the pending step on `address`; returns the updated step."""
    entry = state.resources.get(address)
    step = entry.attributes.get("manual") if entry is not None else None
    if entry is None or not isinstance(step, dict):
        pending = sorted(
            a
            for a, r in state.resources.items()
            if isinstance(r.attributes.get("manual"), dict)
            and r.attributes["manual"].get("status") == PENDING
        )
        listed = ", ".join(pending) if pending else "none"
        raise StateError(f"no manual step is recorded for {address}; pending steps: {listed}")
    if step.get("status") == CONFIRMED:
        return step
    confirmed = {
        **step,
        "status": CONFIRMED,
        "confirmed_by": who,
        "confirmed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": note,
    }
    entry.attributes = {**entry.attributes, "manual": confirmed}
    return confirmed

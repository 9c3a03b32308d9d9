"""Apply order: a topological order of the dependency edges between changes (graphlib), stable
(ties broken by account, then address) so the same repo always prints the same plan."""

from __future__ import annotations

from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter

from ..providers.contract import Change
from .errors import PlanError


def topological(changes: Sequence[Change]) -> list[Change]:
    by_id = {c.id: c for c in changes}
    graph = TopologicalSorter({c.id: [d for d in c.depends_on if d in by_id] for c in changes})
    try:
        graph.prepare()
    except CycleError as exc:
        cycle = " -> ".join(str(node) for node in exc.args[1])
        raise PlanError(f"the changes depend on each other in a circle: {cycle}") from None
    out: list[Change] = []
    while graph.is_active():
        ready = sorted((by_id[i] for i in graph.get_ready()), key=_tie_break)
        out.extend(ready)
        graph.done(*(c.id for c in ready))
    return out


def _tie_break(change: Change) -> tuple[str, str, str, int]:
    return (change.account, change.address.system, change.address.key, change.step)


def waves(changes: Sequence[Change]) -> list[list[Change]]:
    """The changes in rounds: each round holds only changes whose dependencies ran in earlier
    rounds, so one round's changes of one system can go out as one batch."""
    by_id = {c.id: c for c in changes}
    graph = TopologicalSorter({c.id: [d for d in c.depends_on if d in by_id] for c in changes})
    graph.prepare()
    rounds: list[list[Change]] = []
    while graph.is_active():
        ready = sorted((by_id[i] for i in graph.get_ready()), key=_tie_break)
        rounds.append(ready)
        graph.done(*(c.id for c in ready))
    return rounds

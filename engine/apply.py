"""Executes a Plan: dependency order, provider batches, dependants of a failure skipped, state saved
after every batch so a crash at any point leaves a state from which a re-run converges.

The changes go out in rounds (`engine.order.waves`): a round holds the changes whose dependencies
all ran in earlier rounds, and each system gets a round's changes as one call of its `apply`, which
batches them at the API's maximum. Manual steps are not sent anywhere: they are recorded in state as
pending, for the checklist apply prints and for every later plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ..providers.contract import (
    Address,
    ChangeResult,
    KeepIfSet,
    LiveRecord,
    Provider,
    Scope,
)
from ..state.base import HistoryEntry, ResourceState, Result, StateBackend, StateDocument
from ..state.history import new_apply_id
from .errors import PlanTampered, StalePlan
from .manual import PENDING, asked_values
from .order import waves
from .ownership import TARGET, check_identity
from .plan import Action, Change, FieldChange, Plan, Ref

Progress = Callable[[int], None]
"""Called with the number of changes just finished."""

StopRequested = Callable[[], bool]
"""Asked after every batch: True stops the apply there (an interrupt), with state saved."""


class ApplyStopped(BaseException):
    """Raised from the batch callback once a stop is asked for, to end the provider's loop after
    the batch it just reported. A BaseException, so no provider's `except Exception` holds it."""


@dataclass(frozen=True)
class Provenance:
    """Who asked for this apply and from which plan, for every history entry it writes."""

    apply_id: str
    plan_checksum: str | None = None
    commit: str | None = None
    author: str | None = None


@dataclass
class ApplyOutcome:
    results: dict[str, ChangeResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    pending: list[Change] = field(default_factory=list)
    """Manual steps recorded as pending: the checklist for a person."""
    state: StateDocument | None = None
    stopped: bool = False
    """The apply was asked to stop (an interrupt) before every change ran."""
    not_run: list[str] = field(default_factory=list)
    """Ids of the changes a stop left unattempted, in plan order."""

    @property
    def failed(self) -> dict[str, str]:
        out = {cid: r.error or "failed" for cid, r in self.results.items() if not r.ok}
        out.update(self.skipped)
        return out

    @property
    def succeeded(self) -> list[str]:
        return [cid for cid, r in self.results.items() if r.ok]


def check_fresh(plan: Plan, state: StateDocument, providers: Mapping[str, Provider]) -> None:
    """Refuse a plan made against another state, an older state, or live records that moved since."""
    check_identity(plan.repo, state)
    if plan.lineage is not None and plan.lineage != state.lineage:
        raise PlanTampered(
            f"the plan belongs to state lineage {plan.lineage}, this state is {state.lineage}; "
            "re-run plan against this repo's state"
        )
    if plan.serial != state.serial or (plan.lineage is None and state.resources):
        raise StalePlan(
            f"the state changed since the plan was made (serial {plan.serial} -> {state.serial}): "
            "another apply ran; re-run plan"
        )
    moved: list[str] = []
    for system, changes in _by_system(c for c in plan.changes if c.action is not Action.MANUAL):
        provider = providers.get(system)
        if provider is None:
            raise PlanTampered(
                f"the plan changes {system}, which storegate.yaml does not configure"
            )
        moved.extend(_moved(changes, provider))
    if moved:
        shown = "; ".join(moved[:20]) + (f"; and {len(moved) - 20} more" if len(moved) > 20 else "")
        raise StalePlan(f"live records changed since the plan was made: {shown}. Re-run plan.")


def _moved(changes: Sequence[Change], provider: Provider) -> list[str]:
    keys = frozenset(c.key for c in changes)
    ids = frozenset(c.remote_id for c in changes if c.remote_id)
    kinds = frozenset(c.kind for c in changes)
    live = provider.read(Scope(keys=keys, ids=ids, kinds=kinds, full=False))
    by_id: dict[tuple[str, str], LiveRecord] = {(r.kind, r.id): r for r in live}
    by_key: dict[tuple[str, str], LiveRecord] = {(r.kind, r.key): r for r in live}
    out: list[str] = []
    for change in changes:
        if change.remote_id:
            found = by_id.get((change.kind, change.remote_id))
            if found is None:
                out.append(f"{change.address} no longer exists")
            elif change.fingerprint and found.fingerprint != change.fingerprint:
                out.append(f"{change.address} was modified")
        elif change.action is Action.CREATE and (change.kind, change.key) in by_key:
            out.append(f"{change.address} now exists")
    return sorted(set(out))


def _by_system(changes: Any) -> list[tuple[str, list[Change]]]:
    out: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        out[change.system].append(change)
    return list(out.items())


def resource_entry(
    address: Address, remote_id: str | None, change_or_account: Any
) -> ResourceState:
    account = getattr(change_or_account, "account", change_or_account)
    person = getattr(change_or_account, "person", None)
    attributes: dict[str, Any] = {"person": person} if person else {}
    return ResourceState(
        str(address), address.system, address.kind, address.key, remote_id, str(account), attributes
    )


class Applier:
    def __init__(
        self,
        plan: Plan,
        backend: StateBackend,
        state: StateDocument,
        providers: Mapping[str, Provider],
        progress: Progress | None = None,
        provenance: Provenance | None = None,
        stop: StopRequested | None = None,
    ) -> None:
        self.stop = stop
        self.provenance = provenance or Provenance(apply_id=new_apply_id())
        self.pending_history: list[HistoryEntry] = []
        self.plan = plan
        self.backend = backend
        self.state = state
        self.providers = providers
        self.progress = progress
        self.outcome = ApplyOutcome()
        self.resolved: dict[Address, dict[str, Any]] = defaultdict(dict)
        self.changes = plan.by_id()
        self.targets = dict(plan.targets)
        changed = {str(c.address) for c in plan.changes}
        self.settled = {a: t for a, t in self.targets.items() if a not in changed}
        """Targets of records no change touches: already true live."""
        self._stored_repo = state.repo
        self.by_remote_id: dict[tuple[str, str, str], str] = {
            (r.system, r.kind, r.id): a for a, r in state.resources.items() if r.id
        }

    def run(self) -> ApplyOutcome:
        if self.plan.repo is not None and self.state.repo != self.plan.repo:
            self.state.repo = self.plan.repo
        for system, provider in self.providers.items():
            provider.use_journal(StateJournal(self, system))
        self._record_managed()
        try:
            for round_ in waves(self.plan.changes):
                manual = [c for c in round_ if c.action is Action.MANUAL]
                if manual:
                    self._check_stop()
                    self._record_manual(manual)
                for system, changes in _by_system(
                    c for c in round_ if c.action is not Action.MANUAL
                ):
                    self._check_stop()
                    self._run_batch(system, changes)
        except ApplyStopped:
            self._stopped()
        self._forget_revoked()
        if self.pending_history:
            self._save()
        self.outcome.state = self.state
        return self.outcome

    def _check_stop(self) -> None:
        if self.stop is not None and self.stop():
            raise ApplyStopped

    def _stopped(self) -> None:
        """What a stop left undone: every change with no result, skip or pending step."""
        self.outcome.stopped = True
        done = set(self.outcome.results) | set(self.outcome.skipped)
        done.update(c.id for c in self.outcome.pending)
        self.outcome.not_run = [c.id for c in self.plan.changes if c.id not in done]

    def _record_managed(self) -> None:
        changed = False
        for record in self.plan.managed:
            self.resolved[record.address]["id"] = record.id
            address = str(record.address)
            known = self.state.resources.get(address)
            entry = resource_entry(record.address, record.id, record.account)
            if known is not None:
                entry.attributes = {**known.attributes, **entry.attributes}
            target = self.settled.get(address)
            if target is not None:
                entry.attributes[TARGET] = target
            if known is None or known != entry:
                self._put(address, entry)
                changed = True
        if changed or self.plan.repo != self._stored_repo:
            self._save()

    def _record_manual(self, changes: Sequence[Change]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for change in changes:
            blocked = self._blocked_by(change)
            if blocked:
                self._skip(change, blocked)
                continue
            address = str(change.address)
            entry = self.state.resources.get(address) or resource_entry(
                change.address, change.remote_id, change
            )
            step = dict(entry.attributes.get("manual") or {})
            wanted = asked_values(change)
            if step.get("after") != wanted or step.get("status") != PENDING:
                step = {"status": PENDING, "recorded_at": now, "after": wanted}
            step["title"] = change.manual.title if change.manual else change.reason
            entry.attributes = {**entry.attributes, "manual": step}
            self.state.resources[address] = entry
            self.outcome.pending.append(change)
            self.pending_history.append(self._entry(change, "skipped", "manual step: pending"))
        self._save()
        if self.progress is not None:
            self.progress(len(changes))

    def _run_batch(self, system: str, changes: Sequence[Change]) -> None:
        ready: list[Change] = []
        for change in changes:
            blocked = self._blocked_by(change)
            if blocked:
                self._skip(change, blocked)
                continue
            resolved = self._resolve(change)
            if isinstance(resolved, str):
                self._skip(change, resolved)
            else:
                ready.append(resolved)
        if self.progress is not None and len(ready) < len(changes):
            self.progress(len(changes) - len(ready))
        if not ready:
            return
        self.providers[system].apply(ready, self._on_batch)
        for change in ready:
            if change.id not in self.outcome.results:
                self.outcome.results[change.id] = ChangeResult(
                    change.id, False, error=f"{system} reported no result for this change"
                )

    def _blocked_by(self, change: Change) -> str | None:
        for dependency in change.depends_on:
            if dependency in self.outcome.skipped:
                return f"skipped: depends on {dependency}, which was skipped"
            result = self.outcome.results.get(dependency)
            if result is not None and not result.ok:
                return f"skipped: depends on {dependency}, which failed"
            waiting = self.changes.get(dependency)
            # A removal never waits for a person: access is closed everywhere an API allows now.
            if waiting is not None and waiting.action is Action.MANUAL and not change.removing:
                return f"waits for the manual step on {dependency}"
        return None

    def _resolve(self, change: Change) -> Change | str:
        def value(v: Any) -> Any:
            if not isinstance(v, Ref):
                return v
            known = self.resolved.get(v.address, {})
            if v.attribute not in known:
                raise LookupError(f"skipped: {v.address} has no {v.attribute} yet")
            return known[v.attribute]

        try:
            fields = tuple(FieldChange(f.name, f.before, value(f.after)) for f in change.fields)
            extra = tuple(
                FieldChange(f.name, f.before, value(f.after)) for f in change.create_fields
            )
        except LookupError as exc:
            return str(exc)
        remote_id = change.remote_id
        if remote_id is None and change.action is not Action.CREATE:
            remote_id = self.resolved.get(change.address, {}).get("id")
            if remote_id is None:
                return f"skipped: {change.address} was not created"
        return replace(change, fields=fields, create_fields=extra, remote_id=remote_id)

    def _skip(self, change: Change, why: str) -> None:
        self.outcome.skipped[change.id] = why
        self.pending_history.append(self._entry(change, "skipped", why))

    def _entry(self, change: Change, result: Result, error: str | None = None) -> HistoryEntry:
        origin = self.provenance
        return HistoryEntry(
            apply_id=origin.apply_id,
            address=str(change.address),
            action=change.action.value,
            result=result,
            before={f.name: _plain(f.before) for f in change.fields},
            after={f.name: _plain(f.after) for f in (*change.create_fields, *change.fields)},
            error=error,
            plan_checksum=origin.plan_checksum,
            commit=origin.commit,
            author=origin.author,
        )

    def _on_batch(self, results: Sequence[ChangeResult]) -> None:
        for result in results:
            self.outcome.results[result.change_id] = result
            change = self.changes.get(result.change_id)
            if change is not None:
                outcome: Result = "ok" if result.ok else "failed"
                self.pending_history.append(self._entry(change, outcome, result.error))
            if change is None or not result.ok:
                continue
            remote_id = result.remote_id or change.remote_id
            known = self.resolved[change.address]
            if remote_id:
                known["id"] = remote_id
            known.update(result.attributes)
            address = str(change.address)
            if change.action is Action.DELETE:
                self.state.resources.pop(address, None)
            else:
                previous = self.state.resources.get(address)
                entry = resource_entry(change.address, remote_id, change)
                if previous is not None:
                    kept = {k: v for k, v in previous.attributes.items() if k != "manual"}
                    entry.attributes = {**kept, **entry.attributes}
                target = self.targets.get(address)
                if target is not None and change.step == 0:
                    entry.attributes[TARGET] = target
                self._put(address, entry)
        self._save()
        if self.progress is not None:
            self.progress(len(results))
        self._check_stop()

    def _forget_revoked(self) -> None:
        failed = set(self.outcome.failed) | set(self.outcome.not_run)
        pending = {str(self.changes[cid].address) for cid in failed if cid in self.changes}
        pending.update(str(c.address) for c in self.outcome.pending)
        dropped = [a for a in self.plan.forget if a not in pending and a in self.state.resources]
        for address in dropped:
            del self.state.resources[address]
        if dropped:
            self._save()

    def _put(self, address: str, entry: ResourceState) -> None:
        """Record a resource; an earlier address of the same live record (an email changed with
        `previously:`) is dropped, so state never holds one record twice."""
        if entry.id:
            identity = (entry.system, entry.kind, entry.id)
            earlier = self.by_remote_id.get(identity)
            if earlier is not None and earlier != address:
                self.state.resources.pop(earlier, None)
            self.by_remote_id[identity] = address
        self.state.resources[address] = entry

    def _save(self) -> None:
        history, self.pending_history = self.pending_history, []
        self.state = self.backend.write(self.state, self.state.serial, history)
        self._stored_repo = self.state.repo


JOURNAL = "journal"
"""The record kind of a provider's journal entries in state (never a live record)."""


class StateJournal:
    """A provider's journal kept in state, saved on every put and drop."""

    def __init__(self, applier: Applier, system: str) -> None:
        self._applier = applier
        self._system = system

    def _address(self, key: str) -> Address:
        return Address(self._system, JOURNAL, key)

    def entries(self) -> dict[str, dict[str, Any]]:
        return {
            r.key: dict(r.attributes.get(JOURNAL) or {})
            for r in self._applier.state.resources.values()
            if r.system == self._system and r.kind == JOURNAL
        }

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        address = self._address(key)
        self._applier.state.resources[str(address)] = ResourceState(
            str(address), self._system, JOURNAL, key, None, "", {JOURNAL: dict(value)}
        )
        self._applier._save()

    def drop(self, key: str) -> None:
        if self._applier.state.resources.pop(str(self._address(key)), None) is not None:
            self._applier._save()


def _plain(value: Any) -> Any:
    """A field value as history stores it (a value not yet known is the Ref's JSON)."""
    if isinstance(value, Ref):
        return value.to_json()
    if isinstance(value, KeepIfSet):
        return value.value
    return value


def apply_plan(
    plan: Plan,
    backend: StateBackend,
    state: StateDocument,
    providers: Mapping[str, Provider],
    progress: Progress | None = None,
    provenance: Provenance | None = None,
    stop: StopRequested | None = None,
) -> ApplyOutcome:
    return Applier(plan, backend, state, providers, progress, provenance, stop).run()

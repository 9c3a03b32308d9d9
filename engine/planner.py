"""Builds a Plan: desired records from every provider, live records read in bulk, state, then diff.

The engine knows no system: each provider projects the access repo onto its own records, reads its
own live records, and adds its own warnings and extra changes through the contract's hooks.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import islice

from ..engine import manual
from ..providers.contract import (
    Action,
    Address,
    Change,
    DesiredContext,
    DesiredRecord,
    DesiredView,
    LiveRecord,
    ManagedResource,
    PlanWarning,
    Problem,
    Provider,
    Scope,
    SystemInfo,
)
from ..state.base import StateDocument
from .apply import JOURNAL
from .diff import LiveIndex, Match, Resolver, diff, match_all, unsettled
from .malloc import trim_malloc
from .model import DesiredState
from .order import topological
from .ownership import (
    UnmanagedAccess,
    check_identity,
    declared_people,
    drift_origins,
    find_unmanaged,
    mark_unmanaged,
    moved_targets,
    undeclared_accounts,
)
from .plan import ManagedRecord, Plan
from .reads import EarlyReads, ReadProgress, read_one
from .safety import assess, warnings
from .sources import SourceLines
from .view import desired_view


def make_plan(
    desired: DesiredState,
    state: StateDocument,
    providers: Mapping[str, Provider],
    progress: ReadProgress | None = None,
) -> Plan:
    check_identity(desired.config.repo, state)
    view = desired_view(desired)
    systems = {name: provider.info() for name, provider in providers.items()}
    for provider in providers.values():
        provider.check()
    early = EarlyReads(providers, early_scopes(view, state, systems), progress)
    try:
        return _plan(desired, view, state, providers, systems, early.start(), progress)
    except BaseException:
        early.abandon()
        raise


def _plan(
    desired: DesiredState,
    view: DesiredView,
    state: StateDocument,
    providers: Mapping[str, Provider],
    systems: Mapping[str, SystemInfo],
    early: EarlyReads,
    progress: ReadProgress | None,
) -> Plan:
    # While the early reads run: everything that needs only the repo and the state.
    # The context (a managed resource per state record) is made again only for a takeover.
    records = _desired(providers, DesiredContext(view, _managed(state), systems))
    late = scopes_for(records, state, {n: i for n, i in systems.items() if i.full_read_needs_keys})
    targets = moved_targets(records, state)
    accounts = {a.name for a in view.accounts}
    forget = tuple(sorted(undeclared(declared_people(view), accounts, state)))
    managed_contacts = _managed_people(state, records)
    lines = SourceLines(view)

    live, matches, pending, unmatched = _read_and_match(records, providers, early, late, progress)
    trim_malloc()  # the pages the reads' parsed buffers held, before the diff adds its changes
    examine: list[Match] | None = pending
    del pending

    unmanaged = find_unmanaged(unmatched, view, systems)
    exclusive = {a.name for a in view.accounts if a.exclusive}
    takeover = {u.address.key for u in unmanaged if u.account in exclusive}
    if takeover:
        # Revoke them as if state had managed them: every system's record of those people.
        taken = [
            ManagedResource(r.address, r.id, r.account or _account_of(r, unmanaged))
            for r in live
            if r.key in takeover and r.kind == systems[r.system].contact_kind
        ]
        context = DesiredContext(view, [*_managed(state), *taken], systems)
        records = _desired(providers, context)
        targets = moved_targets(records, state)
        managed_contacts = _managed_people(state, records)
        matches, unmatched = match_all(records, live)
        examine = None
    crm_only = undeclared_accounts(unmatched, systems)
    del unmatched

    def compare(system: str, name: str, want: object, have: object) -> bool:
        return providers[system].same_value(name, want, have)

    changes = diff(
        records, live, compare=compare, matches=matches, locate=lines.of_record, examine=examine
    )
    del examine
    changes = _provider_hooks(changes, records, live, providers)
    by_hand = {c.address for c in changes if c.action is Action.MANUAL}
    seen_live = {str(r.address): r for r in live if r.address in by_hand} if by_hand else {}
    changes = manual.track(changes, state, seen_live, providers)
    changes = drift_origins(((m.desired, m.live) for m in matches), changes, state, compare)
    changes = lines.located(mark_unmanaged(changes, takeover))
    plan_warnings: list[PlanWarning] = [_rule_warning(p) for p in desired.warnings]
    for provider in providers.values():
        plan_warnings.extend(provider.plan_warnings(records, live))
    del records, live  # the last readers are above: `kept` releases them as it is made
    kept, adopted = _kept(matches, state.resources)
    if _fresh(state) and kept:
        plan_warnings.insert(0, _empty_state_warning(len(kept), bool(exclusive)))
    plan = Plan(
        changes=tuple(changes),
        warnings=tuple(plan_warnings),
        lineage=None if _fresh(state) else state.lineage,
        serial=state.serial,
        managed_contacts=managed_contacts,
        managed=kept,
        forget=forget,
        repo=desired.config.repo,
        unmanaged=tuple(u for u in unmanaged if u.address.key not in takeover),
        undeclared_accounts=crm_only,
        adopted=tuple(sorted(adopted)),
        targets=tuple(sorted(targets.items())),
    )
    report = assess(plan, desired.config.safety)
    return replace(plan, warnings=(*warnings(report), *plan.warnings))


def early_scopes(
    view: DesiredView, state: StateDocument, systems: Mapping[str, SystemInfo]
) -> dict[str, Scope]:
    """The full reads that need no key or id, read while the repo is projected: each is told
    every account the repo declares or the state manages."""
    names = [name for name, info in systems.items() if not info.full_read_needs_keys]
    if not names:
        return {}
    accounts = {a.name for a in view.accounts}
    accounts.update(r.account for r in state.resources.values() if r.account)
    known = frozenset(accounts)
    return {name: Scope(accounts=known, full=True) for name in names}


EMPTY_STATE = "SG-EMPTY-STATE"


def _empty_state_warning(existing: int, exclusive: bool) -> PlanWarning:
    lost = (
        "exclusive accounts still revoke access the repo does not declare"
        if exclusive
        else "a contact removed from the repo since then would NOT be revoked"
    )
    return PlanWarning(
        EMPTY_STATE,
        f"the state is empty, but {existing} records this repo declares already exist live: if "
        f"this repo was applied before, its state is lost and {lost}. Apply refuses until you "
        "pass --allow-empty-state (or run `storegate import` to adopt the live records first)",
    )


def _rule_warning(problem: Problem) -> PlanWarning:
    return PlanWarning(problem.code, f"{problem.path}:{problem.line}: {problem.message}")


def _managed(state: StateDocument) -> list[ManagedResource]:
    return [
        ManagedResource(Address(r.system, r.kind, r.key), r.id, r.account)
        for r in state.resources.values()
        if r.kind != JOURNAL
    ]


def _desired(providers: Mapping[str, Provider], context: DesiredContext) -> list[DesiredRecord]:
    records: list[DesiredRecord] = []
    for provider in providers.values():
        records.extend(provider.desired(context))
    return records


def _read_and_match(
    records: Sequence[DesiredRecord],
    providers: Mapping[str, Provider],
    early: EarlyReads,
    late: dict[str, Scope],
    progress: ReadProgress | None,
) -> tuple[list[LiveRecord], list[Match], list[Match], list[LiveRecord]]:
    """Every system's live records; each desired record with its live record, in `records`'
    order; the matches the diff must examine (the others are already as the repo says); the live
    records nothing matched."""
    spans = _spans(records)
    index = LiveIndex()
    read: dict[str, list[LiveRecord]] = {}
    matched: dict[str, list[Match]] = {}
    pending: list[Match] = []
    for name, landed in early.landed():
        # While the next system is read: this one's records matched, and those already as the
        # repo says set aside (a Ref to a system not read yet leaves its record to the diff).
        index.add(landed)
        read[name] = landed
        span = spans.get(name)
        if span is not None:
            matched[name] = found = index.take(islice(records, *span))
            so_far = found if len(matched) == 1 else [m for f in matched.values() for m in f]
            pending.extend(unsettled(found, Resolver(so_far)))
    for name in list(late):
        # Each scope (every key and id of the repo) is dropped once its system is read.
        read[name] = read_one(name, providers[name], late.pop(name), progress)
        index.add(read[name])
    live = [record for name in providers for record in read.pop(name)]
    matches: list[Match] = []
    for name, span in spans.items() if spans else [("", (0, len(records)))]:
        if name in matched:
            matches.extend(matched.pop(name))
            continue
        found = index.take(islice(records, *span))
        pending.extend(found)
        matches.extend(found)
    return live, matches, pending, index.unmatched()


def _spans(records: Sequence[DesiredRecord]) -> dict[str, tuple[int, int]]:
    """Where each system's records lie in `records`: one run per system, as each provider
    projects its own. Empty if a system's records are not one run (each is then matched once
    every system is read)."""
    spans: dict[str, tuple[int, int]] = {}
    start = 0
    for position in range(1, len(records) + 1):
        system = records[start].address.system
        if position < len(records) and records[position].address.system == system:
            continue
        if system in spans:
            return {}
        spans[system] = (start, position)
        start = position
    return spans


def _kept(
    matches: list[Match], known: Container[str]
) -> tuple[tuple[ManagedRecord, ...], list[str]]:
    """The present records that exist live, as the plan keeps them, and the addresses of those
    `known` (state) does not hold yet: adopted. `matches` is emptied as it is read: each pair, and
    with it the desired and live records nothing else holds any more, is freed as its entry is
    made, so the plan's peak never holds the records and the list at once."""
    kept: list[ManagedRecord] = []
    adopted: list[str] = []
    matches.reverse()
    while matches:
        match = matches.pop()
        want = match.desired
        if want.intent == "present" and match.live is not None:
            kept.append(ManagedRecord(want.address, match.live.id, want.account))
            if (address := str(want.address)) not in known:
                adopted.append(address)
    return tuple(kept), adopted


def _account_of(record: LiveRecord, unmanaged: Sequence[UnmanagedAccess]) -> str:
    return next((u.account for u in unmanaged if u.address.key == record.key), "")


def _provider_hooks(
    changes: list[Change],
    records: Sequence[DesiredRecord],
    live: Sequence[LiveRecord],
    providers: Mapping[str, Provider],
) -> list[Change]:
    kept = [c for c in changes if providers[c.system].include_change(c)]
    extra: list[Change] = []
    for provider in providers.values():
        extra.extend(provider.extra_changes(kept, records, live))
    return topological([*kept, *extra]) if extra or len(kept) != len(changes) else kept


def scopes_for(
    records: Iterable[DesiredRecord], state: StateDocument, systems: Mapping[str, SystemInfo]
) -> dict[str, Scope]:
    """What each system's full read must cover, in one pass over the records and one over state:
    the keys and ids of those that need them (`full_read_needs_keys`), every account name."""
    keys: dict[str, set[str]] = {
        name: set() for name, info in systems.items() if info.full_read_needs_keys
    }
    ids: dict[str, set[str]] = {name: set() for name in keys}
    accounts: set[str] = set()
    for record in records:
        system = record.address.system
        accounts.add(record.account)
        if system not in keys:
            continue
        keys[system].add(record.address.key)
        if record.aliases:
            keys[system].update(record.aliases)
        if record.remote_id:
            ids[system].add(record.remote_id)
    for resource in state.resources.values() if ids else ():
        if resource.id and resource.system in ids:
            ids[resource.system].add(resource.id)
    known = frozenset(accounts)
    return {
        name: Scope(keys=frozenset(keys[name]), ids=frozenset(ids[name]), accounts=known, full=True)
        if name in keys
        else Scope(accounts=known, full=True)
        for name in systems
    }


def undeclared(contacts: set[str], accounts: set[str], state: StateDocument) -> set[str]:
    """State addresses the YAML no longer declares (`contacts`: every key and earlier key it
    lists; `accounts`: every account name): forgotten once their revocation is applied."""
    gone: set[str] = set()
    for resource in state.resources.values():
        if resource.kind == JOURNAL:
            continue
        person = resource.attributes.get("person") or (
            resource.key if "@" in resource.key else None
        )
        if isinstance(person, str):
            declared = person in contacts
        else:
            declared = resource.account in accounts or resource.key in accounts
        if not declared:
            gone.add(resource.address)
    return gone


def _fresh(state: StateDocument) -> bool:
    return state.serial == 0 and not state.resources


def _managed_people(state: StateDocument, records: Sequence[DesiredRecord]) -> int:
    people = {
        p
        for r in state.resources.values()
        if isinstance(p := r.attributes.get("person") or (r.key if "@" in r.key else None), str)
    }
    people.update(r.person for r in records if r.person is not None and r.intent == "present")
    return len(people)

"""Builds a Plan: desired records from every provider, live records read in bulk, state, then diff.

The engine knows no system: each provider projects the access repo onto its own records, reads its
own live records, and adds its own warnings and extra changes through the contract's hooks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from storegate.engine import manual
from storegate.engine.diff import diff, match_records
from storegate.engine.model import DesiredState
from storegate.engine.order import topological
from storegate.engine.plan import ManagedRecord, Plan
from storegate.engine.safety import assess, warnings
from storegate.engine.view import desired_view
from storegate.providers.contract import (
    Address,
    Change,
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    Location,
    ManagedResource,
    PlanWarning,
    Provider,
    Scope,
)
from storegate.state.base import StateDocument


def make_plan(
    desired: DesiredState, state: StateDocument, providers: Mapping[str, Provider]
) -> Plan:
    managed = [
        ManagedResource(Address(r.system, r.kind, r.key), r.id, r.account)
        for r in state.resources.values()
    ]
    view = desired_view(desired)
    systems = {name: provider.info() for name, provider in providers.items()}
    context = DesiredContext(desired=view, managed=managed, systems=systems)
    for provider in providers.values():
        provider.check()
    records: list[DesiredRecord] = []
    for provider in providers.values():
        records.extend(provider.desired(context))
    records = with_sources(records, desired)
    live: list[LiveRecord] = []
    for name, provider in providers.items():
        live.extend(provider.read(scope_for(records, state, name)))

    def compare(system: str, name: str, want: object, have: object) -> bool:
        return providers[system].same_value(name, want, have)

    matches = match_records(records, live)
    changes = diff(records, live, compare=compare, matches=matches)
    changes = _provider_hooks(changes, records, live, providers)
    changes = manual.track(changes, state, {str(r.address): r for r in live}, providers)
    kept = tuple(
        ManagedRecord(m.desired.address, m.live.id, m.desired.account)
        for m in matches
        if m.desired.intent == "present" and m.live is not None
    )
    plan_warnings: list[PlanWarning] = []
    for provider in providers.values():
        plan_warnings.extend(provider.plan_warnings(records, live))
    plan = Plan(
        changes=tuple(changes),
        warnings=tuple(plan_warnings),
        lineage=None if _fresh(state) else state.lineage,
        serial=state.serial,
        managed_contacts=_managed_people(state, records),
        managed=kept,
        forget=tuple(sorted(undeclared(desired, state))),
    )
    report = assess(plan, desired.config.safety)
    return replace(plan, warnings=(*warnings(report), *plan.warnings))


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


def scope_for(records: Iterable[DesiredRecord], state: StateDocument, system: str) -> Scope:
    keys: set[str] = set()
    ids: set[str] = set()
    accounts: set[str] = set()
    for record in records:
        if record.system == system:
            keys.update((record.key, *record.aliases))
            if record.remote_id:
                ids.add(record.remote_id)
        accounts.add(record.account)
    ids.update(r.id for r in state.resources.values() if r.system == system and r.id)
    return Scope(keys=frozenset(keys), ids=frozenset(ids), accounts=frozenset(accounts), full=True)


def with_sources(records: Sequence[DesiredRecord], desired: DesiredState) -> list[DesiredRecord]:
    """Each record located at the YAML that declares it (the account name, or the contact's email)."""
    contact_at: dict[str, Location] = {}
    account_at: dict[str, Location] = {}
    for loaded in desired.accounts:
        account_at[loaded.file.account.name] = desired.sources.locate(
            loaded.path, "account", "name"
        )
    for loaded, index, contact in desired.contacts():
        contact_at[contact.key] = desired.sources.locate(loaded.path, "contacts", index, "email")
    out: list[DesiredRecord] = []
    for record in records:
        if record.source is None:
            where = (
                contact_at.get(record.person)
                if record.person is not None
                else account_at.get(record.account)
            )
            if where is not None:
                record = replace(record, source=where)
        out.append(record)
    return out


def undeclared(desired: DesiredState, state: StateDocument) -> set[str]:
    """State addresses the YAML no longer declares: forgotten once their revocation is applied."""
    contacts = {c.key for _, _, c in desired.contacts()}
    contacts.update(old.strip().lower() for _, _, c in desired.contacts() for old in c.previously)
    accounts = {loaded.file.account.name for loaded in desired.accounts}
    gone: set[str] = set()
    for resource in state.resources.values():
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

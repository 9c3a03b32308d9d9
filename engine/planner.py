"""Builds a Plan: desired records from every provider, live records read in bulk, state, then diff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from storegate.engine.diff import SALESFORCE, diff, match_records
from storegate.engine.model import DesiredState, email_key
from storegate.engine.plan import ManagedRecord, Plan, PlanWarning
from storegate.engine.safety import assess, warnings
from storegate.providers.base import (
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    ManagedResource,
    Provider,
    Scope,
    address_of,
)
from storegate.state.base import StateDocument


def store_system(providers: Mapping[str, Provider]) -> str | None:
    return next((name for name in providers if name != SALESFORCE), None)


def make_plan(
    desired: DesiredState, state: StateDocument, providers: Mapping[str, Provider]
) -> Plan:
    managed = [
        ManagedResource(r.system, r.kind, r.key, r.id, r.account) for r in state.resources.values()
    ]
    store = store_system(providers)
    context = DesiredContext(desired=desired, managed=managed, store_system=store)
    for provider in providers.values():
        provider.check()
    records: list[DesiredRecord] = []
    for provider in providers.values():
        records.extend(provider.desired(context))
    records = link_systems(records, store)
    live: list[LiveRecord] = []
    for name, provider in providers.items():
        live.extend(provider.read(scope_for(records, state, name)))

    changes = diff(records, live, sources_of(desired, records))
    matches = match_records(records, live)
    kept = [
        ManagedRecord(
            m.desired.address,
            m.desired.system,
            m.desired.kind,
            m.desired.key,
            m.live.id,
            m.desired.account,
        )
        for m in matches
        if m.desired.intent == "present" and m.live is not None
    ]
    plan = Plan(
        changes=tuple(changes),
        warnings=tuple(recreation_warnings(records, live, providers.get(SALESFORCE))),
        lineage=None if _fresh(state) else state.lineage,
        serial=state.serial,
        managed_contacts=_managed_contacts(state, kept),
        managed=tuple(kept),
        forget=tuple(sorted(undeclared(desired, state))),
    )
    report = assess(plan, desired.config.safety)
    return replace(plan, warnings=(*warnings(report), *plan.warnings))


def link_systems(records: Sequence[DesiredRecord], store: str | None) -> list[DesiredRecord]:
    """A Salesforce contact's revocation waits for its store record's removal (store first)."""
    if store is None:
        return list(records)
    out: list[DesiredRecord] = []
    for record in records:
        if record.system == SALESFORCE and record.kind == "contact":
            store_address = address_of(store, "customer", record.key)
            if store_address not in record.depends_on:
                record = replace(record, depends_on=(*record.depends_on, store_address))
        out.append(record)
    return out


def scope_for(records: Iterable[DesiredRecord], state: StateDocument, system: str) -> Scope:
    keys: set[str] = set()
    ids: set[str] = set()
    for record in records:
        if record.system == system:
            keys.update((record.key, *record.aliases))
            if record.remote_id:
                ids.add(record.remote_id)
    ids.update(r.id for r in state.resources.values() if r.system == system and r.id)
    return Scope(keys=frozenset(keys), ids=frozenset(ids), full=True)


def sources_of(desired: DesiredState, records: Iterable[DesiredRecord]) -> dict[str, str]:
    """address -> "path:line" of the YAML that declares it."""
    contact_at: dict[str, str] = {}
    account_at: dict[str, str] = {}
    for loaded in desired.accounts:
        at = desired.sources.locate(loaded.path, "account", "name")
        account_at[loaded.file.account.name] = f"{at.path}:{at.line}"
    for loaded, index, contact in desired.contacts():
        at = desired.sources.locate(loaded.path, "contacts", index, "email")
        contact_at[contact.key] = f"{at.path}:{at.line}"
    out: dict[str, str] = {}
    for record in records:
        where = (
            account_at.get(record.key) if record.kind == "account" else contact_at.get(record.key)
        )
        if where is not None:
            out[record.address] = where
    return out


def undeclared(desired: DesiredState, state: StateDocument) -> set[str]:
    """State addresses the YAML no longer declares: forgotten once their revocation is applied."""
    contacts = {c.key for _, _, c in desired.contacts()}
    contacts.update(email_key(old) for _, _, c in desired.contacts() for old in c.previously)
    accounts = {loaded.file.account.name for loaded in desired.accounts}
    gone: set[str] = set()
    for resource in state.resources.values():
        declared = accounts if resource.kind == "account" else contacts
        if resource.key not in declared:
            gone.add(resource.address)
    return gone


def recreation_warnings(
    records: Iterable[DesiredRecord], live: Iterable[LiveRecord], salesforce: Provider | None
) -> list[PlanWarning]:
    """Seed 000's trap: a revoked contact left Active with an email gets its store account back."""
    advise = getattr(salesforce, "recreation_risk", None)
    if advise is None:
        return []
    live_by_address = {r.address: r for r in live if r.system == SALESFORCE and r.kind == "contact"}
    out: list[PlanWarning] = []
    for record in records:
        if record.system != SALESFORCE or record.kind != "contact" or record.access != "revoked":
            continue
        if record.offboard:
            continue
        found = live_by_address.get(record.address)
        advice = advise(found) if found is not None else None
        if advice:
            out.append(PlanWarning("SG-RECREATE", str(advice), record.address))
    return out


def _fresh(state: StateDocument) -> bool:
    return state.serial == 0 and not state.resources


def _managed_contacts(state: StateDocument, kept: Sequence[ManagedRecord]) -> int:
    keys = {
        r.key for r in state.resources.values() if r.system == SALESFORCE and r.kind == "contact"
    }
    keys.update(m.key for m in kept if m.system == SALESFORCE and m.kind == "contact")
    return len(keys)

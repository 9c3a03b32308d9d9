"""The report's facts, gathered from the access repo, state, its history and (optionally) a plan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...state.base import HistoryEntry, StateDocument
from ..model import DesiredState, LoadedAccount
from ..plan import Action, Plan

PERMISSIONS = ("purchase_on_account", "account_credit", "account_points", "account_pricing")
PERMISSION_LABELS = {
    "purchase_on_account": "buy on account",
    "account_credit": "account credit",
    "account_points": "loyalty points",
    "account_pricing": "account prices",
}
GRANTING = frozenset({"create", "grant"})


@dataclass(frozen=True)
class ContactRow:
    email: str
    name: str
    access: str
    permissions: tuple[str, ...]
    systems: tuple[str, ...]
    since: str
    verified: str
    pending_changes: int = 0


@dataclass(frozen=True)
class StepRow:
    title: str
    address: str
    since: str


@dataclass(frozen=True)
class UnmanagedRow:
    who: str
    """Masked: the part before @ cut to its first letter (no PII beyond the access repo)."""
    system: str
    access: str


@dataclass
class AccountReport:
    name: str
    path: str
    contacts: list[ContactRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    unmanaged: list[UnmanagedRow] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def count(self, access: str) -> int:
        return sum(1 for c in self.contacts if c.access == access)

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(sorted({s for c in self.contacts for s in c.systems}))


@dataclass
class AccessReport:
    accounts: list[AccountReport]
    repo: str | None
    serial: int
    generated_at: str
    checked_live_at: str | None
    """When the plan the report used read the live systems (None: not checked live)."""


def mask(key: str) -> str:
    """`jane.doe@acme.example` -> `j…@acme.example`: enough to see that someone is there."""
    local, at, domain = key.partition("@")
    return f"{local[:1]}…@{domain}" if at else f"{key[:1]}…"


def _person_of(address: str, resources: Mapping[str, Any]) -> str | None:
    resource = resources.get(address)
    if resource is not None:
        person = resource.attributes.get("person")
        if isinstance(person, str):
            return person
    key = address.rsplit('["', 1)[-1].removesuffix('"]') if '["' in address else ""
    return key.lower() if "@" in key else None


def _system_of(address: str) -> str:
    return address.split(".", 1)[0]


def _when(at: str) -> str:
    return at[:16].replace("T", " ") + " UTC" if at else ""


def _by_person(
    history: Sequence[HistoryEntry], state: StateDocument
) -> tuple[dict[str, list[HistoryEntry]], list[HistoryEntry]]:
    people: dict[str, list[HistoryEntry]] = defaultdict(list)
    receipts: list[HistoryEntry] = []
    for entry in history:
        if entry.is_receipt:
            receipts.append(entry)
            continue
        person = _person_of(entry.address, state.resources)
        if person is not None:
            people[person].append(entry)
    return people, receipts


def _since(entries: Iterable[HistoryEntry], has_records: bool) -> str:
    for entry in entries:
        if entry.result == "ok" and entry.action in GRANTING:
            return _when(entry.at)
    return "before storegate's history" if has_records else "not yet applied"


def _verified(
    key: str,
    access: str,
    entries: Sequence[HistoryEntry],
    receipts: Sequence[HistoryEntry],
    pending: int,
    plan: Plan | None,
) -> str:
    live = ""
    if plan is not None:
        checked = _when(plan.created_at)
        live = (
            f"differs live: {pending} pending change{'s' * (pending != 1)} ({checked})"
            if pending
            else f"live matches the repo ({checked})"
        )
    if access == "revoked":
        for entry in reversed(receipts):
            contacts = (entry.receipt or {}).get("contacts")
            if isinstance(contacts, list) and key in contacts:
                verdict = "complete" if entry.result == "ok" else "NOT complete"
                proof = f"revocation receipt {entry.apply_id[:8]}, {verdict} ({_when(entry.at)})"
                return f"{live}; {proof}" if live else proof
    if live:
        return live
    applied = [e for e in entries if e.result == "ok"]
    if applied:
        last = applied[-1]
        commit = f" at {last.commit[:12]}" if last.commit else ""
        return f"applied {_when(last.at)}{commit}"
    return "not checked"


def _steps(loaded: LoadedAccount, state: StateDocument, plan: Plan | None) -> list[StepRow]:
    name = loaded.file.account.name
    steps: dict[str, StepRow] = {}
    for address, resource in sorted(state.resources.items()):
        step = resource.attributes.get("manual")
        if resource.account == name and isinstance(step, dict) and step.get("status") == "pending":
            title = str(step.get("title") or "manual step")
            steps[address] = StepRow(title, address, _when(str(step.get("recorded_at", ""))))
    for change in plan.changes if plan is not None else ():
        if change.account == name and change.action is Action.MANUAL and change.manual:
            address = str(change.address)
            if address not in steps:
                steps[address] = StepRow(change.manual.title, address, "planned, not yet applied")
    return list(steps.values())


def gather_report(
    desired: DesiredState,
    state: StateDocument,
    history: Sequence[HistoryEntry],
    plan: Plan | None,
    generated_at: str,
) -> AccessReport:
    people, receipts = _by_person(history, state)
    systems_of: dict[str, set[str]] = defaultdict(set)
    for address, resource in state.resources.items():
        person = _person_of(address, state.resources)
        if person is not None and not isinstance(resource.attributes.get("manual"), dict):
            systems_of[person].add(resource.system)
    pending: dict[str, int] = defaultdict(int)
    for change in plan.changes if plan is not None else ():
        if change.person is not None:
            pending[change.person] += 1
    accounts: list[AccountReport] = []
    for loaded in sorted(desired.accounts, key=lambda a: a.file.account.name.casefold()):
        account = loaded.file.account
        report = AccountReport(
            account.name,
            loaded.path,
            settings={
                k: v
                for k, v in account.model_dump(exclude_none=True).items()
                if k not in ("name", "stores")
            },
        )
        for contact in loaded.file.contacts:
            key = contact.email.strip().lower()
            entries = people.get(key, [])
            names = (contact.first_name or "", contact.last_name or "")
            report.contacts.append(
                ContactRow(
                    email=contact.email,
                    name=" ".join(n for n in names if n),
                    access=contact.access,
                    permissions=tuple(
                        PERMISSION_LABELS[p] for p in PERMISSIONS if getattr(contact, p) is True
                    ),
                    systems=tuple(sorted(systems_of.get(key, ()))),
                    since=_since(entries, bool(systems_of.get(key))),
                    verified=_verified(
                        key, contact.access, entries, receipts, pending.get(key, 0), plan
                    ),
                    pending_changes=pending.get(key, 0),
                )
            )
        report.steps = _steps(loaded, state, plan)
        report.unmanaged = [
            UnmanagedRow(mask(u.address.key), u.address.system, u.access)
            for u in (plan.unmanaged if plan is not None else ())
            if u.account == account.name
        ]
        accounts.append(report)
    return AccessReport(
        accounts=accounts,
        repo=desired.config.repo,
        serial=state.serial,
        generated_at=generated_at,
        checked_live_at=plan.created_at if plan is not None else None,
    )

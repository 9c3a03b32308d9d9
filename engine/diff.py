"""Desired records x live records → Changes.

Only fields the desired record manages are compared. A desired record finds its live record by the
id state learned (or a pinned id), then by key, then by an earlier key (`previously:`); live records
nothing desired points at are not storegate's and never appear in a plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from storegate.engine.plan import Action, Change, FieldChange, Ref
from storegate.providers.base import DesiredRecord, KeepIfSet, LiveRecord

SALESFORCE = "salesforce"


class Phase(IntEnum):
    """Apply order: accounts, contacts, store records, the ids written back; removals in reverse."""

    ACCOUNT = 10
    CONTACT = 20
    STORE = 30
    WRITEBACK = 40
    STORE_REMOVAL = 50
    CONTACT_REVOKE = 60
    ACCOUNT_DEACTIVATE = 70


@dataclass(frozen=True)
class Match:
    desired: DesiredRecord
    live: LiveRecord | None


def match_records(desired: Iterable[DesiredRecord], live: Iterable[LiveRecord]) -> list[Match]:
    by_id: dict[tuple[str, str, str], LiveRecord] = {}
    by_key: dict[tuple[str, str, str], LiveRecord] = {}
    for record in live:
        by_id[(record.system, record.kind, record.id)] = record
        by_key.setdefault((record.system, record.kind, record.key), record)
    taken: set[tuple[str, str, str]] = set()
    matches: list[Match] = []
    for want in desired:
        found = _find(want, by_id, by_key, taken)
        if found is not None:
            taken.add((found.system, found.kind, found.id))
        matches.append(Match(want, found))
    return matches


def _find(
    want: DesiredRecord,
    by_id: Mapping[tuple[str, str, str], LiveRecord],
    by_key: Mapping[tuple[str, str, str], LiveRecord],
    taken: set[tuple[str, str, str]],
) -> LiveRecord | None:
    candidates: list[LiveRecord | None] = []
    if want.remote_id:
        candidates.append(by_id.get((want.system, want.kind, want.remote_id)))
    for key in (want.key, *want.aliases):
        candidates.append(by_key.get((want.system, want.kind, key)))
    for record in candidates:
        if record is not None and (record.system, record.kind, record.id) not in taken:
            return record
    return None


def same_value(name: str, desired: Any, live: Any) -> bool:
    if name == "email" and isinstance(desired, str) and isinstance(live, str):
        return desired.strip().lower() == live.strip().lower()
    if desired in (None, "") and live in (None, ""):
        return True
    if isinstance(desired, bool) or isinstance(live, bool):
        return bool(desired) == bool(live) if None in (desired, live) else desired == live
    if (
        isinstance(desired, int | str)
        and isinstance(live, int | str)
        and not isinstance(desired, bool)
    ):
        return str(desired) == str(live)
    return bool(desired == live)


class Resolver:
    """Turns Refs into values where the target already exists live and is not being replaced."""

    def __init__(self, matches: Sequence[Match]) -> None:
        present = [m for m in matches if m.desired.intent == "present"]
        self._live = {m.desired.address: m.live for m in present}
        self._desired = {m.desired.address: m.desired for m in present}

    def resolve(self, value: Any) -> Any:
        if not isinstance(value, Ref):
            return value
        target = self._live.get(value.address)
        if target is None:
            return value
        if value.attribute == "id":
            return target.id
        # The value the target is about to have, not the one it has (an email changing in place).
        wanted = self._desired[value.address].fields.get(value.attribute)
        if wanted is not None and not isinstance(wanted, Ref | KeepIfSet):
            return wanted
        return target.fields.get(value.attribute, value)


def diff(
    desired: Sequence[DesiredRecord],
    live: Sequence[LiveRecord],
    sources: Mapping[str, str] | None = None,
) -> list[Change]:
    matches = match_records(desired, live)
    resolver = Resolver(matches)
    where = sources or {}
    changes: list[Change] = []
    for match in matches:
        changes.extend(_changes_for(match, resolver, where.get(match.desired.address)))
    return _with_dependencies(changes, {m.desired.address: m.desired for m in matches})


def _field_changes(
    want: DesiredRecord, have: LiveRecord | None, resolver: Resolver
) -> list[FieldChange]:
    out: list[FieldChange] = []
    for name, raw in want.fields.items():
        before = have.fields.get(name) if have is not None else None
        if isinstance(raw, KeepIfSet):
            if before not in (None, ""):
                continue
            after = raw.value
        else:
            after = resolver.resolve(raw)
        if have is not None and not isinstance(after, Ref) and same_value(name, after, before):
            continue
        if have is None and after is None:
            continue
        out.append(FieldChange(name, before, after))
    return out


def _changes_for(match: Match, resolver: Resolver, source: str | None) -> list[Change]:
    want, have = match.desired, match.live
    if want.intent == "absent":
        if have is None:
            return []
        reason = (
            "access revoked in the access repo"
            if want.access in ("revoked", "pending")
            else "removed from the access repo"
        )
        return [_change(want, have, Action.DELETE, [], reason, Phase.STORE_REMOVAL, source)]

    fields = _field_changes(want, have, resolver)
    if not fields:
        return []
    main = [f for f in fields if f.name not in want.writeback_fields]
    writeback = [f for f in fields if f.name in want.writeback_fields]
    out: list[Change] = []
    if have is None:
        action = Action.CREATE
        create_only = [
            FieldChange(name, None, resolver.resolve(value))
            for name, value in want.create_fields.items()
            if name not in want.fields
        ]
        phase = _phase(want, action, main)
        out.append(
            _change(
                want, None, action, main, _reason(want, None, action), phase, source, create_only
            )
        )
    elif main:
        action = _action(want, have)
        phase = _phase(want, action, main)
        out.append(_change(want, have, action, main, _reason(want, have, action), phase, source))
    if writeback:
        reason = "write the store's ids back to Salesforce"
        out.append(_change(want, have, Action.UPDATE, writeback, reason, Phase.WRITEBACK, source))
    return out


def _action(want: DesiredRecord, have: LiveRecord) -> Action:
    if want.access == "revoked" and have.access not in (None, "revoked"):
        return Action.REVOKE
    if want.access == "pending" and have.access == "active":
        return Action.REVOKE
    if want.access == "active" and have.access == "revoked":
        return Action.GRANT
    return Action.UPDATE


def _phase(want: DesiredRecord, action: Action, fields: Sequence[FieldChange]) -> Phase:
    if want.system != SALESFORCE:
        return Phase.STORE_REMOVAL if action is Action.DELETE else Phase.STORE
    if want.kind == "account":
        deactivating = any(f.name == "active" and f.after is False for f in fields)
        return Phase.ACCOUNT_DEACTIVATE if deactivating else Phase.ACCOUNT
    return Phase.CONTACT_REVOKE if action is Action.REVOKE else Phase.CONTACT


def _reason(want: DesiredRecord, have: LiveRecord | None, action: Action) -> str:
    noun = {"account": "account", "contact": "contact", "customer": "store customer"}.get(
        want.kind, want.kind
    )
    if action is Action.CREATE:
        return f"{noun} declared in the access repo does not exist yet"
    if action is Action.GRANT:
        return "access granted in the access repo"
    if action is Action.REVOKE:
        if want.access == "pending":
            return "access set back to pending approval in the access repo"
        return "access revoked in the access repo" + (
            " (contact has left)" if want.offboard else ""
        )
    if have is not None and have.key != want.key:
        return f"{noun} is {have.key!r} live; the access repo says {want.key!r}"
    return f"live {noun} differs from the access repo"


def _change(
    want: DesiredRecord,
    have: LiveRecord | None,
    action: Action,
    fields: Sequence[FieldChange],
    reason: str,
    phase: Phase,
    source: str | None,
    create_fields: Sequence[FieldChange] = (),
) -> Change:
    return Change(
        address=want.address,
        system=want.system,
        kind=want.kind,
        key=want.key,
        account=want.account,
        action=action,
        fields=tuple(fields),
        reason=reason,
        phase=int(phase),
        remote_id=have.id if have is not None else None,
        fingerprint=have.fingerprint if have is not None else None,
        depends_on=tuple(want.depends_on),
        create_fields=tuple(create_fields),
        source=source,
    )


def _with_dependencies(
    changes: Sequence[Change], desired: Mapping[str, DesiredRecord]
) -> list[Change]:
    """Replace depends_on addresses with the ids of earlier-phase changes to those addresses.

    A record also depends on its own earlier change (the ids written back need the contact created).
    """
    by_address: dict[str, list[Change]] = {}
    for change in changes:
        by_address.setdefault(change.address, []).append(change)
    out: list[Change] = []
    for change in changes:
        wanted = desired.get(change.address)
        addresses = (*(wanted.depends_on if wanted else ()), change.address)
        ids = sorted(
            {
                other.id
                for address in addresses
                for other in by_address.get(address, ())
                if other.phase < change.phase
            }
        )
        out.append(replace(change, depends_on=tuple(ids)))
    return sorted(out, key=lambda c: (c.phase, c.account, c.address))

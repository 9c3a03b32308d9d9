"""Desired records x live records → Changes, with the dependency edges between them.

Only fields the desired record manages are compared. A desired record finds its live record by the id
state learned (or a pinned id), then by key, then by an earlier key (`previously:`). Each record and
field is looked at once: the cost is linear in desired plus live records.

Edges: a record's change waits for the changes of the records it `depends_on` and of every record a
`Ref` in its fields points at; a record changed twice (fields, then ids written back) runs in order.
When the record depended on is being removed too, the edge turns round: the dependant is removed
first (a store's record of a person before the CRM record that grants it), as Terraform destroys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..providers.contract import (
    Action,
    Address,
    Change,
    DesiredRecord,
    FieldChange,
    KeepIfSet,
    LiveRecord,
    Origin,
    Ref,
)
from ..providers.contract import same_value as default_same_value
from .order import topological

Compare = Callable[[str, str, Any, Any], bool]
"""(system, field, desired, live) -> whether the live value already is the desired one."""


def default_compare(system: str, name: str, desired: Any, live: Any) -> bool:
    del system, name
    return default_same_value(desired, live)


@dataclass(frozen=True, slots=True)
class Match:
    desired: DesiredRecord
    live: LiveRecord | None


def match_records(desired: Iterable[DesiredRecord], live: Iterable[LiveRecord]) -> list[Match]:
    """Each desired record with its live record: one index of the live records per system and
    kind (by id and by key), one lookup per desired record; a live record is matched once."""
    return match_all(desired, live)[0]


def match_all(
    desired: Iterable[DesiredRecord], live: Iterable[LiveRecord]
) -> tuple[list[Match], list[LiveRecord]]:
    """`match_records`, and the live records no desired record matched (the few the ownership
    checks look at, found without a set of every matched id)."""
    index = LiveIndex()
    index.add(live)
    return index.take(desired), index.unmatched()


class LiveIndex:
    """The live records by system and kind (by id and by key), as reads land; desired records
    take their live record from it, each live record once. Records come in runs of one system and
    kind: the index of a kind is looked up as a run starts, not per record."""

    def __init__(self) -> None:
        self._kinds: dict[tuple[str, str], _Index] = {}

    def add(self, live: Iterable[LiveRecord]) -> None:
        indexes = self._kinds
        kind: tuple[str, str] | None = None
        index: _Index | None = None
        for record in live:
            address = record.address
            if (
                index is None
                or kind is None
                or address.system is not kind[0]
                or address.kind is not kind[1]
            ):
                kind = (address.system, address.kind)
                index = indexes.get(kind)
                if index is None:
                    index = indexes[kind] = _Index()
            index.by_id[record.id] = record
            index.by_key.setdefault(address.key, record)

    def take(self, desired: Iterable[DesiredRecord]) -> list[Match]:
        """Each desired record with its live record, which leaves the index."""
        indexes = self._kinds
        matches: list[Match] = []
        kind: tuple[str, str] | None = None
        index: _Index | None = None
        for want in desired:
            address = want.address
            if kind is None or address.system is not kind[0] or address.kind is not kind[1]:
                kind = (address.system, address.kind)
                index = indexes.get(kind)
            matches.append(Match(want, None if index is None else index.take(want)))
        return matches

    def unmatched(self) -> list[LiveRecord]:
        """The live records nothing took."""
        return [record for index in self._kinds.values() for record in index.by_id.values()]


class _Index:
    """The live records of one system and kind: by key, and by id those not matched yet."""

    __slots__ = ("by_id", "by_key")

    def __init__(self) -> None:
        self.by_id: dict[str, LiveRecord] = {}
        self.by_key: dict[str, LiveRecord] = {}

    def take(self, want: DesiredRecord) -> LiveRecord | None:
        """The pinned id first, then the key, then an earlier key (`previously:`). A record taken
        leaves `by_id`: what stays there at the end is what nothing matched."""
        by_id = self.by_id
        if want.remote_id:
            record = by_id.pop(want.remote_id, None)
            if record is not None:
                return record
        for key in (want.address.key, *want.aliases) if want.aliases else (want.address.key,):
            record = self.by_key.get(key)
            if record is not None and by_id.get(record.id) is record:
                del by_id[record.id]
                return record
        return None


class Resolver:
    """Turns Refs into values where the target already exists live and is not being replaced."""

    def __init__(self, matches: Sequence[Match]) -> None:
        self._matches = matches
        self._present: dict[tuple[str, str], dict[Address, Match]] = {}
        """Present records by address, indexed per system and kind as Refs first point there:
        most Refs point at a few accounts, and records no Ref points at are never indexed."""
        self._resolved: dict[int, tuple[Ref, Any]] = {}

    def resolve(self, value: Any) -> Any:
        if not isinstance(value, Ref):
            return value
        # A Ref object is most often shared (every contact of an account holds its account's):
        # each is resolved once. The Ref is kept beside its value, so its id is never reused.
        known = self._resolved.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        resolved = self._resolve(value)
        self._resolved[id(value)] = (value, resolved)
        return resolved

    def _resolve(self, value: Ref) -> Any:
        address = value.address
        found = self._of_kind(address.system, address.kind).get(address)
        if found is None or found.live is None:
            return value
        target = found.live
        if value.attribute == "id":
            return target.id
        # The value the target is about to have, not the one it has (an email changing in place).
        wanted = found.desired.fields.get(value.attribute)
        if wanted is not None and not isinstance(wanted, Ref | KeepIfSet):
            return wanted
        return target.fields.get(value.attribute, value)

    def _of_kind(self, system: str, kind: str) -> dict[Address, Match]:
        index = self._present.get((system, kind))
        if index is None:
            index = self._present[(system, kind)] = {
                m.desired.address: m
                for m in self._matches
                if m.desired.intent == "present"
                and m.desired.address.system == system
                and m.desired.address.kind == kind
            }
        return index


Locate = Callable[[DesiredRecord], str | None]


def own_source(record: DesiredRecord) -> str | None:
    """Where the provider located the record, if it did."""
    return None if record.source is None else f"{record.source.path}:{record.source.line}"


def unsettled(found: Iterable[Match], resolver: Resolver) -> list[Match]:
    """The matches not already as the repo says, as far as `resolver` can tell: a plan asks as
    each system's records land, and a Ref to a system not read yet leaves its record unsettled."""
    resolve = resolver.resolve
    return [m for m in found if m.live is None or not _unchanged(m.desired, m.live, resolve)]


def diff(
    desired: Sequence[DesiredRecord],
    live: Sequence[LiveRecord],
    *,
    compare: Compare = default_compare,
    matches: Sequence[Match] | None = None,
    locate: Locate = own_source,
    examine: Iterable[Match] | None = None,
) -> list[Change]:
    """The changes that make `live` what `desired` says, in an order that respects every edge.
    `locate` names where the YAML asks for a record ("path:line"), asked only of changed ones.
    `examine`: the matches that may have a change, when the others are known settled."""
    found = matches if matches is not None else match_records(desired, live)
    resolver = Resolver(found)
    changes: list[Change] = []
    resolve = resolver.resolve
    records: dict[Address, DesiredRecord] = {}
    for match in found if examine is None else examine:
        want, have = match.desired, match.live
        if have is not None and _unchanged(want, have, resolve):
            continue
        made = _changes_for(match, resolver, compare, locate)
        if made:
            changes.extend(made)
            records[want.address] = want
    return topological(_with_dependencies(changes, records))


_PLAIN_TYPES = frozenset({str, bool, int})


def _unchanged(want: DesiredRecord, have: LiveRecord, resolve: Callable[[Any], Any]) -> bool:
    """The usual record of a plan: present, and every field already equal (==, of the same type
    where a Ref resolves) live. Anything else, or any doubt, is for `_changes_for` to judge."""
    if want.intent != "present":
        return False
    get = have.fields.get
    for name, value in want.fields.items():
        before = get(name)
        if before == value:
            continue
        if type(value) is not Ref:
            return False
        after = resolve(value)
        if after != before or type(after) is not type(before) or type(after) not in _PLAIN_TYPES:
            return False
    return True


def _field_changes(
    want: DesiredRecord, have: LiveRecord | None, resolver: Resolver, compare: Compare
) -> list[FieldChange]:
    out: list[FieldChange] = []
    system = want.address.system
    live = have.fields if have is not None else None
    wanted = want.fields
    if live is not None:
        # Values already equal (==) live are nothing for any provider to judge: only the others
        # (and a Ref, equal to nothing, resolved below) are looked at one by one.
        get = live.get
        names: Iterable[str] = [name for name, value in wanted.items() if get(name) != value]
        if not names:
            return out
    else:
        names = wanted
    for name in names:
        raw = wanted[name]
        before = live.get(name) if live is not None else None
        kind = type(raw)
        if kind is KeepIfSet:
            if before not in (None, ""):
                continue
            after = raw.value
        elif kind is Ref:
            after = resolver.resolve(raw)
        else:
            after = raw
        if live is not None:
            # The same plain value of the same type is the same in every system; only values
            # that differ are the provider's to judge (case, number formats, empty as null).
            if after == before and type(after) is type(before) and type(after) in _PLAIN_TYPES:
                continue
            if not isinstance(after, Ref) and compare(system, name, after, before):
                continue
        elif after is None:
            continue
        out.append(FieldChange(name, before, after))
    return out


def _changes_for(
    match: Match, resolver: Resolver, compare: Compare, locate: Locate
) -> list[Change]:
    want, have = match.desired, match.live
    if want.intent == "absent":
        if have is None:
            return []
        reason = (
            "access revoked in the access repo"
            if want.access in ("revoked", "pending")
            else "removed from the access repo"
        )
        return [_change(want, have, Action.DELETE, [], reason, source=locate(want))]

    fields = _field_changes(want, have, resolver, compare)
    if not fields:
        return []
    source = locate(want)
    first = [f for f in fields if f.name not in want.later_fields]
    later = [f for f in fields if f.name in want.later_fields]
    out: list[Change] = []
    if have is None:
        create_only = [
            FieldChange(name, None, resolver.resolve(value))
            for name, value in want.create_fields.items()
            if name not in want.fields
        ]
        action = Action.CREATE
        reason = _reason(want, None, action)
        out.append(_change(want, None, action, first, reason, create_only, source=source))
    elif first:
        action = _action(want, have)
        out.append(_change(want, have, action, first, _reason(want, have, action), source=source))
    if later:
        reason = "write the ids the other systems assigned"
        out.append(_change(want, have, Action.UPDATE, later, reason, step=1, source=source))
    return out


def _action(want: DesiredRecord, have: LiveRecord) -> Action:
    if want.access == "revoked" and have.access not in (None, "revoked"):
        return Action.REVOKE
    if want.access == "pending" and have.access == "active":
        return Action.REVOKE
    if want.access == "active" and have.access in ("revoked", "pending"):
        return Action.GRANT
    return Action.UPDATE


def _reason(want: DesiredRecord, have: LiveRecord | None, action: Action) -> str:
    noun = want.kind.replace("_", " ")
    if action is Action.CREATE:
        return f"{noun} declared in the access repo does not exist yet"
    if action is Action.GRANT:
        return "access granted in the access repo"
    if action is Action.REVOKE:
        if want.access == "pending":
            return "access set back to pending approval in the access repo"
        return "access revoked in the access repo"
    if have is not None and have.key != want.key:
        return f"{noun} is {have.key!r} live; the access repo says {want.key!r}"
    return f"live {noun} differs from the access repo"


def _change(
    want: DesiredRecord,
    have: LiveRecord | None,
    action: Action,
    fields: Sequence[FieldChange],
    reason: str,
    create_fields: Sequence[FieldChange] = (),
    *,
    step: int = 0,
    source: str | None = None,
) -> Change:
    manual = want.manual
    return Change(
        address=want.address,
        account=want.account,
        action=Action.MANUAL if manual is not None else action,
        fields=tuple(fields),
        reason=reason,
        step=step,
        remote_id=have.id if have is not None else None,
        fingerprint=have.fingerprint if have is not None else None,
        create_fields=tuple(create_fields),
        source=source,
        origin=Origin.REPO,
        person=want.person,
        manual=manual,
        access=want.access,
    )


def _refs(change: Change) -> Iterable[Address]:
    for f in (*change.fields, *change.create_fields):
        if isinstance(f.after, Ref):
            yield f.after.address


def _removing(change: Change) -> bool:
    return change.removing or (change.action is Action.MANUAL and change.access == "revoked")


def _with_dependencies(
    changes: Sequence[Change], desired: Mapping[Address, DesiredRecord]
) -> list[Change]:
    """Each change's depends_on: the ids of the changes that must succeed before it."""
    by_address: dict[Address, list[Change]] = defaultdict(list)
    for change in changes:
        by_address[change.address].append(change)
    edges: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        for earlier in by_address[change.address]:
            if earlier.step < change.step:
                edges[change.id].add(earlier.id)
        for target in _refs(change):
            edges[change.id].update(t.id for t in by_address.get(target, ()) if t.step == 0)
        record = desired.get(change.address)
        for address in record.depends_on if record is not None else ():
            # A record's follow-up change (step 1: ids written back) is nobody's prerequisite.
            for other in (o for o in by_address.get(address, ()) if o.step == 0):
                if _removing(other):
                    if _removing(change) or change.action is Action.UPDATE:
                        edges[other.id].add(change.id)  # the dependant goes first
                elif not _removing(change):
                    edges[change.id].add(other.id)
    return [
        replace(c, depends_on=tuple(sorted(found))) if (found := edges.get(c.id)) else c
        for c in changes
    ]

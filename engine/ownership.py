"""Live access equals git, or the plan says why.

- Identity: a state serves one access repo (storegate.yaml `repo`); another repo's state is refused
  before anything is read or written.
- Unmanaged access: live records that grant access in an account the repo declares, which no
  account file declares. Listed in every plan; revoked when the account is `exclusive`.
- Origin: a change either carries out what the repo asks (the pull request) or reverts what moved
  live since storegate last set it (drift). State keeps, per record, a fingerprint of the values
  storegate last made it hold (its "target"); the live values differing from it is drift.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..providers.contract import (
    Address,
    Change,
    DesiredRecord,
    DesiredView,
    KeepIfSet,
    LiveRecord,
    Origin,
    Ref,
    SystemInfo,
)
from ..state.base import StateDocument
from ..state.tracked import peek
from .errors import StateError

TARGET = "target"
"""State attribute: the fingerprint of the managed values storegate last made a record hold."""

Same = Callable[[str, str, Any, Any], bool]


def check_identity(repo: str | None, state: StateDocument, where: str = "the state") -> None:
    """Refuse a state that belongs to another access repo."""
    if repo is not None and state.repo is not None and state.repo != repo:
        raise StateError(
            f"{where} belongs to access repo {state.repo!r}, but storegate.yaml says this is "
            f"{repo!r}; refusing to read the live systems or write anything with another repo's "
            "state (point state: at this repo's own state, or fix `repo:` in storegate.yaml)"
        )


@dataclass(frozen=True)
class UnmanagedAccess:
    """A live record granting access that no account file declares."""

    address: Address
    id: str
    account: str
    access: str

    def to_json(self) -> dict[str, str]:
        return {
            "address": str(self.address),
            "system": self.address.system,
            "key": self.address.key,
            "account": self.account,
            "access": self.access,
        }


def declared_people(view: DesiredView) -> set[str]:
    """Every contact key the repo lists, and every earlier key it names (`previously:`)."""
    people = {c.key for _, c in view.contacts()}
    people.update(old for _, c in view.contacts() for old in c.previously)
    return people


def find_unmanaged(
    unmatched: Iterable[LiveRecord], view: DesiredView, systems: Mapping[str, SystemInfo]
) -> list[UnmanagedAccess]:
    """The live records no desired record matched that grant access in a declared account. The
    repo's people are gathered only when such a record is found: most plans find none."""
    accounts = {a.name for a in view.accounts}
    found: list[LiveRecord] = []
    for record in unmatched:
        if record.access not in ("active", "pending") or record.account not in accounts:
            continue
        info = systems.get(record.address.system)
        if info is not None and record.address.kind == info.contact_kind:
            found.append(record)
    people = declared_people(view) if found else set()
    out = [
        UnmanagedAccess(r.address, r.id, r.account, r.access or "")
        for r in found
        if r.address.key not in people
    ]
    return sorted(out, key=lambda u: (u.account, u.address.system, u.address.key))


def undeclared_accounts(unmatched: Iterable[LiveRecord], systems: Mapping[str, SystemInfo]) -> int:
    """Accounts the CRM holds that no account file declares (counted, not listed), among the live
    records no desired record matched."""
    count = 0
    for record in unmatched:
        address = record.address
        info = systems.get(address.system)
        if info is not None and info.holds_ids_of_stores and address.kind == info.account_kind:
            count += 1
    return count


def _canonical_encoder() -> Callable[[Any], str]:
    """json.dumps(values, sort_keys=True, default=str), as text: the C encoder made once (a
    JSONEncoder builds it again on every call), the same bytes either way."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(sort_keys=True, default=str).encode
    encode = make(
        None, str, json.encoder.encode_basestring_ascii, None, ": ", ", ", True, False, True
    )
    return lambda values: "".join(encode(values, 0))


_CANONICAL = _canonical_encoder()


def fingerprint(values: Mapping[str, Any]) -> str:
    """`names:values`, each hashed: a record whose managed field set changed is the repo's doing."""
    digest = hashlib.sha256(_CANONICAL(values).encode()).hexdigest()
    return f"{_names_hash(tuple(values))}:{digest[:16]}"


@functools.lru_cache(maxsize=1024)
def _names_hash(names: tuple[str, ...]) -> str:
    """The hash of the names, sorted. Most records of a kind manage the same fields, in the same
    order: cached by the names as given, each set is sorted and hashed once."""
    return _hash(json.dumps(sorted(names)))[:8]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _same_fields(a: str, b: str) -> bool:
    return a.split(":", 1)[0] == b.split(":", 1)[0]


_LATER_VALUES = frozenset({Ref, KeepIfSet})


def _plain(fields: Mapping[str, Any]) -> Mapping[str, Any]:
    """The fields whose values are known now (no Ref, no KeepIfSet): most often all of them."""
    if _LATER_VALUES.isdisjoint(map(type, fields.values())):
        return fields
    return {n: v for n, v in fields.items() if type(v) not in _LATER_VALUES}


def moved_targets(records: Iterable[DesiredRecord], state: StateDocument) -> dict[str, str]:
    """The target fingerprint of every present record whose target moves: the values it asks
    for are not those state recorded storegate last set. Live values play no part."""
    targets: dict[str, str] = {}
    resources = state.resources
    for want in records:
        if want.intent != "present":
            continue
        target = fingerprint(_plain(want.fields))
        address = str(want.address)
        known = peek(resources, address)
        if known is None or known.attributes.get(TARGET) != target:
            targets[address] = target
    return targets


def drift_origins(
    pairs: Iterable[tuple[DesiredRecord, LiveRecord | None]],
    changes: Sequence[Change],
    state: StateDocument,
    same: Same,
) -> list[Change]:
    """Each change with its origin: drift when the live values are not what storegate last set,
    else the repo. Only a record with a change has an origin to tell: the others are skipped."""
    drifted: set[Address] = set()
    changed = {c.address for c in changes}
    resources = state.resources
    for want, have in pairs:
        if have is None or want.intent != "present" or want.address not in changed:
            continue
        known = peek(resources, str(want.address))
        recorded = known.attributes.get(TARGET) if known is not None else None
        wanted = _plain(want.fields)
        target = fingerprint(wanted)
        if not isinstance(recorded, str) or not _same_fields(recorded, target):
            continue
        seen = {
            name: value
            if same(want.system, name, value, have.fields.get(name))
            else (have.fields.get(name))
            for name, value in wanted.items()
        }
        held = fingerprint(seen)
        if held != recorded and held != target:
            drifted.add(want.address)
    return [
        replace(c, origin=Origin.DRIFT) if c.address in drifted and c.origin is Origin.REPO else c
        for c in changes
    ]


def mark_unmanaged(changes: Sequence[Change], people: set[str]) -> list[Change]:
    """Changes that revoke undeclared access in exclusive accounts say so."""
    out: list[Change] = []
    for change in changes:
        if (change.person in people and change.removing) or (
            change.person in people and change.access == "revoked"
        ):
            change = replace(
                change,
                origin=Origin.UNMANAGED,
                reason="access no account file declares, in an exclusive account",
            )
        out.append(change)
    return out

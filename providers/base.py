"""The provider protocol: how the engine talks to every live system.

A provider translates between the desired model and one system's records, in storegate's own field
names (never the system's API names, which stay inside the provider):

- `desired(context)` projects the access repo onto this system's records (one per account/contact).
- `read(scope)` reads the live records in scope in bulk (fewest calls), keyed like the desired ones.
- `apply(changes, on_batch)` writes changes in the system's largest batches, reporting each batch's
  results through `on_batch` as soon as it lands, so state is saved between batches.
- `verify(changes)` re-reads the records a revocation touched and checks each expected value, for
  the receipt apply writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from storegate.engine.model import AccessLevel, DesiredState
from storegate.engine.plan import Change

Intent = Literal["present", "absent"]


def address_of(system: str, kind: str, key: str) -> str:
    return f'{system}.{kind}["{key}"]'


def fingerprint_of(record_id: str, fields: Mapping[str, Any]) -> str:
    canonical = json.dumps({"id": record_id, **fields}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LiveRecord:
    system: str
    kind: str
    key: str
    id: str
    fields: Mapping[str, Any]
    account: str = ""
    access: AccessLevel | None = None
    """What the record grants today, as the provider reads it (None: not an access record)."""

    @property
    def address(self) -> str:
        return address_of(self.system, self.kind, self.key)

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.id, self.fields)


@dataclass(frozen=True)
class KeepIfSet:
    """Desired value that only fills an empty field (e.g. the access date stamped on first grant)."""

    value: Any


@dataclass(frozen=True)
class DesiredRecord:
    system: str
    kind: str
    key: str
    account: str
    intent: Intent
    fields: Mapping[str, Any]
    """Managed fields only, in storegate names. Values may be engine.plan.Ref or KeepIfSet."""
    access: AccessLevel | None = None
    aliases: tuple[str, ...] = ()
    """Earlier keys (emails) the live record may still carry: matched, then updated in place."""
    remote_id: str | None = None
    """A pinned id (salesforce_id, or the id state learned): matched before the key."""
    create_fields: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    """Addresses whose changes must succeed before this record's."""
    writeback_fields: frozenset[str] = frozenset()
    """Fields written after the store records exist (seed 000's ids written back to Salesforce)."""
    offboard: bool = False

    @property
    def address(self) -> str:
        return address_of(self.system, self.kind, self.key)


@dataclass(frozen=True)
class ManagedResource:
    """A resource storegate's state says it manages (so its removal from YAML is a revocation)."""

    system: str
    kind: str
    key: str
    id: str | None
    account: str


@dataclass(frozen=True)
class DesiredContext:
    desired: DesiredState
    managed: Sequence[ManagedResource]
    store_system: str | None
    """The configured store platform whose ids are written back into Salesforce, if any."""


@dataclass(frozen=True)
class Scope:
    """What a read must cover: records by key (email / account name) and by id."""

    keys: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    full: bool = True
    """True: read everything in the configured filter (plan). False: only keys/ids (stale check)."""


@dataclass(frozen=True)
class ChangeResult:
    change_id: str
    ok: bool
    remote_id: str | None = None
    error: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """One verification of a revocation, for the receipt."""

    system: str
    address: str
    what: str
    expected: Any
    seen: Any
    ok: bool


BatchCallback = Callable[[Sequence[ChangeResult]], None]


class Provider(Protocol):
    name: ClassVar[str]
    SUPPORTS: ClassVar[frozenset[str]]

    def check(self) -> None:
        """Authenticate and check the field mapping; raise a ProviderError naming every mismatch."""

    def desired(self, context: DesiredContext) -> list[DesiredRecord]: ...

    def read(self, scope: Scope) -> list[LiveRecord]: ...

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        """Apply changes (Refs already resolved), reporting every change's result via on_batch."""

    def verify(self, changes: Sequence[Change]) -> list[Check]:
        """Re-read the records these (revoke/delete) changes touched; one Check per expectation."""

    def calls(self) -> int:
        """API calls made so far."""

    def close(self) -> None: ...

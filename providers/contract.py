"""The provider contract: everything the engine and a provider say to each other, and nothing else.

This module imports nothing of storegate's; the engine, every provider and the state backends
depend on it, and it depends on none of them. A provider package needs only this module (and, by
choice, `storegate.providers.settings` for `env:NAME` settings).

The vocabulary:

- `Address`: a typed record address, `system.kind["key"]` (`salesforce.contact["jane@acme.example"]`).
- The desired view (`DesiredView`, `AccountSpec`, `ContactSpec`): the access repo as the engine
  loaded and validated it, with `locate()` for file:line:col in a provider's own errors.
- `DesiredRecord` / `LiveRecord`: one system's records in storegate's field names (never the API
  names, which stay inside the provider).
- `Change`: one operation on one live record: action, before/after per field, reason, the live
  fingerprint it was computed from, and the changes it must wait for. `Ref` is a value known only once
  another change has run (a new store customer's id written back to Salesforce).
- `ManualStep`: a change with no API; a person does it, storegate tracks it until it is seen done or
  confirmed.
- `Provider`: the protocol; `BaseProvider` gives every optional hook a default.

Errors (the one exception tree of storegate; `storegate.engine.errors` adds the engine's own):

    StoregateError                 anything storegate reports as a clean, one-line failure
    ├── InputError                 the access repo is invalid; carries located Problems
    ├── ConfigError                a setting or credential is missing or unusable (no secret echoed)
    ├── ProviderError              a live system refused or failed
    │   ├── AuthError              credentials missing, wrong or expired beyond renewal
    │   ├── ApiLimitExceeded       the system's API budget is spent (says what remains)
    │   ├── SchemaMismatch         a mapped field is missing or read-only in the live system
    │   └── TransientError         5xx, timeout, dropped connection after bounded retries
    └── StateError                 the state backend cannot be read or written
        ├── StateLocked            another apply holds the lock (names the holder)
        └── SerialConflict         someone wrote state since we read it
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, Literal, NamedTuple, Protocol, runtime_checkable

# ---------------------------------------------------------------- errors and problems


class StoregateError(Exception):
    """Root of every error storegate reports without a traceback."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """A problem found in the access repo, located at path:line:col."""

    path: str
    line: int
    col: int
    message: str
    code: str = "SG000"
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        tag = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.path}:{self.line}:{self.col}: {tag}{self.message} [{self.code}]"


class InputError(StoregateError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class ConfigError(StoregateError):
    pass


class ProviderError(StoregateError):
    pass


class AuthError(ProviderError):
    pass


class ApiLimitExceeded(ProviderError):
    pass


class SchemaMismatch(ProviderError):
    pass


class TransientError(ProviderError):
    pass


class StateError(StoregateError):
    pass


class StateLocked(StateError):
    pass


class SerialConflict(StateError):
    pass


# ---------------------------------------------------------------- the domain's vocabulary

AccessLevel = Literal["active", "pending", "revoked"]
ACCESS_LEVELS: tuple[AccessLevel, ...] = ("active", "pending", "revoked")
PERMISSIONS = ("purchase_on_account", "account_credit", "account_points", "account_pricing")
ACCOUNT_SETTINGS = (
    "active",
    "credit_hold",
    "pay_by_account",
    "price_book",
    "display_name",
    "membership",
    "tax_entity_code",
    "supplier",
    "brand",
)
PERSON_FIELDS = ("first_name", "last_name")
StoreRemoval = Literal["deactivate", "delete"]


def email_key(email: str) -> str:
    """Emails are identities compared case-insensitively. An email already in that form is its
    own key (the same string object: a plan holds a key per record, 100,000s of them)."""
    key = email.strip().lower()
    return email if key == email else key


def shared_text(value: Any) -> Any:
    """A text value that a person's records repeat in the repo, the state and every system's
    read (a key, a name), held once for all of them (interned): a plan holds 100,000s of people.
    Any other value as it is."""
    return sys.intern(value) if type(value) is str else value


# ---------------------------------------------------------------- addresses and values

NO_VALUES: Mapping[str, Any] = MappingProxyType({})
"""An empty, read-only mapping shared by the many records that have no values of a kind."""


_ADDRESS = re.compile(
    r'^(?P<system>[a-z][a-z0-9_]*)\.(?P<kind>[a-z][a-z0-9_]*)\["(?P<key>.*)"\]$', re.DOTALL
)


class Address(NamedTuple):
    """Where a record lives: a system (as named in storegate.yaml), a record kind, and its key.

    A named tuple: a plan makes and hashes about ten addresses per contact, and a tuple does both
    in C (ordered and compared as (system, kind, key), as before)."""

    system: str
    kind: str
    key: str

    def __str__(self) -> str:
        return f'{self.system}.{self.kind}["{self.key}"]'

    @classmethod
    def parse(cls, text: str) -> Address:
        found = _ADDRESS.match(text)
        if found is None:
            raise ValueError(f'{text!r} is not an address like system.kind["key"]')
        return cls(found["system"], found["kind"], found["key"])


@dataclass(frozen=True, slots=True)
class Ref:
    """A value known only after another change of the same apply, e.g. a new store customer's id."""

    address: Address
    attribute: str = "id"

    def to_json(self) -> dict[str, str]:
        return {"$ref": str(self.address), "attribute": self.attribute}


@dataclass(frozen=True, slots=True)
class KeepIfSet:
    """Desired value that only fills an empty field (e.g. the access date stamped on first grant)."""

    value: Any


def value_to_json(value: Any) -> Any:
    return value.to_json() if isinstance(value, Ref) else value


def value_from_json(value: Any) -> Any:
    if isinstance(value, dict) and "$ref" in value:
        return Ref(Address.parse(str(value["$ref"])), str(value.get("attribute", "id")))
    return value


def fingerprint_of(record_id: str, fields: Mapping[str, Any]) -> str:
    canonical = json.dumps({"id": record_id, **fields}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- the desired view


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    col: int


Locator = Callable[[str, tuple[str | int, ...]], Location]
"""(repo-relative file, key path inside it) -> the nearest located node."""


@dataclass(frozen=True, slots=True)
class ContactSpec:
    email: str
    access: AccessLevel
    fields: Mapping[str, Any]
    """The person fields and permissions the YAML sets (explicit null included); absent = unmanaged."""
    previously: tuple[str, ...] = ()
    """Earlier emails, as keys: an email change updates records in place."""
    offboard: bool = False
    index: int = 0
    """Position in its file's `contacts:` list, for locate()."""
    key: str = field(init=False, repr=False, compare=False)
    """The email as an identity (`email_key`), worked out once: every provider asks for it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", shared_text(email_key(self.email)))


@dataclass(frozen=True)
class AccountSpec:
    name: str
    path: str
    """The repo-relative file that declares it."""
    settings: Mapping[str, Any]
    """The account settings the YAML sets (explicit null included); absent ones are unmanaged."""
    contacts: tuple[ContactSpec, ...] = ()
    salesforce_id: str | None = None
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per system name: that provider's validated account options (`account.stores.<system>`)."""
    stores: tuple[str, ...] | None = None
    """The store systems the file lists under `account.stores` (None: the file lists none)."""
    exclusive: bool = False
    """The repo owns all access in this account: undeclared access is revoked."""
    store_removal: StoreRemoval = "deactivate"


@dataclass(frozen=True)
class DesiredView:
    accounts: tuple[AccountSpec, ...]
    locator: Locator

    def contacts(self) -> Iterator[tuple[AccountSpec, ContactSpec]]:
        for account in self.accounts:
            for contact in account.contacts:
                yield account, contact

    def locate(self, path: str, *keys: str | int) -> Location:
        return self.locator(path, tuple(keys))

    def problem(self, path: str, keys: tuple[str | int, ...], message: str, code: str) -> Problem:
        where = self.locate(path, *keys)
        return Problem(where.path, where.line, where.col, message, code)


# ---------------------------------------------------------------- records


class Addressed:
    """A record's system, kind and key, read through its address."""

    __slots__ = ()

    address: Address

    @property
    def system(self) -> str:
        return self.address.system

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def key(self) -> str:
        return self.address.key


Intent = Literal["present", "absent"]


@dataclass(frozen=True, slots=True)
class ManagedResource:
    """A resource storegate's state says it manages (so its removal from YAML is a revocation)."""

    address: Address
    id: str | None
    account: str


@dataclass(frozen=True)
class SystemInfo:
    """What one provider tells the others about itself (for links between systems)."""

    name: str
    type: str
    contact_kind: str | None
    """The record kind that gives a contact access in this system (None: it grants no access)."""
    holds_ids_of_stores: bool = False
    account_kind: str | None = None
    """The record kind that stands for an account in this system (a company), if any."""
    full_read_needs_keys: bool = True
    """Whether a full read (a plan's) is told every key and id the repo and state name. False for a
    system whose full read finds all its records through its own filter: its scope then lists none
    (two sets of 100,000s of entries, made and held for nothing), and the plan reads it on a worker
    thread while the providers project the repo. Such a provider's `read` must not rely on its
    `desired` having run, nor share with it state either one changes."""


@dataclass(frozen=True)
class DesiredContext:
    desired: DesiredView
    managed: Sequence[ManagedResource]
    systems: Mapping[str, SystemInfo]

    def managed_in(self, system: str, kind: str | None = None) -> list[ManagedResource]:
        mine = self._managed_by_system.get(system, [])
        return list(mine) if kind is None else [m for m in mine if m.address.kind == kind]

    @functools.cached_property
    def _managed_by_system(self) -> dict[str, list[ManagedResource]]:
        """Each provider asks for its own records: the managed list is split once, not scanned
        once per question."""
        split: dict[str, list[ManagedResource]] = {}
        for m in self.managed:
            split.setdefault(m.address.system, []).append(m)
        return split

    def crm(self) -> SystemInfo | None:
        """The system that holds the contacts and keeps the stores' ids (Salesforce), if any."""
        return next((s for s in self.systems.values() if s.holds_ids_of_stores), None)

    def stores(self) -> list[SystemInfo]:
        """The systems whose contact records grant store access, in configuration order."""
        return [s for s in self.systems.values() if s.contact_kind and not s.holds_ids_of_stores]


@dataclass(frozen=True, slots=True)
class DesiredRecord(Addressed):
    address: Address
    account: str
    intent: Intent
    fields: Mapping[str, Any]
    """Managed fields only, in storegate names. Values may be Ref or KeepIfSet."""
    access: AccessLevel | None = None
    """What the record should grant (None: not an access record)."""
    person: str | None = None
    """The contact key whose access this record carries (safety counts people, not records)."""
    aliases: tuple[str, ...] = ()
    """Earlier keys (emails) the live record may still carry: matched, then updated in place."""
    remote_id: str | None = None
    """A pinned id (salesforce_id, or the id state learned): matched before the key."""
    create_fields: Mapping[str, Any] = field(default_factory=lambda: NO_VALUES)
    """Values sent only on create (required fields the YAML does not manage afterwards)."""
    depends_on: tuple[Address, ...] = ()
    """Records whose creation or grant must land first; for removals the order is reversed."""
    later_fields: frozenset[str] = frozenset()
    """Fields written in a second change, after what they refer to exists (ids written back)."""
    manual: ManualStep | None = None
    """Set when this record's changes have no API: the plan shows the step, a person does it."""
    source: Location | None = None
    """Where the YAML declares the record, when the provider knows better than the engine. Left
    None (the usual case), the engine names the contact's email line, else the account's name
    line, for the record's changes only: records handed to the hooks carry no location."""


@dataclass(frozen=True, slots=True)
class LiveRecord(Addressed):
    address: Address
    id: str
    fields: Mapping[str, Any]
    account: str = ""
    """The account (by name) the record belongs to live, for unmanaged-access reports."""
    access: AccessLevel | None = None
    """What the record grants today, as the provider reads it (None: not an access record)."""
    managed_by_storegate: bool = False
    """The record carries a mark storegate wrote (an external id, a note): adopted, not foreign."""

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.id, self.fields)


@dataclass(frozen=True)
class Scope:
    """What a read must cover: records by key (email / account name) and by id."""

    keys: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()
    """Managed account names: a full read covers every access record in them (unmanaged access)."""
    full: bool = True
    """True: read everything in the configured filter (plan). False: only keys/ids (stale check)."""


# ---------------------------------------------------------------- changes


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    GRANT = "grant"
    REVOKE = "revoke"
    DELETE = "delete"
    MANUAL = "manual"


REMOVING_ACTIONS = frozenset({Action.REVOKE, Action.DELETE})


class Origin(StrEnum):
    """Why a change is in the plan."""

    REPO = "repo"
    """The access repo asks for it (the pull request's request)."""
    DRIFT = "drift"
    """The live system moved away from what the repo says (changed outside storegate)."""
    UNMANAGED = "unmanaged"
    """Access the repo does not declare, revoked because the account is exclusive."""


@dataclass(frozen=True)
class ManualStep:
    """An action a person takes where the system has no API, shown and tracked until done."""

    title: str
    """One line: "Invite jane@acme.example to the B2B store"."""
    where: str
    """Where to click: "Cin7 Omni → Integrations → B2B online store → Pending Customers"."""
    steps: tuple[str, ...]
    """The clicks, in order."""
    done_when: str = ""
    """What storegate reads (or `storegate confirm`) to consider the step done."""
    pending_since: str | None = None
    """When an apply recorded it as pending (set by the engine; None: not applied yet)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "where": self.where,
            "steps": list(self.steps),
            "done_when": self.done_when,
            "pending_since": self.pending_since,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ManualStep:
        since = data.get("pending_since")
        return cls(
            str(data["title"]),
            str(data["where"]),
            tuple(str(s) for s in data.get("steps", ())),
            str(data.get("done_when", "")),
            None if since is None else str(since),
        )


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Change(Addressed):
    """One operation on one live record.

    `id` is unique in a plan (`address` plus `step`, since a record can be changed twice: a
    contact's fields, then the store ids written back); `depends_on` holds the ids of the changes
    that must succeed first. Order in a plan is a topological order of those edges.
    """

    address: Address
    account: str
    action: Action
    fields: tuple[FieldChange, ...]
    reason: str
    step: int = 0
    remote_id: str | None = None
    fingerprint: str | None = None
    depends_on: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    create_fields: tuple[FieldChange, ...] = ()
    """Values sent only on create (required fields the YAML does not manage afterwards)."""
    source: str | None = None
    """Where the YAML declares this record, as "path:line" (None for a removed one)."""
    origin: Origin = Origin.REPO
    person: str | None = None
    manual: ManualStep | None = None
    access: AccessLevel | None = None
    """The access the record has after this change (None: not an access record)."""

    @property
    def id(self) -> str:
        return str(self.address) if self.step == 0 else f"{self.address}+{self.step}"

    @property
    def removing(self) -> bool:
        return self.action in REMOVING_ACTIONS

    def after(self) -> dict[str, Any]:
        return {f.name: f.after for f in (*self.create_fields, *self.fields)}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "address": str(self.address),
            "system": self.system,
            "kind": self.kind,
            "key": self.key,
            "account": self.account,
            "action": self.action.value,
            "step": self.step,
            "origin": self.origin.value,
            "person": self.person,
            "access": self.access,
            "remote_id": self.remote_id,
            "fingerprint": self.fingerprint,
            "reason": self.reason,
            "depends_on": list(self.depends_on),
            "warnings": list(self.warnings),
            "fields": [_field_json(f) for f in self.fields],
            "create_fields": [_field_json(f) for f in self.create_fields],
            "source": self.source,
            "manual": self.manual.to_json() if self.manual is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        manual = data.get("manual")
        return cls(
            address=Address.parse(str(data["address"])),
            account=str(data["account"]),
            action=Action(data["action"]),
            fields=tuple(_field_from_json(f) for f in data["fields"]),
            reason=str(data["reason"]),
            step=int(data.get("step", 0)),
            remote_id=data.get("remote_id"),
            fingerprint=data.get("fingerprint"),
            depends_on=tuple(data.get("depends_on", ())),
            warnings=tuple(data.get("warnings", ())),
            create_fields=tuple(_field_from_json(f) for f in data.get("create_fields", ())),
            source=data.get("source"),
            origin=Origin(data.get("origin", Origin.REPO.value)),
            person=data.get("person"),
            manual=ManualStep.from_json(manual) if isinstance(manual, Mapping) else None,
            access=data.get("access"),
        )


def _field_json(f: FieldChange) -> dict[str, Any]:
    return {"name": f.name, "before": value_to_json(f.before), "after": value_to_json(f.after)}


def _field_from_json(data: Mapping[str, Any]) -> FieldChange:
    return FieldChange(
        str(data["name"]), value_from_json(data["before"]), value_from_json(data["after"])
    )


@dataclass(frozen=True)
class PlanWarning:
    code: str
    message: str
    address: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "address": self.address}


@dataclass(frozen=True, slots=True)
class ChangeResult:
    change_id: str
    ok: bool
    remote_id: str | None = None
    error: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """Values other changes may Ref (e.g. the login a store assigned)."""


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


class Journal(Protocol):
    """A provider's durable notes between runs (e.g. the id of a bulk job in flight), kept in
    storegate's state: `put` and `drop` are saved before they return, so a run killed right after
    finds them on the next apply."""

    def entries(self) -> Mapping[str, Mapping[str, Any]]: ...

    def put(self, key: str, value: Mapping[str, Any]) -> None: ...

    def drop(self, key: str) -> None: ...


# ---------------------------------------------------------------- the protocol


@runtime_checkable
class Provider(Protocol):
    """A live system. Loaded by entry point (group `storegate.providers`) and named by `type` in
    storegate.yaml (`TYPE`); constructed as `cls(name, settings, root)` with `settings` an instance of
    `settings_model` and `root` the access repo's directory."""

    TYPE: ClassVar[str]
    """The `type` storegate.yaml names it by (its entry point name)."""
    SUPPORTS: ClassVar[frozenset[str]]
    """Record kinds this provider reads and writes."""
    settings_model: ClassVar[type[Any]]
    """The pydantic model of its `systems.<name>` block in storegate.yaml."""
    account_options_model: ClassVar[type[Any] | None]
    """The pydantic model of `account.stores.<name>` in account files, if it takes any."""

    name: str

    def info(self) -> SystemInfo: ...

    def check(self) -> None:
        """Authenticate and check the field mapping; raise a ProviderError naming every mismatch."""

    def desired(self, context: DesiredContext) -> list[DesiredRecord]: ...

    def read(self, scope: Scope) -> list[LiveRecord]: ...

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        """Apply changes (Refs already resolved; never MANUAL ones), reporting every change's
        result through on_batch as each batch lands."""

    def verify(self, changes: Sequence[Change], revoked: frozenset[str]) -> list[Check]:
        """Re-read what these removing changes touched, and check that no record of a `revoked`
        contact key still grants access here; one Check per expectation."""

    def same_value(self, name: str, desired: Any, live: Any) -> bool:
        """Whether a live field already holds the desired value (identity rules are the
        provider's: emails compare case-insensitively in most systems)."""

    def plan_warnings(
        self, desired: Sequence[DesiredRecord], live: Sequence[LiveRecord]
    ) -> list[PlanWarning]:
        """Risks the plan should show (seed 000: a revoked contact left open to recreation)."""

    def extra_changes(
        self,
        changes: Sequence[Change],
        desired: Sequence[DesiredRecord],
        live: Sequence[LiveRecord],
    ) -> list[Change]:
        """Changes this provider adds once it sees the whole diff (octoDNS's _extra_changes)."""

    def include_change(self, change: Change) -> bool:
        """False drops a change the diff produced that this system would ignore anyway."""

    def step_done(self, change: Change, live: LiveRecord | None) -> bool:
        """Whether a manual step recorded as pending is seen done in `live`."""

    def use_journal(self, journal: Journal) -> None:
        """Where to keep notes that must outlive a killed run (the engine calls it before apply)."""

    def calls(self) -> int:
        """API calls made so far."""

    def close(self) -> None: ...


def same_value(desired: Any, live: Any) -> bool:
    """The default comparison: empty equals empty, booleans strictly, numbers and strings by text."""
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


class BaseProvider:
    """Defaults for every optional hook; a provider subclasses this and overrides what it needs."""

    TYPE: ClassVar[str]
    SUPPORTS: ClassVar[frozenset[str]]
    settings_model: ClassVar[type[Any]]
    account_options_model: ClassVar[type[Any] | None] = None
    CONTACT_KIND: ClassVar[str | None] = None
    """The record kind that gives a contact access in this system."""
    HOLDS_IDS_OF_STORES: ClassVar[bool] = False
    ACCOUNT_KIND: ClassVar[str | None] = None
    """The record kind that stands for an account here (a company), if any."""
    FULL_READ_NEEDS_KEYS: ClassVar[bool] = True
    """See SystemInfo.full_read_needs_keys."""

    def __init__(self, name: str) -> None:
        self.name = name

    def address(self, kind: str, key: str) -> Address:
        return Address(self.name, kind, key)

    def info(self) -> SystemInfo:
        return SystemInfo(
            self.name,
            self.TYPE,
            self.CONTACT_KIND,
            self.HOLDS_IDS_OF_STORES,
            self.ACCOUNT_KIND,
            self.FULL_READ_NEEDS_KEYS,
        )

    def serves(self, account: AccountSpec, *, unlisted: bool) -> bool:
        """Whether this store serves the account: listed under `account.stores`, or the file lists
        no stores and this store takes unlisted accounts (its `accounts: all` setting)."""
        if account.stores is None:
            return unlisted
        return self.name in account.stores

    def same_value(self, name: str, desired: Any, live: Any) -> bool:
        del name
        return same_value(desired, live)

    def plan_warnings(
        self, desired: Sequence[DesiredRecord], live: Sequence[LiveRecord]
    ) -> list[PlanWarning]:
        del desired, live
        return []

    def extra_changes(
        self,
        changes: Sequence[Change],
        desired: Sequence[DesiredRecord],
        live: Sequence[LiveRecord],
    ) -> list[Change]:
        del changes, desired, live
        return []

    def include_change(self, change: Change) -> bool:
        del change
        return True

    def step_done(self, change: Change, live: LiveRecord | None) -> bool:
        del change, live
        return False

    def use_journal(self, journal: Journal) -> None:
        del journal

    def close(self) -> None:
        return None

"""The state document and the backend protocol.

State is what storegate manages: every resource's address, the remote id it learned, and the
account it belongs to; plus a `serial` bumped on every write and a `lineage` fixed at birth, so a plan
made against one state is never applied against another.

History is what landed: one HistoryEntry per change an apply executed (its before and after, the
result, the plan checksum, the git commit and author), plus one receipt entry per apply that
revoked anything. A backend stores the entries a write carries together with that write.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, cast, get_args

from ..providers.contract import StateError

STATE_VERSION = 1
DEFAULT_REPO = "default"
"""The identity a shared (PostgreSQL) state keys a repo's state by when none is given."""

Result = Literal["ok", "failed", "skipped"]
RESULTS: tuple[str, ...] = get_args(Result)

RECEIPT_ACTION = "receipt"
"""The action of the entry that carries an apply's revocation receipt."""
RECEIPT_ADDRESS = "receipt"
"""The address of a receipt entry: the receipt covers the whole apply, not one resource."""


@dataclass(slots=True)
class ResourceState:
    address: str
    system: str
    kind: str
    key: str
    id: str | None
    account: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        # What dataclasses.asdict gives, at a quarter of its cost (it runs per resource per write).
        return {
            "address": self.address,
            "system": self.system,
            "kind": self.kind,
            "key": self.key,
            "id": self.id,
            "account": self.account,
            "attributes": copy.deepcopy(self.attributes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResourceState:
        return cls(
            address=data["address"],
            system=data["system"],
            kind=data["kind"],
            key=data["key"],
            id=data.get("id"),
            account=data.get("account", ""),
            attributes=dict(data.get("attributes", {})),
        )


@dataclass
class StateDocument:
    lineage: str = field(default_factory=lambda: str(uuid.uuid4()))
    serial: int = 0
    resources: dict[str, ResourceState] = field(default_factory=dict)
    version: int = STATE_VERSION
    repo: str | None = None
    """The identity of the access repo this state serves (storegate.yaml `repo`), once known."""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "version": self.version,
            "lineage": self.lineage,
            "serial": self.serial,
        }
        if self.repo is not None:
            body["repo"] = self.repo
        body["resources"] = {a: r.to_json() for a, r in sorted(self.resources.items())}
        return body


def canonical_time(value: str | datetime) -> str:
    """An instant as storegate stores it: ISO 8601 in UTC with microseconds. A naive value is
    taken as UTC. Raises ValueError for text that is not an ISO 8601 date or time."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now_utc() -> str:
    return canonical_time(datetime.now(UTC))


@dataclass(frozen=True)
class HistoryEntry:
    """One change an apply executed, or (action "receipt") the receipt of one apply.

    `before` and `after` hold the fields the change touched, as they were and as the apply made
    them; `result` says whether the live system took the change ("ok"), refused it ("failed", with
    `error`), or the apply never sent it ("skipped", e.g. its dependency failed). `apply_id` groups
    the entries of one apply; `commit` and `author` say which revision of the access repo, merged by
    whom, asked for it (state/history.provenance reads them from CI or git).
    """

    apply_id: str
    address: str
    action: str
    result: Result
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    plan_checksum: str | None = None
    commit: str | None = None
    author: str | None = None
    receipt: Mapping[str, Any] | None = None
    at: str = field(default_factory=now_utc)

    def __post_init__(self) -> None:
        if self.result not in RESULTS:
            raise ValueError(f"result is {self.result!r}, not one of {', '.join(RESULTS)}")
        if not self.apply_id or not self.address or not self.action:
            raise ValueError("apply_id, address and action must not be empty")
        if (self.action == RECEIPT_ACTION) != (self.receipt is not None):
            raise ValueError("a receipt entry (and only one) carries a receipt")
        for name in ("before", "after", "receipt"):
            try:
                json.dumps(getattr(self, name), allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} must hold JSON values only ({exc})") from None
        # Frozen: normalise through object.__setattr__ so every backend stores the same text.
        object.__setattr__(self, "at", canonical_time(self.at))
        object.__setattr__(self, "before", dict(self.before))
        object.__setattr__(self, "after", dict(self.after))
        if self.receipt is not None:
            object.__setattr__(self, "receipt", dict(self.receipt))

    @classmethod
    def for_receipt(
        cls,
        apply_id: str,
        receipt: Mapping[str, Any],
        *,
        verified: bool,
        plan_checksum: str | None = None,
        commit: str | None = None,
        author: str | None = None,
        at: str | None = None,
    ) -> HistoryEntry:
        """The entry that records an apply's revocation receipt (the JSON written beside it);
        `verified` False (a revocation not proven complete) makes its result "failed"."""
        return cls(
            apply_id=apply_id,
            address=RECEIPT_ADDRESS,
            action=RECEIPT_ACTION,
            result="ok" if verified else "failed",
            error=None if verified else "a revocation is not verified complete",
            plan_checksum=plan_checksum,
            commit=commit,
            author=author,
            receipt=receipt,
            at=now_utc() if at is None else at,
        )

    @property
    def is_receipt(self) -> bool:
        return self.action == RECEIPT_ACTION

    def to_json(self) -> dict[str, Any]:
        return {
            "apply_id": self.apply_id,
            "at": self.at,
            "address": self.address,
            "action": self.action,
            "result": self.result,
            "before": dict(self.before),
            "after": dict(self.after),
            "error": self.error,
            "plan_checksum": self.plan_checksum,
            "commit": self.commit,
            "author": self.author,
            "receipt": None if self.receipt is None else dict(self.receipt),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryEntry:
        """Raises ValueError (KeyError, TypeError) for anything that is not an entry."""
        before, after, receipt = data.get("before", {}), data.get("after", {}), data.get("receipt")
        if not isinstance(before, dict) or not isinstance(after, dict):
            raise ValueError("before and after must be objects")
        if receipt is not None and not isinstance(receipt, dict):
            raise ValueError("receipt must be an object")
        return cls(
            apply_id=_text(data, "apply_id"),
            at=_text(data, "at"),
            address=_text(data, "address"),
            action=_text(data, "action"),
            result=cast(Result, _text(data, "result")),
            before=before,
            after=after,
            error=_optional_text(data, "error"),
            plan_checksum=_optional_text(data, "plan_checksum"),
            commit=_optional_text(data, "commit"),
            author=_optional_text(data, "author"),
            receipt=receipt,
        )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} is {value!r}, not text")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} is {value!r}, not text")
    return value


def select_history(
    entries: Sequence[HistoryEntry], address: str | None = None, since: str | None = None
) -> list[HistoryEntry]:
    """The entries `history(address, since)` answers with, in the order they were written.

    `address` matches ignoring case (emails in addresses are case-insensitive identities) and
    brings the receipts of the applies that touched it along; `since` keeps entries at or after
    that instant (a naive time is UTC).
    """
    floor = None if since is None else canonical_time(since)
    if address is not None:
        wanted = address.lower()
        applies = {e.apply_id for e in entries if e.address.lower() == wanted}
        entries = [
            e
            for e in entries
            if e.address.lower() == wanted or (e.is_receipt and e.apply_id in applies)
        ]
    # canonical_time gives one fixed-width UTC form, so text order is time order.
    return [e for e in entries if floor is None or e.at >= floor]


@dataclass(frozen=True)
class LockInfo:
    id: str
    holder: str
    host: str
    pid: int
    created_at: str
    operation: str = "apply"
    commit: str | None = None

    def describe(self) -> str:
        at_commit = f" at commit {self.commit[:12]}" if self.commit else ""
        return (
            f"lock {self.id} held by {self.holder} on {self.host} (pid {self.pid}) "
            f"since {self.created_at} for {self.operation}{at_commit}"
        )


class StateBackend(Protocol):
    def read(self) -> StateDocument:
        """The current state; a new empty document (fresh lineage, serial 0) if none exists."""

    def write(
        self,
        document: StateDocument,
        expected_serial: int,
        history: Sequence[HistoryEntry] = (),
    ) -> StateDocument:
        """Write atomically if the stored serial is still `expected_serial`; returns the document
        with its serial bumped. Raises SerialConflict otherwise, StateError if the stored state
        has another lineage. The `history` entries are stored with the write (never without it)."""

    def history(self, address: str | None = None, since: str | None = None) -> list[HistoryEntry]:
        """The stored history in the order it was written, filtered as select_history does."""

    def adopt(self, document: StateDocument, history: Sequence[HistoryEntry]) -> StateDocument:
        """Store a copy of another backend's state as it is (lineage and serial kept) and replace
        the history with `history`: `state migrate`. Refuses (StateError) when this backend holds
        another lineage, or the same lineage at a newer serial. Call it holding the lock."""

    def lock(self, operation: str, timeout_seconds: float) -> LockInfo:
        """Take the lock, waiting up to the timeout; raises StateLocked naming the holder."""

    def unlock(self, lock_id: str) -> None:
        """Release a lock this process (or `state unlock ID`) names; raises StateError if the id
        does not match the held lock."""

    def lock_holder(self) -> LockInfo | None:
        """The lock held now, if any (for status output)."""

    def describe(self) -> str:
        """Where the state lives, for messages (never a credential)."""


def check_adoptable(stored: StateDocument | None, incoming: StateDocument, where: str) -> None:
    """Refuse to adopt `incoming` over a stored state of another lineage or a newer serial."""
    if stored is None:
        return
    if stored.lineage != incoming.lineage:
        raise StateError(
            f"{where} already holds another state (lineage {stored.lineage}, serial "
            f"{stored.serial}); the state copied has lineage {incoming.lineage}; refusing to "
            f"overwrite it: point the target at an empty location"
        )
    if stored.serial > incoming.serial:
        raise StateError(
            f"{where} holds this state at serial {stored.serial}, newer than the copy's serial "
            f"{incoming.serial}; refusing to go back: it is the newer one"
        )

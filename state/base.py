"""The state document and the backend protocol.

State is what storegate manages: every resource's address, the remote id it learned, and the
account it belongs to; plus a `serial` bumped on every write and a `lineage` fixed at birth, so a plan
made against one state is never applied against another.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

STATE_VERSION = 1


@dataclass
class ResourceState:
    address: str
    system: str
    kind: str
    key: str
    id: str | None
    account: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

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

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "lineage": self.lineage,
            "serial": self.serial,
            "resources": {a: r.to_json() for a, r in sorted(self.resources.items())},
        }


@dataclass(frozen=True)
class LockInfo:
    id: str
    holder: str
    host: str
    pid: int
    created_at: str
    operation: str = "apply"

    def describe(self) -> str:
        return (
            f"lock {self.id} held by {self.holder} on {self.host} (pid {self.pid}) "
            f"since {self.created_at} for {self.operation}"
        )


class StateBackend(Protocol):
    def read(self) -> StateDocument:
        """The current state; a new empty document (fresh lineage, serial 0) if none exists."""

    def write(self, document: StateDocument, expected_serial: int) -> StateDocument:
        """Write atomically if the stored serial is still `expected_serial`; returns the document
        with its serial bumped. Raises SerialConflict otherwise."""

    def lock(self, operation: str, timeout_seconds: float) -> LockInfo:
        """Take the lock, waiting up to the timeout; raises StateLocked naming the holder."""

    def unlock(self, lock_id: str) -> None:
        """Release a lock this process (or `state unlock ID`) names; raises StateError if the id
        does not match the held lock."""

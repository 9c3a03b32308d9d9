"""A frozen Plan of Changes, and its saved form.

A saved plan is the JSON document `engine.render.json` prints, plus a checksum over its body, so an
edited plan is refused. `format_version` is bumped on any incompatible change of that document.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..providers.contract import (
    REMOVING_ACTIONS,
    Action,
    Address,
    Change,
    FieldChange,
    ManualStep,
    Origin,
    PlanWarning,
    Ref,
)
from .errors import PlanTampered
from .ownership import UnmanagedAccess

FORMAT_VERSION = 2
"""2: typed addresses, changes ordered by dependency edges (no phases), origins and manual steps."""

__all__ = [
    "REMOVING_ACTIONS",
    "Action",
    "Address",
    "Change",
    "FieldChange",
    "ManagedRecord",
    "ManualStep",
    "Origin",
    "Plan",
    "PlanWarning",
    "Ref",
    "dump_plan",
    "load_plan",
    "save_plan",
]


@dataclass(frozen=True, slots=True)
class ManagedRecord:
    """A record the access repo declares and that exists live: apply records it in state even when
    nothing changes, so removing it from the YAML later plans a revocation."""

    address: Address
    id: str
    account: str

    def to_json(self) -> dict[str, str]:
        return {"address": str(self.address), "id": self.id, "account": self.account}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ManagedRecord:
        return cls(Address.parse(str(data["address"])), str(data["id"]), str(data["account"]))


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    warnings: tuple[PlanWarning, ...] = ()
    lineage: str | None = None
    serial: int = 0
    managed_contacts: int = 0
    managed: tuple[ManagedRecord, ...] = ()
    forget: tuple[str, ...] = ()
    """Addresses to drop from state after apply: revoked records the YAML no longer declares."""
    repo: str | None = None
    """The access repo's identity (storegate.yaml `repo`), recorded in state by apply."""
    unmanaged: tuple[UnmanagedAccess, ...] = ()
    """Live access in declared accounts that no account file declares."""
    undeclared_accounts: int = 0
    """Accounts the CRM holds that no account file declares."""
    adopted: tuple[str, ...] = ()
    """Records the repo declares that exist live and storegate takes over with this apply."""
    targets: tuple[tuple[str, str], ...] = ()
    """(address, fingerprint of the values the repo asks for), where it moves; kept in state."""
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION

    @property
    def empty(self) -> bool:
        return not self.changes

    def by_origin(self, origin: Origin) -> list[Change]:
        return [c for c in self.changes if c.origin is origin]

    def counts(self) -> Counter[Action]:
        return Counter(c.action for c in self.changes)

    def by_id(self) -> dict[str, Change]:
        return {c.id: c for c in self.changes}

    def to_json(self) -> dict[str, Any]:
        counts = self.counts()
        return {
            "format_version": self.format_version,
            "created_at": self.created_at,
            "lineage": self.lineage,
            "serial": self.serial,
            "managed_contacts": self.managed_contacts,
            "summary": {a.value: counts.get(a, 0) for a in Action},
            "origins": {o.value: len(self.by_origin(o)) for o in Origin},
            "warnings": [w.to_json() for w in self.warnings],
            "changes": [c.to_json() for c in self.changes],
            "managed": [m.to_json() for m in self.managed],
            "forget": list(self.forget),
            "repo": self.repo,
            "unmanaged": [u.to_json() for u in self.unmanaged],
            "undeclared_accounts": self.undeclared_accounts,
            "adopted": list(self.adopted),
            "targets": dict(self.targets),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            changes=tuple(Change.from_json(c) for c in data["changes"]),
            warnings=tuple(
                PlanWarning(w["code"], w["message"], w.get("address")) for w in data["warnings"]
            ),
            lineage=data.get("lineage"),
            serial=int(data.get("serial", 0)),
            managed_contacts=int(data.get("managed_contacts", 0)),
            managed=tuple(ManagedRecord.from_json(m) for m in data.get("managed", ())),
            forget=tuple(data.get("forget", ())),
            repo=data.get("repo"),
            unmanaged=tuple(
                UnmanagedAccess(
                    Address.parse(str(u["address"])), "", str(u["account"]), str(u["access"])
                )
                for u in data.get("unmanaged", ())
            ),
            undeclared_accounts=int(data.get("undeclared_accounts", 0)),
            adopted=tuple(data.get("adopted", ())),
            targets=tuple(sorted(dict(data.get("targets", {})).items())),
            created_at=data["created_at"],
            format_version=int(data["format_version"]),
        )


def _checksum(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def plan_checksum(plan: Plan) -> str:
    """The checksum a saved plan carries (the same for a plan applied straight after planning)."""
    return _checksum(plan.to_json())


def dump_plan(plan: Plan) -> str:
    """The saved-plan document: the JSON plan plus a checksum of it."""
    body = plan.to_json()
    return json.dumps({**body, "checksum": _checksum(body)}, indent=2, ensure_ascii=False) + "\n"


def save_plan(plan: Plan, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_plan(plan), encoding="utf-8")
    tmp.replace(path)


def load_plan(path: Path) -> Plan:
    where = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanTampered(f"{where}: not a storegate plan file ({exc})") from None
    if not isinstance(data, dict) or "checksum" not in data or "format_version" not in data:
        raise PlanTampered(f"{where}: not a storegate plan file (no checksum or format_version)")
    version = data.get("format_version")
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or not 1 <= version <= FORMAT_VERSION
    ):
        raise PlanTampered(
            f"{where}: plan format_version {version!r} is not one this storegate understands "
            f"(1 to {FORMAT_VERSION}); upgrade storegate or re-run plan"
        )
    claimed = data.pop("checksum")
    if _checksum(data) != claimed:
        raise PlanTampered(
            f"{where}: checksum mismatch: the plan was edited after it was made; re-run plan"
        )
    try:
        return Plan.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanTampered(f"{where}: malformed plan ({exc}); re-run plan") from None

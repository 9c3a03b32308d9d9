"""The revocation receipt: after apply, every revoked record is re-read in every system and the
values seen are written down, so "access removed" is proven rather than assumed."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storegate.engine.plan import REMOVING_ACTIONS, Action, Change
from storegate.providers.base import Check, Provider, address_of

RECEIPT_VERSION = 1


@dataclass(frozen=True)
class Receipt:
    checks: tuple[Check, ...]
    path: Path | None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def revocations(changes: Sequence[Change], succeeded: set[str]) -> list[Change]:
    return [c for c in changes if c.action in REMOVING_ACTIONS and c.id in succeeded]


def verify_revocations(
    changes: Sequence[Change], providers: Mapping[str, Provider], directory: Path
) -> Receipt:
    """Re-read every revoked record; write the receipt JSON (one per apply) when there is any."""
    if not changes:
        return Receipt((), None)
    by_system: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_system[change.system].append(change)
    contacts = sorted({c.key for c in changes})
    for system in providers:
        if system == "salesforce":
            continue
        # A contact revoked anywhere must have no store account either, even where none was deleted.
        touched = {c.key for c in by_system.get(system, ())}
        by_system[system].extend(_absent(system, key) for key in contacts if key not in touched)
    checks: list[Check] = []
    for system, mine in sorted(by_system.items()):
        checks.extend(providers[system].verify(mine))
    receipt = Receipt(tuple(checks), None)
    path = _write(receipt, contacts, directory)
    return Receipt(receipt.checks, path)


def _absent(system: str, key: str) -> Change:
    return Change(
        address=address_of(system, "customer", key),
        system=system,
        kind="customer",
        key=key,
        account="",
        action=Action.DELETE,
        fields=(),
        reason="verify that no store account remains",
        phase=0,
    )


def _write(receipt: Receipt, contacts: Sequence[str], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    path = directory / f"receipt-{stamp.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    body: dict[str, Any] = {
        "receipt_version": RECEIPT_VERSION,
        "created_at": stamp.isoformat(timespec="seconds"),
        "ok": receipt.ok,
        "contacts": list(contacts),
        "checks": [
            {
                "system": c.system,
                "address": c.address,
                "what": c.what,
                "expected": c.expected,
                "seen": c.seen,
                "result": "pass" if c.ok else "fail",
            }
            for c in receipt.checks
        ],
    }
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        json.dump(body, out, indent=2, default=str)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    return path

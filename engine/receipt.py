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

from ..providers.contract import Check, Provider
from .plan import REMOVING_ACTIONS, Change

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
    """Re-read every revoked record; write the receipt JSON (one per apply) when there is any.

    Every system is asked, not only those with a change: a contact revoked anywhere must hold no
    access in any system (seed 000: a store account left behind is access)."""
    if not changes:
        return Receipt((), None)
    by_system: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_system[change.system].append(change)
    contacts = sorted({c.person for c in changes if c.person is not None})
    revoked = frozenset(contacts)
    checks: list[Check] = []
    for system, provider in providers.items():
        checks.extend(provider.verify(by_system.get(system, []), revoked))
    receipt = Receipt(tuple(checks), None)
    path = _write(receipt, contacts, directory)
    return Receipt(receipt.checks, path)


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

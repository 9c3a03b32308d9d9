"""How `storegate state history` prints entries: text for people, JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ...state.base import HistoryEntry
from ..redact import Redactor

HISTORY_FORMAT_VERSION = 1


def render_json(entries: Sequence[HistoryEntry]) -> str:
    """Keys sorted: the same history prints the same from every backend (jsonb reorders keys)."""
    redactor = Redactor()
    body = {
        "history_version": HISTORY_FORMAT_VERSION,
        "entries": [redactor.value(e.to_json()) for e in entries],
    }
    return json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n"


def render_text(entries: Sequence[HistoryEntry]) -> str:
    """One line per entry (when, what, result, who), then the fields it changed, indented."""
    redactor = Redactor()
    lines: list[str] = []
    for entry in entries:
        lines.append(redactor.text(_headline(entry)))
        lines.extend(redactor.text(line) for line in _details(entry))
    return "\n".join(lines) + ("\n" if lines else "")


def _headline(entry: HistoryEntry) -> str:
    when = entry.at[:19] + "Z"
    commit = entry.commit[:12] if entry.commit else "no commit"
    author = entry.author or "unknown author"
    subject = "receipt" if entry.is_receipt else f"{entry.action} {entry.address}"
    return f"{when}  {subject}  {entry.result}  ({commit} by {author}, apply {entry.apply_id[:8]})"


def _details(entry: HistoryEntry) -> list[str]:
    details = []
    if entry.error:
        details.append(f"    error: {entry.error}")
    if entry.receipt is not None:
        details.extend(_receipt_lines(entry.receipt))
        return details
    for name in sorted({*entry.before, *entry.after}):
        before = _show(entry.before[name]) if name in entry.before else "(unset)"
        after = _show(entry.after[name]) if name in entry.after else "(unset)"
        details.append(f"    {name}: {before} -> {after}")
    return details


def _receipt_lines(receipt: Mapping[str, Any]) -> list[str]:
    checks = receipt.get("checks")
    contacts = receipt.get("contacts")
    lines = []
    if isinstance(contacts, list):
        lines.append(f"    revoked: {', '.join(str(c) for c in contacts)}")
    if isinstance(checks, list):
        failed = [c for c in checks if isinstance(c, dict) and c.get("result") == "fail"]
        lines.append(f"    checks: {len(checks)} re-read, {len(failed)} failed")
        lines.extend(
            f"    failed: {c.get('address')} {c.get('what')}: expected {_show(c.get('expected'))}, "
            f"saw {_show(c.get('seen'))}"
            for c in failed
        )
    return lines


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)

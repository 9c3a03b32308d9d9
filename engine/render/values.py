"""What every plan renderer shares: value wording, action wording, grouping and the summary."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ..plan import REMOVING_ACTIONS, Action, Change, FieldChange, Origin, Plan, Ref

NULL = "null"
KNOWN_AFTER_APPLY = "(known after apply)"
NO_ACCOUNT = "(no account)"

SYMBOLS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.GRANT: "+",
    Action.UPDATE: "~",
    Action.REVOKE: "-",
    Action.DELETE: "-",
    Action.MANUAL: "!",
}

PHRASES: dict[Action, str] = {
    Action.CREATE: "will be created",
    Action.GRANT: "will be granted access",
    Action.UPDATE: "will be updated in place",
    Action.REVOKE: "will have its access revoked",
    Action.DELETE: "will be deleted",
    Action.MANUAL: "needs a manual step",
}

_NOUNS: dict[Action, tuple[str, str]] = {
    Action.CREATE: ("creation", "creations"),
    Action.GRANT: ("grant", "grants"),
    Action.UPDATE: ("update", "updates"),
    Action.REVOKE: ("revocation", "revocations"),
    Action.DELETE: ("deletion", "deletions"),
    Action.MANUAL: ("manual step", "manual steps"),
}

NO_CHANGES = "No changes. The live systems match the access repo."

SECTIONS: dict[Origin, str] = {
    Origin.REPO: "Changes the access repo asks for",
    Origin.DRIFT: "Drift: changed outside storegate (apply puts back what the repo says)",
    Origin.UNMANAGED: "Access no account file declares, revoked (exclusive accounts)",
}


def by_origin(changes: Iterable[Change]) -> list[tuple[Origin, list[Change]]]:
    """The changes per origin, in the order of SECTIONS, empty origins left out."""
    groups: dict[Origin, list[Change]] = {origin: [] for origin in SECTIONS}
    for change in changes:
        groups[change.origin].append(change)
    return [(origin, found) for origin, found in groups.items() if found]


def ownership_lines(plan: Plan) -> list[str]:
    """What the plan knows beyond its changes: unmanaged access, undeclared accounts, takeovers."""
    lines: list[str] = []
    if plan.unmanaged:
        count = len(plan.unmanaged)
        lines.append(
            f"{count} live record{'s' * (count != 1)} grant{'s' * (count == 1)} access that no "
            "account file declares (set `exclusive: true` on the account to revoke them, or "
            "declare them):"
        )
        lines += [
            f"  {u.account}: {u.address.system} {u.address.kind} {u.address.key} ({u.access})"
            for u in plan.unmanaged
        ]
    if plan.undeclared_accounts:
        count = plan.undeclared_accounts
        lines.append(
            f"{count} account{'s' * (count != 1)} in the CRM {'are' if count != 1 else 'is'} "
            "declared by no account file; `storegate import --account NAME` writes "
            f"{'their files' if count != 1 else 'its file'}."
        )
    if plan.adopted:
        count = len(plan.adopted)
        lines.append(
            f"{count} record{'s' * (count != 1)} the repo declares already exist"
            f"{'s' * (count == 1)} live and will be managed from now on."
        )
    return lines


def special_value(value: Any) -> str | None:
    """The wording of a value that is not data: null, or a value known only after apply."""
    if value is None:
        return NULL
    if isinstance(value, Ref):
        return KNOWN_AFTER_APPLY
    return None


def format_value(value: Any) -> str:
    """A value on one line: strings quoted (so "" and "null" stay apart), the rest as JSON."""
    special = special_value(value)
    if special is not None:
        return special
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # a circular structure cannot come from a plan file, only from a bug
        return repr(value)


def printable(text: str, *, keep: str = "") -> str:
    """`text` with control characters (terminal escapes, newlines) and bidirectional or other
    invisible format characters (U+202E, U+2066, zero-width ones) shown as escapes, not obeyed: a
    name can neither move the cursor nor visually reorder what a reviewer reads. Characters in
    `keep` (e.g. newlines a format turns into its own line break) are left as they are."""
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch.isprintable() or ch in keep or unicodedata.category(ch) == "Zs"
        else _escape_control(ch)
        for ch in text
    )


def _escape_control(ch: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return named.get(ch, f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def change_fields(change: Change) -> list[tuple[FieldChange, bool]]:
    """Every field a change writes, each flagged True when it is sent only on create."""
    return [(f, True) for f in change.create_fields] + [(f, False) for f in change.fields]


def account_name(change: Change) -> str:
    return change.account or NO_ACCOUNT


def group_by_account(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    """Changes per account, accounts in name order, changes in plan (apply) order."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(account_name(change), []).append(change)
    return sorted(groups.items(), key=lambda item: (item[0].casefold(), item[0]))


def counted_as(change: Change) -> Action:
    """The action a change counts as for people: creating a record that grants access (a new
    store account, a new contact with access) is a grant, not a mere creation."""
    if change.action is Action.CREATE and change.access == "active":
        return Action.GRANT
    return change.action


def action_counts(changes: Iterable[Change]) -> Counter[Action]:
    return Counter(counted_as(c) for c in changes)


def phrase(change: Change) -> str:
    if change.action is Action.CREATE and counted_as(change) is Action.GRANT:
        return "will be created with access"
    return PHRASES[change.action]


def after_addresses(change: Change) -> list[str]:
    """What a change waits for, as addresses: the `+N` of a record's second change is an internal
    detail of the order, not something a reviewer needs."""
    return list(
        dict.fromkeys(d.rsplit("+", 1)[0] if _STEP.search(d) else d for d in change.depends_on)
    )


_STEP = re.compile(r"\]\+\d+$")

ACCOUNT_ID_FIELDS = frozenset({"account_id"})
"""Fields whose value is the id of the change's account record (a contact's AccountId)."""


def account_names(plan: Plan) -> dict[str, str]:
    """Remote id -> account name, for every account record the plan knows the id of (a record
    whose key is its account's name), so raw CRM ids can be shown with the name beside them."""
    names: dict[str, str] = {}
    for record in plan.managed:
        if record.id and record.address.key == record.account:
            names[record.id] = record.account
    for change in plan.changes:
        if change.remote_id and change.key == change.account:
            names[change.remote_id] = change.account
    return names


def account_label(
    value: Any, names: Mapping[str, str], *, field: str = "", account: str = ""
) -> str | None:
    """The account name a value stands for, when it is an account record's id."""
    if not isinstance(value, str) or not value:
        return None
    return names.get(value) or (account if field in ACCOUNT_ID_FIELDS and account else None)


def labelled_value(
    value: Any, names: Mapping[str, str], *, field: str = "", account: str = ""
) -> str:
    """`format_value`, with the account's name beside a value that is an account record's id:
    `"001…" (Acme Industrial)`."""
    name = account_label(value, names, field=field, account=account)
    shown = format_value(value)
    return f"{shown} ({name})" if name else shown


def summary_line(plan: Plan) -> str:
    if plan.empty:
        return NO_CHANGES
    counts = action_counts(plan.changes)
    line = (
        f"Plan: {counts[Action.CREATE]} to create, {counts[Action.UPDATE]} to update, "
        f"{counts[Action.GRANT]} to grant, {counts[Action.REVOKE]} to revoke, "
        f"{counts[Action.DELETE]} to delete."
    )
    manual = counts[Action.MANUAL]
    if manual:
        line += f" {count_phrase(Action.MANUAL, manual)} to do by hand."
    drift = len(plan.by_origin(Origin.DRIFT))
    unmanaged = len(plan.by_origin(Origin.UNMANAGED))
    if drift or unmanaged:
        requested = len(plan.changes) - drift - unmanaged
        parts = [f"{requested} requested by the repo", f"{drift} reverting drift"]
        if unmanaged:
            parts.append(f"{unmanaged} revoking undeclared access")
        line += " (" + ", ".join(parts) + ")"
    return line


def count_phrase(action: Action, count: int) -> str:
    singular, plural = _NOUNS[action]
    return f"{count} {singular if count == 1 else plural}"


def counts_phrase(changes: Iterable[Change]) -> str:
    """E.g. "2 grants, 1 revocation", actions in the order of `Action`."""
    counts = action_counts(changes)
    return ", ".join(count_phrase(a, counts[a]) for a in Action if counts[a])


def removing(changes: Iterable[Change]) -> list[Change]:
    return [c for c in changes if c.action in REMOVING_ACTIONS]


def split_source(source: str | None) -> tuple[str | None, int | None]:
    """("path", line) from a Change's "path:line" source; the line is None when absent."""
    if not source:
        return None, None
    path, sep, line = source.rpartition(":")
    if sep and path and line.isdigit():
        return path, int(line)
    return source, None

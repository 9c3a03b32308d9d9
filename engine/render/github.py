"""The plan as GitHub Actions workflow commands: one annotation per warning and per change.

Revocations, deletions and warnings are `::warning`, other changes `::notice`; each points at the
YAML line that declares the record when the change knows it.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..plan import REMOVING_ACTIONS, Change, Plan, PlanWarning
from ..redact import Redactor
from .values import (
    account_names,
    change_fields,
    labelled_value,
    ownership_lines,
    phrase,
    printable,
    split_source,
    summary_line,
)


def escape_data(text: str) -> str:
    """A workflow command's data: control and bidirectional characters shown as escapes (line
    breaks kept, as the command's own %0A), so a name cannot reorder or hide what it says."""
    visible = printable(text, keep="\r\n")
    return visible.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, *, source: str | None = None, title: str | None = None) -> str:
    path, line = split_source(source)
    properties = []
    if path is not None:
        properties.append(f"file={escape_property(path)}")
    if line is not None:
        properties.append(f"line={line}")
    if title is not None:
        properties.append(f"title={escape_property(title)}")
    joined = " " + ",".join(properties) if properties else ""
    return f"::{name}{joined}::{escape_data(message)}"


def change_message(change: Change, names: Mapping[str, str] | None = None) -> str:
    known = names or {}
    lines = [f"{change.address} {phrase(change)}" + (f": {change.reason}" if change.reason else "")]
    lines += [
        f"{f.name}: {labelled_value(f.before, known, field=f.name)} -> "
        f"{labelled_value(f.after, known, field=f.name, account=change.account)}"
        + (" (on create only)" if create_only else "")
        for f, create_only in change_fields(change)
    ]
    return "\n".join(lines)


def _warning_source(warning: PlanWarning, sources: dict[str, str]) -> str | None:
    return sources.get(warning.address) if warning.address else None


def render_github(plan: Plan) -> str:
    redactor = Redactor()
    plan = redactor.plan(plan)
    sources = {str(c.address): c.source for c in plan.changes if c.source}
    lines = [
        command(
            "warning",
            w.message + (f" ({w.address})" if w.address else ""),
            source=_warning_source(w, sources),
            title=f"storegate: {w.code}",
        )
        for w in plan.warnings
    ]
    lines += [
        command("warning", line.strip(), title="storegate: unmanaged access")
        for line in ownership_lines(plan)
        if line.startswith("  ")
    ]
    for change in plan.changes:
        lines += [
            command(
                "warning",
                f"{change.address}: {w}",
                source=change.source,
                title="storegate: warning",
            )
            for w in change.warnings
        ]
    names = account_names(plan)
    for change in plan.changes:
        name = "warning" if change.action in REMOVING_ACTIONS else "notice"
        title = f"storegate: {change.action.value} on {change.system}"
        message = change_message(change, names)
        lines.append(command(name, message, source=change.source, title=title))
    lines.append(command("notice", summary_line(plan), title="storegate plan"))
    return redactor.text("\n".join(lines) + "\n")

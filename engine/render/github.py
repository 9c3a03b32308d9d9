"""The plan as GitHub Actions workflow commands: one annotation per warning and per change.

Revocations, deletions and warnings are `::warning`, other changes `::notice`; each points at the
YAML line that declares the record when the change knows it.
"""

from __future__ import annotations

from storegate.engine.plan import REMOVING_ACTIONS, Change, Plan, PlanWarning
from storegate.engine.redact import Redactor
from storegate.engine.render.values import (
    PHRASES,
    change_fields,
    format_value,
    ownership_lines,
    split_source,
    summary_line,
)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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


def change_message(change: Change) -> str:
    lines = [
        f"{change.address} {PHRASES[change.action]}"
        + (f": {change.reason}" if change.reason else "")
    ]
    lines += [
        f"{f.name}: {format_value(f.before)} -> {format_value(f.after)}"
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
    for change in plan.changes:
        name = "warning" if change.action in REMOVING_ACTIONS else "notice"
        title = f"storegate: {change.action.value} on {change.system}"
        lines.append(command(name, change_message(change), source=change.source, title=title))
    lines.append(command("notice", summary_line(plan), title="storegate plan"))
    return redactor.text("\n".join(lines) + "\n")

"""The terminal plan, Terraform-like: warnings, a block per change grouped by account, a summary."""

from __future__ import annotations

from collections.abc import Mapping

from ..plan import Action, Change, FieldChange, Origin, Plan, PlanWarning
from ..redact import Redactor
from .values import (
    SECTIONS,
    SYMBOLS,
    account_names,
    after_addresses,
    by_origin,
    change_fields,
    group_by_account,
    labelled_value,
    ownership_lines,
    phrase,
    printable,
    summary_line,
)

_RESET = "\x1b[0m"
_STYLES: dict[str, str] = {
    "create": "\x1b[32m",
    "update": "\x1b[33m",
    "remove": "\x1b[31m",
    "manual": "\x1b[35m",
    "warning": "\x1b[1;33m",
    "heading": "\x1b[1m",
    "dim": "\x1b[2m",
}
_ACTION_STYLE: dict[Action, str] = {
    Action.CREATE: "create",
    Action.GRANT: "create",
    Action.UPDATE: "update",
    Action.REVOKE: "remove",
    Action.DELETE: "remove",
    Action.MANUAL: "manual",
}


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color else text


def render_text(plan: Plan, *, color: bool = False) -> str:
    redactor = Redactor()
    plan = redactor.plan(plan)
    paint = _Painter(color)
    lines: list[str] = []
    lines += _warning_lines(plan, paint)
    ownership = ownership_lines(plan)
    if ownership:
        lines += [paint("Ownership:", "heading"), *(f"  {printable(o)}" for o in ownership), ""]
    names = account_names(plan)
    sections = by_origin(plan.changes)
    for origin, section in sections:
        if len(sections) > 1 or origin is not Origin.REPO:
            lines += [paint(f"== {SECTIONS[origin]} ({len(section)}) ==", "heading"), ""]
        for account, changes in group_by_account(section):
            lines.append(paint(f"Account {printable(account)}", "heading"))
            lines.append("")
            for change in changes:
                lines += _change_lines(change, paint, names)
                lines.append("")
    lines.append(paint(summary_line(plan), "heading"))
    return redactor.text("\n".join(lines) + "\n")


def _warning_lines(plan: Plan, paint: _Painter) -> list[str]:
    items = [_plan_warning(w) for w in plan.warnings]
    items += [
        f"{printable(str(c.address))}: {printable(w)}" for c in plan.changes for w in c.warnings
    ]
    if not items:
        return []
    return [paint("Warnings:", "warning"), *(f"  {paint('!', 'warning')} {i}" for i in items), ""]


def _plan_warning(warning: PlanWarning) -> str:
    where = f" ({printable(warning.address)})" if warning.address else ""
    return f"[{printable(warning.code)}] {printable(warning.message)}{where}"


def _change_lines(change: Change, paint: _Painter, names: Mapping[str, str]) -> list[str]:
    style = _ACTION_STYLE[change.action]
    head = f"{SYMBOLS[change.action]} {printable(str(change.address))} {phrase(change)}"
    context = f"{printable(change.system)} {printable(change.kind)}"
    if change.source:
        context += f", {printable(change.source)}"
    lines = [f"  {paint(head, style)} {paint(f'({context})', 'dim')}"]
    if change.reason:
        lines.append(f"      # {printable(change.reason)}")
    lines += [
        _field_line(f, create_only, names, change.account)
        for f, create_only in change_fields(change)
    ]
    if change.manual is not None:
        step = change.manual
        lines.append(f"      by hand: {printable(step.title)}")
        lines.append(f"      where:   {printable(step.where)}")
        lines += [f"        {n}. {printable(s)}" for n, s in enumerate(step.steps, 1)]
        if step.done_when:
            lines.append(f"      done when {printable(step.done_when)} (or `storegate confirm`)")
    if change.depends_on:
        lines.append(f"      # after {', '.join(printable(d) for d in after_addresses(change))}")
    return lines


def _field_line(
    field: FieldChange, create_only: bool, names: Mapping[str, str], account: str
) -> str:
    suffix = "  (on create only)" if create_only else ""
    before = labelled_value(field.before, names, field=field.name)
    after = labelled_value(field.after, names, field=field.name, account=account)
    return f"      {printable(field.name)}: {printable(before)} -> {printable(after)}{suffix}"

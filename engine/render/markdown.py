"""The plan as a pull-request comment: counts, warnings on top, a collapsible block per account.

Every piece of plan data goes through `escape`, `escape_html` or `code` before it reaches the
document: a contact named `O'Brien & Sons | <script>` must neither break the table nor inject HTML,
a mention or a second `<!-- storegate-plan -->` marker.
"""

from __future__ import annotations

import re

from engine.plan import Action, Change, Plan
from engine.redact import Redactor
from engine.render.values import (
    SYMBOLS,
    change_fields,
    counts_phrase,
    format_value,
    group_by_account,
    removing,
    special_value,
    summary_line,
)

MARKER = "<!-- storegate-plan -->"
MAX_WARNINGS = 50

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Markdown punctuation that can start emphasis, code, links, images, tables or headings.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~#])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_MENTION = "@&#8203;"  # a zero-width space after "@": GitHub links no @user or @team


def escape(text: str) -> str:
    """`text` safe inside a markdown paragraph, list item or table cell, rendered as written."""
    text = "".join(_HTML.get(ch, ch) for ch in text)
    text = _MARKDOWN.sub(r"\\\1", text)
    text = text.replace("@", _MENTION)
    return _NEWLINES.sub("<br>", text)


def escape_html(text: str) -> str:
    """`text` safe inside raw HTML such as `<summary>`, where markdown escapes would show."""
    text = "".join(_HTML.get(ch, ch) for ch in text)
    return _NEWLINES.sub(" ", text).replace("@", _MENTION)


def code(text: str) -> str:
    """An inline code span around arbitrary text (no backtick run inside can close it early)."""
    text = _NEWLINES.sub(" ", text).replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _longest_backtick_run(text: str) -> int:
    runs = re.findall(r"`+", text)
    return max((len(r) for r in runs), default=0)


def value_cell(value: object) -> str:
    special = special_value(value)
    if special is not None:
        return f"_{escape(special)}_"
    text = value if isinstance(value, str) else format_value(value)
    return escape(text) if text else "_(empty)_"


def table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    rule = align or ["---"] * len(header)
    lines = [_row(header), _row(rule), *(_row(r) for r in rows)]
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def details(summary: str, body: str, *, open_: bool = False) -> str:
    tag = "<details open>" if open_ else "<details>"
    return f"{tag}\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def summary_table(plan: Plan) -> str:
    counts = plan.counts()
    header = [escape(a.value) for a in Action]
    return table(header, [[str(counts[a]) for a in Action]], ["---:"] * len(Action))


def warnings_alert(plan: Plan) -> str:
    items = [_plan_warning(plan, i) for i in range(len(plan.warnings))]
    items += [f"{code(c.address)}: {escape(w)}" for c in plan.changes for w in c.warnings]
    removals = removing(plan.changes)
    lead = []
    if removals:
        total = len(removals)
        lead.append(
            f"**This plan removes access: {total} revocation{'s' * (total != 1)} "
            f"or deletion{'s' * (total != 1)}.** Review them below."
        )
    if not items and not lead:
        return ""
    shown = items[:MAX_WARNINGS]
    if len(items) > len(shown):
        shown.append(f"... and {len(items) - len(shown)} more warnings in the full plan")
    lines = ["[!WARNING]", *lead, *(f"- {i}" for i in shown)]
    return "\n".join(f"> {line}" for line in lines)


def _plan_warning(plan: Plan, index: int) -> str:
    warning = plan.warnings[index]
    where = f" ({code(warning.address)})" if warning.address else ""
    return f"**{escape(warning.code)}**: {escape(warning.message)}{where}"


def change_rows(change: Change) -> list[list[str]]:
    """One row per change: what, where, why, and every field as `name: before → after`."""
    fields = [
        f"{code(f.name)}: {value_cell(f.before)} → {value_cell(f.after)}"
        + (" _(on create)_" if create_only else "")
        for f, create_only in change_fields(change)
    ]
    action = f"{code(SYMBOLS[change.action])} {escape(change.action.value)}"
    record = f"{code(change.address)}<br>{escape(change.system)} {escape(change.kind)}"
    if change.source:
        record += f"<br>{code(change.source)}"
    return [[action, record, "<br>".join(fields) or "—", escape(change.reason) or "—"]]


def account_block(account: str, changes: list[Change]) -> str:
    rows = [row for change in changes for row in change_rows(change)]
    body = table(["Action", "Record", "Fields", "Reason"], rows)
    summary = f"<b>{escape_html(account)}</b>: {escape_html(counts_phrase(changes))}"
    return details(summary, body, open_=bool(removing(changes)))


def truncation_note(hidden_changes: int, hidden_accounts: int, hint: str) -> str:
    changes = f"{hidden_changes} change{'s' * (hidden_changes != 1)}"
    accounts = f"{hidden_accounts} account{'s' * (hidden_accounts != 1)}"
    return f"> [!NOTE]\n> {changes} in {accounts} are not shown here. {hint}"


def render_markdown(
    plan: Plan,
    *,
    limit: int = 60000,
    title: str = "storegate plan",
    full_plan_hint: str = "The full plan is in the job summary and the plan artifact.",
) -> str:
    """The PR comment, at most `limit` characters (GitHub refuses comments over 65,536).

    `title` is plain text; `full_plan_hint` is markdown written by the caller (it may hold a link).
    """
    redactor = Redactor()
    plan = redactor.plan(plan)
    head = [MARKER, f"## {escape(title)}", f"**{escape(summary_line(plan))}**"]
    if not plan.empty:
        head.append(summary_table(plan))
    alert = warnings_alert(plan)
    if alert:
        head.append(alert)
    blocks = [
        (account_block(account, changes), len(changes))
        for account, changes in group_by_account(plan.changes)
    ]
    document = _fit(head, blocks, limit, full_plan_hint)
    return redactor.text(document)


def _fit(head: list[str], blocks: list[tuple[str, int]], limit: int, hint: str) -> str:
    """The head and the whole account blocks that fit under `limit`, with a note if any are cut."""
    parts = list(head)
    full = "\n\n".join(parts + [b for b, _ in blocks]) + "\n"
    if len(full) <= limit:
        return full
    hidden_changes = sum(n for _, n in blocks)
    for index, (block, count) in enumerate(blocks):
        note = truncation_note(hidden_changes - count, len(blocks) - index - 1, hint)
        candidate = "\n\n".join([*parts, block, note]) + "\n"
        if len(candidate) > limit:
            break
        parts.append(block)
        hidden_changes -= count
    shown = len(parts) - len(head)
    note = truncation_note(hidden_changes, len(blocks) - shown, hint)
    document = "\n\n".join([*parts, note]) + "\n"
    if len(document) > limit:  # even the head is too long: keep whole lines that fit
        document = _cut_lines(document, limit)
    return document


def _cut_lines(text: str, limit: int) -> str:
    kept: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        if size + len(line) > limit:
            break
        kept.append(line)
        size += len(line)
    return "".join(kept)

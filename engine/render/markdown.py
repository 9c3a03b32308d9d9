"""The plan as a pull-request comment: counts, warnings on top, a collapsible block per account.

Every piece of plan data goes through `escape`, `escape_html` or `code` before it reaches the
document: a contact named `O'Brien & Sons | <script>` must neither break the table nor inject HTML,
a mention or a second `<!-- storegate-plan -->` marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from itertools import islice

from ..plan import Action, Change, Origin, Plan
from ..redact import Redactor
from .values import (
    SECTIONS,
    SYMBOLS,
    account_label,
    account_names,
    action_counts,
    by_origin,
    change_fields,
    counted_as,
    counts_phrase,
    format_value,
    group_by_account,
    ownership_lines,
    printable,
    removing,
    special_value,
    summary_line,
)

MARKER = "<!-- storegate-plan -->"
MAX_WARNINGS = 50

_MENTION = "@&#8203;"  # a zero-width space after "@": GitHub links no @user or @team
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": _MENTION}
# Markdown punctuation that can start emphasis, code, links, images, tables or headings.
_MARKDOWN = {ch: "\\" + ch for ch in "\\`*_[]|~#"}
_ESCAPE = str.maketrans({**_HTML, **_MARKDOWN, "\n": "<br>", "\r": "<br>"})
_ESCAPE_HTML = str.maketrans({**_HTML, "\n": " ", "\r": " "})
_CODE = str.maketrans({"\n": " ", "\r": " "})
# A table splits cells at every unescaped pipe, even inside a code span; elsewhere "\|" shows as is.
_CODE_IN_TABLE = str.maketrans({"|": "\\|", "\n": " ", "\r": " "})
_BACKTICKS = re.compile(r"`+")


def escape(text: str) -> str:
    """`text` safe inside a markdown paragraph, list item or table cell, rendered as written."""
    return _visible(text).translate(_ESCAPE)


def escape_html(text: str) -> str:
    """`text` safe inside raw HTML such as `<summary>`, where markdown escapes would show."""
    return _visible(text).translate(_ESCAPE_HTML)


def code(text: str, *, in_table: bool = False) -> str:
    """An inline code span around arbitrary text (no backtick run inside can close it early)."""
    text = _visible(text).translate(_CODE_IN_TABLE if in_table else _CODE)
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in _BACKTICKS.findall(text)) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _visible(text: str) -> str:
    """Control and bidirectional characters shown as escapes; line breaks left to the caller."""
    return printable(text.replace("\r\n", "\n"), keep="\n\r")


def value_cell(
    value: object, names: Mapping[str, str] | None = None, *, field: str = "", account: str = ""
) -> str:
    special = special_value(value)
    if special is not None:
        return f"_{escape(special)}_"
    text = value if isinstance(value, str) else format_value(value)
    if not text:
        return "_(empty)_"
    name = account_label(value, names or {}, field=field, account=account)
    return escape(text) + (f" _({escape(name)})_" if name else "")


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
    counts = action_counts(plan.changes)
    header = [escape(a.value) for a in Action]
    return table(header, [[str(counts[a]) for a in Action]], ["---:"] * len(Action))


def warnings_alert(plan: Plan, redactor: Redactor) -> str:
    """The alert on top: what removes access, then every warning (redacted as it is shown)."""
    lines = ["[!WARNING]"]
    removals = len(removing(plan.changes))
    if removals:
        plural = "s" * (removals != 1)
        lines.append(
            f"**This plan removes access: {removals} revocation{plural} or deletion{plural}.** "
            "Review them below."
        )
    items = _warning_items(plan, redactor)
    lines += [f"- {item}" for item in islice(items, MAX_WARNINGS)]
    more = sum(1 for _ in items)
    if more:
        lines.append(f"- ... and {more} more warnings in the full plan")
    return "" if len(lines) == 1 else "\n".join(f"> {line}" for line in lines)


def _warning_items(plan: Plan, redactor: Redactor) -> Iterator[str]:
    for warning in plan.warnings:
        w = redactor.warning(warning)
        where = f" ({code(w.address)})" if w.address else ""
        yield f"**{escape(w.code)}**: {escape(w.message)}{where}"
    for change in plan.changes:
        for message in change.warnings:
            yield f"{code(redactor.text(str(change.address)))}: {escape(redactor.text(message))}"


def change_rows(change: Change, names: Mapping[str, str] | None = None) -> list[list[str]]:
    """One row per change: what, where, why, and every field as `name: before → after`."""
    fields = [
        f"{code(f.name, in_table=True)}: {value_cell(f.before, names, field=f.name)} → "
        f"{value_cell(f.after, names, field=f.name, account=change.account)}"
        + (" _(on create)_" if create_only else "")
        for f, create_only in change_fields(change)
    ]
    counted = counted_as(change)
    label = counted.value + (" (new)" if counted is not change.action else "")
    action = f"{code(SYMBOLS[change.action], in_table=True)} {escape(label)}"
    record = f"{code(str(change.address), in_table=True)}<br>{escape(change.system)} {escape(change.kind)}"
    if change.source:
        record += f"<br>{code(change.source, in_table=True)}"
    return [[action, record, "<br>".join(fields) or "—", escape(change.reason) or "—"]]


def account_block(
    account: str, changes: list[Change], names: Mapping[str, str] | None = None
) -> str:
    rows = [row for change in changes for row in change_rows(change, names)]
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
    head = [MARKER, f"## {escape(title)}", f"**{escape(summary_line(plan))}**"]
    if not plan.empty:
        head.append(summary_table(plan))
    alert = warnings_alert(plan, redactor)
    if alert:
        head.append(alert)
    checklist = manual_checklist(plan)
    if checklist:
        head.append(checklist)
    ownership = ownership_lines(plan)
    if ownership:
        head.append(
            "\n".join(
                [
                    "**Ownership**",
                    "",
                    *(f"{'  ' * o.startswith('  ')}- {escape(o.strip())}" for o in ownership),
                ]
            )
        )

    # Only the accounts that fit are rendered (and redacted): a plan can hold 100,000 changes.
    names = {k: redactor.text(v) for k, v in account_names(plan).items()}

    def block(account: str, changes: list[Change]) -> str:
        if not changes:
            return account  # a section heading
        return account_block(redactor.text(account), [redactor.change(c) for c in changes], names)

    sections = by_origin(plan.changes)
    groups: list[tuple[str, list[Change]]] = []
    for origin, section in sections:
        if len(sections) > 1 or origin is not Origin.REPO:
            groups.append((f"### {escape(SECTIONS[origin])} ({len(section)})", []))
        groups += group_by_account(section)
    document = _fit(head, groups, block, limit, full_plan_hint)
    return redactor.text(document)


def manual_checklist(plan: Plan) -> str:
    """The manual steps as a task list a person ticks off in the pull request."""
    steps = [c for c in plan.changes if c.action is Action.MANUAL and c.manual is not None]
    if not steps:
        return ""
    lines = [
        "**Manual steps** (no API: a person does them; `storegate confirm ADDRESS` records it)"
    ]
    for change in steps:
        assert change.manual is not None
        where = escape(change.manual.where)
        lines.append(f"- [ ] {escape(change.manual.title)}: {where} ({code(str(change.address))})")
    return "\n".join(lines)


def _fit(
    head: list[str],
    groups: list[tuple[str, list[Change]]],
    block: Callable[[str, list[Change]], str],
    limit: int,
    hint: str,
) -> str:
    """The head and the whole account blocks that fit under `limit`, with a note if any are cut."""
    shown: list[tuple[str, int]] = []
    size = len(_join(head))
    for account, changes in groups:
        text = block(account, changes)
        size += len("\n\n") + len(text)
        if size > limit:
            break
        shown.append((text, len(changes)))
    else:
        return _join([*head, *(text for text, _ in shown)])
    total = sum(len(changes) for _, changes in groups)
    while True:  # make room for the note, dropping whole accounts from the end
        hidden = total - sum(count for _, count in shown)
        note = truncation_note(hidden, len(groups) - len(shown), hint)
        document = _join([*head, *(text for text, _ in shown), note])
        if len(document) <= limit:
            return document
        if not shown:  # even the head is too long: keep the whole lines that fit
            return _cut_lines(document, limit)
        shown.pop()


def _join(parts: list[str]) -> str:
    return "\n\n".join(parts) + "\n"


def _cut_lines(text: str, limit: int) -> str:
    kept: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        if size + len(line) > limit:
            break
        kept.append(line)
        size += len(line)
    return "".join(kept)

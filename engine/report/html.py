"""The report as static HTML: index.html and accounts/<slug>.html, no script, one inline style.

Every piece of data goes through `text()`: HTML-escaped, with control and bidirectional characters
shown as escapes, so a name can neither inject markup nor reorder what a reader sees.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..redact import Redactor
from ..render.values import printable
from .gather import AccessReport, AccountReport

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1b1f24; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
p.meta { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1.2rem; }
th, td { border: 1px solid #d0d7de; padding: .35rem .55rem; text-align: left;
         vertical-align: top; }
th { background: #eef2f6; }
tr.revoked td { color: #6e7781; } tr.pending td { background: #fff8e5; }
.access-active { color: #116329; font-weight: 600; }
.access-pending { color: #9a6700; font-weight: 600; }
.access-revoked { color: #a40e26; font-weight: 600; }
.warn { background: #fff1f0; border-left: 4px solid #cf222e; padding: .5rem .8rem; }
.note { background: #f6f8fa; border-left: 4px solid #8c959f; padding: .5rem .8rem; }
a { color: #0550ae; }
"""

_SLUG = re.compile(r"[^a-z0-9]+")


def text(value: object) -> str:
    return html.escape(printable(str(value)), quote=True)


def slug(name: str, taken: set[str]) -> str:
    base = _SLUG.sub("-", name.casefold()).strip("-") or "account"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _page(title: str, body: Iterable[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{text(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _table(header: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]]) -> str:
    """`rows` as (css class, cells already escaped)."""
    head = "".join(f'<th scope="col">{text(h)}</th>' for h in header)
    body = "".join(
        f'<tr class="{cls}">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
        for cls, cells in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


def _meta(report: AccessReport) -> str:
    live = (
        f"live systems checked {text(report.checked_live_at)}"
        if report.checked_live_at
        else "live systems not checked (no plan given)"
    )
    repo = f"access repo {text(report.repo)}, " if report.repo else ""
    return (
        f'<p class="meta">{repo}state serial {report.serial}; {live}; '
        f"generated {text(report.generated_at)}.</p>"
    )


def index_page(report: AccessReport, pages: dict[str, str]) -> str:
    rows = [
        (
            "",
            [
                f'<a href="accounts/{pages[a.name]}.html">{text(a.name)}</a>',
                str(a.count("active")),
                str(a.count("pending")),
                str(a.count("revoked")),
                text(", ".join(a.systems) or "—"),
                str(len(a.steps)),
                str(len(a.unmanaged)),
            ],
        )
        for a in report.accounts
    ]
    totals = [
        "<b>All accounts</b>",
        *(str(sum(a.count(x) for a in report.accounts)) for x in ("active", "pending", "revoked")),
        "",
        str(sum(len(a.steps) for a in report.accounts)),
        str(sum(len(a.unmanaged) for a in report.accounts)),
    ]
    header = [
        "Account",
        "May buy",
        "Pending",
        "Revoked",
        "Systems",
        "Manual steps pending",
        "Unmanaged access",
    ]
    body = [
        "<h1>Who may buy: access report</h1>",
        _meta(report),
        _table(header, [*rows, ("total", totals)]),
        '<p class="note">Each account links to its page: every contact with their access, '
        "permissions, systems, since when, and what last verified it. The account files in the "
        "access repo are the source; change access there, in a pull request.</p>",
    ]
    return _page("Access report", body)


def _access(value: str) -> str:
    return f'<span class="access-{text(value)}">{text(value)}</span>'


def account_page(account: AccountReport, report: AccessReport) -> str:
    body = [
        '<p><a href="../index.html">← All accounts</a></p>',
        f"<h1>{text(account.name)}</h1>",
        _meta(report),
        f'<p class="meta">Declared in <code>{text(account.path)}</code>.</p>',
    ]
    if account.settings:
        settings = ", ".join(f"{k}: {v}" for k, v in sorted(account.settings.items()))
        body.append(f"<p>Account settings: {text(settings)}</p>")
    rows = [
        (
            text(c.access),
            [
                text(c.email),
                text(c.name or "—"),
                _access(c.access),
                text(", ".join(c.permissions) or "—"),
                text(", ".join(c.systems) or "—"),
                text(c.since),
                text(c.verified),
            ],
        )
        for c in account.contacts
    ]
    body.append("<h2>Contacts</h2>")
    header = ["Contact", "Name", "Access", "Permissions", "Systems", "Since", "Last verified"]
    body.append(_table(header, rows) if rows else "<p>No contacts declared.</p>")
    body.append("<h2>Manual steps pending</h2>")
    if account.steps:
        body.append(
            _table(
                ["Step", "Record", "Pending since"],
                [
                    ("", [text(s.title), f"<code>{text(s.address)}</code>", text(s.since)])
                    for s in account.steps
                ],
            )
        )
    else:
        body.append("<p>None.</p>")
    body.append("<h2>Unmanaged access found</h2>")
    if account.unmanaged:
        body.append(
            f'<p class="warn">{len(account.unmanaged)} live record'
            f"{'s' * (len(account.unmanaged) != 1)} grant{'s' * (len(account.unmanaged) == 1)} "
            "access that no account file declares "
            "(shown masked). Declare them in the account file, or set <code>exclusive: true</code>"
            " to have them revoked.</p>"
        )
        body.append(
            _table(
                ["Who (masked)", "System", "Access"],
                [("", [text(u.who), text(u.system), _access(u.access)]) for u in account.unmanaged],
            )
        )
    elif report.checked_live_at:
        body.append("<p>None found.</p>")
    else:
        body.append("<p>Not checked: the live systems were not read for this report.</p>")
    return _page(f"{account.name}: access", body)


def write_report(report: AccessReport, out: Path) -> list[Path]:
    """index.html and one page per account under `out`; returns the files written."""
    redactor = Redactor()
    taken: set[str] = set()
    pages = {a.name: slug(a.name, taken) for a in report.accounts}
    (out / "accounts").mkdir(parents=True, exist_ok=True)
    written = [out / "index.html"]
    written[0].write_text(redactor.text(index_page(report, pages)), encoding="utf-8")
    for account in report.accounts:
        path = out / "accounts" / f"{pages[account.name]}.html"
        path.write_text(redactor.text(account_page(account, report)), encoding="utf-8")
        written.append(path)
    return written

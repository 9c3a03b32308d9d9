"""`storegate report --out DIR`: the pages, their rows, and what they must never show."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import CliRepo
from tests.report.conftest import UNDECLARED


def page(out: Path, name: str) -> str:
    return (out / name).read_text(encoding="utf-8")


def rows(document: str) -> list[list[str]]:
    """Each table row's cells, tags stripped."""
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", document, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        found.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return found


def test_index_lists_every_account_with_its_counts(reported: tuple[CliRepo, Path]) -> None:
    _, out = reported
    index = page(out, "index.html")
    table = rows(index)
    assert table[0][:4] == ["Account", "May buy", "Pending", "Revoked"]
    acme = next(r for r in table if r[0] == "Acme Industrial")
    assert acme[1:4] == ["1", "1", "1"]
    assert acme[4] == "store"
    assert acme[6] == "1"  # unmanaged access found
    assert any(r[0] == "Zeta &amp; &lt;Sons&gt;" for r in table)
    assert 'href="accounts/acme-industrial.html"' in index
    assert "<script" not in index.lower()


def test_account_page_has_a_row_per_contact_with_since_and_verification(
    reported: tuple[CliRepo, Path],
) -> None:
    _, out = reported
    acme = page(out, "accounts/acme-industrial.html")
    contacts = {r[0]: r for r in rows(acme) if "@" in r[0]}
    jane = contacts["jane@acme.example"]
    assert jane[2] == "active" and jane[3] == "buy on account" and jane[4] == "store"
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", jane[5])
    assert jane[6].startswith("differs live: 1 pending change")  # her invite, a manual step
    rita = contacts["rita@acme.example"]
    assert rita[2] == "revoked" and "revocation receipt" in rita[6] and "complete" in rita[6]
    assert contacts["paul@acme.example"][2] == "pending"


def test_pending_manual_steps_and_unmanaged_access_masked(reported: tuple[CliRepo, Path]) -> None:
    _, out = reported
    acme = page(out, "accounts/acme-industrial.html")
    assert "Manual steps pending" in acme
    assert "Invite jane@acme.example in the memory store" in acme
    assert "x…@acme.example" in acme
    for written in out.rglob("*.html"):
        assert UNDECLARED not in written.read_text(encoding="utf-8")  # no PII beyond the repo


def test_control_and_bidi_characters_are_escaped(reported: tuple[CliRepo, Path]) -> None:
    _, out = reported
    acme = page(out, "accounts/acme-industrial.html")
    assert "\u202e" not in acme and "\x1b" not in acme
    assert "Jane \\u202eevil\\x1b[2J" in acme


def test_no_live_report_says_it_did_not_check(
    reported: tuple[CliRepo, Path], tmp_path: Path
) -> None:
    repo, _ = reported
    out = tmp_path / "offline"
    done = repo.run("report", "--out", str(out), "--no-live")
    assert done.returncode == 0, done.stderr
    acme = page(out, "accounts/acme-industrial.html")
    assert "Not checked: the live systems were not read" in acme
    assert "live systems not checked" in page(out, "index.html")


def test_report_from_a_saved_plan(reported: tuple[CliRepo, Path], tmp_path: Path) -> None:
    repo, _ = reported
    saved = tmp_path / "drift-plan.json"
    assert repo.run("plan", "--out", str(saved)).returncode == 0
    out = tmp_path / "from-plan"
    done = repo.run("report", "--out", str(out), "--plan", str(saved), "--no-live")
    assert done.returncode == 0, done.stderr
    assert "x…@acme.example" in page(out, "accounts/acme-industrial.html")

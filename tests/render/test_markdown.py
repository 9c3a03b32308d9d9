from __future__ import annotations

import re

import pytest

from storegate.engine.plan import Action, FieldChange, Plan
from storegate.engine.render.markdown import MARKER, code, escape, render_markdown
from storegate.engine.render.values import NO_CHANGES

from .conftest import NASTY_ACCOUNT, make_change, many_accounts_plan


def blocks(document: str) -> list[str]:
    return re.findall(r"<details(?: open)?>.*?</details>", document, flags=re.S)


def test_starts_with_the_sticky_comment_marker_once(plan: Plan) -> None:
    document = render_markdown(plan)
    assert document.startswith(MARKER + "\n")
    assert document.count(MARKER) == 1  # the contact named like the marker is escaped


def test_counts_table_comes_before_warnings_and_accounts(plan: Plan) -> None:
    document = render_markdown(plan)
    table = "| create | update | grant | revoke | delete | manual |\n"
    table += "| ---: | ---: | ---: | ---: | ---: | ---: |\n| 0 | 2 | 2 | 1 | 1 | 1 |"
    assert table in document
    assert document.index(table) < document.index("> [!WARNING]") < document.index("<details")


def test_warnings_are_a_github_alert(plan: Plan) -> None:
    lines = render_markdown(plan).splitlines()
    start = lines.index("> [!WARNING]")
    alert = lines[start : start + 5]
    assert alert[1] == (
        "> **This plan removes access: 2 revocations or deletions.** Review them below."
    )
    assert alert[2] == (
        "> - **tax\\_exempt**: Acme Industrial becomes tax exempt (tax\\_entity\\_code EXEMPT-NY)"
        ' (`salesforce.account["Acme Industrial"]`)'
    )
    assert alert[3] == "> - **revocations**: 2 of 40 managed contacts lose access (5%)"
    assert alert[4].startswith(
        '> - `salesforce.contact["ex.buyer@obrien.example"]`: the contact stays Active'
    )


def test_no_alert_without_warnings_or_removals() -> None:
    document = render_markdown(many_accounts_plan(2, 2))
    assert "[!WARNING]" not in document


def test_one_collapsible_block_per_account_with_a_row_per_change(plan: Plan) -> None:
    found = blocks(render_markdown(plan))
    assert len(found) == 3
    acme, obrien, zeta = found
    assert "<summary><b>Acme Industrial</b>: 2 updates, 2 grants</summary>" in acme
    assert acme.startswith("<details>\n")
    # an account that loses access is open for the reviewer
    assert obrien.startswith("<details open>\n")
    assert (
        "<summary><b>O'Brien &amp; Sons | &lt;script&gt;alert(1)&lt;/script&gt;</b>: "
        "1 revocation, 1 deletion</summary>"
    ) in obrien
    assert "<summary><b>Zeta | Supplies_*</b>: 1 manual step</summary>" in zeta
    rows = [line for line in acme.splitlines() if line.startswith("| ")]
    assert rows[0] == "| Action | Record | Fields | Reason |"
    assert len(rows) == 2 + 4
    assert rows[2].startswith(
        '| `~` update | `salesforce.account["Acme Industrial"]`<br>salesforce account'
    )
    assert "`credit_hold`: true → false<br>`price_book`: Retail → Wholesale 2026" in rows[2]
    assert "`account_credit`: _null_ → true" in rows[3]
    assert "`email`: _null_ → jane.doe@&#8203;acme.example _(on create)_" in rows[4]
    assert "`bigcommerce_customer_id`: _null_ → _(known after apply)_" in rows[5]


def test_every_table_row_keeps_its_four_columns(plan: Plan) -> None:
    for block in blocks(render_markdown(plan)):
        for line in block.splitlines():
            if line.startswith("| "):
                unescaped_pipes = re.findall(r"(?<!\\)\|", line)
                assert len(unescaped_pipes) == 5, line


def test_nasty_values_are_escaped(plan: Plan) -> None:
    document = render_markdown(plan)
    revoke_row = next(line for line in document.splitlines() if line.startswith("| `-` revoke"))
    escaped = (
        "Robert\\`); DROP TABLE \\*contacts\\*; -- @&#8203;everyone<br>"
        "&lt;!-- storegate-plan --&gt;"
    )
    assert f"`last_name`: {escaped} → {escaped}" in revoke_row
    assert "<script>" not in document
    assert "@everyone" not in document
    assert "\n<!--" not in document.removeprefix(MARKER)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "\\`x\\`"),
        ("*bold* _it_ [link](u)", "\\*bold\\* \\_it\\_ \\[link\\](u)"),
        ("<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"),
        ("ping @org/team", "ping @&#8203;org/team"),
        ("one\r\ntwo\nthree", "one<br>two<br>three"),
        ("back\\slash", "back\\\\slash"),
        ("~strike~ #1", "\\~strike\\~ \\#1"),
    ],
)
def test_escape(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_code_span_survives_backticks_and_pipes() -> None:
    assert code("a`b") == "``a`b``"
    assert code("`x") == "`` `x ``"
    assert code("a|b", in_table=True) == "`a\\|b`"
    assert code("a|b") == "`a|b`"
    assert code("two\nlines") == "`two lines`"


def test_empty_plan() -> None:
    document = render_markdown(Plan(changes=()))
    assert document == f"{MARKER}\n\n## storegate plan\n\n**{NO_CHANGES}**\n"


def test_title_is_escaped() -> None:
    document = render_markdown(Plan(changes=()), title="plan for <prod> *main*")
    assert "## plan for &lt;prod&gt; \\*main\\*" in document


def test_fits_without_truncation_when_under_the_limit() -> None:
    document = render_markdown(many_accounts_plan(5, 3))
    assert len(blocks(document)) == 5
    assert "not shown" not in document


def test_truncates_at_whole_accounts_under_the_limit() -> None:
    plan = many_accounts_plan(200, 5)
    full = render_markdown(plan, limit=10**9)
    assert len(full) > 60000
    hint = "See the [job summary](https://example.invalid/run/1)."
    document = render_markdown(plan, limit=60000, full_plan_hint=hint)
    assert len(document) <= 60000
    shown = blocks(document)
    assert 0 < len(shown) < 200
    for block in shown:  # whole accounts only: every shown account has all 5 rows
        assert len([line for line in block.splitlines() if line.startswith("| `+` grant")]) == 5
    hidden_accounts = 200 - len(shown)
    note = (
        f"> [!NOTE]\n> {hidden_accounts * 5} changes in {hidden_accounts} accounts are not shown "
        f"here. {hint}\n"
    )
    assert document.endswith(note)
    # as many accounts as fit: one more would break the limit
    assert len(document) + len("\n\n") + len(shown[-1]) > 60000


def test_truncation_of_a_single_huge_account_keeps_the_head() -> None:
    document = render_markdown(many_accounts_plan(1, 2000), limit=5000)
    assert len(document) <= 5000
    assert document.startswith(MARKER)
    assert "**Plan: 0 to create, 0 to update, 2000 to grant" in document
    assert "> 2000 changes in 1 account are not shown here." in document
    assert not blocks(document)


def test_tiny_limit_is_still_respected() -> None:
    change = make_change(
        'salesforce.contact["a@b.example"]',
        Action.REVOKE,
        account=NASTY_ACCOUNT,
        fields=(FieldChange("x", 1, 2),),
        warnings=tuple(f"warning {i}" for i in range(200)),
    )
    document = render_markdown(Plan(changes=(change,)), limit=300)
    assert len(document) <= 300
    assert document.startswith(MARKER)


def test_long_warning_lists_are_capped() -> None:
    change = make_change(
        'salesforce.contact["a@b.example"]',
        Action.GRANT,
        account="A",
        warnings=tuple(f"warning {i}" for i in range(80)),
    )
    alert = [
        line
        for line in render_markdown(Plan(changes=(change,))).splitlines()
        if line.startswith("> - ")
    ]
    assert len(alert) == 51
    assert alert[-1] == "> - ... and 30 more warnings in the full plan"


def test_pipes_in_addresses_and_field_names_keep_the_columns() -> None:
    change = make_change(
        'salesforce.account["A | B"]',
        Action.UPDATE,
        account="A | B",
        fields=(FieldChange("x|y", "a|b", "c`|`d"),),
        reason="pipes | everywhere",
        source="accounts/a|b.yaml:3",
        warnings=("careful",),
    )
    document = render_markdown(Plan(changes=(change,)))
    row = next(line for line in document.splitlines() if line.startswith("| `~` update"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 5
    assert row.startswith('| `~` update | `salesforce.account["A \\| B"]`<br>')
    assert (
        '> - `salesforce.account["A | B"]`: careful' in document
    )  # outside a table a pipe stays as is

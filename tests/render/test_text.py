from __future__ import annotations

from storegate.engine.plan import Action, Plan
from storegate.engine.render.text import render_text
from storegate.engine.render.values import NO_CHANGES

from .conftest import NASTY_ACCOUNT, make_change


def test_no_changes_says_so(empty_plan: Plan) -> None:
    assert render_text(empty_plan) == NO_CHANGES + "\n"


def test_warnings_come_first(plan: Plan) -> None:
    lines = render_text(plan).splitlines()
    assert lines[0] == "Warnings:"
    assert lines[1] == (
        "  ! [tax_exempt] Acme Industrial becomes tax exempt (tax_entity_code EXEMPT-NY) "
        '(salesforce.account["Acme Industrial"])'
    )
    assert lines[2] == "  ! [revocations] 2 of 40 managed contacts lose access (5%)"
    assert lines[3].startswith(
        '  ! salesforce.contact["ex.buyer@obrien.example"]: the contact stays Active'
    )


def test_changes_grouped_by_account_in_name_order(plan: Plan) -> None:
    headings = [line for line in render_text(plan).splitlines() if line.startswith("Account ")]
    assert headings == [
        "Account Acme Industrial",
        f"Account {NASTY_ACCOUNT}",
        "Account Zeta | Supplies_*",
    ]


def test_each_action_has_its_symbol_and_fields(plan: Plan) -> None:
    lines = render_text(plan).splitlines()
    assert (
        '  ~ salesforce.account["Acme Industrial"] will be updated in place '
        "(salesforce account, accounts/acme-industrial.yaml:2)"
    ) in lines
    assert "      credit_hold: true -> false" in lines
    assert '      price_book: "Retail" -> "Wholesale 2026"' in lines
    assert any(
        line.startswith('  + salesforce.contact["jane.doe@acme.example"] will be granted')
        for line in lines
    )
    assert "      account_credit: null -> true" in lines
    assert '      email: null -> "jane.doe@acme.example"  (on create only)' in lines
    assert "      bigcommerce_customer_id: null -> (known after apply)" in lines
    assert (
        '  - salesforce.contact["ex.buyer@obrien.example"] will have its access revoked (salesforce contact)'
    ) in lines
    assert (
        '  - bigcommerce.customer["ex.buyer@obrien.example"] will be deleted (bigcommerce customer)'
    ) in lines
    assert any(
        line.startswith('  ! cin7_omni.customer["pat@zeta.example"] needs a manual')
        for line in lines
    )
    assert (
        "      # Deactivate the customer in the Cin7 Omni dashboard: Customers > pat > Deactivate"
        in lines
    )


def test_summary_line_counts_every_action(plan: Plan) -> None:
    assert render_text(plan).splitlines()[-1] == (
        "Plan: 0 to create, 2 to update, 2 to grant, 1 to revoke, 1 to delete. "
        "1 manual step to do by hand."
    )


def test_newlines_and_terminal_escapes_in_values_stay_on_one_line(plan: Plan) -> None:
    text = render_text(plan)
    last_name = [line for line in text.splitlines() if "last_name" in line]
    assert len(last_name) == 1
    assert "\\n<!-- storegate-plan -->" in last_name[0]


def test_control_characters_in_reasons_are_shown_not_obeyed() -> None:
    change = make_change(
        'salesforce.contact["a@b.example"]',
        Action.GRANT,
        account="A\x1b[2JB",
        reason="line one\nline two\u202e",
    )
    text = render_text(Plan(changes=(change,)))
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "Account A\\x1b[2JB" in text
    assert "      # line one\\nline two\\u202e" in text


def test_colour_only_when_asked(plan: Plan) -> None:
    assert "\x1b[" not in render_text(plan)
    coloured = render_text(plan, color=True)
    assert "\x1b[31m- bigcommerce.customer" in coloured
    assert "\x1b[32m+ salesforce.contact" in coloured
    assert "\x1b[33m~ salesforce.account" in coloured


def test_a_change_names_the_changes_it_waits_for(plan: Plan) -> None:
    lines = render_text(plan).splitlines()
    write_back = lines.index(
        '  ~ salesforce.contact["jane.doe@acme.example"] will be updated in place '
        "(salesforce contact, accounts/acme-industrial.yaml:14)"
    )
    assert lines[write_back + 1 : write_back + 4] == [
        "      # write the store id back",
        "      bigcommerce_customer_id: null -> (known after apply)",
        '      # after bigcommerce.customer["jane.doe@acme.example"], '
        'salesforce.contact["jane.doe@acme.example"]',
    ]

"""What a reviewer reads: control and bidirectional characters escaped by every renderer, account
names beside raw CRM ids, no internal ordering suffix, and a new record with access counted as a
grant."""

from __future__ import annotations

import json

import pytest

from storegate.engine.plan import Action, Address, FieldChange, ManagedRecord, Plan
from storegate.engine.render import render
from storegate.engine.render.github import render_github
from storegate.engine.render.markdown import render_markdown
from storegate.engine.render.text import render_text
from storegate.engine.render.values import after_addresses, summary_line
from tests.render.conftest import contact_address, make_change

EVIL = "Jane \u202eevil\u001b[2J"
"""A right-to-left override (reorders what follows) and a terminal escape that clears the screen."""
RAW = ("\u202e", "\u001b", "\u2066", "\u200f")


def evil_plan() -> Plan:
    jane = contact_address("jane@acme.example")
    change = make_change(
        jane,
        Action.UPDATE,
        account="Acme \u2066Industrial\u2069",
        fields=(FieldChange("first_name", "Jane", EVIL),),
        reason=f"first name \u200f{EVIL}",
        source="accounts/acme.yaml:7",
        warnings=(f"name {EVIL} looks odd",),
        person="jane@acme.example",
        access="active",
    )
    return Plan(changes=(change,), created_at="2026-01-15T10:00:00+00:00")


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_every_human_renderer_escapes_control_and_bidi_characters(fmt: str) -> None:
    shown = render(evil_plan(), fmt)
    for char in RAW:
        assert char not in shown, (fmt, hex(ord(char)))
    assert "\\u202e" in shown and "\\x1b" in shown  # still there, as visible escapes


def test_json_keeps_the_value_exact_but_escaped() -> None:
    shown = render(evil_plan(), "json")
    for char in RAW:
        assert char not in shown
    after = json.loads(shown)["changes"][0]["fields"][0]["after"]
    assert after == EVIL  # a tool reading the JSON gets the real value back


def test_markdown_escapes_inside_code_spans_and_summaries() -> None:
    document = render_markdown(evil_plan())
    assert "Acme \\u2066Industrial\\u2069" in document  # in <summary> and the table
    assert "`\\u202e`" not in document and "\u202e" not in document


def test_newlines_in_markdown_still_break_lines_as_before() -> None:
    change = make_change(
        contact_address("a@b.example"),
        Action.UPDATE,
        account="B",
        fields=(FieldChange("last_name", "x", "two\nlines"),),
    )
    document = render_markdown(Plan(changes=(change,)))
    assert "two<br>lines" in document


def account_move_plan() -> Plan:
    old, new = "001SB000001YAA", "001SB000003YAA"
    contact = make_change(
        contact_address("jane@acme.example"),
        Action.UPDATE,
        account="Acme Industrial",
        fields=(FieldChange("account_id", old, new),),
        reason="live contact differs from the access repo",
    )
    managed = (
        ManagedRecord(Address("salesforce", "account", "Old Acme"), old, "Old Acme"),
        ManagedRecord(Address("salesforce", "account", "Acme Industrial"), new, "Acme Industrial"),
    )
    return Plan(changes=(contact,), managed=managed)


def test_text_shows_account_names_beside_salesforce_ids() -> None:
    shown = render_text(account_move_plan())
    assert 'account_id: "001SB000001YAA" (Old Acme) -> "001SB000003YAA" (Acme Industrial)' in shown


def test_markdown_and_github_show_account_names_beside_ids() -> None:
    markdown = render_markdown(account_move_plan())
    assert "001SB000001YAA _(Old Acme)_ → 001SB000003YAA _(Acme Industrial)_" in markdown
    github = render_github(account_move_plan())
    assert '"001SB000001YAA" (Old Acme) -> "001SB000003YAA" (Acme Industrial)' in github


def test_an_unknown_new_account_id_is_named_after_the_change_account() -> None:
    change = make_change(
        contact_address("jane@acme.example"),
        Action.UPDATE,
        account="Acme Industrial",
        fields=(FieldChange("account_id", None, "001SB000009YAA"),),
    )
    shown = render_text(Plan(changes=(change,)))
    assert 'account_id: null -> "001SB000009YAA" (Acme Industrial)' in shown


def test_dependencies_are_shown_without_the_internal_step_suffix() -> None:
    jane = contact_address("jane+buyer@acme.example")
    change = make_change(
        Address("store", "customer", "jane+buyer@acme.example"),
        Action.UPDATE,
        account="Acme",
        depends_on=(f"{jane}+1", str(jane)),
    )
    assert after_addresses(change) == [str(jane)]
    shown = render_text(Plan(changes=(change,)))
    assert f"# after {jane}" in shown and "]+1" not in shown


def test_a_new_record_with_access_counts_as_a_grant() -> None:
    customer = make_change(
        Address("bigcommerce", "customer", "jane@acme.example"),
        Action.CREATE,
        account="Acme",
        access="active",
    )
    company = make_change(Address("store", "company", "Acme"), Action.CREATE, account="Acme")
    pending = make_change(
        Address("store", "user", "p@acme.example"), Action.CREATE, account="Acme", access="pending"
    )
    plan = Plan(changes=(company, customer, pending))
    assert summary_line(plan).startswith("Plan: 2 to create, 0 to update, 1 to grant,")
    assert "will be created with access" in render_text(plan)
    assert "`+` grant (new)" in render_markdown(plan)

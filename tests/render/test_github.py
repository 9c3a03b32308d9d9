from __future__ import annotations

import pytest

from storegate.engine.plan import Action, FieldChange, Plan, PlanWarning
from storegate.engine.render.github import command, escape_data, escape_property, render_github

from .conftest import make_change


def test_one_annotation_per_warning_and_change_then_the_summary(plan: Plan) -> None:
    lines = render_github(plan).splitlines()
    assert len(lines) == len(plan.warnings) + 1 + len(plan.changes) + 1
    assert [line.split(" ", 1)[0].split("::")[1] for line in lines] == [
        "warning",  # tax_exempt
        "warning",  # revocations threshold
        "warning",  # change warning on the revoked contact
        "notice",  # account update
        "notice",  # grant
        "notice",  # create
        "notice",  # write-back update
        "warning",  # delete (the store customer goes before the contact's access)
        "warning",  # revoke
        "notice",  # manual
        "notice",  # summary
    ]
    assert lines[-1] == (
        "::notice title=storegate plan::Plan: 0 to create, 2 to update, 2 to grant, 1 to revoke, "
        "1 to delete. 1 manual step to do by hand."
    )


def test_annotations_point_at_the_yaml_line(plan: Plan) -> None:
    lines = render_github(plan).splitlines()
    grant = lines[4]
    assert grant.startswith(
        "::notice file=accounts/acme-industrial.yaml,line=14,title=storegate%3A grant on salesforce::"
    )
    assert grant.endswith(
        '::salesforce.contact["jane.doe@acme.example"] will be granted access: access: active in the YAML'
        "%0Apurchase_on_account: false -> true%0Aaccount_credit: null -> true"
    )
    # a plan warning about an address takes the line of that record's change
    assert lines[0].startswith("::warning file=accounts/acme-industrial.yaml,line=2,title=")
    # a removed record has no source: no file property
    revoke = lines[8]
    assert revoke.startswith(
        "::warning title=storegate%3A revoke on salesforce::salesforce.contact["
    )


def test_data_and_properties_are_escaped() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("warning", "x", source="dir, with: odd/file.yaml:7", title="t") == (
        "::warning file=dir%2C with%3A odd/file.yaml,line=7,title=t::x"
    )


def test_a_value_cannot_inject_a_workflow_command() -> None:
    change = make_change(
        'salesforce.contact["a@b.example"]',
        Action.GRANT,
        account="A",
        reason="ok\n::error::pwned\r::add-mask::x",
        fields=(FieldChange("note", None, "%0A::stop-commands::t"),),
    )
    output = render_github(Plan(changes=(change,)))
    lines = output.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(("::notice ", "::warning ")) for line in lines)
    assert "ok%0A::error::pwned%0D::add-mask::x" in lines[0]
    assert '"%250A::stop-commands::t"' in lines[0]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("accounts/a.yaml:12", "::notice file=accounts/a.yaml,line=12,title=T::m"),
        ("accounts/a.yaml", "::notice file=accounts/a.yaml,title=T::m"),
        (None, "::notice title=T::m"),
    ],
)
def test_source_forms(source: str | None, expected: str) -> None:
    assert command("notice", "m", source=source, title="T") == expected


def test_plan_warning_without_matching_change_has_no_file() -> None:
    plan = Plan(
        changes=(), warnings=(PlanWarning("w", "careful", 'salesforce.contact["x@y.example"]'),)
    )
    assert render_github(plan).splitlines()[0] == (
        '::warning title=storegate%3A w::careful (salesforce.contact["x@y.example"])'
    )

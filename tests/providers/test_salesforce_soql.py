"""SOQL quoting and query building: every value goes through quote()."""

from __future__ import annotations

from datetime import date

from storegate.providers.salesforce.soql import (
    MAX_SOQL_CHARS,
    chunked_selects,
    in_conditions,
    is_api_name,
    quote,
    select,
)


def test_quote_escapes_quotes_backslashes_and_control_characters() -> None:
    assert quote("O'Brien & Sons") == "'O\\'Brien & Sons'"
    assert quote('say "hi"') == "'say \\\"hi\\\"'"
    assert quote("a\\b") == "'a\\\\b'"
    assert quote("line1\nline2\r\t") == "'line1\\nline2\\r\\t'"


def test_injection_attempt_stays_one_string_literal() -> None:
    attack = "x' OR Name != '"
    quoted = quote(attack)
    assert quoted == "'x\\' OR Name != \\''"
    # every quote inside the literal is escaped: the literal only ends at the last character
    body = quoted[1:-1]
    assert all(body[i - 1] == "\\" for i, ch in enumerate(body) if ch == "'")


def test_quote_of_non_strings() -> None:
    assert quote(None) == "null"
    assert quote(True) == "true"
    assert quote(False) == "false"
    assert quote(3) == "3"
    assert quote(date(2026, 1, 15)) == "2026-01-15"


def test_select_parenthesises_conditions() -> None:
    soql = select("Contact", ["Id", "Email"], ["Email != null", "LeadSource = 'Web' OR X = 1"])
    assert soql == (
        "SELECT Id, Email FROM Contact WHERE (Email != null) AND (LeadSource = 'Web' OR X = 1)"
    )


def test_in_conditions_cover_every_value_within_budget() -> None:
    values = [f"user{i}@example.com" for i in range(3000)]
    conditions = list(in_conditions("Email", values, 2000))
    assert len(conditions) > 1
    assert all(len(c) <= 2000 for c in conditions)
    seen = {v.strip("'") for c in conditions for v in c[len("Email IN (") : -1].split(",")}
    assert seen == set(values)


def test_chunked_selects_stay_under_the_soql_limit() -> None:
    values = [f"someone.with.a.long.name{i}@example.com" for i in range(2000)]
    queries = list(chunked_selects("Contact", ["Id", "Email"], "Email", values, ["Email != null"]))
    assert len(queries) >= 8
    assert all(len(q) <= MAX_SOQL_CHARS for q in queries)
    assert all(
        q.startswith("SELECT Id, Email FROM Contact WHERE (Email != null) AND") for q in queries
    )


def test_chunked_selects_of_nothing_is_no_query() -> None:
    assert list(chunked_selects("Contact", ["Id"], "Id", [])) == []


def test_api_names() -> None:
    assert is_api_name("s_c__Active__c")
    assert is_api_name("Account.Name")
    assert not is_api_name("Name, (SELECT Id FROM Contacts)")
    assert not is_api_name("x'--")

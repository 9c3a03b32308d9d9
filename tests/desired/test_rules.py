"""The cross-field and cross-file rules: code, severity and the line each points at."""

from __future__ import annotations

from pathlib import Path

import pytest

from storegate.engine.errors import InputError
from storegate.engine.load import load_repo
from storegate.engine.problems import Problem, Severity
from storegate.engine.rules import check
from storegate.engine.view import desired_view
from storegate.providers.bigcommerce import BigCommerceProvider
from storegate.providers.contract import DesiredContext
from tests.desired.conftest import CONFIG, RepoFactory

HEADER = "account:\n  name: {name}\n"


def account(name: str, settings: str = "", contacts: str = "") -> str:
    return HEADER.format(name=name) + settings + "contacts:\n" + (contacts or "  []\n")


def found(make_repo: RepoFactory, files: dict[str, str], config: str = CONFIG) -> list[Problem]:
    return load_repo(make_repo(files, config=config)).problems


def codes(problems: list[Problem]) -> list[tuple[str, str, int, Severity]]:
    return [(p.code, p.path, p.line, p.severity) for p in problems]


def test_same_email_twice_in_one_file_and_in_previously(make_repo: RepoFactory) -> None:
    contacts = (
        "  - email: a@x.example\n"  # line 4
        "    access: active\n"
        "  - email: b@x.example\n"  # line 6
        "    access: active\n"
        "    previously: [A@x.example]\n"  # line 8
        "  - email: B@X.example\n"  # line 9
        "    access: revoked\n"
    )
    problems = found(make_repo, {"accounts/x.yaml": account("X", contacts=contacts)})
    assert codes(problems) == [
        ("SG101", "accounts/x.yaml", 8, Severity.ERROR),
        ("SG101", "accounts/x.yaml", 9, Severity.ERROR),
    ]
    assert "(also at accounts/x.yaml:4)" in problems[0].message
    assert "(also at accounts/x.yaml:6)" in problems[1].message


def test_previously_listing_its_own_email(make_repo: RepoFactory) -> None:
    contacts = "  - email: a@x.example\n    access: active\n    previously:\n      - a@x.example\n"
    problems = found(make_repo, {"accounts/x.yaml": account("X", contacts=contacts)})
    assert codes(problems) == [("SG101", "accounts/x.yaml", 7, Severity.ERROR)]


def test_purchase_on_account_without_pay_by_account(make_repo: RepoFactory) -> None:
    contacts = "  - email: a@x.example\n    access: active\n    purchase_on_account: true\n"
    problems = found(make_repo, {"accounts/x.yaml": account("X", contacts=contacts)})
    assert codes(problems) == [("SG102", "accounts/x.yaml", 6, Severity.WARNING)]
    assert "no effect" in problems[0].message


def test_pay_by_account_with_credit_hold(make_repo: RepoFactory) -> None:
    settings = "  credit_hold: true\n  pay_by_account: true\n"
    problems = found(make_repo, {"accounts/x.yaml": account("X", settings)})
    assert codes(problems) == [("SG103", "accounts/x.yaml", 4, Severity.WARNING)]
    assert "blocked at checkout" in problems[0].message


def test_access_under_inactive_account(make_repo: RepoFactory) -> None:
    contacts = (
        "  - email: a@x.example\n    access: pending\n"
        "  - email: b@x.example\n    access: revoked\n"
        "  - email: c@x.example\n    access: active\n"
    )
    problems = found(make_repo, {"accounts/x.yaml": account("X", "  active: false\n", contacts)})
    assert codes(problems) == [
        ("SG104", "accounts/x.yaml", 6, Severity.ERROR),
        ("SG104", "accounts/x.yaml", 10, Severity.ERROR),
    ]


def test_account_pricing_without_price_book(make_repo: RepoFactory) -> None:
    contacts = "  - email: a@x.example\n    access: active\n    account_pricing: true\n"
    problems = found(make_repo, {"accounts/x.yaml": account("X", "  price_book: null\n", contacts)})
    assert codes(problems) == [("SG105", "accounts/x.yaml", 7, Severity.WARNING)]


def test_tax_exempt_is_reported_taxable_is_not(make_repo: RepoFactory) -> None:
    files = {
        "accounts/x.yaml": account("X", "  tax_entity_code: EXEMPT-NY\n"),
        "accounts/y.yaml": account("Y", "  tax_entity_code: Taxable\n"),
    }
    problems = found(make_repo, files)
    assert codes(problems) == [("SG106", "accounts/x.yaml", 3, Severity.WARNING)]
    assert problems[0].message.startswith("tax exempt: tax_entity_code 'EXEMPT-NY'")


def test_one_membership_per_account(make_repo: RepoFactory) -> None:
    files = {
        "accounts/x.yaml": account("X", "  membership: Gold, Silver\n"),
        "accounts/y.yaml": account("Y", "  membership: [Gold, Silver]\n"),
    }
    problems = found(make_repo, files)
    assert codes(problems) == [
        ("SG107", "accounts/x.yaml", 3, Severity.ERROR),
        ("SG107", "accounts/y.yaml", 3, Severity.ERROR),
    ]
    assert all("one membership at a time" in p.message for p in problems)


def test_same_account_name_or_salesforce_id_in_two_files(make_repo: RepoFactory) -> None:
    files = {
        "accounts/a.yaml": account("Acme  Industrial", "  salesforce_id: 001Hs00002abcdE\n"),
        "accounts/b.yaml": account("acme industrial"),
        "accounts/c.yaml": account("Other", "  salesforce_id: 001Hs00002abcdEIAQ\n"),
    }
    problems = found(make_repo, files)
    assert codes(problems) == [
        ("SG108", "accounts/b.yaml", 2, Severity.ERROR),
        ("SG109", "accounts/c.yaml", 3, Severity.ERROR),
    ]
    assert "also declared in accounts/a.yaml" in problems[0].message


def test_offboard_without_revoke(make_repo: RepoFactory) -> None:
    contacts = "  - email: a@x.example\n    access: active\n    offboard: true\n"
    problems = found(make_repo, {"accounts/x.yaml": account("X", contacts=contacts)})
    assert codes(problems) == [("SG110", "accounts/x.yaml", 6, Severity.ERROR)]


def test_protected_email_nobody_declares(make_repo: RepoFactory) -> None:
    contacts = "  - email: boss@x.example\n    access: active\n"
    config = CONFIG + "safety:\n  protected:\n    - BOSS@x.example\n    - ghost@x.example\n"
    problems = found(make_repo, {"accounts/x.yaml": account("X", contacts=contacts)}, config)
    assert codes(problems) == [("SG111", "storegate.yaml", 10, Severity.WARNING)]
    assert "ghost@x.example" in problems[0].message


def test_price_book_without_customer_group(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a repo rule any more (SG112 left the engine): BigCommerce refuses it at plan time."""
    config = CONFIG + (
        "  bigcommerce:\n    store_hash: env:H\n    access_token: env:T\n"
        "    customer_groups: {Wholesale 2026: 1}\n"
    )
    buyer = "  - email: b@{}.example\n    access: active\n"
    files = {
        "accounts/x.yaml": account("X", "  price_book: Wholesale 2026\n", buyer.format("x")),
        "accounts/y.yaml": account("Y", "  price_book: Retail 2026\n", buyer.format("y")),
    }
    result = load_repo(make_repo(files, config))
    assert codes(result.problems) == []
    assert result.desired is not None
    monkeypatch.setenv("H", "store")
    monkeypatch.setenv("T", "token")
    settings = result.desired.config.systems["bigcommerce"]
    store = BigCommerceProvider("bigcommerce", settings, Path(result.desired.root))
    systems = {"bigcommerce": store.info()}
    context = DesiredContext(desired_view(result.desired), (), systems)
    with pytest.raises(InputError) as raised:
        store.desired(context)
    assert codes(raised.value.problems) == [("SG601", "accounts/y.yaml", 3, Severity.ERROR)]
    assert "'Retail 2026'" in raised.value.problems[0].message


def test_permissions_on_a_revoked_contact(make_repo: RepoFactory) -> None:
    contacts = "  - email: a@x.example\n    access: revoked\n    account_credit: true\n"
    assert codes(found(make_repo, {"accounts/x.yaml": account("X", contacts=contacts)})) == [
        ("SG113", "accounts/x.yaml", 6, Severity.WARNING)
    ]


def test_no_account_files(make_repo: RepoFactory) -> None:
    result = load_repo(make_repo({}))
    assert codes(result.problems) == [("SG114", "storegate.yaml", 1, Severity.WARNING)]
    assert result.desired is not None and result.desired.accounts == []


def test_warnings_keep_the_repo_valid_and_check_is_rerunnable(make_repo: RepoFactory) -> None:
    settings = "  credit_hold: true\n  pay_by_account: true\n"
    result = load_repo(make_repo({"accounts/x.yaml": account("X", settings)}))
    assert result.desired is not None
    assert [p.code for p in result.warnings] == ["SG103"]
    assert check(result.desired) == result.warnings

"""`storegate validate` output: text and GitHub annotation formats, the summary line, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from storegate.engine.commands.validate import github_annotation
from storegate.engine.problems import Problem, Severity
from tests.desired.conftest import ACCOUNT, RepoFactory, validate


def test_valid_repo_exits_0_and_prints_warnings(make_repo: RepoFactory) -> None:
    text = ACCOUNT.replace(
        "  pay_by_account: true\n", "  pay_by_account: true\n  credit_hold: true\n"
    )
    outcome = validate(make_repo({"accounts/acme.yaml": text}))
    assert outcome.exit_code == 0
    assert len(outcome.lines) == 2
    assert outcome.lines[0].endswith(
        "accounts/acme.yaml:3:3: warning: pay_by_account is blocked at checkout while the account "
        "is on credit_hold [SG103]"
    )
    assert outcome.lines[1] == "valid: 2 files, 1 accounts, 1 contacts (0 errors, 1 warning)"


def test_paths_are_shown_relative_to_the_working_directory(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"accounts/acme.yaml": "- x\n"})
    monkeypatch.chdir(root.parent)
    outcome = validate(Path("repo"))
    assert outcome.lines[0].startswith(
        "repo/accounts/acme.yaml:1:1: error: the top level is a list"
    )


def test_github_format(make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ACCOUNT.replace("pay_by_account: true", "pay_by_account: maybe")
    root = make_repo({"accounts/acme.yaml": text})
    monkeypatch.chdir(root)
    outcome = validate(Path("."), "--format", "github")
    assert outcome.exit_code == 1
    assert outcome.lines == [
        "::error file=accounts/acme.yaml,line=3,col=19,title=storegate SG002::"
        "account.pay_by_account: Input should be a valid boolean, unable to interpret input",
        "invalid: 2 files read (1 error, 0 warnings)",
    ]


def test_github_escaping_of_data_and_properties() -> None:
    problem = Problem("a,b:c%.yaml", 4, 2, "50% off\r\nnext: line, here", "SG106", Severity.WARNING)
    assert github_annotation(problem, problem.path) == (
        "::warning file=a%2Cb%3Ac%25.yaml,line=4,col=2,title=storegate SG106::"
        "50%25 off%0D%0Anext: line, here"
    )


def test_unknown_format_is_a_usage_error(make_repo: RepoFactory) -> None:
    assert validate(make_repo(), "--format", "xml").exit_code == 2

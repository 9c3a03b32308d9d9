"""Every change names the YAML line that asks for it (the contact's email, else the account's
name), though records are located only once they have a change."""

from __future__ import annotations

from storegate.engine.commands.session import load_desired
from storegate.engine.sources import SourceLines
from storegate.engine.view import desired_view
from storegate.providers.contract import Action
from tests.engine.conftest import Repo, account, person


def _line_of(repo: Repo, path: str, text: str) -> int:
    lines = (repo.root / path).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_each_change_points_at_the_line_that_declares_its_record(repo: Repo) -> None:
    repo.write(
        {
            "acme": account("Acme", person("a@acme.example"), person("b@acme.example")),
            "umbrella": account("Umbrella", person("c@umbrella.example")),
        }
    )
    plan = repo.plan()
    assert plan.changes
    for change in plan.changes:
        if change.person is not None:
            file = "accounts/acme.yaml" if "acme" in change.person else "accounts/umbrella.yaml"
            assert change.source == f"{file}:{_line_of(repo, file, change.person)}", change.id
        else:
            file = f"accounts/{change.account.lower()}.yaml"
            assert change.source == f"{file}:{_line_of(repo, file, 'name:')}", change.id


def test_a_removed_contact_has_no_line_and_the_others_keep_theirs(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))})
    repo.apply()
    repo.write({"acme": account("Acme", person("a@acme.example", first_name="Ann"))})
    plan = repo.plan()
    removed = [c for c in plan.changes if c.person == "b@acme.example"]
    updated = [c for c in plan.changes if c.person == "a@acme.example"]
    assert removed and all(c.source is None for c in removed)
    assert removed[0].action in (Action.DELETE, Action.REVOKE, Action.UPDATE)
    line = _line_of(repo, "accounts/acme.yaml", "a@acme.example")
    assert updated and all(c.source == f"accounts/acme.yaml:{line}" for c in updated)


def test_a_person_is_found_in_the_account_that_lists_them_whatever_the_change_says(
    repo: Repo,
) -> None:
    """Contacts are looked up in the change's account first; a person that account does not list
    (a change a hook names under another account) is still located, a stranger is not."""
    repo.write(
        {
            "acme": account("Acme", person("a@acme.example"), person("b@acme.example")),
            "umbrella": account("Umbrella", person("c@umbrella.example")),
        }
    )
    lines = SourceLines(desired_view(load_desired(repo.root)))
    acme, umbrella = "accounts/acme.yaml", "accounts/umbrella.yaml"
    b_line = f"{acme}:{_line_of(repo, acme, 'b@acme.example')}"
    c_line = f"{umbrella}:{_line_of(repo, umbrella, 'c@umbrella.example')}"
    assert lines.of("b@acme.example", "Acme") == b_line
    assert lines.of("c@umbrella.example", "Acme") == c_line
    assert lines.of("c@umbrella.example", "No Such Account") == c_line
    assert lines.of("gone@acme.example", "Acme") is None
    assert lines.of(None, "Umbrella") == f"{umbrella}:{_line_of(repo, umbrella, 'name:')}"
    assert lines.of(None, "No Such Account") is None

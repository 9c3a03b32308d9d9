"""Every change names the YAML line that asks for it (the contact's email, else the account's
name), though records are located only once they have a change."""

from __future__ import annotations

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

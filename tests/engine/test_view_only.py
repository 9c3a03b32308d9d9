"""`plan` and `apply` release the contacts' validated models once the view is made (about 400 bytes
a contact at 100,000 contacts): the plan made from that view is the same plan, line for line."""

from __future__ import annotations

from storegate.engine.commands.session import load_desired
from storegate.engine.plan import Plan
from storegate.engine.planner import make_plan
from storegate.engine.view import desired_view, view_only
from tests.engine.conftest import Repo, account, person


def _both_plans(repo: Repo) -> tuple[Plan, Plan]:
    full = make_plan(load_desired(repo.root), repo.backend.read(), repo.providers())
    released = view_only(load_desired(repo.root))
    assert all(not loaded.file.contacts for loaded in released.accounts)
    return full, make_plan(released, repo.backend.read(), repo.providers())


def test_a_plan_from_the_view_alone_is_the_same_plan(repo: Repo) -> None:
    repo.write(
        {
            "acme": account(
                "Acme",
                person("a@acme.example", first_name="Ann"),
                person("b@acme.example", access="revoked"),
                exclusive=True,
            ),
            "umbrella": account("Umbrella", person("c@umbrella.example")),
        }
    )
    full, released = _both_plans(repo)
    assert full == released
    repo.apply()
    repo.write(
        {
            "acme": account("Acme", person("a@acme.example", first_name="Anna"), exclusive=True),
            "umbrella": account("Umbrella"),
        }
    )
    full, released = _both_plans(repo)
    assert full == released
    assert {c.source for c in released.changes} - {None}  # changes still name their lines


def test_the_view_is_made_once_and_kept(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"))})
    released = view_only(load_desired(repo.root))
    assert desired_view(released) is released.view
    assert view_only(released) is released
    assert [c.key for _, c in desired_view(released).contacts()] == ["a@acme.example"]

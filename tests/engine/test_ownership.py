"""Live access equals git, or the plan says why: unmanaged access, exclusive accounts, drift apart
from requests, state identity, a lost state, and renames, on the memory store."""

from __future__ import annotations

import pytest

from storegate.engine.errors import StateError
from storegate.engine.planner import EMPTY_STATE
from storegate.engine.render import render
from storegate.providers.contract import Action, Origin
from storegate.state.memory import MemoryStateBackend
from tests.engine.conftest import Repo, account, person
from tests.support.memory_provider import reset_world

WORLD = "default"


def grant_by_hand(email: str, company: str = "Acme") -> None:
    """Someone gives a buyer access in the store directly, outside the access repo."""
    users = reset_world.__globals__["_WORLDS"][WORLD]["user"]
    users[f"hand-{email}"] = {
        "id": f"hand-{email}",
        "email": email,
        "company": company,
        "status": 1,
    }


def test_access_granted_by_hand_is_listed_not_silently_ignored(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"))})
    repo.apply()
    grant_by_hand("intruder@acme.example")
    plan = repo.plan()
    assert plan.empty, "not exclusive: listed, not revoked"
    [found] = plan.unmanaged
    assert (found.address.key, found.account, found.access) == (
        "intruder@acme.example",
        "Acme",
        "active",
    )
    for fmt in ("text", "markdown", "json", "github"):
        assert "intruder@" in render(plan, fmt, color=False), fmt


def test_exclusive_account_revokes_undeclared_access_and_says_why(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"), exclusive=True)})
    repo.apply()
    grant_by_hand("intruder@acme.example")
    plan = repo.plan()
    [revoke] = plan.changes
    assert revoke.action is Action.REVOKE and revoke.origin is Origin.UNMANAGED
    assert revoke.person == "intruder@acme.example" and "exclusive" in revoke.reason
    assert plan.unmanaged == ()
    text = render(plan, "text", color=False)
    assert "Access no account file declares, revoked (exclusive accounts) (1)" in text
    repo.apply(plan)
    assert repo.plan().empty


def test_exclusive_default_in_storegate_yaml_survives_a_lost_state(repo: Repo) -> None:
    repo.write(
        {"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))},
        exclusive=True,
    )
    repo.apply()
    repo.backend = MemoryStateBackend()  # the state file is lost
    repo.write({"acme": account("Acme", person("a@acme.example"))}, exclusive=True)
    plan = repo.plan()
    revoked = [c for c in plan.changes if c.action is Action.REVOKE]
    assert [c.person for c in revoked] == ["b@acme.example"], "revocation comes from live"
    assert any(w.code == EMPTY_STATE for w in plan.warnings)


def test_drift_and_requests_are_told_apart(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))})
    repo.apply()
    users = reset_world.__globals__["_WORLDS"][WORLD]["user"]
    drifted = next(u for u in users.values() if u["email"] == "a@acme.example")
    drifted["status"] = 0  # switched off by hand in the store
    repo.write(
        {
            "acme": account(
                "Acme", person("a@acme.example"), person("b@acme.example", first_name="Bea")
            )
        }
    )
    plan = repo.plan()
    origins = {c.person: c.origin for c in plan.changes if c.kind == "user"}
    assert origins == {"a@acme.example": Origin.DRIFT, "b@acme.example": Origin.REPO}
    assert "(1 requested by the repo, 1 reverting drift)" in render(plan, "text", color=False)
    markdown = render(plan, "markdown", color=False)
    assert "### Drift: changed outside storegate" in markdown
    assert "### Changes the access repo asks for (1)" in markdown


def test_another_repos_state_is_refused_before_anything_is_read(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"))}, repo="github.com/acme/one")
    repo.apply()
    assert repo.backend.read().repo == "github.com/acme/one"
    writes = len(repo.backend.writes)
    repo.write({"acme": account("Acme")}, repo="github.com/acme/two")
    with pytest.raises(StateError, match=r"belongs to access repo 'github\.com/acme/one'"):
        repo.apply()
    assert len(repo.backend.writes) == writes


def test_empty_state_with_declared_records_live_is_a_loud_warning(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"))})
    repo.apply()
    repo.backend = MemoryStateBackend()
    plan = repo.plan()
    [warning] = [w for w in plan.warnings if w.code == EMPTY_STATE]
    assert "would NOT be revoked" in warning.message and "--allow-empty-state" in warning.message
    assert len(plan.adopted) == 2
    assert "2 records the repo declares already exist live" in render(plan, "text", color=False)


def test_an_email_rename_keeps_one_state_entry(repo: Repo) -> None:
    """Regression: `previously:` removed after the rename left the old address in state, and
    every plan then showed a phantom create."""
    repo.write({"acme": account("Acme", person("old@acme.example"))})
    repo.apply()
    repo.write(
        {"acme": account("Acme", person("new@acme.example", previously=["old@acme.example"]))}
    )
    renamed = repo.plan()
    assert [c.action for c in renamed.changes] == [Action.UPDATE]
    repo.apply(renamed)
    state = repo.backend.read()
    assert 'store.user["old@acme.example"]' not in state.resources
    assert 'store.user["new@acme.example"]' in state.resources
    repo.write({"acme": account("Acme", person("new@acme.example"))})
    assert repo.plan().empty

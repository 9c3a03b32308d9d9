"""Apply order from dependency edges, failure isolation, and convergence, on the memory store.

The memory store has what Adobe Commerce has: a company per account and a user per contact on it,
so a user depends on its company in the same system.
"""

from __future__ import annotations

import contextlib

from storegate.engine.order import waves
from storegate.providers.contract import Action
from tests.engine.conftest import Repo, account, person
from tests.support.memory_provider import MemorySettings, reset_world


def positions(plan_changes: list[str], *ids: str) -> list[int]:
    return [plan_changes.index(i) for i in ids]


def test_company_then_users_in_one_apply_and_a_second_plan_is_empty(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))})
    plan = repo.plan()
    ids = [c.id for c in plan.changes]
    company, user_a = 'store.company["Acme"]', 'store.user["a@acme.example"]'
    assert [c.action for c in plan.changes] == [Action.CREATE] * 3
    assert ids.index(company) < ids.index(user_a)
    assert plan.by_id()[user_a].depends_on == (company,)
    outcome = repo.apply(plan)
    assert not outcome.failed and len(outcome.succeeded) == 3
    assert repo.plan().empty


def test_revocations_run_in_reverse_of_their_dependencies(repo: Repo) -> None:
    repo.systems["store"]["manual_access"] = True
    repo.write({"acme": account("Acme", person("a@acme.example"))})
    granted = repo.plan()
    ids = [c.id for c in granted.changes]
    user, access = 'store.user["a@acme.example"]', 'store.access["a@acme.example"]'
    assert ids.index(user) < ids.index(access), "grant: the user exists before the invite"
    repo.apply(granted)
    repo.write({"acme": account("Acme", person("a@acme.example", "revoked"))})
    revoked = repo.plan()
    by_id = revoked.by_id()
    assert by_id[user].action is Action.REVOKE and by_id[access].action is Action.MANUAL
    assert by_id[user].depends_on == (access,), "revoke: the store's access closes first"
    outcome = repo.apply(revoked)
    assert outcome.results[user].ok, "an API revocation never waits for a person"
    assert [c.id for c in outcome.pending] == [access]


def test_a_failed_record_stops_its_dependants_not_unrelated_work(repo: Repo) -> None:
    repo.systems["store"].update(manual_access=True, fail=["b@acme.example"])
    repo.write({"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))})
    outcome = repo.apply()
    assert set(outcome.results) >= {'store.company["Acme"]', 'store.user["a@acme.example"]'}
    assert not outcome.results['store.user["b@acme.example"]'].ok
    # b's manual invite depends on b's user, which failed: skipped, not recorded as pending
    assert "which failed" in outcome.skipped['store.access["b@acme.example"]']
    assert [c.key for c in outcome.pending] == ["a@acme.example"]
    state = repo.backend.read()
    assert 'store.user["a@acme.example"]' in state.resources
    assert 'store.user["b@acme.example"]' not in state.resources
    # the failure fixed, a re-run converges without touching what landed
    repo.systems["store"]["fail"] = []
    repo.write({"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))})
    again = repo.plan()
    assert {c.id for c in again.changes if c.action is not Action.MANUAL} == {
        'store.user["b@acme.example"]'
    }


def test_waves_batch_independent_changes_together(repo: Repo) -> None:
    repo.write(
        {
            "acme": account("Acme", person("a@acme.example"), person("b@acme.example")),
            "beta": account("Beta", person("c@beta.example")),
        }
    )
    rounds = waves(repo.plan().changes)
    assert [sorted(c.kind for c in r) for r in rounds] == [
        ["company", "company"],
        ["user", "user", "user"],
    ]


def test_a_kill_between_batches_leaves_state_from_which_a_rerun_converges(repo: Repo) -> None:
    class Killed(Exception):
        pass

    repo.write({"acme": account("Acme", *(person(f"u{i}@acme.example") for i in range(5)))})
    writes = len(repo.backend.writes)
    original = repo.backend.write

    def dying_write(document, expected_serial, history=()):  # type: ignore[no-untyped-def]
        saved = original(document, expected_serial, history)
        if len(repo.backend.writes) - writes == 2:
            raise Killed
        return saved

    repo.backend.write = dying_write  # type: ignore[method-assign]
    with contextlib.suppress(Killed):
        repo.apply()
    repo.backend.write = original  # type: ignore[method-assign]
    partial = repo.backend.read()
    assert 0 < len(partial.resources) < 6
    outcome = repo.apply()
    assert not outcome.failed
    assert repo.plan().empty
    world = reset_world.__globals__["_WORLDS"]["default"]
    assert len(world["user"]) == 5, "no duplicate users after the re-run"


def test_settings_model_validates_its_own_block() -> None:
    settings = MemorySettings.model_validate({"type": "memory", "manual_access": True})
    assert settings.manual_access and settings.batch_size == 2

"""A plan is made in one pass over records it then lets go: what it holds at the end is the plan."""

from __future__ import annotations

import gc

from storegate.engine.commands.session import load_desired
from storegate.engine.diff import Match
from storegate.engine.plan import ManagedRecord
from storegate.engine.planner import _kept, make_plan
from storegate.engine.view import view_only
from storegate.providers.contract import Address, DesiredRecord, LiveRecord
from tests.engine.conftest import Repo, account, person


def _alive(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def test_no_desired_or_live_record_outlives_the_plan(repo: Repo) -> None:
    people = [person(f"p{n}@acme.example") for n in range(40)]
    repo.write({"acme": account("Acme", *people)})
    repo.apply()
    repo.write({"acme": account("Acme", *people[:30], person("new@acme.example"))})
    desired = view_only(load_desired(repo.root))
    providers = repo.providers()
    gc.collect()
    before = _alive(DesiredRecord), _alive(LiveRecord)
    plan = make_plan(desired, repo.backend.read(), providers)
    assert plan.managed and plan.changes  # kept records, removals and a create
    assert (_alive(DesiredRecord), _alive(LiveRecord)) == before


def test_the_kept_records_are_made_while_the_matches_are_let_go() -> None:
    """`_kept` empties the match list as it reads it: the plan's peak never holds every desired
    and live record and the kept list at once."""
    present = DesiredRecord(Address("crm", "contact", "a@x.example"), "X", "present", {})
    missing = DesiredRecord(Address("crm", "contact", "b@x.example"), "X", "present", {})
    absent = DesiredRecord(Address("crm", "contact", "c@x.example"), "X", "absent", {})
    live = LiveRecord(present.address, "1", {})
    matches = [
        Match(present, live),
        Match(missing, None),
        Match(absent, LiveRecord(absent.address, "3", {})),
    ]
    kept, adopted = _kept(matches, {str(present.address)})
    assert kept == (ManagedRecord(present.address, "1", "X"),)
    assert adopted == [], "state already holds it"
    assert matches == []
    assert _kept([Match(present, live)], set())[1] == [str(present.address)]

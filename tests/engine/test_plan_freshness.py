"""A saved plan is applied only against the state it was made from."""

from __future__ import annotations

import pytest

from storegate.engine.apply import check_fresh
from storegate.engine.errors import PlanTampered, StalePlan
from storegate.engine.plan import Plan
from storegate.state.base import ResourceState, StateDocument


def test_plan_from_another_lineage_is_refused() -> None:
    with pytest.raises(PlanTampered, match="lineage"):
        check_fresh(Plan((), lineage="aaaa", serial=1), StateDocument("bbbb", 1), {})


def test_plan_older_than_the_state_is_stale() -> None:
    with pytest.raises(StalePlan, match="serial 3 -> 4"):
        check_fresh(Plan((), lineage="aaaa", serial=3), StateDocument("aaaa", 4), {})


def test_plan_made_on_empty_state_is_stale_once_state_exists() -> None:
    state = StateDocument("aaaa", 0, {"x": ResourceState("x", "salesforce", "contact", "x", "1")})
    with pytest.raises(StalePlan):
        check_fresh(Plan((), lineage=None, serial=0), state, {})


def test_matching_state_passes() -> None:
    check_fresh(Plan((), lineage="aaaa", serial=4), StateDocument("aaaa", 4), {})
    check_fresh(Plan((), lineage=None, serial=0), StateDocument("cccc", 0), {})

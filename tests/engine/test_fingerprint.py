"""The target fingerprint kept in state must not change when its encoder is made faster: a state
written by an earlier storegate would otherwise read as moved targets, and drift as the repo's."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from storegate.engine.ownership import fingerprint


def _as_first_written(values: dict[str, Any]) -> str:
    names = hashlib.sha256(json.dumps(sorted(values)).encode()).hexdigest()[:8]
    text = json.dumps(values, sort_keys=True, default=str)
    return f"{names}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"email": "ada@example.com", "first_name": "Ada", "purchase_on_account": True},
        {"b": None, "a": False, "c": 0, "d": -12, "e": 1.5, "f": float("inf")},
        {"display_name": "Ærø Trading ☕", "tax": "Ä\u2028x", "quote": 'a "b" \\ c'},
        {"roles": ["buyer", "approver"], "nested": {"z": 1, "a": [None, True]}},
        {"granted": date(2026, 11, 23)},
    ],
)
def test_fingerprint_is_the_one_earlier_states_hold(values: dict[str, Any]) -> None:
    assert fingerprint(values) == _as_first_written(values)


def test_a_value_or_a_field_set_changing_moves_the_fingerprint() -> None:
    base = fingerprint({"email": "ada@example.com", "active": True})
    assert fingerprint({"email": "ada@example.com", "active": False}) != base
    assert fingerprint({"email": "ada@example.com"}).split(":")[0] != base.split(":")[0]

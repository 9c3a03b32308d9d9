"""The fast email check never accepts an address email_validator refuses, and takes the common
ones without it; what it is unsure of, email_validator decides, with its own message."""

from __future__ import annotations

import random

import pytest
from email_validator import EmailNotValidError, validate_email

from storegate.engine.model import _check_email, _plainly_valid

ALPHABET = "abcXYZ019.-_+@'!#%&*/=?^`{|}~\"() <>[]:;,\\é\u00ad\uff21"


def _full_accepts(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def test_random_addresses_the_fast_check_takes_email_validator_takes_too() -> None:
    rng = random.Random(16)
    suffixes = [".com", ".example", ".test", ".local", ".c0m", ".co-m", ".x", "", ".xn--p1ai"]
    taken = 0
    for _ in range(20000):
        local = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))
        domain = "".join(rng.choice("ab-0.Z") for _ in range(rng.randint(0, 8)))
        value = f"{local}@{domain}{rng.choice(suffixes)}"
        if _plainly_valid(value):
            taken += 1
            assert _full_accepts(value), value
    assert taken > 500


@pytest.mark.parametrize(
    "value",
    [
        "jane.doe@acme.example",
        "O'Brien+orders@obrien-and-sons.example.com",
        "a@b.co",
        "x_y.z@sub.domain.example.org",
    ],
)
def test_common_addresses_pass_the_fast_check(value: str) -> None:
    assert _plainly_valid(value)
    assert _check_email(value) == value


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("jane@acme", "It should have a period"),
        ("jane@acme.test", "special-use or reserved name"),
        ("jane..doe@acme.example", "two periods in a row"),
        ("jane@xn--zz.example", "not valid IDNA"),
        ("jané@acme.example", None),
    ],
)
def test_what_the_fast_check_is_unsure_of_email_validator_decides(
    value: str, says: str | None
) -> None:
    assert not _plainly_valid(value)
    if says is None:
        assert _check_email(value) == value
    else:
        with pytest.raises(ValueError, match=says):
            _check_email(value)

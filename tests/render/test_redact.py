from __future__ import annotations

import json

import pytest

from storegate.engine.plan import Action, Address, FieldChange, Plan, PlanWarning, Ref
from storegate.engine.redact import MASK, redact, redact_plan
from storegate.engine.render import FORMATS, render
from storegate.engine.secrets import known_secrets, resolve

from .conftest import make_change

# Characters every renderer escapes differently: markdown (_ | @ *), JSON (" é), workflow commands (%).
SECRET = 'Zq8_k%p|w@"é*sgtest-7341'
SESSION_ID = "00DHs000000abcd!AQ0AQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6LYUfiDUkWe6H34r1AAwOR8B8fLEz6n04NPGRrq0FM"


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("STOREGATE_RENDER_TEST_TOKEN", SECRET)
    value = resolve(
        "env:STOREGATE_RENDER_TEST_TOKEN", "systems.bigcommerce.auth.access_token", secret=True
    )
    assert value == SECRET and SECRET in known_secrets()
    return value


def leaky_plan(secret: str) -> Plan:
    change = make_change(
        'bigcommerce.customer["jane@acme.example"]',
        Action.UPDATE,
        account=f"Acme {secret}",
        fields=(
            FieldChange("notes", None, f"token={secret}"),
            FieldChange("meta", {"k": [secret]}, {secret: 1}),
            FieldChange("store_id", None, Ref(Address("bigcommerce", "customer", secret))),
        ),
        reason=f"store said: 401 for X-Auth-Token: {secret}",
        warnings=(f"echoed {secret}",),
        source="accounts/acme.yaml:3",
    )
    revoke = make_change(
        'salesforce.contact["bob@acme.example"]',
        Action.REVOKE,
        account="Acme",
        reason=f"session {SESSION_ID} expired; Authorization: Bearer eyJhbGciOi.J9x-y_z",
    )
    return Plan(
        changes=(change, revoke),
        warnings=(
            PlanWarning("leak", f"password {secret} rejected", f'salesforce.contact["{secret}"]'),
        ),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_reaches_any_output(secret: str, fmt: str) -> None:
    output = render(leaky_plan(secret), fmt)
    for form in _encodings(secret):
        assert form not in output
    assert "AQ0AQH0dMHZfz972" not in output
    assert "eyJhbGciOi" not in output
    assert MASK in output


def _encodings(secret: str) -> set[str]:
    """The secret as written, and as each renderer would encode it."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.replace("%", "%25"),
        secret.replace("_", "\\_").replace("|", "\\|").replace("*", "\\*"),
        "Zq8",  # the head of it, in case a renderer split or escaped the rest
    }


def test_the_plan_itself_is_not_changed(secret: str) -> None:
    plan = leaky_plan(secret)
    render(plan, "markdown")
    assert plan.changes[0].fields[0].after == f"token={secret}"


def test_redact_plan_masks_every_string(secret: str) -> None:
    masked = redact_plan(leaky_plan(secret))
    change = masked.changes[0]
    assert change.account == "Acme ***"
    assert change.fields[0].after == "token=***"
    assert change.fields[1] == FieldChange("meta", {"k": ["***"]}, {"***": 1})
    assert change.fields[2].after == Ref(Address("bigcommerce", "customer", "***"))
    assert change.reason == "store said: 401 for X-Auth-Token: ***"
    assert change.warnings == ("echoed ***",)
    assert masked.warnings[0] == PlanWarning(
        "leak", "password *** rejected", 'salesforce.contact["***"]'
    )


def test_explicit_secrets_longest_first() -> None:
    assert redact("abc abcdef", ["abc", "abcdef"]) == "*** ***"
    assert redact("nothing here", []) == "nothing here"
    assert redact("empty secret is ignored", [""]) == "empty secret is ignored"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"sid={SESSION_ID} end", "sid=*** end"),
        ("00D5g000004XXXX!AQ.x_y-z rest", "*** rest"),  # 15-character org id
        ("00D5g000004XXXXAAA!tok", "***"),  # 18-character org id
        ("00D5g000004XXXX", "00D5g000004XXXX"),  # a bare org id is not a secret
        ("Authorization: Bearer abc.def-ghi_jkl=", "Authorization: Bearer ***"),
        ("authorization: bearer abc", "authorization: bearer ***"),
        ("AUTHORIZATION: BEARER abc", "AUTHORIZATION: BEARER ***"),
        ("X-AUTH-TOKEN: abc", "X-AUTH-TOKEN: ***"),
        ("X-Auth-Token: s3cr3tv4lue\nnext", "X-Auth-Token: ***\nnext"),
        ('{"X-Auth-Token": "s3cr3t", "a": 1}', '{"X-Auth-Token": "***", "a": 1}'),
        ("x-auth-token=abc;", "x-auth-token=***;"),
        ("plain text about bearers", "plain text about bearers"),
    ],
)
def test_token_shapes(text: str, expected: str) -> None:
    assert redact(text, []) == expected

"""Cin7OmniProvider against the sandbox over HTTPS: reads in both casings, batched writes with
per-item results, lookup before a create is retried, the rate limit, the store view, manual steps
seen done, verification and the seed's warnings."""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from storegate.providers.cin7_omni import Cin7OmniProvider
from storegate.providers.cin7_omni.config import Cin7OmniSystem
from storegate.providers.contract import (
    Action,
    Address,
    ApiLimitExceeded,
    AuthError,
    Change,
    ChangeResult,
    ConfigError,
    DesiredRecord,
    FieldChange,
    LiveRecord,
    ManualStep,
    Scope,
)
from storegate.sandbox.faults import Fault
from storegate.sandbox.server import Sandbox

SYSTEM = "cin7_omni"
GET, POST, PUT = "GET Contacts", "POST Contacts", "PUT Contacts"
LIMITS = ("rate_limit_per_second", "rate_limit_per_minute", "rate_limit_per_day")


def settings(**overrides: Any) -> Cin7OmniSystem:
    return Cin7OmniSystem.model_validate(
        {
            "base_url": "env:STOREGATE_SANDBOX_URL",
            "api_username": "env:CIN7_API_USERNAME",
            "api_key": "env:CIN7_API_KEY",
            "ca_bundle": "env:STOREGATE_SANDBOX_CA",
            "price_columns": {"Wholesale 2026": "WholesalePrice"},
            "requests_per_second": 100,
            "max_retries": 3,
            **overrides,
        }
    )


@pytest.fixture
def unlimited(sandbox: Sandbox) -> Sandbox:
    for name in LIMITS:
        sandbox.settings[SYSTEM][name] = 0
    return sandbox


@pytest.fixture
def make_provider(unlimited: Sandbox, sandbox_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    opened: list[Cin7OmniProvider] = []

    def make(**overrides: Any) -> Cin7OmniProvider:
        provider = Cin7OmniProvider(SYSTEM, settings(**overrides), tmp_path)
        opened.append(provider)
        return provider

    yield make
    for provider in opened:
        provider.close()


@pytest.fixture
def provider(make_provider: Any) -> Cin7OmniProvider:
    made: Cin7OmniProvider = make_provider()
    return made


@pytest.fixture
def viewing(make_provider: Any) -> Cin7OmniProvider:
    """A provider that reads the sandbox's B2B Dashboard."""
    made: Cin7OmniProvider = make_provider(store_view_url="env:CIN7_B2B_VIEW_URL")
    return made


@pytest.fixture
def dashboard(unlimited: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{unlimited.url}/_sandbox/cin7_omni/b2b",
        verify=ssl.create_default_context(cafile=str(unlimited.ca_path)),
    ) as client:
        yield client


class Results:
    def __init__(self) -> None:
        self.batches: list[list[ChangeResult]] = []

    def __call__(self, batch: Sequence[ChangeResult]) -> None:
        self.batches.append(list(batch))

    @property
    def all(self) -> list[ChangeResult]:
        return [r for batch in self.batches for r in batch]


def email(n: int) -> str:
    return f"buyer{n}@acme.example"


def address(kind: str, key: str) -> Address:
    return Address(SYSTEM, kind, key)


def create(n: int, **fields: Any) -> Change:
    values = {"email": email(n), "first_name": f"B{n}", "is_active": True, **fields}
    return Change(
        address=address("contact", email(n)),
        account="Acme Industrial",
        action=Action.CREATE,
        fields=tuple(FieldChange(k, None, v) for k, v in values.items()),
        reason="new",
        create_fields=(FieldChange("type", None, "Customer"),),
    )


def update(key: str, remote_id: str, action: Action = Action.UPDATE, **fields: Any) -> Change:
    return Change(
        address=address("contact", key),
        account="Acme Industrial",
        action=action,
        fields=tuple(FieldChange(k, None, v) for k, v in fields.items()),
        reason="changed",
        remote_id=remote_id,
    )


def seed(
    sandbox: Sandbox, *contacts: dict[str, Any], customers: Sequence[dict[str, Any]] = ()
) -> None:
    from storegate.sandbox.cin7_omni import seed as seed_cin7

    seed_cin7(sandbox.store, {"contacts": list(contacts), "b2b_customers": list(customers)})


def person(n: int, **extra: Any) -> dict[str, Any]:
    return {"type": "Customer", "email": email(n), "firstName": f"B{n}", "company": "ACME", **extra}


def calls(sandbox: Sandbox) -> dict[str, int]:
    return sandbox.calls.snapshot().get(SYSTEM, {})


# ---------------------------------------------------------------- reads


@pytest.mark.parametrize("case", ["camel", "pascal"])
def test_full_read_in_either_casing(
    unlimited: Sandbox, provider: Cin7OmniProvider, case: str
) -> None:
    seed(
        unlimited,
        person(1, priceColumn="WholesalePrice", creditLimit=250.0, onHold=True),
        person(2, isActive=False),
        {"type": "Supplier", "email": "Sales@Vendor.example"},
    )
    unlimited.settings[SYSTEM]["response_case"] = case
    live = {r.key: r for r in provider.read(Scope())}
    assert set(live) == {email(1), email(2), "sales@vendor.example"}
    first = live[email(1)]
    assert first.address == address("contact", email(1)) and first.id == "1"
    assert dict(first.fields) == {
        "email": email(1),
        "first_name": "B1",
        "last_name": None,
        "company": "ACME",
        "type": "Customer",
        "is_active": True,
        "on_hold": True,
        "price_column": "WholesalePrice",
        "credit_limit": 250.0,
    }
    assert (first.access, live[email(2)].access) == ("active", "revoked")
    assert live["sales@vendor.example"].fields["type"] == "Supplier"


def test_reads_page_at_the_largest_size(unlimited: Sandbox, make_provider: Any) -> None:
    seed(unlimited, *(person(n) for n in range(23)))
    provider: Cin7OmniProvider = make_provider(page_size=10)
    assert len(provider.read(Scope())) == 23
    assert calls(unlimited) == {GET: 3}


def test_a_partial_read_finds_keys_and_ids_with_in_conditions(
    unlimited: Sandbox, provider: Cin7OmniProvider
) -> None:
    seed(unlimited, *(person(n) for n in range(1, 6)))
    scope = Scope(
        keys=frozenset({email(2), "BUYER4@ACME.example".lower()}), ids=frozenset({"5"}), full=False
    )
    assert sorted(r.key for r in provider.read(scope)) == [email(2), email(4), email(5)]
    assert calls(unlimited) == {GET: 2}


def test_the_store_view_gives_customers_keyed_by_their_crm_email(
    unlimited: Sandbox, viewing: Cin7OmniProvider, dashboard: httpx.Client
) -> None:
    seed(
        unlimited,
        *(person(n) for n in range(1, 5)),
        customers=[
            {"email": email(1)},
            {"email": email(2), "tab": "pending"},
            {"email": email(3), "tab": "deactivated"},
            {"email": email(4), "tab": "error", "error": "bounced"},
        ],
    )
    unlimited.store.update(
        SYSTEM,
        "contact",
        "1",
        {**unlimited.store.get(SYSTEM, "contact", "1"), "Email": "moved@acme.example"},
    )
    live = {str(r.address): r for r in viewing.read(Scope())}
    moved = live['cin7_omni.customer["moved@acme.example"]']
    assert (moved.id, moved.access) == ("1", "active")
    assert moved.fields["status"] == "current" and moved.fields["email"] == email(1)
    assert live['cin7_omni.store_email["moved@acme.example"]'].fields == {"email": email(1)}
    statuses = {
        r.key: (r.fields["status"], r.access) for r in live.values() if r.kind == "customer"
    }
    assert statuses == {
        "moved@acme.example": ("current", "active"),
        email(2): ("pending", "pending"),
        email(3): ("deactivated", "revoked"),
        email(4): ("error", "pending"),
    }
    assert calls(unlimited) == {GET: 1}  # the view is no API call


def test_without_a_store_view_nothing_of_the_store_is_read(
    unlimited: Sandbox, provider: Cin7OmniProvider
) -> None:
    seed(unlimited, person(1), customers=[{"email": email(1)}])
    assert {r.kind for r in provider.read(Scope())} == {"contact"}
    assert not provider.reads_store


# ---------------------------------------------------------------- writes


def test_creates_go_in_batches_of_the_largest_size(unlimited: Sandbox, make_provider: Any) -> None:
    provider: Cin7OmniProvider = make_provider(batch_size=4)
    results = Results()
    provider.apply([create(n, price_column="WholesalePrice") for n in range(10)], results)
    assert [len(b) for b in results.batches] == [4, 4, 2]
    assert all(r.ok for r in results.all)
    assert calls(unlimited) == {POST: math.ceil(10 / 4)}
    first = unlimited.store.get(SYSTEM, "contact", results.all[0].remote_id or "")
    assert first is not None
    assert (first["Type"], first["Email"], first["PriceColumn"]) == (
        "Customer",
        email(0),
        "WholesalePrice",
    )
    assert results.all[0].attributes == {"id": results.all[0].remote_id, "email": email(0)}


def test_one_refused_contact_fails_alone(unlimited: Sandbox, provider: Cin7OmniProvider) -> None:
    unlimited.faults.add(Fault(SYSTEM, "record_error", match=email(2)))
    results = Results()
    provider.apply(
        [create(1), create(2), create(3, price_column="NoSuchColumn"), create(4)], results
    )
    outcome = {r.change_id: (r.ok, r.error) for r in results.all}
    assert [ok for ok, _ in outcome.values()] == [True, False, False, True]
    assert "injected record error" in (outcome[f'cin7_omni.contact["{email(2)}"]'][1] or "")
    assert "NoSuchColumn" in (outcome[f'cin7_omni.contact["{email(3)}"]'][1] or "")
    assert calls(unlimited) == {POST: 1}


def test_an_uncertain_create_is_looked_up_before_it_is_sent_again(
    unlimited: Sandbox, provider: Cin7OmniProvider
) -> None:
    unlimited.settings[SYSTEM]["drop_after_create"] = 1
    results = Results()
    provider.apply([create(1), create(2)], results)
    assert all(r.ok for r in results.all) and len(results.all) == 2
    assert unlimited.store.count(SYSTEM, "contact") == 2  # no duplicates
    assert calls(unlimited) == {POST: 1, GET: 1}  # one create, one lookup, nothing re-sent


def test_updates_revocations_and_grants_are_puts(
    unlimited: Sandbox, provider: Cin7OmniProvider
) -> None:
    seed(unlimited, person(1, jobTitle="Buyer"), person(2), person(3, isActive=False))
    results = Results()
    provider.apply(
        [
            update(email(1), "1", email="Moved@acme.example", last_name=None, on_hold=True),
            update(email(2), "2", Action.REVOKE, is_active=False),
            update(email(3), "3", Action.GRANT, is_active=True, credit_limit=100.0),
        ],
        results,
    )
    assert all(r.ok for r in results.all) and calls(unlimited) == {PUT: 1}
    one, two, three = (unlimited.store.get(SYSTEM, "contact", str(n)) or {} for n in (1, 2, 3))
    assert (one["Email"], one["LastName"], one["OnHold"], one["JobTitle"]) == (
        "Moved@acme.example",
        "",
        True,
        "Buyer",
    )
    assert two["IsActive"] is False and (three["IsActive"], three["CreditLimit"]) == (True, 100.0)


def test_updates_run_before_creates_so_an_email_can_move(
    unlimited: Sandbox, provider: Cin7OmniProvider
) -> None:
    seed(unlimited, person(1))
    results = Results()
    provider.apply([create(1), update("old@acme.example", "1", email="old@acme.example")], results)
    assert all(r.ok for r in results.all), results.all


def test_calls_are_paced_and_a_429_waits_for_retry_after(
    unlimited: Sandbox, make_provider: Any
) -> None:
    unlimited.settings[SYSTEM]["rate_limit_per_second"] = 2
    fast: Cin7OmniProvider = make_provider(page_size=1)
    seed(unlimited, *(person(n) for n in range(3)))
    assert len(fast.read(Scope())) == 3  # 4 pages; the third call meets a 429 and waits
    assert calls(unlimited) == {GET: 5}
    time.sleep(1.05)  # the window forgets the first provider's calls
    unlimited.calls.reset()
    paced: Cin7OmniProvider = make_provider(page_size=1, requests_per_second=1.8)
    assert len(paced.read(Scope())) == 3
    assert calls(unlimited) == {GET: 4}  # never limited


def test_a_spent_daily_limit_stops_the_run(unlimited: Sandbox, provider: Cin7OmniProvider) -> None:
    unlimited.settings[SYSTEM]["rate_limit_per_day"] = 1
    provider.read(Scope())
    with pytest.raises(ApiLimitExceeded, match="daily limit"):
        provider.read(Scope())


def test_wrong_credentials_and_a_wrong_host(
    unlimited: Sandbox,
    sandbox_env: dict[str, str],
    make_provider: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIN7_API_KEY", "not-the-key")
    with pytest.raises(AuthError, match="api_username and api_key") as raised:
        make_provider().check()
    assert "not-the-key" not in str(raised.value)
    monkeypatch.setenv("CIN7_API_KEY", sandbox_env["CIN7_API_KEY"])
    monkeypatch.setenv("WRONG_HOST", f"{unlimited.url}/elsewhere")
    with pytest.raises(ConfigError, match="base_url"):
        make_provider(base_url="env:WRONG_HOST").check()


def test_check_reads_the_store_view_when_one_is_set(
    unlimited: Sandbox, make_provider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_provider(store_view_url="env:CIN7_B2B_VIEW_URL").check()
    monkeypatch.setenv("BAD_VIEW", f"{unlimited.url}/_sandbox/nothing-here")
    from storegate.providers.contract import ProviderError

    with pytest.raises(ProviderError, match="store_view_url"):
        make_provider(store_view_url="env:BAD_VIEW").check()


# ---------------------------------------------------------------- manual steps


def customer_step(
    key: str, target: str, before: str | None, remote_id: str | None = None
) -> Change:
    return Change(
        address=address("customer", key),
        account="Acme Industrial",
        action=Action.MANUAL,
        fields=(FieldChange("status", before, target),),
        reason="store access",
        remote_id=remote_id,
        access={"current": "active", "pending": "pending"}.get(target, "revoked"),  # type: ignore[arg-type]
        manual=ManualStep("generic", "dashboard", ("both ways",)),
    )


def live_customer(key: str, status: str) -> LiveRecord:
    return LiveRecord(address("customer", key), "1", {"status": status, "email": key})


def test_step_done_reads_the_tab(viewing: Cin7OmniProvider, provider: Cin7OmniProvider) -> None:
    invite = customer_step(email(1), "current", None)
    assert not viewing.step_done(invite, None)
    assert viewing.step_done(invite, live_customer(email(1), "pending"))
    assert viewing.step_done(invite, live_customer(email(1), "current"))
    assert not viewing.step_done(invite, live_customer(email(1), "deactivated"))
    remove = customer_step(email(1), "deactivated", "current")
    assert viewing.step_done(remove, live_customer(email(1), "deactivated"))
    assert viewing.step_done(remove, None)  # the invitation was cancelled: no store customer
    assert not viewing.step_done(remove, live_customer(email(1), "current"))
    login = Change(
        address("store_email", "new@acme.example"),
        "Acme",
        Action.MANUAL,
        (FieldChange("email", "old@acme.example", "new@acme.example"),),
        "email",
    )
    seen = LiveRecord(
        address("store_email", "new@acme.example"), "1", {"email": "NEW@acme.example"}
    )
    assert viewing.step_done(login, seen)
    assert not provider.step_done(invite, live_customer(email(1), "current"))  # no view: confirm


def test_include_change_replaces_the_generic_step_with_the_one_for_the_tab(
    viewing: Cin7OmniProvider, provider: Cin7OmniProvider
) -> None:
    reenable = customer_step(email(1), "current", "deactivated", "1")
    assert not viewing.include_change(reenable)
    cancel = customer_step(email(2), "deactivated", "pending", "2")
    assert not viewing.include_change(cancel)
    unknown = customer_step(email(3), "current", None)
    assert not viewing.include_change(unknown)  # the view says: no store customer, so invite
    nothing = customer_step(email(4), "deactivated", None)
    assert not viewing.include_change(nothing)  # not a store customer: nothing to deactivate
    refined = viewing.extra_changes([], [], [])
    steps = {c.key: c.manual.title if c.manual else "" for c in refined}
    assert steps == {
        email(1): f"Re-enable {email(1)} in the B2B online store",
        email(2): f"Cancel the B2B online store invitation of {email(2)}",
        email(3): f"Invite {email(3)} to the B2B online store",
    }
    assert {c.id for c in refined} == {reenable.id, cancel.id, unknown.id}
    assert viewing.extra_changes([], [], []) == []
    assert provider.include_change(customer_step(email(3), "current", None))  # unknown tab kept
    assert not provider.include_change(customer_step(email(1), "current", "deactivated"))
    assert provider.extra_changes([], [], [])[0].manual.title.startswith("Re-enable")  # type: ignore[union-attr]
    revoked_new = create(9, is_active=False)
    assert not provider.include_change(revoked_new)  # never in the CRM: nothing to create


# ---------------------------------------------------------------- verify and warnings


def test_verify_checks_the_crm_contact_is_inactive(
    unlimited: Sandbox, provider: Cin7OmniProvider
) -> None:
    seed(unlimited, person(1, isActive=False), person(2))
    checks = provider.verify([], frozenset({email(1), email(2), "ghost@acme.example"}))
    assert checks == []  # none of them is this provider's (desired() was not asked)
    revoke = update(email(1), "1", Action.REVOKE, is_active=False)
    put_back = update(email(2), "2", Action.REVOKE, is_active=False)
    checks = provider.verify([revoke, put_back], frozenset({email(1), email(2)}))
    assert [(c.address, c.ok) for c in checks] == [
        (f'cin7_omni.contact["{email(1)}"]', True),
        (f'cin7_omni.contact["{email(2)}"]', False),
    ]


def desired_contact(key: str, new_email: str, aliases: tuple[str, ...] = ()) -> DesiredRecord:
    return DesiredRecord(
        address=address("contact", key),
        account="Acme",
        intent="present",
        fields={"email": new_email},
        aliases=aliases,
        remote_id=None,
    )


def test_the_seed_warnings_follow_the_tab(unlimited: Sandbox, viewing: Cin7OmniProvider) -> None:
    seed(
        unlimited,
        *(person(n) for n in range(1, 6)),
        {"type": "Supplier", "email": "s@vendor.example"},
        customers=[
            {"email": email(1)},
            {"email": email(2), "tab": "pending"},
            {"email": email(3), "tab": "deactivated"},
            {"email": email(4), "tab": "error"},
        ],
    )
    live = viewing.read(Scope())
    desired = [
        desired_contact(f"new{n}@acme.example", f"new{n}@acme.example", (email(n),))
        for n in range(1, 6)
    ] + [desired_contact("s@vendor.example", "s@vendor.example")]
    warnings = {w.code: w for w in viewing.plan_warnings(desired, live)}
    assert set(warnings) == {
        "SG-CIN7-EMAIL-DELAY",
        "SG-CIN7-REINVITE",
        "SG-CIN7-NO-EMAIL",
        "SG-CIN7-ERROR-TAB",
        "SG-CIN7-NOT-CUSTOMER",
    }
    assert "another invitation" in warnings["SG-CIN7-REINVITE"].message
    assert warnings["SG-CIN7-REINVITE"].address == 'cin7_omni.customer["new2@acme.example"]'
    assert "no email" in warnings["SG-CIN7-NO-EMAIL"].message
    assert "Update emails from CRM" in warnings["SG-CIN7-ERROR-TAB"].message
    assert "for up to an hour" in warnings["SG-CIN7-EMAIL-DELAY"].message


def test_without_a_view_an_email_change_warns_of_all_three(
    unlimited: Sandbox, provider: Cin7OmniProvider
) -> None:
    seed(unlimited, person(1))
    live = provider.read(Scope())
    (warning,) = provider.plan_warnings(
        [desired_contact("new1@acme.example", "new1@acme.example", (email(1),))], live
    )
    assert warning.code == "SG-CIN7-EMAIL-CHANGE"
    for phrase in ("another invitation", "no email", "Error tab"):
        assert phrase in warning.message

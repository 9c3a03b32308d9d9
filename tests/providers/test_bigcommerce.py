"""BigCommerceProvider against the sandbox over HTTPS: reads, batched writes, limits, recovery."""

from __future__ import annotations

import gc
import math
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from storegate.engine.errors import AuthError, ConfigError
from storegate.providers.bigcommerce import BigCommerceProvider
from storegate.providers.bigcommerce.config import BigCommerceSystem
from storegate.providers.contract import (
    Action,
    Address,
    Change,
    ChangeResult,
    FieldChange,
    Scope,
    email_key,
    shared_text,
)
from storegate.sandbox import bigcommerce
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox

ENDPOINT_GET = "GET /v3/customers"
ENDPOINT_POST = "POST /v3/customers"
ENDPOINT_PUT = "PUT /v3/customers"
ENDPOINT_DELETE = "DELETE /v3/customers"


def settings(**overrides: Any) -> BigCommerceSystem:
    return BigCommerceSystem.model_validate(
        {
            "base_url": "env:STOREGATE_SANDBOX_URL",
            "store_hash": "env:BIGCOMMERCE_STORE_HASH",
            "access_token": "env:BIGCOMMERCE_ACCESS_TOKEN",
            "ca_bundle": "env:STOREGATE_SANDBOX_CA",
            "customer_groups": {"Wholesale 2026": 1},
            "max_retries": 3,
            **overrides,
        }
    )


@pytest.fixture
def make_provider(sandbox_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    opened: list[BigCommerceProvider] = []

    def make(**overrides: Any) -> BigCommerceProvider:
        provider = BigCommerceProvider("bigcommerce", settings(**overrides), tmp_path)
        opened.append(provider)
        return provider

    yield make
    for provider in opened:
        provider.close()


@pytest.fixture
def provider(make_provider: Any) -> BigCommerceProvider:
    created: BigCommerceProvider = make_provider()
    return created


class Results:
    """An on_batch callback that keeps every batch it was given."""

    def __init__(self) -> None:
        self.batches: list[list[ChangeResult]] = []

    def __call__(self, batch: Sequence[ChangeResult]) -> None:
        self.batches.append(list(batch))

    @property
    def all(self) -> list[ChangeResult]:
        return [r for batch in self.batches for r in batch]

    def failed(self) -> list[ChangeResult]:
        return [r for r in self.all if not r.ok]


def email(n: int) -> str:
    return f"buyer{n}@acme.example"


def create(address_email: str) -> Change:
    return Change(
        address=Address("bigcommerce", "customer", address_email),
        account="Acme",
        action=Action.CREATE,
        fields=(FieldChange("email", None, address_email), FieldChange("company", None, "ACME")),
        create_fields=(FieldChange("first_name", None, "B"), FieldChange("last_name", None, "Doe")),
        reason="access active",
    )


def modify(action: Action, key: str, remote_id: str, **fields: Any) -> Change:
    return Change(
        address=Address("bigcommerce", "customer", key),
        account="Acme",
        action=action,
        fields=tuple(FieldChange(k, None, v) for k, v in fields.items()),
        reason="test",
        remote_id=remote_id,
    )


def seed(sandbox: Sandbox, count: int) -> list[dict[str, Any]]:
    customers = [
        {"id": n + 1, "email": email(n), "first_name": "B", "last_name": "Doe"}
        for n in range(count)
    ]
    bigcommerce.seed(
        sandbox.store, {"customer_groups": [{"id": 1, "name": "Wholesale"}], "customers": customers}
    )
    return customers


def bc_calls(admin: SandboxAdmin) -> dict[str, int]:
    return admin.calls().get("bigcommerce", {})


def live_emails(provider: BigCommerceProvider) -> list[str]:
    return sorted(r.key for r in provider.read(Scope()))


# ---------------------------------------------------------------- check


def test_check_passes_with_existing_groups(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    provider.check()
    assert bc_calls(admin) == {"GET /v2/customer_groups": 1}


def test_check_names_a_missing_group(sandbox: Sandbox, make_provider: Any) -> None:
    seed(sandbox, 0)
    with pytest.raises(ConfigError) as raised:
        make_provider(customer_groups={"Retail": 9}).check()
    assert "'Retail'" in str(raised.value) and "9" in str(raised.value)


def test_check_with_a_wrong_token_is_one_line_without_the_token(
    sandbox_env: dict[str, str], make_provider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIGCOMMERCE_ACCESS_TOKEN", "wrong-token-1234")
    with pytest.raises(AuthError) as raised:
        make_provider().check()
    message = str(raised.value)
    assert "401" in message and "\n" not in message
    assert "wrong-token-1234" not in message
    assert sandbox_env["BIGCOMMERCE_ACCESS_TOKEN"] not in message


def test_wrong_store_hash_is_a_config_error(make_provider: Any) -> None:
    with pytest.raises(ConfigError, match="store_hash"):
        make_provider(store_hash="nosuchstore").check()


# ---------------------------------------------------------------- read


def test_full_read_uses_the_largest_page(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 620)
    records = provider.read(Scope())
    assert len(records) == 620
    assert bc_calls(admin) == {ENDPOINT_GET: math.ceil(620 / 250)}
    assert provider.calls() == 3
    first = min(records, key=lambda r: int(r.id))
    assert (first.key, first.id, first.access) == (email(0), "1", "active")
    assert dict(first.fields) == {
        "email": email(0),
        "first_name": "B",
        "last_name": "Doe",
        "company": "",
        "customer_group_id": 0,
    }


def test_a_full_read_leaves_no_page_for_the_cyclic_collector(
    sandbox: Sandbox, provider: BigCommerceProvider
) -> None:
    """A plan pauses the cyclic collector: a page left to it would stay until the plan ends."""
    seed(sandbox, 620)
    gc.collect()
    gc.disable()
    try:
        assert len(provider.read(Scope())) == 620
        assert [o for o in gc.get_objects() if isinstance(o, httpx.Response)] == []
    finally:
        gc.enable()


def test_scoped_read_filters_by_email_and_id(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 120)
    keys = frozenset(email(n).upper() for n in range(60))
    records = provider.read(Scope(keys=keys, ids=frozenset({"100", "101"}), full=False))
    assert sorted(int(r.id) for r in records) == [*range(1, 61), 100, 101]
    assert bc_calls(admin) == {ENDPOINT_GET: 3}  # 60 emails in chunks of 50, one id chunk


# ---------------------------------------------------------------- apply


def test_creates_go_in_batches_of_ten(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    changes = [create(email(n)) for n in range(25)]
    results = Results()
    provider.apply(changes, results)
    assert bc_calls(admin) == {ENDPOINT_POST: 3}
    assert len(results.batches) == 3 and not results.failed()
    by_change = {r.change_id: r for r in results.all}
    assert set(by_change) == {c.id for c in changes}
    live = {r.key: r.id for r in provider.read(Scope())}
    for change in changes:
        result = by_change[change.id]
        assert result.remote_id == live[change.key]
        assert dict(result.attributes) == {"id": live[change.key], "email": change.key}


def test_updates_and_deletes_in_batches(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 30)
    updates = [modify(Action.UPDATE, email(n), str(n + 1), company="New") for n in range(15)]
    deletes = [modify(Action.DELETE, email(n), str(n + 1)) for n in range(15, 30)]
    results = Results()
    provider.apply([*updates, *deletes], results)
    assert not results.failed()
    assert bc_calls(admin) == {ENDPOINT_PUT: 2, ENDPOINT_DELETE: 2}
    live = provider.read(Scope())
    assert sorted(r.key for r in live) == sorted(email(n) for n in range(15))
    assert {r.fields["company"] for r in live} == {"New"}


def test_concurrency_stays_within_the_cap(
    sandbox: Sandbox, make_provider: Any, admin: SandboxAdmin
) -> None:
    seed(sandbox, 90)
    admin.setting("bigcommerce", "latency_ms", 60)
    updates = [modify(Action.UPDATE, email(n), str(n + 1), company="New") for n in range(90)]
    make_provider(max_concurrency=3).apply(updates, Results())
    peak = admin.settings()["bigcommerce"]["max_concurrency_seen"]
    assert 2 <= peak <= 3
    assert bc_calls(admin) == {ENDPOINT_PUT: 9}


def test_one_at_a_time_when_configured(
    sandbox: Sandbox, make_provider: Any, admin: SandboxAdmin
) -> None:
    seed(sandbox, 30)
    admin.setting("bigcommerce", "latency_ms", 20)
    updates = [modify(Action.UPDATE, email(n), str(n + 1), company="New") for n in range(30)]
    make_provider(max_concurrency=1).apply(updates, Results())
    assert admin.settings()["bigcommerce"]["max_concurrency_seen"] == 1


def test_429_storm_loses_nothing_and_waits_out_each_window(
    sandbox: Sandbox, make_provider: Any, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    admin.setting("bigcommerce", "quota", 3)
    admin.setting("bigcommerce", "window_ms", 200)
    provider = make_provider(max_concurrency=1)
    changes = [create(email(n)) for n in range(70)]
    results = Results()
    provider.apply(changes, results)
    assert not results.failed() and len(results.all) == 70
    # one call at a time pauses on Requests-Left 0, so no call is refused: exactly one per batch
    assert bc_calls(admin) == {ENDPOINT_POST: 7}
    assert live_emails(provider) == sorted(email(n) for n in range(70))


def test_429_storm_with_concurrency_keeps_every_change(
    sandbox: Sandbox, make_provider: Any, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    admin.setting("bigcommerce", "quota", 3)
    admin.setting("bigcommerce", "window_ms", 200)
    provider = make_provider(max_concurrency=3)
    changes = [create(email(n)) for n in range(60)]
    results = Results()
    provider.apply(changes, results)
    assert not results.failed() and len(results.all) == 60
    admin.setting("bigcommerce", "quota", 150)
    assert live_emails(provider) == sorted(email(n) for n in range(60))
    assert provider.calls() == sum(bc_calls(admin).values())


def test_injected_429s_are_waited_out_and_retried(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    admin.fault(system="bigcommerce", kind="limit", count=4)
    results = Results()
    provider.apply([create(email(n)) for n in range(20)], results)
    assert not results.failed()
    assert bc_calls(admin) == {ENDPOINT_POST: 2 + 4}


def test_5xx_on_updates_backs_off_and_retries(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 10)
    admin.fault(system="bigcommerce", kind="status", status=503, count=2)
    results = Results()
    provider.apply(
        [modify(Action.UPDATE, email(n), str(n + 1), company="X") for n in range(10)], results
    )
    assert not results.failed()
    assert bc_calls(admin) == {ENDPOINT_PUT: 3}


def test_dropped_create_is_looked_up_then_sent_again(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    admin.fault(system="bigcommerce", kind="drop", method="POST", count=1)
    results = Results()
    provider.apply([create(email(n)) for n in range(10)], results)
    assert not results.failed()
    assert bc_calls(admin) == {ENDPOINT_POST: 2, ENDPOINT_GET: 1}
    assert live_emails(provider) == sorted(email(n) for n in range(10))


def test_create_that_landed_before_the_drop_is_not_sent_again(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    # the store creates the batch, then the connection drops before the answer
    admin.setting("bigcommerce", "drop_after_create", 1)
    results = Results()
    provider.apply([create(email(n)) for n in range(10)], results)
    assert not results.failed()
    assert bc_calls(admin) == {ENDPOINT_POST: 1, ENDPOINT_GET: 1}
    live = {r.key: r.id for r in provider.read(Scope())}
    assert sorted(live) == sorted(email(n) for n in range(10))
    assert {r.remote_id for r in results.all} == set(live.values())


def test_failure_mid_apply_then_rerun_converges_without_duplicates(
    sandbox: Sandbox, make_provider: Any, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    provider = make_provider(max_concurrency=1, max_retries=2)
    # the first batch's POST and its one re-send are dropped: that batch fails, the others land
    admin.fault(system="bigcommerce", kind="drop", method="POST", count=2)
    changes = [create(email(n)) for n in range(30)]
    first = Results()
    provider.apply(changes, first)
    failed = {r.change_id for r in first.failed()}
    assert len(failed) == 10
    assert all(
        "bigcommerce: POST https://" in (r.error or "")
        and "/v3/customers failed" in (r.error or "")
        for r in first.failed()
    )

    existing = {r.key for r in provider.read(Scope())}
    rerun = [c for c in changes if c.key not in existing]
    assert {c.id for c in rerun} == failed
    second = Results()
    provider.apply(rerun, second)
    assert not second.failed()
    assert live_emails(provider) == sorted(email(n) for n in range(30))


def test_a_bad_record_fails_only_its_own_change(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 0)
    admin.fault(system="bigcommerce", kind="record_error", match=email(3), count=-1)
    changes = [create(email(n)) for n in range(10)]
    results = Results()
    provider.apply(changes, results)
    (bad,) = results.failed()
    assert bad.change_id == changes[3].id
    assert "create refused" in (bad.error or "") and "injected record error" in (bad.error or "")
    assert len([r for r in results.all if r.ok]) == 9
    assert bc_calls(admin) == {ENDPOINT_POST: 1 + 10, ENDPOINT_GET: 1}


def test_an_update_of_a_vanished_customer_fails_alone(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 3)
    updates = [modify(Action.UPDATE, email(n), str(n + 1), company="New") for n in range(3)]
    vanished = modify(Action.UPDATE, "ghost@acme.example", "999", company="New")
    results = Results()
    provider.apply([*updates, vanished], results)
    (bad,) = results.failed()
    assert bad.change_id == vanished.id and "does not exist" in (bad.error or "")
    assert bc_calls(admin) == {ENDPOINT_PUT: 1 + 4}


# ---------------------------------------------------------------- verify


def test_verify_passes_when_deleted_customers_are_gone(
    sandbox: Sandbox, provider: BigCommerceProvider
) -> None:
    seed(sandbox, 2)
    deletes = [modify(Action.DELETE, email(n), str(n + 1)) for n in range(2)]
    provider.apply(deletes, Results())
    checks = provider.verify(deletes, frozenset(d.key for d in deletes))
    assert [(c.address, c.expected, c.seen, c.ok) for c in checks] == [
        (str(d.address), "absent", "absent", True) for d in deletes
    ]


def test_verify_fails_when_the_store_keeps_a_deleted_customer(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 2)
    admin.setting("bigcommerce", "ignore_deletes", True)
    deletes = [modify(Action.DELETE, email(n), str(n + 1)) for n in range(2)]
    results = Results()
    provider.apply(deletes, results)
    assert not results.failed()  # the store answered 204
    checks = provider.verify(deletes, frozenset(d.key for d in deletes))
    assert [(c.seen, c.ok) for c in checks] == [("customer 1", False), ("customer 2", False)]


def test_verify_finds_a_revoked_contacts_customer_where_nothing_was_deleted(
    sandbox: Sandbox, provider: BigCommerceProvider, admin: SandboxAdmin
) -> None:
    seed(sandbox, 2)
    checks = provider.verify([], frozenset({email(0), "nobody@acme.example"}))
    assert [(c.address, c.seen, c.ok) for c in checks] == [
        (str(Address("bigcommerce", "customer", email(0))), "customer 1", False),
        (str(Address("bigcommerce", "customer", "nobody@acme.example")), "absent", True),
    ]
    admin.reset_calls()
    assert provider.verify([], frozenset()) == []
    assert bc_calls(admin) == {}


def test_a_full_read_holds_each_persons_strings_once(
    sandbox: Sandbox, provider: BigCommerceProvider
) -> None:
    """The key, the email and the names of a customer are the very strings the repo holds for
    the same person (interned), not a copy per system: 100,000s of people are read at once."""
    unique = uuid.uuid4().hex  # strings no earlier test interned
    repo_key = shared_text(email_key(f"b.{unique}@acme.example"))
    repo_name = shared_text(f"Doe{unique}")
    customer = {"id": 7, "email": f"b.{unique}@acme.example", "first_name": "B"}
    bigcommerce.seed(sandbox.store, {"customers": [{**customer, "last_name": f"Doe{unique}"}]})
    [record] = provider.read(Scope())
    assert record.key is repo_key and record.fields["email"] is repo_key
    assert record.fields["last_name"] is repo_name

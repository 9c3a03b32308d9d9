"""EmporixProvider against the sandbox over HTTPS: bulk reads and their cost, the create sequence
of seed 004, grants, revocations, email changes, identity conflicts, lost answers, expiring tokens,
rate limits, verification and the self-registration warning."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storegate.providers.contract import (
    Action,
    AuthError,
    ConfigError,
    ProviderError,
    Scope,
    TransientError,
)
from storegate.providers.emporix import EmporixProvider
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.emporix import seed
from storegate.sandbox.server import Sandbox
from tests.providers.emporix_support import (
    NAME,
    Raw,
    account,
    apply,
    contact,
    context,
    converge,
    make_plan,
    managed,
    settings,
)

MakeProvider = Callable[..., EmporixProvider]


@pytest.fixture
def make_provider(sandbox_env: dict[str, str], tmp_path: Path) -> Iterator[MakeProvider]:
    opened: list[EmporixProvider] = []

    def make(**overrides: Any) -> EmporixProvider:
        provider = EmporixProvider(NAME, settings(**overrides), tmp_path)
        opened.append(provider)
        return provider

    yield make
    for provider in opened:
        provider.close()


@pytest.fixture
def provider(make_provider: MakeProvider) -> EmporixProvider:
    return make_provider()


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[Raw]:
    client = Raw(sandbox)
    yield client
    client.close()


def acme(*contacts: Any, **kwargs: Any) -> Any:
    return account("Acme Industrial", contacts, **kwargs)


# ---------------------------------------------------------------- reads


def test_reads_cost_one_call_per_page_plus_a_constant(
    make_provider: MakeProvider, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    n, page = 2345, 500
    seed(
        sandbox.store,
        {
            "legal_entities": [{"name": "Acme Industrial"}],
            "customers": [
                {"contactEmail": f"buyer{i}@acme.example", "legal_entity": "Acme Industrial"}
                for i in range(n)
            ],
        },
    )
    provider = make_provider(page_size=page)
    admin.reset_calls()
    live = provider.read(Scope())
    customers = [r for r in live if r.kind == "customer"]
    assert len(customers) == n
    assert {r.account for r in customers} == {"Acme Industrial"}
    assert all(r.access == "active" for r in customers)
    calls = admin.calls()["emporix"]
    assert calls["GET /customers"] == math.ceil(n / page)
    assert calls == {
        "POST /oauth/token": 1,
        "GET /legal-entities": 1,
        "GET /customers": math.ceil(n / page),
    }
    assert provider.calls() == sum(calls.values())


def test_a_tenant_serving_smaller_pages_is_still_read_whole(
    make_provider: MakeProvider, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    seed(sandbox.store, {"customers": [{"contactEmail": f"c{i}@x.example"} for i in range(250)]})
    admin.setting("emporix", "max_page_size", 100)  # asks 1000, served 100 (X-Total-Count: 250)
    admin.reset_calls()
    live = make_provider().read(Scope(kinds=frozenset({"customer"})))
    assert len(live) == 250
    assert admin.calls()["emporix"]["GET /customers"] == 3


def test_a_refused_page_size_is_a_clear_error(
    make_provider: MakeProvider, admin: SandboxAdmin
) -> None:
    admin.setting("emporix", "max_page_size", 100)
    admin.setting("emporix", "oversized_page", "error")
    with pytest.raises(
        ProviderError, match="reading legal entities failed: pageSize must be at most"
    ):
        make_provider().read(Scope())


def test_partial_reads_pick_by_id_and_email(
    provider: EmporixProvider, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    seed(sandbox.store, {"customers": [{"contactEmail": f"c{i}@x.example"} for i in range(90)]})
    admin.reset_calls()
    picked = provider.read(
        Scope(keys=frozenset({"c1@x.example", "C2@x.example".lower()}), ids=frozenset(), full=False)
    )
    customers = sorted(r.key for r in picked if r.kind == "customer")
    assert customers == ["c1@x.example", "c2@x.example"]
    assert admin.calls()["emporix"]["POST /customers/search"] == 1


# ---------------------------------------------------------------- creates


def test_create_pending_is_prepared_on_its_company(provider: EmporixProvider, raw: Raw) -> None:
    ctx = context([acme(contact("raj@acme.example", "pending"), options={"currency": "EUR"})])
    plan = make_plan(provider, ctx)
    assert [(c.kind, c.action) for c in plan.changes] == [
        ("legal_entity", Action.CREATE),
        ("customer", Action.CREATE),
    ]
    results = converge(provider, ctx)
    customer = raw.customer("raj@acme.example")
    assert customer is not None
    assert (customer["active"], customer["onHold"]) == (False, True)
    assert customer["preferredCurrency"] == "EUR" and customer["company"] == "Acme Industrial"
    assert customer["b2b"]["legalEntities"][0]["name"] == "Acme Industrial"
    created = results.by_id()['emporix.customer["raj@acme.example"]']
    assert created.remote_id == customer["id"]
    assert created.attributes["customer_number"] == customer["customerNumber"]
    assert raw.notifications() == [
        ("raj@acme.example", "account_being_prepared"),
        ("raj@acme.example", "password_reset_link"),
    ]


def test_create_active_is_prepared_assigned_then_activated(
    make_provider: MakeProvider, raw: Raw, admin: SandboxAdmin
) -> None:
    provider = make_provider(send_password_reset_notifications=False)
    ctx = context([acme(contact("jane@acme.example", "active"))])
    converge(provider, ctx)
    assert raw.notifications() == [
        ("jane@acme.example", "account_being_prepared"),
        ("jane@acme.example", "account_activated"),
    ]
    calls = admin.calls()["emporix"]
    assert calls["PUT /customers/{customerNumber}"] == 1
    assert calls["PUT /contact-assignments/{contactAssignmentId}"] == 1
    assert calls["PATCH /customers/{customerNumber}"] == 1
    customer = raw.customer("jane@acme.example")
    assert customer is not None and (customer["active"], customer["onHold"]) == (True, False)


def test_pending_then_active_sends_the_two_transitions_in_order(
    provider: EmporixProvider, raw: Raw
) -> None:
    converge(provider, context([acme(contact("raj@acme.example", "pending"))]))
    granted = context([acme(contact("raj@acme.example", "active"))])
    plan = make_plan(provider, granted)
    (grant,) = plan.changes
    assert grant.action is Action.GRANT
    assert {f.name: f.after for f in grant.fields} == {"active": True, "on_hold": False}
    converge(provider, granted)
    kinds = [k for e, k in raw.notifications() if k != "password_reset_link"]
    assert kinds == ["account_being_prepared", "account_activated"]


def test_revoke_deactivates_and_re_enable_activates(provider: EmporixProvider, raw: Raw) -> None:
    converge(provider, context([acme(contact("jane@acme.example"))]))
    revoked = context([acme(contact("jane@acme.example", "revoked"))])
    (revoke,) = make_plan(provider, revoked).changes
    assert revoke.action is Action.REVOKE
    converge(provider, revoked)
    customer = raw.customer("jane@acme.example")
    assert customer is not None and (customer["active"], customer["onHold"]) == (False, False)
    checks = provider.verify([revoke], frozenset({"jane@acme.example"}))
    assert [c.ok for c in checks] == [True, True]
    (grant,) = make_plan(provider, context([acme(contact("jane@acme.example"))])).changes
    assert grant.action is Action.GRANT
    converge(provider, context([acme(contact("jane@acme.example"))]))
    customer = raw.customer("jane@acme.example")
    assert customer is not None and customer["active"] is True
    assert customer["b2b"]["legalEntities"][0]["name"] == "Acme Industrial"


def test_store_removal_delete_deletes_and_verify_sees_it_gone(
    provider: EmporixProvider, raw: Raw
) -> None:
    converge(provider, context([acme(contact("jane@acme.example"))]))
    gone = context([acme(contact("jane@acme.example", "revoked"), store_removal="delete")])
    plan = make_plan(provider, gone)
    (delete,) = plan.changes
    assert delete.action is Action.DELETE
    warnings = provider.plan_warnings(plan.desired, plan.live)
    assert [w.code for w in warnings] == ["emporix-self-registration"]
    assert "store_removal: deactivate" in warnings[0].message
    converge(provider, gone)
    assert raw.customer("jane@acme.example") is None
    checks = provider.verify([delete], frozenset({"jane@acme.example"}))
    assert all(c.ok for c in checks) and len(checks) == 2


def test_no_self_registration_warning_when_registration_is_off_or_deactivating(
    make_provider: MakeProvider,
) -> None:
    provider = make_provider()
    converge(provider, context([acme(contact("jane@acme.example"))]))
    deactivate = context([acme(contact("jane@acme.example", "revoked"))])
    plan = make_plan(provider, deactivate)
    assert provider.plan_warnings(plan.desired, plan.live) == []
    closed = make_provider(storefront_registration=False)
    delete = context([acme(contact("jane@acme.example", "revoked"), store_removal="delete")])
    plan = make_plan(closed, delete)
    assert closed.plan_warnings(plan.desired, plan.live) == []


def test_verify_fails_when_access_is_put_back(provider: EmporixProvider, raw: Raw) -> None:
    converge(provider, context([acme(contact("jane@acme.example"))]))
    revoked = context([acme(contact("jane@acme.example", "revoked"))])
    (revoke,) = make_plan(provider, revoked).changes
    apply(provider, [revoke])
    customer = raw.customer("jane@acme.example")
    assert customer is not None
    raw.http.patch(
        f"/customer/{raw.tenant}/customers/{customer['id']}", json={"active": True}
    ).raise_for_status()
    checks = provider.verify([revoke], frozenset({"jane@acme.example"}))
    assert [c.ok for c in checks] == [False, False]
    assert checks[1].seen == [customer["id"]]


def test_a_revoked_contact_without_a_customer_gets_none(provider: EmporixProvider) -> None:
    plan = make_plan(provider, context([acme(contact("bill@acme.example", "revoked"))]))
    assert plan.changes == []


def test_email_change_in_place(provider: EmporixProvider, raw: Raw) -> None:
    converge(provider, context([acme(contact("jane@acme.example"))]))
    before = raw.customer("jane@acme.example")
    moved = context(
        [acme(contact("jane.doe@acme.example", previously=("jane@acme.example",)))],
        [managed("customer", "jane@acme.example", str(before["id"]) if before else "", "Acme")],
    )
    (update,) = make_plan(provider, moved).changes
    assert update.action is Action.UPDATE
    assert [(f.name, f.before, f.after) for f in update.fields] == [
        ("email", "jane@acme.example", "jane.doe@acme.example")
    ]
    converge(provider, moved)
    after = raw.customer("jane.doe@acme.example")
    assert after is not None and before is not None and after["id"] == before["id"]
    assert len(raw.customers()) == 1


def test_an_email_another_customer_holds_fails_that_record_only(
    provider: EmporixProvider, sandbox: Sandbox, raw: Raw
) -> None:
    converge(provider, context([acme(contact("jane@acme.example"), contact("raj@acme.example"))]))
    jane = raw.customer("jane@acme.example")
    assert jane is not None
    moved = context(
        [
            acme(
                contact("raj@acme.example", previously=("jane@acme.example",)),
                contact("emma@acme.example"),
            )
        ],
        [managed("customer", "jane@acme.example", str(jane["id"]), "Acme Industrial")],
    )
    plan = make_plan(provider, moved)
    results = apply(provider, plan.changes)
    failed = results.failed()
    assert [r.change_id for r in failed] == ['emporix.customer["raj@acme.example"]']
    assert "already the email of another Emporix customer" in str(failed[0].error)
    assert raw.customer("emma@acme.example") is not None


def test_a_create_whose_answer_is_lost_is_retried_without_a_duplicate(
    provider: EmporixProvider, admin: SandboxAdmin, raw: Raw
) -> None:
    admin.setting("emporix", "drop_answer_endpoint", "PUT /customers/{customerNumber}")
    admin.setting("emporix", "drop_answer_count", 1)
    converge(provider, context([acme(contact("jane@acme.example"))]))
    assert len(raw.customers()) == 1
    calls = admin.calls()["emporix"]
    assert calls["PUT /customers/{customerNumber}"] == 2  # dropped, then 204


def test_a_create_that_gave_up_converges_on_the_next_run(
    make_provider: MakeProvider, admin: SandboxAdmin, raw: Raw
) -> None:
    provider = make_provider(max_retries=1)
    admin.setting("emporix", "drop_answer_endpoint", "PUT /customers/{customerNumber}")
    admin.setting("emporix", "drop_answer_count", 1)
    ctx = context([acme(contact("jane@acme.example"))])
    results = apply(provider, make_plan(provider, ctx).changes)
    assert [r.change_id for r in results.failed()] == ['emporix.customer["jane@acme.example"]']
    converge(provider, ctx)  # the re-run finds the customer by email and only finishes it
    assert len(raw.customers()) == 1
    customer = raw.customer("jane@acme.example")
    assert customer is not None and customer["active"] is True


def test_a_token_that_expires_mid_apply_is_renewed(
    provider: EmporixProvider, admin: SandboxAdmin, raw: Raw
) -> None:
    admin.setting("emporix", "expire_token_after_calls", 4)
    people = [contact(f"p{i}@acme.example") for i in range(4)]
    converge(provider, context([acme(*people)]))
    assert len(raw.customers()) == 4
    assert admin.calls()["emporix"]["POST /oauth/token"] > 2


def test_a_token_is_renewed_before_it_runs_out(
    provider: EmporixProvider, admin: SandboxAdmin
) -> None:
    admin.setting("emporix", "token_lifetime_seconds", 1)
    provider.read(Scope(kinds=frozenset({"customer"})))
    time.sleep(1.1)
    provider.read(Scope(kinds=frozenset({"customer"})))
    calls = admin.calls()["emporix"]
    assert calls["POST /oauth/token"] == 2
    assert calls["GET /customers"] == 2  # no call was refused and sent again


def test_a_fresh_token_refused_too_is_an_auth_error(
    provider: EmporixProvider, admin: SandboxAdmin
) -> None:
    admin.setting("emporix", "token_lifetime_seconds", 0)
    with pytest.raises(AuthError, match="a fresh service token was refused too"):
        provider.read(Scope())
    assert admin.calls()["emporix"]["POST /oauth/token"] == 2


def test_rate_limits_and_server_errors_are_retried(
    provider: EmporixProvider, admin: SandboxAdmin
) -> None:
    admin.fault(system="emporix", kind="limit", count=2)
    admin.fault(system="emporix", kind="status", status=503, count=1, method="PUT")
    converge(provider, context([acme(contact("jane@acme.example"))]))


def test_retries_are_bounded(make_provider: MakeProvider, admin: SandboxAdmin) -> None:
    provider = make_provider(max_retries=2)
    admin.fault(system="emporix", kind="status", status=500, count=-1, method="GET")
    with pytest.raises(TransientError, match="failed after 2 attempts: HTTP 500"):
        provider.read(Scope())


def test_a_company_found_by_name_is_used_not_duplicated(
    provider: EmporixProvider, sandbox: Sandbox, raw: Raw
) -> None:
    seed(sandbox.store, {"legal_entities": [{"name": "ACME INDUSTRIAL", "id": "le-existing"}]})
    converge(provider, context([acme(contact("jane@acme.example"))]))
    assert [c["id"] for c in raw.companies()] == ["le-existing"]


def test_a_company_matched_by_salesforce_id_is_renamed(
    provider: EmporixProvider, sandbox: Sandbox, raw: Raw
) -> None:
    seed(sandbox.store, {"legal_entities": [{"name": "Acme Old Name", "id": "001ACME"}]})
    ctx = context([acme(contact("jane@acme.example"), salesforce_id="001ACME")])
    plan = make_plan(provider, ctx)
    company = next(c for c in plan.changes if c.kind == "legal_entity")
    assert company.action is Action.UPDATE and company.remote_id == "001ACME"
    converge(provider, ctx)
    assert [(c["id"], c["name"]) for c in raw.companies()] == [("001ACME", "Acme Industrial")]


# ---------------------------------------------------------------- check and credentials


def test_check_accepts_the_sandbox_client(provider: EmporixProvider) -> None:
    provider.check()


def test_check_names_missing_scopes(make_provider: MakeProvider) -> None:
    provider = make_provider(scope="customer.customer_read customer.customer_manage")
    with pytest.raises(AuthError, match=r"customermanagement\.legalentity_read"):
        provider.check()


def test_wrong_credentials_are_an_auth_error_without_the_secret(
    make_provider: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMPORIX_CLIENT_SECRET", "not-the-secret-at-all")
    provider = make_provider()
    with pytest.raises(AuthError) as raised:
        provider.check()
    assert "not-the-secret-at-all" not in str(raised.value)
    assert "client_secret" in str(raised.value)


def test_a_bad_tenant_is_a_config_error(
    make_provider: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMPORIX_TENANT", "Bad Tenant")
    with pytest.raises(ConfigError, match="is not an Emporix tenant"):
        make_provider()

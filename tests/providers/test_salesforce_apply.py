"""apply(): sObject Collections of 200, per-record results, creates never resent blindly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from storegate.providers.contract import ChangeResult, Scope
from storegate.sandbox.admin import SandboxAdmin
from tests.providers.test_salesforce_support import (
    calls_to,
    change,
    seed_records,
    sf_provider,
)


class Batches:
    def __init__(self) -> None:
        self.batches: list[list[ChangeResult]] = []

    def __call__(self, results: Sequence[ChangeResult]) -> None:
        self.batches.append(list(results))

    @property
    def results(self) -> dict[str, ChangeResult]:
        return {r.change_id: r for batch in self.batches for r in batch}


def _contact_create(i: int, account_id: str, domain: str = "acme.example"):  # type: ignore[no-untyped-def]
    email = f"new{i}@{domain}"
    return change(
        "contact",
        email,
        "create",
        {"email": email, "account_id": account_id, "purchase_on_account": True},
        create_fields={"last_name": f"new{i}"},
    )


def test_450_creates_take_3_calls_and_report_after_each(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    admin.reset_calls()
    provider = sf_provider(tmp_path)
    changes = [_contact_create(i, account_id) for i in range(450)]
    seen = Batches()
    provider.apply(changes, seen)
    assert [len(b) for b in seen.batches] == [200, 200, 50]
    assert provider.calls() == 3
    assert calls_to(admin, "POST composite") == 3
    results = seen.results
    assert all(r.ok and r.remote_id and r.attributes["id"] == r.remote_id for r in results.values())
    live = provider.read(Scope(kinds=frozenset({"contact"})))
    assert {r.key for r in live} == {c.key for c in changes}
    assert {r.id for r in live} == {r.remote_id for r in results.values()}


def test_updates_grants_and_revokes_patch_200_at_a_time(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    rows = [
        {"LastName": f"c{i}", "Email": f"c{i}@acme.example", "AccountId": account_id}
        for i in range(250)
    ]
    ids = seed_records(tmp_path, "Contact", rows)
    admin.reset_calls()
    provider = sf_provider(tmp_path)
    actions = ("grant", "update", "revoke")
    changes = [
        change(
            "contact",
            f"c{i}@acme.example",
            actions[i % 3],
            {"account_credit": actions[i % 3] != "revoke", "first_name": f"F{i}"},
            remote_id=record_id,
        )
        for i, record_id in enumerate(ids)
    ]
    seen = Batches()
    provider.apply(changes, seen)
    assert provider.calls() == 2
    assert calls_to(admin, "PATCH composite") == 2
    assert all(
        r.ok and r.remote_id == c.remote_id
        for c, r in zip(changes, seen.results.values(), strict=True)
    )
    live = {r.id: r for r in provider.read(Scope(kinds=frozenset({"contact"})))}
    assert live[ids[0]].fields["account_credit"] is True
    assert live[ids[0]].fields["first_name"] == "F0"
    assert live[ids[2]].fields["account_credit"] is False


def test_a_record_error_fails_only_its_change(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    admin.fault(system="salesforce", kind="record_error", match="new7@")
    provider = sf_provider(tmp_path)
    changes = [_contact_create(i, account_id) for i in range(10)]
    seen = Batches()
    provider.apply(changes, seen)
    results = seen.results
    failed = [c.key for c in changes if not results[c.id].ok]
    assert failed == ["new7@acme.example"]
    assert results[changes[7].id].error
    assert results[changes[7].id].remote_id is None
    assert provider.calls() == 1


def test_accounts_are_created_before_contacts_and_names_resolve_to_ids(
    tmp_path: Path, sandbox_env: dict[str, str]
) -> None:
    seed_records(tmp_path, "Pricebook2", [{"Name": "Wholesale"}])
    provider = sf_provider(tmp_path)
    [existing] = seed_records(tmp_path, "Account", [{"Name": "Existing"}])
    seen = Batches()
    provider.apply(
        [
            _contact_create(1, existing),
            change(
                "account",
                "O'Brien & Sons",
                "create",
                {"name": "O'Brien & Sons", "price_book": "Wholesale", "credit_hold": True},
            ),
            change("account", "Bad", "create", {"name": "Bad", "price_book": "Nope"}),
        ],
        seen,
    )
    kinds = [b[0].change_id.split(".")[1].split("[")[0] for b in seen.batches]
    assert kinds.index("account") < kinds.index("contact")
    results = seen.results
    assert results['salesforce.account["Bad"]'].ok is False
    assert "unknown price book 'Nope'" in str(results['salesforce.account["Bad"]'].error)
    accounts = {r.key: r for r in provider.read(Scope(kinds=frozenset({"account"})))}
    assert accounts["O'Brien & Sons"].fields["price_book"] == "Wholesale"
    assert accounts["O'Brien & Sons"].fields["credit_hold"] is True


def test_a_failed_create_call_is_looked_up_before_it_is_resent(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    # as if the failed call had created new0 before the connection dropped
    [already] = seed_records(
        tmp_path,
        "Contact",
        [{"LastName": "new0", "Email": "New0@acme.example", "AccountId": account_id}],
    )
    admin.fault(system="salesforce", kind="drop", method="POST", path_contains="composite")
    admin.reset_calls()
    provider = sf_provider(tmp_path)
    changes = [_contact_create(i, account_id) for i in range(3)]
    seen = Batches()
    provider.apply(changes, seen)
    results = seen.results
    assert all(r.ok for r in results.values())
    assert results[changes[0].id].remote_id == already
    assert calls_to(admin, "POST composite") == 2  # the dropped one, then only the missing two
    assert calls_to(admin, "GET query") == 1  # the lookup by email
    live = provider.read(Scope(kinds=frozenset({"contact"})))
    assert sorted(r.key for r in live) == [c.key for c in changes]  # no duplicates


def test_create_retries_are_bounded_and_reported_per_change(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    admin.fault(
        system="salesforce",
        kind="status",
        status=503,
        count=-1,
        method="POST",
        path_contains="composite",
    )
    admin.reset_calls()
    provider = sf_provider(tmp_path, max_retries=2)
    seen = Batches()
    provider.apply([_contact_create(i, account_id) for i in range(2)], seen)
    assert all(not r.ok and "HTTP 503" in str(r.error) for r in seen.results.values())
    assert calls_to(admin, "POST composite") == 3

"""read(): bulk SOQL with paging, chunked targeted reads, quoting, lookups translated."""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import pytest

from storegate.engine.errors import InputError
from storegate.providers.contract import Scope, email_key, shared_text
from storegate.sandbox.admin import SandboxAdmin
from tests.providers.test_salesforce_support import (
    calls_to,
    context,
    load_desired,
    seed_records,
    sf_provider,
)


def _seed_contacts(tmp_path: Path, count: int) -> tuple[str, list[str]]:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme Industrial"}])
    rows = [
        {
            "LastName": "Even" if i % 2 == 0 else "Odd",
            "Email": f"Buyer{i}@Acme.example",
            "AccountId": account_id,
            "s_c__Can_Purchase_For_Account__c": i % 3 == 0,
        }
        for i in range(count)
    ]
    return account_id, seed_records(tmp_path, "Contact", rows)


def test_full_read_pages_through_5000_contacts_at_2000_a_call(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    _seed_contacts(tmp_path, 5000)
    admin.reset_calls()
    provider = sf_provider(tmp_path)
    records = provider.read(Scope(full=True))

    contacts = [r for r in records if r.kind == "contact"]
    accounts = [r for r in records if r.kind == "account"]
    assert len(contacts) == 5000
    assert [a.key for a in accounts] == ["Acme Industrial"]
    buyer = next(r for r in contacts if r.key == "buyer3@acme.example")
    assert buyer.fields["email"] == "Buyer3@Acme.example"
    assert buyer.fields["purchase_on_account"] is True
    assert buyer.account == "Acme Industrial"
    assert buyer.access == "pending"  # a permission, no Invitation Accepted At
    assert next(r for r in contacts if r.key == "buyer1@acme.example").access == "revoked"

    # contacts: ceil(N/2000) pages; constant: accounts (1) + price books (1) + memberships (1)
    constant = 3
    assert provider.calls() == math.ceil(5000 / 2000) + constant
    assert calls_to(admin, "GET query") == provider.calls()
    assert calls_to(admin, "GET sobjects") == 0  # never per-record GETs


def test_read_cost_grows_with_pages_not_records(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    _seed_contacts(tmp_path, 4200)
    for count, condition in ((2100, "LastName = 'Even'"), (4200, "LastName != null")):
        provider = sf_provider(tmp_path, contact_filter=condition)
        contacts = provider.read(Scope(full=True, kinds=frozenset({"contact"})))
        assert len(contacts) == count
        assert provider.calls() == math.ceil(count / 2000)


def test_targeted_read_chunks_keys_and_ids_into_few_queries(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    _, ids = _seed_contacts(tmp_path, 3000)
    admin.reset_calls()
    provider = sf_provider(tmp_path)
    keys = frozenset(f"buyer{i}@acme.example" for i in range(0, 3000, 2))
    scope = Scope(keys=keys, ids=frozenset(ids[1:200:2]), kinds=frozenset({"contact"}), full=False)
    records = provider.read(scope)
    assert len(records) == 1500 + 100
    assert {r.key for r in records} >= keys
    assert provider.calls() <= 12
    assert calls_to(admin, "GET sobjects") == 0


@pytest.mark.parametrize(
    "name", ["O'Brien & Sons", "x' OR Name != '", 'Back\\slash "quoted"\nnewline']
)
def test_names_that_look_like_soql_stay_strings(
    tmp_path: Path, sandbox_env: dict[str, str], name: str
) -> None:
    seed_records(tmp_path, "Account", [{"Name": name}, {"Name": "Other"}, {"Name": "Third"}])
    provider = sf_provider(tmp_path)
    records = provider.read(Scope(keys=frozenset({name}), kinds=frozenset({"account"}), full=False))
    assert [r.key for r in records] == [name]


def test_lookups_read_back_as_names_and_unknown_names_list_the_valid_ones(
    tmp_path: Path, sandbox_env: dict[str, str]
) -> None:
    [wholesale, _] = seed_records(
        tmp_path, "Pricebook2", [{"Name": "Wholesale 2026"}, {"Name": "Retail"}]
    )
    [gold] = seed_records(tmp_path, "s_c__Membership__c", [{"Name": "Gold"}])
    seed_records(
        tmp_path,
        "Account",
        [{"Name": "Acme", "s_c__Pricebook_Id__c": wholesale, "s_c__Membership_Id__c": gold}],
    )
    provider = sf_provider(tmp_path)
    [acme] = provider.read(Scope(kinds=frozenset({"account"})))
    assert acme.fields["price_book"] == "Wholesale 2026"
    assert acme.fields["membership"] == "Gold"

    desired = load_desired(
        tmp_path / "repo",
        {"acme.yaml": "account:\n  name: Acme\n  price_book: wholesale 2026\n  membership: Gold\n"},
    )
    with pytest.raises(InputError) as caught:
        provider.desired(context(desired))
    message = str(caught.value)
    assert message.startswith("accounts/acme.yaml:3:")
    assert "unknown price book 'wholesale 2026' (did you mean 'Wholesale 2026'?)" in message
    assert "valid names: 'Retail', 'Wholesale 2026'" in message


@pytest.mark.parametrize("count", [3, 12_000], ids=["collections", "bulk"])
def test_a_read_holds_each_persons_strings_once(
    tmp_path: Path, sandbox_env: dict[str, str], count: int
) -> None:
    """A contact's key, email and names are the very strings the repo holds for the person
    (interned), through the REST and the Bulk API reads alike: not a copy per system."""
    unique = uuid.uuid4().hex  # strings no earlier test interned
    repo_key = shared_text(email_key(f"b.{unique}@acme.example"))
    repo_name = shared_text(f"Doe{unique}")
    rows = [{"LastName": f"Doe{unique}", "FirstName": "B", "Email": f"b.{unique}@acme.example"}]
    rows += [{"LastName": "X", "Email": f"x{n}.{unique}@acme.example"} for n in range(count)]
    seed_records(tmp_path, "Contact", rows)
    records = sf_provider(tmp_path).read(Scope(full=True))
    [record] = [r for r in records if r.key == repo_key]
    assert record.key is repo_key and record.fields["email"] is repo_key
    assert record.fields["last_name"] is repo_name

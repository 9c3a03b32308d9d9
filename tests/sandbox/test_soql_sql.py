"""SOQL in SQL (sandbox/soql_sql.py) answers exactly as the Python evaluator does, reads a page at a
time, and keeps its column tables current through every write path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storegate.sandbox import soql_eval, soql_sql
from storegate.sandbox.salesforce_meta import Schema
from storegate.sandbox.salesforce_records import Writer
from storegate.sandbox.soql import parse
from storegate.sandbox.store import Store

SF = "salesforce"


def _never(_text: str) -> bool:
    return False


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Store]:
    """The same org twice: with column tables (SQL) and without (the Python evaluator)."""
    root = tmp_path_factory.mktemp("soql")
    indexed = Store(root / "indexed.db")
    writer = Writer(indexed)
    schema = Schema()
    account, contact = schema.object("Account"), schema.object("Contact")
    assert account is not None and contact is not None
    exists = writer.exists_check()
    names = [("Acme", "X"), ("Émile Co", None), ("beta", "y"), ("Zed", "x")]
    accounts = writer.insert(
        account,
        [
            writer.prepare_create(
                account, {"Name": n, "s_c__Tax_Entity_Code__c": t}, exists, _never
            )
            for n, t in names
        ],
    )
    rows = []
    for i in range(60):
        body: dict[str, Any] = {
            "LastName": f"L{i % 7}",
            "FirstName": ["Ann", "bob", None, "Çedric"][i % 4],
            "Email": f"U{i}@Ex.com" if i % 5 else None,
            "AccountId": accounts[i % 4] if i % 6 else None,
            "s_c__Can_Purchase_For_Account__c": i % 3 == 0,
        }
        if i % 9 == 0:
            body["s_c__Invitation_Accepted_At__c"] = f"2024-0{1 + i % 9}-01T10:00:00Z"
        rows.append(writer.prepare_create(contact, body, exists, _never))
    contacts = writer.insert(contact, rows)
    for record_id in contacts[::11]:
        found = indexed.get(SF, "Contact", record_id)
        assert found is not None
        writer.soft_delete(contact, found)
    deleted_account = indexed.get(SF, "Account", accounts[3])
    assert deleted_account is not None
    writer.soft_delete(account, deleted_account)

    plain = Store(root / "plain.db")
    for type_ in ("Account", "Contact"):
        plain.insert_many(SF, type_, [(r["Id"], r) for r in indexed.list(SF, type_)])
    return indexed, plain


QUERIES = [
    "SELECT Id, Email, Account.Name FROM Contact",
    "SELECT Id FROM Contact WHERE Email != null",
    "SELECT Id, Email FROM Contact WHERE Email = 'u1@ex.COM'",
    "SELECT Id FROM Contact WHERE Email IN ('u1@ex.com', 'U2@EX.com', null)",
    "SELECT Id FROM Contact WHERE Email NOT IN ('u1@ex.com', 'U2@EX.com')",
    "SELECT Id FROM Contact WHERE Email NOT IN ('u1@ex.com', null)",
    "SELECT Id FROM Contact WHERE NOT (Email = 'u1@ex.com')",
    "SELECT Id FROM Contact WHERE NOT (Account.Name = 'acme') AND FirstName != 'ANN'",
    "SELECT Id, FirstName FROM Contact WHERE FirstName LIKE 'b%' OR FirstName LIKE '%dric'",
    "SELECT Id FROM Contact WHERE NOT FirstName LIKE 'b%'",
    "SELECT Id FROM Contact WHERE Account.Name LIKE '_mile%'",
    "SELECT Id FROM Contact WHERE Email LIKE 'u1\\_%'",
    "SELECT Id, LastName, FirstName FROM Contact ORDER BY LastName DESC, FirstName NULLS LAST",
    "SELECT Id FROM Contact ORDER BY Account.Name NULLS LAST LIMIT 10 OFFSET 3",
    "SELECT Id FROM Contact ORDER BY FirstName DESC NULLS FIRST",
    "SELECT COUNT() FROM Contact WHERE s_c__Can_Purchase_For_Account__c = true",
    "SELECT COUNT() FROM Contact LIMIT 5",
    "SELECT Id FROM Contact WHERE s_c__Invitation_Accepted_At__c > 2024-03-01T00:00:00Z",
    "SELECT Id FROM Contact WHERE s_c__Invitation_Accepted_At__c < 2024-03-01T00:00:00+01:00 "
    "OR s_c__Invitation_Accepted_At__c = null",
    "SELECT Id, Name FROM Account WHERE Name IN ('acme', 'ÉMILE CO')",
    "SELECT Id FROM Account WHERE s_c__Tax_Entity_Code__c = 'x' ORDER BY Name",
    "SELECT Contact.Id, Contact.Email FROM Contact OFFSET 50",
]


@pytest.mark.parametrize("include_deleted", [False, True])
@pytest.mark.parametrize("text", QUERIES)
def test_sql_answers_as_the_evaluator(
    stores: tuple[Store, Store], text: str, include_deleted: bool
) -> None:
    indexed, plain = stores
    schema = Schema()
    query = parse(text)
    assert soql_sql.run(query, schema, indexed, "v59.0", include_deleted) is not None
    assert soql_sql.run(query, schema, plain, "v59.0", include_deleted) is None
    fast = soql_eval.execute(query, schema, indexed, "v59.0", include_deleted)
    slow = soql_eval.execute(query, schema, plain, "v59.0", include_deleted)
    assert isinstance(fast.records, soql_sql.LazyRecords)
    assert (fast.total, list(fast.records)) == (slow.total, list(slow.records))


def test_ids_and_lookups_given_as_15_characters_match(stores: tuple[Store, Store]) -> None:
    indexed, plain = stores
    schema = Schema()
    contact = indexed.list(SF, "Contact", lambda r: bool(r.get("AccountId")))[0]
    for text in (
        f"SELECT Id FROM Contact WHERE AccountId = '{contact['AccountId'][:15]}'",
        f"SELECT Id FROM Contact WHERE Id IN ('{contact['Id'][:15]}')",
    ):
        fast = soql_eval.execute(parse(text), schema, indexed, "v59.0", False)
        slow = soql_eval.execute(parse(text), schema, plain, "v59.0", False)
        assert list(fast.records) == list(slow.records)
        assert len(fast.records) >= 1


def test_errors_and_subqueries_are_left_to_the_evaluator(stores: tuple[Store, Store]) -> None:
    indexed, _ = stores
    schema = Schema()
    for text in (
        "SELECT Id FROM Contact WHERE Email = 5",
        "SELECT Bogus FROM Contact",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT Id, Account.s_c__Pricebook_Id__r.Name FROM Contact",
    ):
        assert soql_sql.run(parse(text), schema, indexed, "v59.0", False) is None
    with pytest.raises(soql_eval.SoqlFieldError):
        soql_eval.execute(
            parse("SELECT Id FROM Contact WHERE Email = 5"), schema, indexed, "v", False
        )


def test_a_page_reads_only_its_records(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    writer = Writer(store)
    spec = Schema().object("Contact")
    assert spec is not None
    exists = writer.exists_check()
    writer.insert(
        spec,
        [writer.prepare_create(spec, {"LastName": f"n{i}"}, exists, _never) for i in range(50)],
    )
    answered = soql_sql.run(parse("SELECT Id FROM Contact"), Schema(), store, "v59.0", False)
    assert answered is not None
    _, total, records = answered
    assert total == len(records) == 50
    # The snapshot holds ids only: a change after the query shows in the page read later.
    first_id = records[0]["Id"]
    found = store.get(SF, "Contact", first_id)
    assert found is not None
    writer.save(spec, {**found, "LastName": "changed"})
    page = records[0:2]
    assert [r["Id"] for r in page] == [first_id, records[1]["Id"]]


def test_column_tables_follow_writes_wipes_and_a_second_store(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = Store(path)
    writer = Writer(store)
    spec = Schema().object("Account")
    assert spec is not None
    [record_id] = writer.insert(
        spec, [writer.prepare_create(spec, {"Name": "Acme"}, writer.exists_check(), _never)]
    )
    count = "SELECT COUNT() FROM Account WHERE Name = 'ACME'"
    assert soql_eval.execute(parse(count), Schema(), store, "v", False).total == 1
    # Another process (a seeding script) opens its own Store on the same file.
    other = Store(path)
    Writer(other).insert(
        spec, [Writer(other).prepare_create(spec, {"Name": "acme"}, lambda *_: True, _never)]
    )
    assert soql_eval.execute(parse(count), Schema(), store, "v", False).total == 2
    found = store.get(SF, "Account", record_id)
    assert found is not None
    writer.soft_delete(spec, found)
    assert soql_eval.execute(parse(count), Schema(), store, "v", False).total == 1
    assert store.delete(SF, "Account", record_id)
    assert soql_eval.execute(parse(count), Schema(), store, "v", True).total == 1
    store.wipe()
    assert soql_eval.execute(parse(count), Schema(), store, "v", True).total == 0

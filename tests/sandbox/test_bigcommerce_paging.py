"""BigCommerce customer listings in SQL (issue 16): pages partition the customers in id order,
a page reads only its own records, and filters, sorts and cursors answer as the Python listing
did (the `expected` reference below is that listing's rule)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storegate.sandbox import bigcommerce
from storegate.sandbox.bigcommerce_listing import CUSTOMER, CUSTOMER_COLUMNS, SYSTEM
from storegate.sandbox.bigcommerce_wire import encode_cursor
from storegate.sandbox.salesforce_meta import default_objects
from storegate.sandbox.server import Sandbox
from storegate.sandbox.soql_sql import columns_for
from storegate.sandbox.store import Column, ColumnTable, Store
from tests.sandbox.conftest import bigcommerce_client

COUNT = 3000
LAST_NAMES = ("Doe", "doe", "Ölund", "Zed", "Åberg", "adams", "Émile")
COMPANIES = ("ACME", "Acme", " acme", "Other", "")


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with bigcommerce_client(sandbox, "/v3") as client:
        yield client


@pytest.fixture
def customers(sandbox: Sandbox) -> list[dict[str, Any]]:
    """COUNT customers seeded with ids 2, 9, 16, ... in shuffled order (numeric order differs
    from text order), repeated last names, companies differing in case and spaces, four groups."""
    ids = [7 * k + 2 for k in range(COUNT)]
    random.Random(16).shuffle(ids)
    seeded = [
        {
            "id": customer_id,
            "email": f"Buyer{customer_id}@acme.example",
            "first_name": "Buyer",
            "last_name": LAST_NAMES[customer_id % len(LAST_NAMES)],
            "company": COMPANIES[customer_id % len(COMPANIES)],
            "customer_group_id": customer_id % 4,
        }
        for customer_id in ids
    ]
    groups = [{"id": g, "name": f"Group {g}"} for g in (1, 2, 3)]
    bigcommerce.seed(sandbox.store, {"customer_groups": groups, "customers": seeded})
    return sandbox.store.list(SYSTEM, CUSTOMER)


def expected(
    records: list[dict[str, Any]],
    groups: set[int] | None = None,
    companies: str | None = None,
    sort: tuple[str, bool] | None = None,
) -> list[int]:
    """The ids the Python listing answered: filtered, in id order or by a sort key then id."""
    chosen = [r for r in records if groups is None or r["customer_group_id"] in groups]
    if companies is not None:
        wanted = {c.strip().lower() for c in companies.split(",")}
        chosen = [r for r in chosen if str(r["company"]).lower() in wanted]
    chosen.sort(key=lambda r: int(r["id"]))
    if sort is not None:
        key, reverse = sort
        chosen.sort(key=lambda r: (r.get(key) or "", r["id"]), reverse=reverse)
    return [int(r["id"]) for r in chosen]


def ids_of(answer: httpx.Response) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [int(c["id"]) for c in answer.json()["data"]]


def test_pages_partition_the_customers_in_id_order_reading_only_their_records(
    sandbox: Sandbox, api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    limit, pages = 250, COUNT // 250
    read: list[int] = []
    for page in range(1, pages + 2):
        decoded = sandbox.store.records_decoded
        answer = api.get("/customers", params={"limit": limit, "page": page})
        page_ids = ids_of(answer)
        assert sandbox.store.records_decoded - decoded == len(page_ids)
        meta = answer.json()["meta"]["pagination"]
        assert (meta["total"], meta["total_pages"], meta["current_page"]) == (COUNT, pages, page)
        assert meta["count"] == len(page_ids) == (limit if page <= pages else 0)
        assert ("next" in meta["links"]) == (page < pages)
        read += page_ids
    assert read == sorted(int(c["id"]) for c in customers)
    assert read[:3] == [2, 9, 16]


def test_cursor_paging_both_ways(api: httpx.Client, customers: list[dict[str, Any]]) -> None:
    every = expected(customers)
    first = api.get("/customers", params={"limit": 200}).json()
    cursor = first["meta"]["cursor_pagination"]
    assert cursor["links"] == {"next": f"?limit=200&after={encode_cursor(every[199])}"}
    forward = [int(c["id"]) for c in first["data"]]
    while "next" in cursor["links"]:
        answer = api.get("/customers" + cursor["links"]["next"])
        forward += ids_of(answer)
        cursor = answer.json()["meta"]["cursor_pagination"]
        assert "pagination" not in answer.json()["meta"]
    assert forward == every
    backward: list[int] = []
    answer = api.get("/customers", params={"limit": 200, "before": encode_cursor(every[-1] + 1)})
    while True:
        backward = ids_of(answer) + backward
        cursor = answer.json()["meta"]["cursor_pagination"]
        assert "next" in cursor["links"]
        if "previous" not in cursor["links"]:
            break
        answer = api.get("/customers" + cursor["links"]["previous"])
    assert backward == every
    past_the_end = api.get("/customers", params={"after": encode_cursor(every[-1])}).json()
    assert past_the_end["data"] == [] and past_the_end["meta"]["cursor_pagination"]["links"] == {}
    huge = api.get("/customers", params={"limit": 3, "before": encode_cursor(10**30)})
    assert ids_of(huge) == every[-3:]
    assert api.get("/customers", params={"after": "not a cursor"}).status_code == 422


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("last_name:desc", ("last_name", True)),
        ("last_name:asc", ("last_name", False)),
        ("date_created:desc", ("date_created", True)),
        ("date_modified:asc", ("date_modified", False)),
    ],
)
def test_filters_and_sorts_answer_as_the_python_listing(
    api: httpx.Client, customers: list[dict[str, Any]], sort: str, key: tuple[str, bool]
) -> None:
    companies = " ACME ,other"
    params = {"customer_group_id:in": "1,3", "company:in": companies, "sort": sort, "limit": 97}
    want = expected(customers, {1, 3}, companies, key)
    assert 0 < len(want) < COUNT // 2
    got: list[int] = []
    page = 1
    while True:
        answer = api.get("/customers", params={**params, "page": page})
        got += ids_of(answer)
        pagination = answer.json()["meta"]["pagination"]
        assert pagination["total"] == len(want)
        if "next" not in pagination["links"]:
            break
        page += 1
    assert got == want
    bound = want[len(want) // 2]
    after = api.get("/customers", params={**params, "after": encode_cursor(bound)})
    assert ids_of(after) == [i for i in want if i > bound][:97]
    before = api.get("/customers", params={**params, "before": encode_cursor(bound)})
    assert ids_of(before) == [i for i in want if i < bound][-97:]


def test_group_and_company_filters_alone(
    api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    def listed(**params: str) -> list[int]:
        return ids_of(api.get("/customers", params={**params, "limit": "250"}))

    assert listed(**{"customer_group_id:in": "0"}) == expected(customers, {0})[:250]
    assert listed(**{"company:in": "acme"}) == expected(customers, companies="acme")[:250]
    assert listed(**{"company:in": ","}) == expected(customers, companies=",")[:250]
    assert listed(**{"customer_group_id:in": "42"}) == []


def test_id_and_email_filters_bound_the_sql_listing(
    sandbox: Sandbox, api: httpx.Client, customers: list[dict[str, Any]]
) -> None:
    every = expected(customers)
    picked = [every[5], every[1], every[900], every[2000]]
    wanted = ",".join(map(str, picked)) + ",999999"
    decoded = sandbox.store.records_decoded
    assert ids_of(api.get("/customers", params={"id:in": wanted})) == sorted(picked)
    assert sandbox.store.records_decoded - decoded == len(picked)
    emails = ",".join(f" BUYER{i}@ACME.example" for i in picked[:3]) + ", ,nobody@acme.example"
    assert ids_of(api.get("/customers", params={"email:in": emails})) == sorted(picked[:3])
    both = {"id:in": wanted, "email:in": emails, "sort": "last_name:desc"}
    chosen = [c for c in customers if c["id"] in picked[:3]]
    assert ids_of(api.get("/customers", params=both)) == expected(chosen, sort=("last_name", True))
    grouped = {"id:in": wanted, "customer_group_id:in": str(picked[0] % 4)}
    assert ids_of(api.get("/customers", params=grouped)) == sorted(
        i for i in picked if i % 4 == picked[0] % 4
    )
    assert api.get("/customers", params={"email:in": ","}).json()["data"] == []


def test_writes_deletes_and_reset_keep_the_listing_current(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    created = api.post(
        "/customers",
        json=[
            {"email": f"b{n}@acme.example", "first_name": "B", "last_name": f"L{n}"}
            for n in range(3)
        ],
    ).json()["data"]
    first, second, third = (c["id"] for c in created)
    assert ids_of(api.get("/customers", params={"company:in": "new co"})) == []
    changed = api.put("/customers", json=[{"id": second, "company": "New Co", "last_name": "Z"}])
    assert changed.status_code == 200
    assert ids_of(api.get("/customers", params={"company:in": "new co"})) == [second]
    by_name = {"sort": "last_name:desc", "limit": 1}
    assert ids_of(api.get("/customers", params=by_name)) == [second]
    assert api.delete("/customers", params={"id:in": str(first)}).status_code == 204
    assert ids_of(api.get("/customers")) == [second, third]
    sandbox.reset()
    assert ids_of(api.get("/customers")) == []
    bigcommerce.seed(sandbox.store, {"customers": [{**created[0], "id": 12}]})
    listed = api.get("/customers")
    assert ids_of(listed) == [12] and listed.json()["meta"]["pagination"]["total"] == 1


def test_an_sql_name_round_trips_and_older_declarations_are_unchanged(tmp_path: Path) -> None:
    table = ColumnTable("cols__bigcommerce__customer", CUSTOMER_COLUMNS)
    assert ColumnTable.from_spec(table.name, table.spec()) == table
    assert json.loads(table.spec())[0] == ["id", "number", True, "customer_id"]
    assert json.loads(table.spec())[1] == ["customer_group_id", "number", False]
    contact = ColumnTable("c", tuple(columns_for(default_objects()["Contact"])))
    assert all(len(entry) == 3 for entry in json.loads(contact.spec()))
    store = Store(tmp_path / "s.db")
    try:
        store.insert_many("x", "t", [(str(n), {"id": n}) for n in (10, 9, 100)])
        declared = store.define_columns("x", "t", [Column("id", "number", True, "n")])
        rows = store.select(f'SELECT id, n FROM "{declared.name}" ORDER BY n')
        assert rows == [("9", 9.0), ("10", 10.0), ("100", 100.0)]
        assert store.define_columns("x", "t", [Column("id", "number", True, "n")]) == declared
    finally:
        store.close()

"""The BigCommerce emulator over real HTTPS: endpoints, errors, paging meta, limits, auth."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from storegate.sandbox import bigcommerce
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import SeedError, load_seed
from storegate.sandbox.server import Sandbox
from tests.sandbox.conftest import bigcommerce_client

RATE_HEADERS = (
    "X-Rate-Limit-Time-Window-Ms",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Requests-Left",
)


def person(n: int, **extra: Any) -> dict[str, Any]:
    return {"email": f"buyer{n}@acme.example", "first_name": f"B{n}", "last_name": "Doe", **extra}


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with bigcommerce_client(sandbox) as client:
        yield client


def seed_customers(sandbox: Sandbox, count: int, **extra: Any) -> None:
    bigcommerce.seed(sandbox.store, {"customers": [person(n, **extra) for n in range(count)]})


def test_create_then_list_returns_full_customers(api: httpx.Client) -> None:
    created = api.post("/v3/customers", json=[person(1, company="ACME"), person(2)])
    assert created.status_code == 200
    data = created.json()["data"]
    assert [c["email"] for c in data] == ["buyer1@acme.example", "buyer2@acme.example"]
    assert data[0]["company"] == "ACME" and data[1]["customer_group_id"] == 0
    listed = api.get("/v3/customers").json()
    assert [c["id"] for c in listed["data"]] == [c["id"] for c in data]
    assert {"date_created", "authentication", "channel_ids"} <= set(listed["data"][0])


def test_paging_meta_and_cursor_block_on_page_one(sandbox: Sandbox, api: httpx.Client) -> None:
    seed_customers(sandbox, 7)
    first = api.get("/v3/customers", params={"limit": 3}).json()["meta"]
    assert first["pagination"] == {
        "total": 7,
        "count": 3,
        "per_page": 3,
        "current_page": 1,
        "total_pages": 3,
        "links": {"current": "?page=1&limit=3", "next": "?page=2&limit=3"},
    }
    assert first["cursor_pagination"]["count"] == 3
    last = api.get("/v3/customers", params={"limit": 3, "page": 3}).json()
    assert "cursor_pagination" not in last["meta"]
    assert last["meta"]["pagination"]["count"] == 1
    assert last["meta"]["pagination"]["links"]["previous"] == "?page=2&limit=3"
    after = api.get(
        "/v3/customers", params={"limit": 3, "after": first["cursor_pagination"]["end_cursor"]}
    ).json()
    assert "pagination" not in after["meta"]
    assert [c["email"] for c in after["data"]] == [f"buyer{n}@acme.example" for n in (3, 4, 5)]


def test_filters(sandbox: Sandbox, api: httpx.Client) -> None:
    bigcommerce.seed(sandbox.store, {"customer_groups": [{"id": 4, "name": "Wholesale"}]})
    seed_customers(sandbox, 4, company="ACME")
    api.post("/v3/customers", json=[person(9, company="Other", customer_group_id=4)])

    def emails(**params: str) -> list[str]:
        return [c["email"] for c in api.get("/v3/customers", params=params).json()["data"]]

    assert emails(**{"email:in": "BUYER1@acme.example,buyer3@acme.example"}) == [
        "buyer1@acme.example",
        "buyer3@acme.example",
    ]
    ids = [c["id"] for c in api.get("/v3/customers").json()["data"]]
    assert emails(**{"id:in": f"{ids[0]},{ids[2]}"}) == [
        "buyer0@acme.example",
        "buyer2@acme.example",
    ]
    assert emails(**{"customer_group_id:in": "4"}) == ["buyer9@acme.example"]
    assert emails(**{"company:in": "acme"}) == [f"buyer{n}@acme.example" for n in range(4)]
    bad = api.get("/v3/customers", params={"id:in": "1,x"})
    assert bad.status_code == 422
    assert api.get("/v3/customers", params={"colour:in": "red"}).status_code == 422


def test_page_size_over_maximum_is_413(admin: SandboxAdmin, api: httpx.Client) -> None:
    assert api.get("/v3/customers", params={"limit": 250}).status_code == 200
    assert api.get("/v3/customers", params={"limit": 251}).status_code == 413
    admin.setting("bigcommerce", "max_page_size", 100)
    assert api.get("/v3/customers", params={"limit": 101}).status_code == 413


def test_create_batch_limits_and_validation(api: httpx.Client) -> None:
    too_many = api.post("/v3/customers", json=[person(n) for n in range(11)])
    assert too_many.status_code == 413
    missing = api.post("/v3/customers", json=[person(1), {"email": "x@acme.example"}])
    assert missing.status_code == 422
    body = missing.json()
    assert set(body) == {"status", "title", "type", "errors"}
    assert {"1.first_name", "1.last_name"} <= set(body["errors"])
    # the whole batch failed: the valid record was not created either
    assert api.get("/v3/customers").json()["data"] == []


def test_duplicate_email_is_422_with_the_contract_body(api: httpx.Client) -> None:
    assert api.post("/v3/customers", json=[person(1)]).status_code == 200
    duplicate = api.post(
        "/v3/customers", json=[person(2), {**person(3), "email": "Buyer1@acme.example"}]
    )
    assert duplicate.status_code == 422
    body = duplicate.json()
    assert body["title"] == "Create customers failed."
    assert body["errors"][".customer_create"] == "Error creating customers"
    assert "already in use" in body["errors"]["1.email"]
    assert len(api.get("/v3/customers").json()["data"]) == 1


def test_update_by_id_and_unknown_id(api: httpx.Client) -> None:
    created = api.post("/v3/customers", json=[person(1), person(2)]).json()["data"]
    updated = api.put(
        "/v3/customers",
        json=[{"id": created[0]["id"], "email": "renamed@acme.example", "company": "New"}],
    )
    assert updated.status_code == 200
    assert updated.json()["data"][0]["company"] == "New"
    found = api.get("/v3/customers", params={"email:in": "renamed@acme.example"}).json()["data"]
    assert [c["id"] for c in found] == [created[0]["id"]]
    assert api.get("/v3/customers", params={"email:in": "buyer1@acme.example"}).json()["data"] == []
    unknown = api.put("/v3/customers", json=[{"id": 99999, "company": "X"}])
    assert unknown.status_code == 422 and "0.id" in unknown.json()["errors"]
    taken = api.put(
        "/v3/customers", json=[{"id": created[1]["id"], "email": "renamed@acme.example"}]
    )
    assert taken.status_code == 422
    assert api.put("/v3/customers", json=[{"id": i} for i in range(11)]).status_code == 413


def test_delete(sandbox: Sandbox, api: httpx.Client) -> None:
    created = api.post("/v3/customers", json=[person(1), person(2), person(3)]).json()["data"]
    assert api.delete("/v3/customers").status_code == 204
    assert len(api.get("/v3/customers").json()["data"]) == 3
    assert api.delete("/v3/customers", params={"id:in": "1,abc"}).status_code == 422
    ids = f"{created[0]['id']},{created[1]['id']}"
    assert api.delete("/v3/customers", params={"id:in": ids}).status_code == 204
    left = api.get("/v3/customers").json()["data"]
    assert [c["email"] for c in left] == ["buyer3@acme.example"]
    # the freed email can be used again
    assert api.post("/v3/customers", json=[person(1)]).status_code == 200


def test_ignore_deletes_keeps_customers(admin: SandboxAdmin, api: httpx.Client) -> None:
    created = api.post("/v3/customers", json=[person(1)]).json()["data"]
    admin.setting("bigcommerce", "ignore_deletes", True)
    assert api.delete("/v3/customers", params={"id:in": str(created[0]["id"])}).status_code == 204
    assert len(api.get("/v3/customers").json()["data"]) == 1


def test_customer_groups_v2(api: httpx.Client) -> None:
    assert api.get("/v2/customer_groups").status_code == 204
    made = api.post("/v2/customer_groups", json={"name": "Wholesale 2026"})
    assert made.status_code == 201
    assert api.post("/v2/customer_groups", json={"name": "wholesale 2026"}).status_code == 409
    assert api.post("/v2/customer_groups", json={}).status_code == 400
    groups = api.get("/v2/customer_groups").json()
    assert groups == [made.json()]
    assert groups[0]["name"] == "Wholesale 2026" and "discount_rules" in groups[0]


def test_create_rejects_unknown_customer_group(api: httpx.Client) -> None:
    refused = api.post("/v3/customers", json=[person(1, customer_group_id=42)])
    assert refused.status_code == 422 and "0.customer_group_id" in refused.json()["errors"]


def test_auth_and_store_hash(sandbox: Sandbox, api: httpx.Client) -> None:
    no_token = httpx.get(
        f"{sandbox.url}/stores/sandbox/v3/customers",
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
    )
    assert no_token.status_code == 401
    assert set(no_token.json()) == {"status", "title", "type", "errors"}
    wrong = api.get("/v3/customers", headers={"X-Auth-Token": "not-the-token"})
    assert wrong.status_code == 401
    token = sandbox.settings["bigcommerce"]["access_token"]
    assert token not in wrong.text
    other_store = api.get(f"{sandbox.url}/stores/otherhash/v3/customers")
    assert other_store.status_code == 404


def test_rate_headers_and_429_when_quota_spent(admin: SandboxAdmin, api: httpx.Client) -> None:
    admin.setting("bigcommerce", "quota", 2)
    admin.setting("bigcommerce", "window_ms", 60000)
    first = api.get("/v3/customers")
    assert all(name in first.headers for name in RATE_HEADERS)
    assert first.headers["X-Rate-Limit-Requests-Quota"] == "2"
    assert first.headers["X-Rate-Limit-Requests-Left"] == "1"
    assert api.get("/v3/customers").headers["X-Rate-Limit-Requests-Left"] == "0"
    limited = api.get("/v3/customers")
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert 0 < int(limited.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 60000


def test_quota_refreshes_after_the_window(admin: SandboxAdmin, api: httpx.Client) -> None:
    admin.setting("bigcommerce", "quota", 1)
    admin.setting("bigcommerce", "window_ms", 150)
    assert api.get("/v3/customers").status_code == 200
    limited = api.get("/v3/customers")
    assert limited.status_code == 429
    time.sleep(int(limited.headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000 + 0.02)
    assert api.get("/v3/customers").status_code == 200


def test_calls_are_counted_and_faults_use_the_error_shape(
    admin: SandboxAdmin, api: httpx.Client
) -> None:
    admin.fault(system="bigcommerce", kind="status", status=503, count=1)
    failed = api.get("/v3/customers")
    assert failed.status_code == 503
    assert set(failed.json()) == {"status", "title", "type", "errors"}
    assert "X-Rate-Limit-Time-Reset-Ms" not in failed.headers
    admin.fault(system="bigcommerce", kind="limit", count=1)
    limited = api.get("/v3/customers")
    assert limited.status_code == 429 and "X-Rate-Limit-Time-Reset-Ms" in limited.headers
    assert api.get("/v3/customers").status_code == 200
    assert admin.calls()["bigcommerce"]["GET /v3/customers"] == 3


def test_record_error_fault_fails_the_batch(admin: SandboxAdmin, api: httpx.Client) -> None:
    admin.fault(system="bigcommerce", kind="record_error", match="buyer2@")
    refused = api.post("/v3/customers", json=[person(1), person(2)])
    assert refused.status_code == 422 and "1" in refused.json()["errors"]
    assert api.post("/v3/customers", json=[person(1), person(2)]).status_code == 200


def test_seed_keeps_ids_and_moves_the_counter(sandbox: Sandbox, api: httpx.Client) -> None:
    bigcommerce.seed(sandbox.store, {"customers": [{**person(1), "id": 40}]})
    made = api.post("/v3/customers", json=[person(2)]).json()["data"]
    assert made[0]["id"] > 40


def test_seed_counts_and_refuses_bad_records(sandbox: Sandbox) -> None:
    counts = bigcommerce.seed(
        sandbox.store, {"customer_groups": [{"name": "Retail"}], "customers": [person(1)]}
    )
    assert counts == {"customer_groups": 1, "customers": 1}
    with pytest.raises(SeedError, match=r"customers\[0\]: first_name is required"):
        bigcommerce.seed(sandbox.store, {"customers": [{"email": "x@acme.example"}]})
    with pytest.raises(SeedError, match="already a customer"):
        bigcommerce.seed(sandbox.store, {"customers": [person(1)]})
    with pytest.raises(SeedError, match="customers"):
        bigcommerce.seed(sandbox.store, {"buyers": []})


def test_seed_loader_hands_the_bigcommerce_part_over(sandbox: Sandbox, api: httpx.Client) -> None:
    load_seed(sandbox.store, {"bigcommerce": {"customers": [person(1), person(2)]}})
    assert len(api.get("/v3/customers").json()["data"]) == 2

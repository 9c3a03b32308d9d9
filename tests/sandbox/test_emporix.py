"""The Emporix emulator spoken to with plain httpx, exactly as the API reference shows the calls:
the service token, customers (custom id, duplicate 409, upsert 201 then 204, PATCH, DELETE 202,
paging, q, addresses), legal entities and contact assignments, the gateway's 401 bodies, scopes,
the configurable 429, dropped answers and seeding."""

from __future__ import annotations

import math
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.emporix import seed
from storegate.sandbox.seed import SeedError, load_seed
from storegate.sandbox.server import Sandbox


class Emporix:
    """A raw client: the token request and calls under the tenant's paths."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.env = sandbox.env
        self.tenant = sandbox.env["EMPORIX_TENANT"]
        self.http = httpx.Client(
            base_url=sandbox.url,
            verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
            timeout=30,
        )
        self.token = ""

    def request_token(self, **form: str) -> httpx.Response:
        data = {
            "grant_type": "client_credentials",
            "client_id": self.env["EMPORIX_CLIENT_ID"],
            "client_secret": self.env["EMPORIX_CLIENT_SECRET"],
            **form,
        }
        return self.http.post("/oauth/token", data=data)

    def login(self, **form: str) -> None:
        response = self.request_token(**form)
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.http.request(method, path.format(t=self.tenant), headers=headers, **kwargs)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[Emporix]:
    client = Emporix(sandbox)
    client.login()
    yield client
    client.http.close()


def customer(email: str, **extra: Any) -> dict[str, Any]:
    return {"contactEmail": email, "firstName": "Jane", "lastName": "Doe", **extra}


# ---------------------------------------------------------------- OAuth


def test_service_token_has_expiry_and_no_refresh(sandbox: Sandbox) -> None:
    client = Emporix(sandbox)
    body = client.request_token().json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 14399
    assert body["refresh_token"] == "" and body["refresh_token_expires_in"] == 0
    assert body["session_idle_time"] == 120
    assert body["scope"].startswith(f"tenant={client.tenant} ")
    assert "customer.customer_manage" in body["scope"].split()


def test_token_refuses_wrong_secret_and_grant(sandbox: Sandbox) -> None:
    client = Emporix(sandbox)
    assert client.request_token(client_secret="wrong").status_code == 401
    assert client.request_token(grant_type="password").status_code == 400
    as_json = client.http.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 400


def test_the_gateway_401_bodies(api: Emporix, admin: SandboxAdmin) -> None:
    api.token = "not-a-token"
    invalid = api.call("GET", "/customer/{t}/customers")
    assert invalid.status_code == 401
    assert invalid.json() == {
        "fault": {
            "faultstring": "Invalid access token",
            "detail": {"errorcode": "oauth.v2.InvalidAccessToken"},
        }
    }
    api.login()
    admin.expire_tokens()
    expired = api.call("GET", "/customer/{t}/customers")
    assert expired.status_code == 401
    assert expired.json()["fault"] == {
        "faultstring": "Access Token expired",
        "detail": {"errorcode": "keymanagement.service.access_token_expired"},
    }
    api.login()  # no refresh: a new token
    assert api.call("GET", "/customer/{t}/customers").status_code == 200


def test_token_lifetime_and_call_budget_are_settings(api: Emporix, admin: SandboxAdmin) -> None:
    admin.setting("emporix", "expire_token_after_calls", 2)
    api.login()
    assert api.call("GET", "/customer/{t}/customers").status_code == 200
    assert api.call("GET", "/customer/{t}/customers").status_code == 200
    third = api.call("GET", "/customer/{t}/customers")
    assert third.json()["fault"]["faultstring"] == "Access Token expired"
    admin.setting("emporix", "expire_token_after_calls", 0)
    admin.setting("emporix", "token_lifetime_seconds", 0)
    api.login()
    assert api.call("GET", "/customer/{t}/customers").status_code == 401


def test_scopes_limit_a_token(api: Emporix) -> None:
    api.login(scope=f"tenant={api.tenant} customer.customer_read")
    assert api.call("GET", "/customer/{t}/customers").status_code == 200
    refused = api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example"))
    assert refused.status_code == 403
    assert refused.json() == {"type": "Forbidden", "status": 403, "message": "User not authorized."}
    assert api.call("GET", "/customer-management/{t}/legal-entities").status_code == 403


def test_a_wrong_tenant_is_400(api: Emporix) -> None:
    response = api.http.get(
        "/customer/othertenant/customers", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "The tenant information provided with the request is not valid."
    )


# ---------------------------------------------------------------- customers


def test_create_with_custom_id_then_duplicate_email_409(api: Emporix) -> None:
    created = api.call(
        "POST", "/customer/{t}/customers", json=customer("jane@acme.example", id="SF-003A")
    )
    assert created.status_code == 201 and created.json() == {"id": "SF-003A"}
    generated = api.call("POST", "/customer/{t}/customers", json=customer("raj@acme.example"))
    assert generated.status_code == 201 and generated.json()["id"].isdigit()
    duplicate = api.call("POST", "/customer/{t}/customers", json=customer("JANE@acme.example"))
    assert duplicate.status_code == 409
    assert duplicate.json() == {
        "type": "conflict_resource",
        "status": 409,
        "message": f"Duplicate account 'JANE@acme.example' for tenant '{api.tenant}'.",
    }
    fetched = api.call("GET", "/customer/{t}/customers/SF-003A").json()
    assert fetched["customerNumber"] == "SF-003A" and fetched["id"] == "SF-003A"
    assert fetched["preferredCurrency"] == "USD" and fetched["preferredSite"] == "main"
    assert fetched["businessModel"] == "B2C"


def test_create_validates_like_the_api(api: Emporix) -> None:
    missing = api.call("POST", "/customer/{t}/customers", json={"firstName": "No email"})
    assert missing.status_code == 400
    assert missing.json()["details"][0]["field"] == "contactEmail"
    bad_id = api.call("POST", "/customer/{t}/customers", json=customer("a@b.example", id="a b"))
    assert bad_id.status_code == 400
    bad_currency = api.call(
        "POST", "/customer/{t}/customers", json=customer("c@b.example", preferredCurrency="euro")
    )
    assert bad_currency.json()["details"][0]["field"] == "preferredCurrency"


def test_upsert_creates_201_then_updates_204(api: Emporix) -> None:
    body = customer("jane@acme.example", preferredCurrency="EUR", active=False, onHold=True)
    first = api.call("PUT", "/customer/{t}/customers/cust-1", json=body)
    assert first.status_code == 201 and first.json() == {"id": "cust-1"}
    again = api.call("PUT", "/customer/{t}/customers/cust-1", json=body)
    assert again.status_code == 204 and again.content == b""
    taken = api.call("PUT", "/customer/{t}/customers/cust-2", json=customer("jane@acme.example"))
    assert taken.status_code == 409
    assert len(api.call("GET", "/customer/{t}/customers").json()) == 1


def test_put_on_an_existing_customer_merges_or_replaces_as_set(
    api: Emporix, admin: SandboxAdmin
) -> None:
    api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example", company="Acme"))
    api.call("PUT", "/customer/{t}/customers/c1", json={"contactEmail": "a@acme.example"})
    merged = api.call("GET", "/customer/{t}/customers/c1").json()
    assert (merged["firstName"], merged["company"]) == ("Jane", "Acme")
    admin.setting("emporix", "put_replaces", True)
    api.call("PUT", "/customer/{t}/customers/c1", json={"contactEmail": "a@acme.example"})
    replaced = api.call("GET", "/customer/{t}/customers/c1").json()
    assert "firstName" not in replaced and "company" not in replaced
    assert replaced["preferredCurrency"] == "USD"


def test_flags_of_a_customer_created_without_them_are_settings(
    api: Emporix, admin: SandboxAdmin
) -> None:
    api.call("POST", "/customer/{t}/customers", json=customer("a@acme.example", id="c1"))
    admin.setting("emporix", "created_active", False)
    admin.setting("emporix", "created_on_hold", True)
    api.call("POST", "/customer/{t}/customers", json=customer("b@acme.example", id="c2"))
    flags = {
        c["id"]: (c["active"], c["onHold"])
        for c in api.call("GET", "/customer/{t}/customers").json()
    }
    assert flags == {"c1": (True, False), "c2": (False, True)}


def test_patch_delete_and_404(api: Emporix, admin: SandboxAdmin) -> None:
    api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example"))
    api.call("PUT", "/customer/{t}/customers/c2", json=customer("b@acme.example"))
    patched = api.call(
        "PATCH", "/customer/{t}/customers/c1", json={"contactEmail": "new@acme.example"}
    )
    assert patched.status_code == 200
    assert (
        api.call("GET", "/customer/{t}/customers/c1").json()["contactEmail"] == "new@acme.example"
    )
    clash = api.call("PATCH", "/customer/{t}/customers/c1", json={"contactEmail": "b@acme.example"})
    assert clash.status_code == 409
    unset = api.call("PATCH", "/customer/{t}/customers/c1", json={"contactEmail": None})
    assert unset.status_code == 400
    assert api.call("DELETE", "/customer/{t}/customers/c1").status_code == 202
    missing = api.call("GET", "/customer/{t}/customers/c1")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Customer not Found"
    assert missing.json()["details"] == [
        {"message": "Couldn't find a customer with customerNumber 'c1'"}
    ]
    assert api.call("PATCH", "/customer/{t}/customers/c1", json={"active": True}).status_code == 404
    assert api.call("DELETE", "/customer/{t}/customers/c1").status_code == 404
    # the freed email can be used again
    assert (
        api.call("PUT", "/customer/{t}/customers/c3", json=customer("new@acme.example")).status_code
        == 201
    )
    calls = admin.calls()["emporix"]
    assert calls["PATCH /customers/{customerNumber}"] == 4
    assert calls["DELETE /customers/{customerNumber}"] == 2


def test_paging_q_sort_and_headers(api: Emporix, admin: SandboxAdmin) -> None:
    for n in range(7):
        api.call("PUT", f"/customer/{{t}}/customers/c{n}", json=customer(f"b{n}@acme.example"))
    pages = [
        api.call(
            "GET",
            "/customer/{t}/customers",
            params={"pageNumber": page, "pageSize": 3, "sort": "contactEmail:desc"},
            headers={"X-Total-Count": "true"},
        )
        for page in (1, 2, 3)
    ]
    assert [len(p.json()) for p in pages] == [3, 3, 1]
    assert [p.headers["Count"] for p in pages] == ["3", "3", "1"]
    assert pages[0].headers["X-Total-Count"] == "7"
    emails = [c["contactEmail"] for p in pages for c in p.json()]
    assert emails == sorted(emails, reverse=True)
    default = api.call("GET", "/customer/{t}/customers")
    assert "X-Total-Count" not in default.headers
    picked = api.call(
        "GET",
        "/customer/{t}/customers",
        params={"q": "contactEmail:(b1@acme.example,B2@acme.example)"},
    )
    assert sorted(c["id"] for c in picked.json()) == ["c1", "c2"]
    searched = api.call("POST", "/customer/{t}/customers/search", json={"q": "id:c5"})
    assert [c["id"] for c in searched.json()] == ["c5"]
    contains = api.call("GET", "/customer/{t}/customers", params={"q": "contactEmail:~B6"})
    assert [c["id"] for c in contains.json()] == ["c6"]
    bad = api.call("GET", "/customer/{t}/customers", params={"q": "nonsense"})
    assert bad.status_code == 400


def test_page_size_over_the_maximum_is_a_setting(api: Emporix, admin: SandboxAdmin) -> None:
    for n in range(5):
        api.call("PUT", f"/customer/{{t}}/customers/c{n}", json=customer(f"m{n}@acme.example"))
    admin.setting("emporix", "max_page_size", 2)
    capped = api.call("GET", "/customer/{t}/customers", params={"pageSize": 4})
    assert len(capped.json()) == 2
    admin.setting("emporix", "oversized_page", "error")
    refused = api.call("GET", "/customer/{t}/customers", params={"pageSize": 4})
    assert refused.status_code == 400
    admin.setting("emporix", "x_total_count", False)
    no_total = api.call(
        "GET", "/customer/{t}/customers", params={"pageSize": 2}, headers={"X-Total-Count": "true"}
    )
    assert "X-Total-Count" not in no_total.headers


def test_addresses(api: Emporix) -> None:
    api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example"))
    base = "/customer/{t}/customers/c1/addresses"
    assert api.call("POST", base, json={"city": "Berlin"}).status_code == 400
    first = api.call(
        "POST", base, json={"contactName": "Jane Doe", "country": "DE", "isDefault": True}
    )
    assert first.status_code == 201
    address_id = first.json()["id"]
    assert (
        api.call("PUT", f"{base}/home", json={"contactName": "Jane", "country": "DE"}).status_code
        == 201
    )
    assert api.call("PUT", f"{base}/home", json={"city": "Bonn"}).status_code == 204
    assert api.call("PATCH", f"{base}/home", json={"isDefault": True}).status_code == 200
    listed = api.call("GET", base).json()
    assert {a["id"]: a["isDefault"] for a in listed} == {address_id: False, "home": True}
    expanded = api.call("GET", "/customer/{t}/customers/c1", params={"expand": "addresses"}).json()
    assert expanded["defaultAddress"]["id"] == "home"
    assert "addresses" not in api.call("GET", "/customer/{t}/customers/c1").json()
    assert api.call("DELETE", f"{base}/home").status_code == 204
    gone = api.call("GET", f"{base}/home")
    assert gone.status_code == 404 and gone.json()["type"] == "resource_not_found"


# ---------------------------------------------------------------- companies


def test_legal_entities_and_contact_assignments(api: Emporix) -> None:
    entities = "/customer-management/{t}/legal-entities"
    created = api.call("POST", entities, json={"name": "Acme Industrial", "type": "COMPANY"})
    assert created.status_code == 201
    acme = created.json()["id"]
    upsert = api.call("PUT", f"{entities}/001SF", json={"name": "Kestrel Labs", "type": "COMPANY"})
    assert upsert.status_code == 201
    renamed = api.call(
        "PUT", f"{entities}/001SF", json={"name": "Kestrel Laboratories", "type": "COMPANY"}
    )
    assert renamed.status_code == 204
    assert api.call("PUT", f"{entities}/001SF", json={"name": "x"}).status_code == 400
    assert api.call("POST", entities, json={"id": "001SF", "name": "Dup"}).status_code == 409
    by_name = api.call(
        "GET", entities, params={"name": "kestrel"}, headers={"X-Total-Count": "true"}
    )
    assert [e["id"] for e in by_name.json()] == ["001SF"]
    assert by_name.headers["X-Total-Count"] == "1"
    searched = api.call("POST", f"{entities}/search", json={"q": 'name:"Acme Industrial"'})
    assert [e["id"] for e in searched.json()] == [acme]

    api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example"))
    assignments = "/customer-management/{t}/contact-assignments"
    link = {"legalEntity": {"id": acme}, "customer": {"id": "c1"}, "type": "CONTACT"}
    assert api.call("PUT", f"{assignments}/ca-1", json=link).status_code == 201
    assert api.call("PUT", f"{assignments}/ca-1", json=link).status_code == 204
    assert api.call("POST", assignments, json=link).status_code == 409  # already assigned
    nobody = {"legalEntity": {"id": acme}, "customer": {"id": "nobody"}}
    assert api.call("POST", assignments, json=nobody).status_code == 400
    listed = api.call("GET", assignments, params={"customer.id": "c1"}).json()
    assert [(a["id"], a["legalEntity"]["name"], a["customer"]["email"]) for a in listed] == [
        ("ca-1", "Acme Industrial", "a@acme.example")
    ]
    fetched = api.call("GET", "/customer/{t}/customers/c1").json()
    assert fetched["businessModel"] == "B2B"
    assert fetched["b2b"]["legalEntities"] == [
        {"id": acme, "name": "Acme Industrial", "contactAssignmentId": "ca-1"}
    ]
    missing = api.call("GET", f"{entities}/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": 404,
        "status": "Not Found",
        "message": "The legal entity with the requested code does not exist.",
    }
    assert api.call("DELETE", f"{assignments}/ca-1").status_code == 204
    assert api.call("GET", "/customer/{t}/customers/c1").json()["businessModel"] == "B2C"
    assert api.call("DELETE", f"{entities}/001SF").status_code == 204


def test_deleting_a_customer_removes_its_assignments(api: Emporix) -> None:
    api.call(
        "PUT", "/customer-management/{t}/legal-entities/le1", json={"name": "A", "type": "COMPANY"}
    )
    api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example"))
    link = {"legalEntity": {"id": "le1"}, "customer": {"id": "c1"}, "type": "CONTACT"}
    api.call("PUT", "/customer-management/{t}/contact-assignments/ca", json=link)
    api.call("DELETE", "/customer/{t}/customers/c1")
    assert api.call("GET", "/customer-management/{t}/contact-assignments").json() == []


# ---------------------------------------------------------------- seed 004's emails


def test_on_hold_then_active_sends_the_two_emails_in_order(
    api: Emporix, admin: SandboxAdmin
) -> None:
    body = customer("jane@acme.example", active=False, onHold=True)
    api.call("PUT", "/customer/{t}/customers/c1?sendPasswordResetNotifications=false", json=body)
    api.call("PATCH", "/customer/{t}/customers/c1", json={"active": True, "onHold": False})
    api.call(
        "PUT",
        "/customer/{t}/customers/c2",
        json=customer("raj@acme.example", active=True, onHold=False),
    )
    sent = api.http.get("/_sandbox/emporix/notifications").json()
    assert [(n["customer"], n["kind"]) for n in sent] == [
        ("c1", "account_being_prepared"),
        ("c1", "account_activated"),
        ("c2", "account_created"),
        ("c2", "password_reset_link"),
    ]


# ---------------------------------------------------------------- limits and faults


def test_rate_limit_answers_429_with_optional_retry_after(
    api: Emporix, admin: SandboxAdmin
) -> None:
    admin.setting("emporix", "rate_limit_requests", 2)
    admin.setting("emporix", "rate_limit_window_ms", 60000)
    assert api.call("GET", "/customer/{t}/customers").status_code == 200
    assert api.call("GET", "/customer/{t}/customers").status_code == 200
    limited = api.call("GET", "/customer/{t}/customers")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    admin.setting("emporix", "retry_after_seconds", None)
    bare = api.call("GET", "/customer/{t}/customers")
    assert bare.status_code == 429 and "Retry-After" not in bare.headers
    admin.setting("emporix", "rate_limit_requests", 0)
    admin.fault(system="emporix", kind="limit", count=1)
    assert api.call("GET", "/customer/{t}/customers").status_code == 429
    admin.fault(system="emporix", kind="status", status=503)
    unavailable = api.call("GET", "/customer/{t}/customers")
    assert unavailable.status_code == 503 and unavailable.json()["status"] == 503


def test_a_dropped_answer_still_takes_effect(api: Emporix, admin: SandboxAdmin) -> None:
    admin.setting("emporix", "drop_answer_endpoint", "PUT /customers/{customerNumber}")
    admin.setting("emporix", "drop_answer_count", 1)
    with pytest.raises(httpx.TransportError):
        api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example"))
    again = api.call("PUT", "/customer/{t}/customers/c1", json=customer("a@acme.example"))
    assert again.status_code == 204
    assert len(api.call("GET", "/customer/{t}/customers").json()) == 1


def test_call_counter_counts_pages(api: Emporix, admin: SandboxAdmin, sandbox: Sandbox) -> None:
    seed(sandbox.store, {"customers": [customer(f"p{n}@acme.example") for n in range(25)]})
    admin.reset_calls()
    page, size, got = 1, 10, []
    while True:
        batch = api.call(
            "GET", "/customer/{t}/customers", params={"pageNumber": page, "pageSize": size}
        ).json()
        got.extend(batch)
        if len(batch) < size:
            break
        page += 1
    assert len(got) == 25
    assert admin.calls()["emporix"] == {"GET /customers": math.ceil(25 / size)}


# ---------------------------------------------------------------- seeding


def test_seed_loads_companies_and_customers(api: Emporix, sandbox: Sandbox) -> None:
    counts = load_seed(
        sandbox.store,
        {
            "emporix": {
                "legal_entities": [{"name": "Acme Industrial", "id": "001ACME"}],
                "customers": [
                    {
                        "contactEmail": "jane@acme.example",
                        "firstName": "Jane",
                        "preferredCurrency": "EUR",
                        "legal_entity": "acme industrial",
                    },
                    {"contactEmail": "solo@shop.example", "active": False, "onHold": True},
                ],
            }
        },
    )
    assert counts == {"emporix": {"legal_entities": 1, "customers": 2}}
    listed = api.call("GET", "/customer/{t}/customers", params={"sort": "contactEmail"}).json()
    assert [(c["contactEmail"], c["businessModel"]) for c in listed] == [
        ("jane@acme.example", "B2B"),
        ("solo@shop.example", "B2C"),
    ]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"customers": [{"firstName": "x"}]}, "contactEmail is required"),
        ({"customers": [{"contactEmail": "a@b.c", "legal_entity": "Nope"}]}, "names no legal"),
        ({"legal_entities": [{}]}, "name is required"),
        ({"partners": []}, "expected a mapping"),
    ],
)
def test_seed_refuses_bad_records(sandbox: Sandbox, part: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError, match=message):
        seed(sandbox.store, part)

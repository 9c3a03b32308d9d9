"""The Cin7 Omni emulator over real HTTPS with plain httpx, as the API help pages show the Contacts
API (`GET`, `POST`, `PUT v1/Contacts`), and the B2B Dashboard's admin-only view and clicks."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from storegate.sandbox.faults import Fault
from storegate.sandbox.seed import SeedError, load_seed
from storegate.sandbox.server import Sandbox

SYSTEM = "cin7_omni"
VIEW = "/_sandbox/cin7_omni/b2b"


def customer(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "Customer",
        "email": f"buyer{n}@acme.example",
        "firstName": f"B{n}",
        "lastName": "Doe",
        **extra,
    }


@pytest.fixture
def unlimited(sandbox: Sandbox) -> Sandbox:
    """The sandbox with the rate limits off, for tests that are not about them."""
    for name in ("rate_limit_per_second", "rate_limit_per_minute", "rate_limit_per_day"):
        sandbox.settings[SYSTEM][name] = 0
    return sandbox


def _client(sandbox: Sandbox, **kwargs: Any) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=str(sandbox.ca_path)), **kwargs)


@pytest.fixture
def api(unlimited: Sandbox) -> Iterator[httpx.Client]:
    env = unlimited.env
    with _client(
        unlimited,
        base_url=f"{unlimited.url}/api/v1",
        auth=(env["CIN7_API_USERNAME"], env["CIN7_API_KEY"]),
    ) as client:
        yield client


@pytest.fixture
def dashboard(unlimited: Sandbox) -> Iterator[httpx.Client]:
    with _client(unlimited, base_url=f"{unlimited.url}{VIEW}") as client:
        yield client


def create(api: httpx.Client, *contacts: dict[str, Any]) -> list[int]:
    results = api.post("/Contacts", json=list(contacts)).json()
    assert all(r["success"] for r in results), results
    return [r["id"] for r in results]


def tabs(dashboard: httpx.Client) -> dict[str, list[str]]:
    view = dashboard.get("").json()["tabs"]
    return {tab: [row["email"] for row in rows] for tab, rows in view.items()}


def click(dashboard: httpx.Client, action: str, email: str, **extra: Any) -> httpx.Response:
    return dashboard.post(f"/customers/{action}", json={"email": email, **extra})


# ---------------------------------------------------------------- auth and errors


def test_http_basic_is_required_and_a_wrong_key_is_refused(unlimited: Sandbox) -> None:
    with _client(unlimited, base_url=f"{unlimited.url}/api/v1") as anonymous:
        missing = anonymous.get("/Contacts")
        wrong = anonymous.get("/Contacts", auth=(unlimited.env["CIN7_API_USERNAME"], "nope"))
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    assert missing.json() == {"message": "Authorization has been denied for this request."}


def test_env_carries_the_api_connection_and_the_store_view(unlimited: Sandbox) -> None:
    env = unlimited.env
    assert env["CIN7_API_USERNAME"] and len(env["CIN7_API_KEY"]) >= 16
    assert env["CIN7_B2B_VIEW_URL"] == f"{unlimited.url}{VIEW}"
    assert "CIN7_API_KEY" in unlimited.env_path.read_text()


def test_error_body_is_a_setting(unlimited: Sandbox, api: httpx.Client) -> None:
    assert api.get("/Contacts/999").json() == {"message": "No Contact found with Id 999"}
    unlimited.settings[SYSTEM]["error_body"] = "text"
    answer = api.get("/Contacts/999")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text == "No Contact found with Id 999"


# ---------------------------------------------------------------- writes


def test_post_takes_an_array_and_answers_one_result_per_item(api: httpx.Client) -> None:
    answer = api.post(
        "/Contacts",
        json=[
            customer(1),
            {"Type": "Customer", "Email": "BUYER1@acme.example"},  # PascalCase, same email
            {"email": "no-type@acme.example"},
            customer(2, percentageOff=150),
            customer(3, priceColumn="NoSuchColumn"),
            customer(4, priceColumn="WholesalePrice", isActive=False, onHold=True),
        ],
    )
    assert answer.status_code == 200
    results = answer.json()
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r["success"] for r in results] == [True, False, False, False, False, True]
    assert results[0]["id"] == 1 and results[5]["id"] == 2
    assert "already used" in results[1]["errors"][0]
    assert results[2]["errors"] == ["Type is required (Customer or Supplier)"]
    assert "PercentageOff" in results[3]["errors"][0]
    assert "NoSuchColumn" in results[4]["errors"][0]
    fetched = api.get("/Contacts/2").json()
    assert fetched["email"] == "buyer4@acme.example"
    assert (fetched["priceColumn"], fetched["isActive"], fetched["onHold"]) == (
        "WholesalePrice",
        False,
        True,
    )
    assert fetched["createdDate"].endswith("Z") and fetched["balanceOwing"] == 0.0


def test_a_batch_that_is_not_an_array_or_too_large_is_refused(
    unlimited: Sandbox, api: httpx.Client
) -> None:
    assert api.post("/Contacts", json=customer(1)).status_code == 400
    unlimited.settings[SYSTEM]["max_batch"] = 2
    too_many = api.post("/Contacts", json=[customer(n) for n in range(3)])
    assert too_many.status_code == 400 and "At most 2" in too_many.json()["message"]
    assert api.get("/Contacts").json() == []


def test_put_updates_only_what_it_names(api: httpx.Client) -> None:
    first, second = create(api, customer(1, company="ACME", jobTitle="Buyer"), customer(2))
    answer = api.put(
        "/Contacts",
        json=[
            {"id": first, "company": "Acme Industrial", "jobTitle": None, "lastName": ""},
            {"Id": second, "Email": "BUYER1@acme.example"},  # taken by the first
            {"id": 999, "company": "x"},
            {"company": "no id"},
        ],
    )
    results = answer.json()
    assert [r["success"] for r in results] == [True, False, False, False]
    assert results[2]["errors"] == ["No Contact 999"] and results[3]["errors"] == ["Id is required"]
    updated = api.get(f"/Contacts/{first}").json()
    assert (updated["company"], updated["jobTitle"], updated["lastName"]) == (
        "Acme Industrial",
        "Buyer",
        "",
    )
    assert api.get(f"/Contacts/{second}").json()["email"] == "buyer2@acme.example"


def test_an_injected_record_error_fails_only_its_item(
    unlimited: Sandbox, api: httpx.Client
) -> None:
    unlimited.faults.add(Fault(SYSTEM, "record_error", match="buyer2@"))
    results = api.post("/Contacts", json=[customer(1), customer(2), customer(3)]).json()
    assert [r["success"] for r in results] == [True, False, True]


def test_a_dropped_create_still_lands(unlimited: Sandbox, api: httpx.Client) -> None:
    unlimited.settings[SYSTEM]["drop_after_create"] = 1
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/Contacts", json=[customer(1)])
    found = api.get("/Contacts", params={"where": "email='buyer1@acme.example'"}).json()
    assert len(found) == 1


# ---------------------------------------------------------------- reads


def test_list_filters_with_where_and_shapes_with_fields(api: httpx.Client) -> None:
    create(
        api,
        customer(1, company="Acme Industrial", creditLimit=500.0),
        customer(2, company="Acme Labs", isActive=False),
        customer(3, company="Kestrel"),
        {"type": "Supplier", "email": "sales@vendor.example", "company": "Vendor's Ltd"},
    )

    def emails(where: str) -> list[str]:
        rows = api.get("/Contacts", params={"where": where, "fields": "id,email"}).json()
        assert all(set(row) == {"id", "email"} for row in rows)
        return [row["email"] for row in rows]

    assert emails("Email='BUYER1@ACME.EXAMPLE'") == ["buyer1@acme.example"]
    assert emails("isActive=1 AND type='Customer'") == [
        "buyer1@acme.example",
        "buyer3@acme.example",
    ]
    assert emails("IsActive=false") == ["buyer2@acme.example"]
    assert emails("id IN (1, 3)") == ["buyer1@acme.example", "buyer3@acme.example"]
    assert emails("company LIKE 'acme%' AND NOT creditLimit>100") == ["buyer2@acme.example"]
    assert emails("company='Vendor''s Ltd'") == ["sales@vendor.example"]
    assert emails("jobTitle IS NULL AND (type='Supplier' OR id=2)") == [
        "buyer2@acme.example",
        "sales@vendor.example",
    ]
    assert emails("creditLimit IS NOT NULL") == ["buyer1@acme.example"]
    assert api.get("/Contacts", params={"where": "email = "}).status_code == 400
    unknown = api.get("/Contacts", params={"where": "shoeSize=3"})
    assert unknown.status_code == 400 and "shoeSize" in unknown.json()["message"]
    assert api.get("/Contacts", params={"fields": "id,shoeSize"}).status_code == 400


def test_list_pages_with_rows_and_orders(unlimited: Sandbox, api: httpx.Client) -> None:
    create(api, *(customer(n) for n in range(7)))
    pages = [api.get("/Contacts", params={"page": p, "rows": 3}).json() for p in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [3, 3, 1, 0]
    assert [c["id"] for p in pages for c in p] == list(range(1, 8))
    backwards = api.get("/Contacts", params={"order": "Id DESC", "rows": 2}).json()
    assert [c["id"] for c in backwards] == [7, 6]
    by_name = api.get("/Contacts", params={"order": "firstName desc, id", "rows": 1}).json()
    assert by_name[0]["firstName"] == "B6"
    assert api.get("/Contacts", params={"rows": 0}).status_code == 400
    assert api.get("/Contacts", params={"order": "Id SIDEWAYS"}).status_code == 400
    unlimited.settings[SYSTEM]["max_rows"] = 5
    assert len(api.get("/Contacts", params={"rows": 250}).json()) == 5  # clamped
    unlimited.settings[SYSTEM]["rows_above_max"] = "error"
    assert api.get("/Contacts", params={"rows": 250}).status_code == 400
    assert len(api.get("/Contacts").json()) == 5  # no rows: the default, within the maximum


def test_the_response_casing_is_a_setting(unlimited: Sandbox, api: httpx.Client) -> None:
    create(api, customer(1))
    unlimited.settings[SYSTEM]["response_case"] = "pascal"
    row = api.get("/Contacts", params={"fields": "Id,IsActive,PriceColumn"}).json()[0]
    assert row == {"Id": 1, "IsActive": True, "PriceColumn": None}
    result = api.put("/Contacts", json=[{"id": 1, "onHold": True}]).json()[0]
    assert result == {"Index": 0, "Success": True, "Id": 1, "Code": None, "Errors": []}
    assert api.get("/Contacts/9").json() == {"Message": "No Contact found with Id 9"}


# ---------------------------------------------------------------- rate limits


def test_a_spent_window_answers_429_with_retry_after(unlimited: Sandbox, api: httpx.Client) -> None:
    unlimited.settings[SYSTEM]["rate_limit_per_second"] = 2
    answers = [api.get("/Contacts").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    limited = api.get("/Contacts")
    assert limited.headers["Retry-After"] == "1" and "rate limit" in limited.json()["message"]
    time.sleep(1.05)
    assert api.get("/Contacts").status_code == 200


def test_the_daily_limit_asks_for_a_long_wait(unlimited: Sandbox, api: httpx.Client) -> None:
    unlimited.settings[SYSTEM]["rate_limit_per_day"] = 1
    assert api.get("/Contacts").status_code == 200
    limited = api.get("/Contacts")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 80000


def test_the_limit_fault_answers_like_a_spent_window(unlimited: Sandbox, api: httpx.Client) -> None:
    unlimited.faults.add(Fault(SYSTEM, "limit"))
    limited = api.get("/Contacts")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert api.get("/Contacts").status_code == 200


def test_the_default_limits_are_three_a_second(sandbox: Sandbox) -> None:
    settings = sandbox.settings[SYSTEM]
    assert (
        settings["rate_limit_per_second"],
        settings["rate_limit_per_minute"],
        settings["rate_limit_per_day"],
    ) == (3, 60, 5000)


# ---------------------------------------------------------------- the B2B Dashboard


def test_invite_accept_deactivate_reenable(api: httpx.Client, dashboard: httpx.Client) -> None:
    create(api, customer(1), customer(2), {"type": "Supplier", "email": "s@vendor.example"})
    assert tabs(dashboard) == {"current": [], "pending": [], "deactivated": [], "error": []}
    missing = dashboard.post("/invite", json={"email": "nobody@acme.example"})
    assert missing.status_code == 404 and "CRM" in missing.json()["error"]
    assert dashboard.post("/invite", json={"email": "s@vendor.example"}).status_code == 409
    assert dashboard.post("/invite", json={"email": "BUYER1@acme.example"}).json()["tab"] == (
        "pending"
    )
    assert dashboard.post("/invite", json={"contactId": 1}).status_code == 409  # already invited
    assert click(dashboard, "deactivate", "buyer1@acme.example").status_code == 409
    assert click(dashboard, "accept", "buyer1@acme.example").json()["tab"] == "current"
    assert click(dashboard, "deactivate", "buyer1@acme.example").json()["tab"] == "deactivated"
    assert tabs(dashboard)["deactivated"] == ["buyer1@acme.example"]
    assert click(dashboard, "reenable", "buyer1@acme.example").json()["tab"] == "current"
    row = dashboard.get("").json()["tabs"]["current"][0]
    assert row["contactId"] == 1 and (row["firstName"], row["lastName"]) == ("B1", "Doe")
    assert [m["kind"] for m in dashboard.get("/emails").json()] == ["invitation"]
    assert click(dashboard, "fly", "buyer1@acme.example").status_code == 404
    assert click(dashboard, "accept", "nobody@acme.example").status_code == 404


def test_pending_invitations_are_resent_or_cancelled(
    api: httpx.Client, dashboard: httpx.Client
) -> None:
    create(api, customer(1))
    dashboard.post("/invite", json={"email": "buyer1@acme.example"})
    click(dashboard, "resend-invitation", "buyer1@acme.example")
    assert [m["kind"] for m in dashboard.get("/emails").json()] == ["invitation", "invitation"]
    assert click(dashboard, "cancel-invitation", "buyer1@acme.example").json()["tab"] == "cancelled"
    assert tabs(dashboard)["pending"] == []


def test_error_tab_and_clear_errors(api: httpx.Client, dashboard: httpx.Client) -> None:
    create(api, customer(1))
    dashboard.post("/invite", json={"email": "buyer1@acme.example"})
    click(dashboard, "accept", "buyer1@acme.example")
    moved = click(dashboard, "error", "buyer1@acme.example", message="mailbox bounced")
    assert moved.json() == {
        "contactId": 1,
        "email": "buyer1@acme.example",
        "tab": "error",
        "error": "mailbox bounced",
    }
    assert dashboard.post("/clear-errors").json() == {"cleared": 1}
    assert tabs(dashboard)["current"] == ["buyer1@acme.example"]


def _store_with_every_tab(api: httpx.Client, dashboard: httpx.Client) -> None:
    create(api, *(customer(n) for n in range(1, 5)))
    for n in range(1, 5):
        dashboard.post("/invite", json={"contactId": n})
    for n in (1, 3, 4):
        click(dashboard, "accept", f"buyer{n}@acme.example")
    click(dashboard, "deactivate", "buyer3@acme.example")
    click(dashboard, "error", "buyer4@acme.example")
    moved = api.put(
        "/Contacts", json=[{"id": n, "email": f"new{n}@acme.example"} for n in range(1, 5)]
    )
    assert all(r["success"] for r in moved.json())


def test_email_changes_reach_the_store_after_the_delay(
    unlimited: Sandbox, api: httpx.Client, dashboard: httpx.Client
) -> None:
    _store_with_every_tab(api, dashboard)
    before = tabs(dashboard)
    assert before["current"] == ["buyer1@acme.example"]  # the store still has the old login
    unlimited.settings[SYSTEM]["clock_offset_seconds"] = 3601
    after = tabs(dashboard)
    assert after == {
        "current": ["new1@acme.example"],
        "pending": ["new2@acme.example"],
        "deactivated": ["new3@acme.example"],
        "error": ["buyer4@acme.example"],  # the periodic sync leaves the Error tab alone too
    }
    sent = [(m["to"], m["kind"]) for m in dashboard.get("/emails").json()[4:]]
    assert sent == [
        ("buyer1@acme.example", "email_changed"),
        ("new1@acme.example", "email_changed"),
        ("new2@acme.example", "invitation"),  # a pending customer is invited again
    ]  # the deactivated customer gets no email


def test_update_emails_from_crm_works_at_once_except_on_the_error_tab(
    unlimited: Sandbox, api: httpx.Client, dashboard: httpx.Client
) -> None:
    unlimited.settings[SYSTEM]["email_sync_delay_seconds"] = 86400
    _store_with_every_tab(api, dashboard)
    assert dashboard.post("/update-emails").json() == {"updated": 3}
    assert tabs(dashboard) == {
        "current": ["new1@acme.example"],
        "pending": ["new2@acme.example"],
        "deactivated": ["new3@acme.example"],
        "error": ["buyer4@acme.example"],
    }
    assert dashboard.post("/clear-errors").json() == {"cleared": 1}
    assert dashboard.post("/update-emails").json() == {"updated": 1}
    assert tabs(dashboard)["current"] == ["new1@acme.example", "new4@acme.example"]


def test_the_admin_view_is_not_counted_and_needs_no_auth(
    unlimited: Sandbox, api: httpx.Client, dashboard: httpx.Client
) -> None:
    api.get("/Contacts")
    dashboard.get("")
    assert unlimited.calls.snapshot()[SYSTEM] == {"GET Contacts": 1}


# ---------------------------------------------------------------- seeding


def test_seed_loads_contacts_and_store_customers(
    unlimited: Sandbox, dashboard: httpx.Client
) -> None:
    counts = load_seed(
        unlimited.store,
        {
            "cin7_omni": {
                "contacts": [
                    {"Type": "Customer", "Email": "a@acme.example", "FirstName": "A"},
                    {"type": "Customer", "email": "b@acme.example", "priceColumn": "RetailPrice"},
                    {"type": "Supplier", "email": "s@vendor.example"},
                ],
                "b2b_customers": [
                    {"email": "a@acme.example"},
                    {"email": "b@acme.example", "tab": "error", "error": "bounced"},
                ],
            }
        },
    )
    assert counts == {"cin7_omni": {"contacts": 3, "b2b_customers": 2}}
    assert tabs(dashboard)["current"] == ["a@acme.example"]
    assert dashboard.get("").json()["tabs"]["error"][0]["error"] == "bounced"


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"people": []}, "expected a mapping"),
        ({"contacts": [{"email": "x@acme.example"}]}, "Type is required"),
        ({"contacts": [{"type": "Customer", "isActive": "yes"}]}, "IsActive must be true or false"),
        (
            {"contacts": [{"type": "Customer", "email": "a@x.example"}] * 2},
            "already a contact",
        ),
        ({"b2b_customers": [{"email": "ghost@x.example"}]}, "no CRM contact"),
        (
            {
                "contacts": [{"type": "Customer", "email": "a@x.example"}],
                "b2b_customers": [{"email": "a@x.example", "tab": "lost"}],
            },
            "tab must be",
        ),
    ],
)
def test_seed_refuses_bad_records(sandbox: Sandbox, part: Any, message: str) -> None:
    with pytest.raises(SeedError, match=message):
        load_seed(sandbox.store, {"cin7_omni": part})


def test_the_demo_does_recorded_steps_as_a_person_would(
    unlimited: Sandbox, api: httpx.Client, dashboard: httpx.Client
) -> None:
    create(api, customer(1), customer(2))

    def step(kind: str, key: str, **after: Any) -> bool:
        return unlimited.do_manual_step(f'cin7_omni.{kind}["{key}"]', after)

    assert step("customer", "buyer1@acme.example", status="current")
    assert step("customer", "buyer2@acme.example", status="pending")
    assert tabs(dashboard)["pending"] == ["buyer1@acme.example", "buyer2@acme.example"]
    click(dashboard, "accept", "buyer1@acme.example")
    assert step("customer", "buyer1@acme.example", status="deactivated")
    assert step("customer", "buyer2@acme.example", status="deactivated")  # cancels the invitation
    assert tabs(dashboard) == {
        "current": [],
        "pending": [],
        "deactivated": ["buyer1@acme.example"],
        "error": [],
    }
    assert step("customer", "buyer1@acme.example", status="current")
    assert tabs(dashboard)["current"] == ["buyer1@acme.example"]
    api.put("/Contacts", json=[{"id": 1, "email": "new1@acme.example"}])
    assert step("store_email", "new1@acme.example", email="new1@acme.example")
    assert tabs(dashboard)["current"] == ["new1@acme.example"]
    assert not step("customer", "nobody@acme.example", status="current")
    assert not unlimited.do_manual_step('elsewhere.customer["buyer1@acme.example"]', {})
    assert not unlimited.do_manual_step("not an address", {})

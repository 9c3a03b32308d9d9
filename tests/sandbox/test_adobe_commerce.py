"""The Adobe Commerce B2B emulator over real HTTPS, spoken to with plain httpx as Adobe's REST
reference shows: the admin token, companies, company users, roles, credit, searches and errors."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from storegate.sandbox import adobe_commerce
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import SeedError, load_seed
from storegate.sandbox.server import Sandbox

SYSTEM = "adobe_commerce"
ADDRESS = {
    "street": ["100 Big Tree Avenue"],
    "city": "San Francisco",
    "country_id": "US",
    "region": "CA",
    "region_id": "12",
    "postcode": "99999",
    "telephone": "4155551212",
}


def fill(body: dict[str, Any]) -> str:
    """The message with its placeholders filled from `parameters`, as a client shows it."""
    message, params = body["message"], body.get("parameters")
    if isinstance(params, dict):
        for name, value in params.items():
            message = message.replace(f"%{name}", str(value))
    elif isinstance(params, list):
        for index in range(len(params), 0, -1):
            message = message.replace(f"%{index}", str(params[index - 1]))
    return str(message)


def client(sandbox: Sandbox, store: str = "default") -> httpx.Client:
    prefix = f"/rest/{store}/V1" if store else "/rest/V1"
    return httpx.Client(
        base_url=sandbox.url + prefix,
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
    )


def admin_token(http: httpx.Client, sandbox: Sandbox) -> str:
    response = http.post(
        "/integration/admin/token",
        json={
            "username": sandbox.env["ADOBE_COMMERCE_ADMIN_USERNAME"],
            "password": sandbox.env["ADOBE_COMMERCE_ADMIN_PASSWORD"],
        },
    )
    assert response.status_code == 200
    token = response.json()
    assert isinstance(token, str) and response.text == f'"{token}"'
    return token


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with client(sandbox) as http:
        http.headers["Authorization"] = f"Bearer {admin_token(http, sandbox)}"
        yield http


def customer(api: httpx.Client, email: str, **extensions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "firstname": "Mel", "lastname": "Shaw"}
    if extensions:
        body["extension_attributes"] = extensions
    response = api.post("/customers", json={"customer": body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def company(api: httpx.Client, name: str, admin_email: str, **extra: Any) -> dict[str, Any]:
    admin = customer(api, admin_email)
    body = {
        "company_name": name,
        "company_email": admin_email,
        "customer_group_id": 1,
        "super_user_id": admin["id"],
        **ADDRESS,
        **extra,
    }
    response = api.post("/company/", json={"company": body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def search(
    api: httpx.Client, path: str, groups: list[list[tuple[str, str, str]]], **extra: Any
) -> Any:
    params: dict[str, Any] = {}
    for g, group in enumerate(groups):
        for f, (field, value, condition) in enumerate(group):
            base = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params.update(
                {
                    f"{base}[field]": field,
                    f"{base}[value]": value,
                    f"{base}[condition_type]": condition,
                }
            )
    params.update({f"searchCriteria[{k}]": v for k, v in extra.items()})
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- token and auth


def test_admin_token_is_a_bare_json_string_and_opens_every_call(sandbox: Sandbox) -> None:
    with client(sandbox) as http:
        refused = http.get("/company/")
        assert refused.status_code == 401
        assert (
            fill(refused.json())
            == "The consumer isn't authorized to access Magento_Company::index."
        )
        token = admin_token(http, sandbox)
        assert (
            http.get("/company/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )


def test_wrong_password_is_the_sign_in_message(sandbox: Sandbox) -> None:
    with client(sandbox) as http:
        response = http.post(
            "/integration/admin/token",
            json={"username": sandbox.env["ADOBE_COMMERCE_ADMIN_USERNAME"], "password": "nope"},
        )
    assert response.status_code == 401
    assert response.json()["message"].startswith("The account sign-in was incorrect")


def test_tokens_expire_by_lifetime_and_by_the_admin_path(
    sandbox: Sandbox, admin: SandboxAdmin, api: httpx.Client
) -> None:
    assert api.get("/company").status_code == 200
    admin.expire_tokens()
    assert api.get("/company").status_code == 401
    admin.setting(SYSTEM, "token_lifetime_seconds", 0)
    with client(sandbox) as http:
        token = admin_token(http, sandbox)
        response = http.get("/company", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_store_codes_default_all_and_none_are_accepted_others_not(sandbox: Sandbox) -> None:
    for store in ("default", "all", ""):
        with client(sandbox, store) as http:
            token = admin_token(http, sandbox)
            assert (
                http.get("/company", headers={"Authorization": f"Bearer {token}"}).status_code
                == 200
            )
    with client(sandbox, "nowhere") as http:
        response = http.post("/integration/admin/token", json={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "store" in response.json()["message"]


def test_unrouted_paths_answer_magentos_404(api: httpx.Client) -> None:
    response = api.get("/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"message": "Request does not match any route."}


# ---------------------------------------------------------------- customers and company users


def test_customer_with_company_attributes_joins_and_can_be_deactivated(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    created = customer(
        api,
        "buyer@acme.example",
        company_attributes={
            "company_id": acme["id"],
            "status": 1,
            "job_title": "Buyer",
            "telephone": "1",
        },
    )
    attributes = created["extension_attributes"]["company_attributes"]
    assert attributes == {
        "customer_id": created["id"],
        "company_id": acme["id"],
        "status": 1,
        "job_title": "Buyer",
        "telephone": "1",
    }
    body = {
        **created,
        "extension_attributes": {"company_attributes": {"company_id": acme["id"], "status": 0}},
    }
    updated = api.put(f"/customers/{created['id']}", json={"customer": body}).json()
    assert updated["extension_attributes"]["company_attributes"]["status"] == 0
    fetched = api.get(f"/customers/{created['id']}").json()
    assert fetched["extension_attributes"]["company_attributes"]["status"] == 0


def test_customer_is_created_in_no_company_when_the_store_ignores_attributes_on_create(
    admin: SandboxAdmin, api: httpx.Client
) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    admin.setting(SYSTEM, "create_sets_company_attributes", False)
    created = customer(api, "late@acme.example", company_attributes={"company_id": acme["id"]})
    assert created["extension_attributes"]["company_attributes"] == {
        "customer_id": created["id"],
        "company_id": 0,
    }


def test_duplicate_email_and_missing_names_are_400s(api: httpx.Client) -> None:
    customer(api, "mel@acme.example")
    taken = api.post(
        "/customers",
        json={"customer": {"email": "MEL@acme.example", "firstname": "a", "lastname": "b"}},
    )
    assert taken.status_code == 400
    assert "same email address already exists" in taken.json()["message"]
    missing = api.post("/customers", json={"customer": {"email": "x@acme.example"}})
    assert missing.status_code == 400
    body = missing.json()
    assert body["message"] == "One or more input exceptions have occurred."
    assert [fill(e) for e in body["errors"]] == [
        '"firstname" is required. Enter and try again.',
        '"lastname" is required. Enter and try again.',
    ]


def test_customer_404_fills_field_name_and_value(api: httpx.Client) -> None:
    response = api.get("/customers/999")
    assert response.status_code == 404
    assert fill(response.json()) == "No such entity with customerId = 999"


def test_company_attributes_list_by_company_id(api: httpx.Client) -> None:
    first = company(api, "First", "a@first.example")
    second = company(api, "Second", "a@second.example")
    customer(api, "b@first.example", company_attributes={"company_id": first["id"], "status": 0})
    params = {
        "criteria[filterGroups][0][filters][0][field]": "company_id",
        "criteria[filterGroups][0][filters][0][value]": f"{first['id']},{second['id']}",
        "criteria[filterGroups][0][filters][0][conditionType]": "in",
    }
    body = api.get("/customers/companies", params=params).json()
    assert body["total_count"] == 3
    assert sorted((a["company_id"], a["status"]) for a in body["items"]) == [
        (first["id"], 0),
        (first["id"], 1),
        (second["id"], 1),
    ]


# ---------------------------------------------------------------- companies


def test_company_create_makes_admin_member_default_role_and_zero_credit(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example", status=1)
    assert acme["status"] == 1 and acme["extension_attributes"]["use_config_settings"] == 1
    admin = api.get(f"/customers/{acme['super_user_id']}").json()
    assert admin["extension_attributes"]["company_attributes"]["company_id"] == acme["id"]
    assert admin["extension_attributes"]["company_attributes"]["status"] == 1
    roles = search(api, "/company/role", [[("company_id", str(acme["id"]), "eq")]])
    assert [r["role_name"] for r in roles["items"]] == ["Default User"]
    credit = api.get(f"/companyCredits/company/{acme['id']}").json()
    assert credit["credit_limit"] == 0 and credit["company_id"] == acme["id"]


def test_company_without_status_is_pending_approval(api: httpx.Client) -> None:
    assert company(api, "Acme", "admin@acme.example")["status"] == 0


def test_company_required_fields_and_unknown_fields_use_placeholders(api: httpx.Client) -> None:
    admin = customer(api, "admin@acme.example")
    one = api.post(
        "/company",
        json={
            "company": {
                **ADDRESS,
                "company_email": "a@b.c",
                "customer_group_id": 1,
                "super_user_id": admin["id"],
            }
        },
    )
    assert one.status_code == 400
    assert one.json()["parameters"] == {"fieldName": "company_name"}
    assert fill(one.json()) == '"company_name" is required. Enter and try again.'
    unknown = api.post("/company", json={"company": {"company_nmae": "Acme"}})
    assert unknown.status_code == 400
    assert fill(unknown.json()) == (
        'Property "company_nmae" does not have accessor method "getCompanyNmae" in class '
        '"Magento\\Company\\Api\\Data\\CompanyInterface".'
    )
    group = api.post(
        "/company",
        json={
            "company": {
                "company_name": "Acme",
                "company_email": "a@b.c",
                **ADDRESS,
                "customer_group_id": 77,
                "super_user_id": admin["id"],
            }
        },
    )
    assert group.status_code == 404 and fill(group.json()) == "No such entity with id = 77"


def test_company_update_needs_every_required_field_and_keeps_extensions(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example", status=1)
    partial = api.put(f"/company/{acme['id']}", json={"company": {"id": acme["id"], "status": 3}})
    assert partial.status_code == 400
    body = {k: v for k, v in acme.items() if k != "extension_attributes"}
    body.update(
        status=3,
        extension_attributes={
            "salesforce_id": "001SB00000000042AAA",
            "use_config_settings": 0,
            "applicable_payment_method": 2,
            "available_payment_methods": "checkmo,companycredit",
        },
    )
    updated = api.put(f"/company/{acme['id']}", json={"company": body}).json()
    assert updated["status"] == 3
    extensions = updated["extension_attributes"]
    assert extensions["salesforce_id"] == "001SB00000000042AAA"
    assert extensions["available_payment_methods"] == "checkmo,companycredit"
    assert extensions["quote_config"]["is_quote_enabled"] is False


def test_partial_company_update_when_the_store_merges(
    admin: SandboxAdmin, api: httpx.Client
) -> None:
    acme = company(api, "Acme", "admin@acme.example", status=1)
    admin.setting(SYSTEM, "update_requires_all_fields", False)
    response = api.put(f"/company/{acme['id']}", json={"company": {"status": 3}})
    assert response.status_code == 200 and response.json()["company_name"] == "Acme"


def test_unknown_extension_attribute_names_the_extension_class(
    admin: SandboxAdmin, api: httpx.Client
) -> None:
    admin.setting(SYSTEM, "salesforce_id_attribute", "sforce_id")
    acme = company(api, "Acme", "admin@acme.example")
    body = {**acme, "extension_attributes": {"salesforce_id": "001"}}
    response = api.put(f"/company/{acme['id']}", json={"company": body})
    assert response.status_code == 400
    assert (
        response.json()["parameters"][2] == "Magento\\Company\\Api\\Data\\CompanyExtensionInterface"
    )


def test_company_customer_group_moves_its_members(sandbox: Sandbox, api: httpx.Client) -> None:
    adobe_commerce.seed(sandbox.store, {"customer_groups": [{"id": 7, "code": "Wholesale 2026"}]})
    acme = company(api, "Acme", "admin@acme.example")
    body = {k: v for k, v in acme.items() if k != "extension_attributes"} | {"customer_group_id": 7}
    assert api.put(f"/company/{acme['id']}", json={"company": body}).status_code == 200
    assert api.get(f"/customers/{acme['super_user_id']}").json()["group_id"] == 7


def test_company_delete_answers_true_and_deactivates_members(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    buyer = customer(
        api, "b@acme.example", company_attributes={"company_id": acme["id"], "status": 1}
    )
    response = api.delete(f"/company/{acme['id']}")
    assert response.status_code == 200 and response.json() is True
    attributes = api.get(f"/customers/{buyer['id']}").json()["extension_attributes"][
        "company_attributes"
    ]
    assert attributes["company_id"] == 0
    assert api.get(f"/company/{acme['id']}").status_code == 404
    assert api.get(f"/companyCredits/company/{acme['id']}").status_code == 404


# ---------------------------------------------------------------- searches


def test_filter_groups_or_inside_and_across_with_total_count(api: httpx.Client) -> None:
    for name in ("Acme", "Acorn", "Bolt", "Acme West"):
        company(
            api,
            name,
            f"admin@{name.replace(' ', '').lower()}.example",
            status=1 if name != "Bolt" else 3,
        )
    either = search(
        api, "/company", [[("company_name", "Acme", "eq"), ("company_name", "Bolt", "eq")]]
    )
    assert sorted(c["company_name"] for c in either["items"]) == ["Acme", "Bolt"]
    both = search(api, "/company", [[("company_name", "Ac%", "like")], [("status", "1", "eq")]])
    assert sorted(c["company_name"] for c in both["items"]) == ["Acme", "Acme West", "Acorn"]
    assert both["total_count"] == 3
    assert both["search_criteria"]["filter_groups"][0]["filters"][0] == {
        "field": "company_name",
        "value": "Ac%",
        "condition_type": "like",
    }


@pytest.mark.parametrize(
    ("condition", "value", "names"),
    [
        ("in", "Acme,Bolt", ["Acme", "Bolt"]),
        ("nin", "Acme,Bolt", ["Acorn"]),
        ("neq", "Acme", ["Acorn", "Bolt"]),
        ("nlike", "Ac%", ["Bolt"]),
        ("gt", "Acorn", ["Bolt"]),
        ("lteq", "Acorn", ["Acme", "Acorn"]),
        ("finset", "Acme", ["Acme"]),
    ],
)
def test_condition_types(api: httpx.Client, condition: str, value: str, names: list[str]) -> None:
    for name in ("Acme", "Acorn", "Bolt"):
        company(api, name, f"admin@{name.lower()}.example")
    found = search(api, "/company", [[("company_name", value, condition)]])
    assert sorted(c["company_name"] for c in found["items"]) == names


def test_null_notnull_from_to_and_numbers(api: httpx.Client) -> None:
    ids = [
        company(api, n, f"a@{n.lower()}.example", legal_name=("Legal" if n == "B" else None))["id"]
        for n in "ABCD"
    ]
    assert [
        c["company_name"]
        for c in search(api, "/company", [[("legal_name", "", "notnull")]])["items"]
    ] == ["B"]
    assert len(search(api, "/company", [[("legal_name", "", "null")]])["items"]) == 3
    ranged = search(
        api, "/company", [[("entity_id", str(ids[1]), "from")], [("entity_id", str(ids[2]), "to")]]
    )
    assert [c["id"] for c in ranged["items"]] == ids[1:3]


def test_paging_sorting_camel_case_and_clamped_pages(api: httpx.Client) -> None:
    for n in range(5):
        company(api, f"Co {n}", f"a{n}@co.example")
    params = {
        "searchCriteria[sortOrders][0][field]": "company_name",
        "searchCriteria[sortOrders][0][direction]": "DESC",
        "searchCriteria[pageSize]": 2,
        "searchCriteria[currentPage]": 2,
    }
    body = api.get("/company", params=params).json()
    assert [c["company_name"] for c in body["items"]] == ["Co 2", "Co 1"]
    assert body["total_count"] == 5
    past_the_end = api.get("/company", params={**params, "searchCriteria[currentPage]": 9}).json()
    assert [c["company_name"] for c in past_the_end["items"]] == ["Co 0"]


def test_everything_without_page_size_then_input_limits(
    admin: SandboxAdmin, api: httpx.Client
) -> None:
    for n in range(25):
        customer(api, f"c{n}@x.example")
    assert len(search(api, "/customers/search", [])["items"]) == 25
    admin.setting(SYSTEM, "input_limits_enabled", True)
    assert len(search(api, "/customers/search", [])["items"]) == 20
    refused = api.get("/customers/search", params={"searchCriteria[pageSize]": 301})
    assert refused.status_code == 400
    assert fill(refused.json()) == "Maximum SearchCriteria pageSize is 300"


def test_unknown_search_field_and_condition_are_400(api: httpx.Client) -> None:
    bad_field = api.get(
        "/company",
        params={
            "searchCriteria[filter_groups][0][filters][0][field]": "salesforce_id",
            "searchCriteria[filter_groups][0][filters][0][value]": "1",
        },
    )
    assert bad_field.status_code == 400
    assert (
        fill(bad_field.json()) == 'Invalid value of "salesforce_id" provided for the field field.'
    )
    bad_condition = api.get(
        "/company",
        params={
            "searchCriteria[filter_groups][0][filters][0][field]": "status",
            "searchCriteria[filter_groups][0][filters][0][value]": "1",
            "searchCriteria[filter_groups][0][filters][0][condition_type]": "approx",
        },
    )
    assert bad_condition.status_code == 400


# ---------------------------------------------------------------- roles


ROLE = {
    "role_name": "Junior Buyer",
    "permissions": [
        {"resource_id": "Magento_Company::index", "permission": "allow"},
        {"resource_id": "Magento_Sales::all", "permission": "allow"},
        {"resource_id": "Magento_Sales::place_order", "permission": "allow"},
        {"resource_id": "Magento_Sales::payment_account", "permission": "allow"},
        {"resource_id": "Magento_Sales::view_orders_sub", "permission": "deny"},
    ],
}


def test_role_create_lists_every_resource_and_denies_the_rest(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    response = api.post("/company/role", json={"role": {**ROLE, "company_id": acme["id"]}})
    assert response.status_code == 200
    role = response.json()
    allowed = {p["resource_id"] for p in role["permissions"] if p["permission"] == "allow"}
    assert allowed == {
        "Magento_Company::index",
        "Magento_Sales::all",
        "Magento_Sales::place_order",
        "Magento_Sales::payment_account",
    }
    assert len(role["permissions"]) > 20 and all(
        p["role_id"] == role["id"] for p in role["permissions"]
    )
    again = api.post("/company/role", json={"role": {**ROLE, "company_id": acme["id"]}})
    assert again.status_code == 400 and "already exists" in again.json()["message"]


def test_role_update_replaces_permissions(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    role = api.post("/company/role", json={"role": {**ROLE, "company_id": acme["id"]}}).json()
    body = {
        "id": role["id"],
        "permissions": [
            {"resource_id": "Magento_Company::index", "permission": "allow"},
            {"resource_id": "Magento_Company::credit", "permission": "allow"},
        ],
    }
    updated = api.put(f"/company/role/{role['id']}", json={"role": body}).json()
    allowed = {p["resource_id"] for p in updated["permissions"] if p["permission"] == "allow"}
    assert allowed == {"Magento_Company::index", "Magento_Company::credit"}
    assert updated["role_name"] == "Junior Buyer"
    assert api.get(f"/company/role/{role['id']}").json()["permissions"] == updated["permissions"]


def test_bad_resource_and_missing_index_are_refused(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    unknown = {
        "role_name": "X",
        "company_id": acme["id"],
        "permissions": [{"resource_id": "Magento_Nope::x", "permission": "allow"}],
    }
    assert fill(api.post("/company/role", json={"role": unknown}).json()) == (
        'Invalid value of "Magento_Nope::x" provided for the resource_id field.'
    )
    no_index = {
        "role_name": "X",
        "company_id": acme["id"],
        "permissions": [{"resource_id": "Magento_Sales::all", "permission": "allow"}],
    }
    assert api.post("/company/role", json={"role": no_index}).status_code == 400


def test_assign_role_and_read_its_users(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    buyer = customer(
        api, "b@acme.example", company_attributes={"company_id": acme["id"], "status": 1}
    )
    role = api.post("/company/role", json={"role": {**ROLE, "company_id": acme["id"]}}).json()
    assigned = api.put(
        "/company/assignRoles", json={"userId": buyer["id"], "roles": [{"id": role["id"]}]}
    )
    assert assigned.status_code == 200 and assigned.json() is True
    users = api.get(f"/company/role/{role['id']}/users").json()
    assert [u["email"] for u in users] == ["b@acme.example"]
    in_use = api.delete(f"/company/role/{role['id']}")
    assert in_use.status_code == 400 and "users are assigned" in in_use.json()["message"]
    admin = api.put(
        "/company/assignRoles",
        json={"userId": acme["super_user_id"], "roles": [{"id": role["id"]}]},
    )
    assert admin.status_code == 400 and "company admin" in admin.json()["message"]


def test_new_member_gets_the_default_role(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    buyer = customer(api, "b@acme.example", company_attributes={"company_id": acme["id"]})
    roles = search(api, "/company/role", [[("company_id", str(acme["id"]), "eq")]])["items"]
    users = api.get(f"/company/role/{roles[0]['id']}/users").json()
    assert [u["id"] for u in users] == [buyer["id"]]


def test_input_list_limit_applies_to_permissions(admin: SandboxAdmin, api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    admin.setting(SYSTEM, "input_limits_enabled", True)
    admin.setting(SYSTEM, "input_list_limit", 3)
    response = api.post("/company/role", json={"role": {**ROLE, "company_id": acme["id"]}})
    assert response.status_code == 400
    assert fill(response.json()) == 'Maximum items of type "permissions" is 3'


# ---------------------------------------------------------------- credit


def test_credit_limit_balance_and_history(api: httpx.Client) -> None:
    acme = company(api, "Acme", "admin@acme.example")
    credit = api.get(f"/companyCredits/company/{acme['id']}").json()
    updated = api.put(
        f"/companyCredits/{credit['id']}", json={"creditLimit": {"credit_limit": 500}}
    ).json()
    assert updated["credit_limit"] == 500 and updated["available_limit"] == 500
    spent = api.post(
        f"/companyCredits/{credit['id']}/decreaseBalance",
        json={"value": 120, "currency": "USD", "operationType": 3},
    )
    assert spent.json() is True
    assert api.get(f"/companyCredits/{credit['id']}").json()["available_limit"] == 380
    purchase_up = api.post(
        f"/companyCredits/{credit['id']}/increaseBalance",
        json={"value": 1, "currency": "USD", "operationType": 3},
    )
    assert purchase_up.status_code == 400
    history = search(
        api, "/companyCredits/history", [[("company_credit_id", str(credit["id"]), "eq")]]
    )
    assert [h["type"] for h in history["items"]] == [2, 3]
    listed = search(api, "/companyCredits", [[("company_id", str(acme["id"]), "eq")]])
    assert listed["total_count"] == 1


# ---------------------------------------------------------------- counter, faults, seed


def test_calls_are_counted_per_endpoint_and_faults_use_the_error_shape(
    admin: SandboxAdmin, api: httpx.Client
) -> None:
    admin.reset_calls()
    api.get("/company")
    api.get("/company/1")
    admin.fault(system=SYSTEM, kind="status", status=503, path_contains="/company")
    failed = api.get("/company")
    assert failed.status_code == 503 and "Internal Error" in failed.json()["message"]
    assert admin.calls()[SYSTEM] == {"GET /V1/company": 2, "GET /V1/company/{companyId}": 1}


def test_record_error_fault_refuses_one_customer(admin: SandboxAdmin, api: httpx.Client) -> None:
    admin.fault(system=SYSTEM, kind="record_error", match="bad@")
    refused = api.post(
        "/customers",
        json={"customer": {"email": "bad@x.example", "firstname": "a", "lastname": "b"}},
    )
    assert refused.status_code == 400 and "bad@x.example" in fill(refused.json())
    customer(api, "good@x.example")


def test_seed_loads_companies_users_and_roles(sandbox: Sandbox, api: httpx.Client) -> None:
    counts = load_seed(
        sandbox.store,
        {
            SYSTEM: {
                "customer_groups": [{"id": 4, "code": "Wholesale 2026"}],
                "customers": [{"email": "solo@x.example", "firstname": "S", "lastname": "O"}],
                "companies": [
                    {
                        "company_name": "Pinecrest Builders",
                        "salesforce_id": "001SB00000000042AAA",
                        "customer_group": "Wholesale 2026",
                        "payment_methods": ["checkmo", "companycredit"],
                        "super_user": {
                            "email": "boss@pinecrest.example",
                            "firstname": "B",
                            "lastname": "O",
                        },
                        "roles": [{"role_name": "Buyer", "allow": ["Magento_Sales::place_order"]}],
                        "users": [
                            {
                                "email": "u@pinecrest.example",
                                "firstname": "U",
                                "lastname": "S",
                                "role": "Buyer",
                                "status": 0,
                            }
                        ],
                    }
                ],
            }
        },
    )
    assert counts[SYSTEM] == {"customer_groups": 1, "customers": 3, "companies": 1}
    found = search(api, "/company", [[("company_name", "Pinecrest%", "like")]])["items"][0]
    assert found["customer_group_id"] == 4
    assert found["extension_attributes"]["salesforce_id"] == "001SB00000000042AAA"
    roles = search(api, "/company/role", [[("company_id", str(found["id"]), "eq")]])["items"]
    buyer = next(r for r in roles if r["role_name"] == "Buyer")
    users = api.get(f"/company/role/{buyer['id']}/users").json()
    assert users[0]["extension_attributes"]["company_attributes"]["status"] == 0


def test_bad_seed_names_the_record(sandbox: Sandbox) -> None:
    with pytest.raises(SeedError, match=r"adobe_commerce.companies\[0\]: super_user"):
        load_seed(sandbox.store, {SYSTEM: {"companies": [{"company_name": "X"}]}})
    with pytest.raises(SeedError, match="role 'Boss' is not a role"):
        load_seed(
            sandbox.store,
            {
                SYSTEM: {
                    "companies": [
                        {
                            "company_name": "Y",
                            "super_user": {
                                "email": "y@y.example",
                                "firstname": "a",
                                "lastname": "b",
                            },
                            "users": [
                                {
                                    "email": "z@y.example",
                                    "firstname": "a",
                                    "lastname": "b",
                                    "role": "Boss",
                                }
                            ],
                        }
                    ]
                }
            },
        )

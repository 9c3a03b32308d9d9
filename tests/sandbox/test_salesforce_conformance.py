"""Where the emulator once departed from Salesforce (found by an independent client, jsforce):
API versions, the version's resource list, the identity URL, client credentials in the form body,
sObject Collections retrieve by POST body, and MALFORMED_ID for an id of another object."""

from __future__ import annotations

import ssl

import httpx
import pytest
from simple_salesforce import Salesforce

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.salesforce_versions import release_label
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox


def client(sandbox: Sandbox, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(
        base_url=sandbox.url,
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
        headers=headers,
    )


def client_credentials_token(sandbox: Sandbox) -> dict[str, str]:
    with client(sandbox) as anonymous:
        response = anonymous.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.env["SF_CONSUMER_KEY"],
                "client_secret": sandbox.env["SF_CONSUMER_SECRET"],
            },
        )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


# --- versions -----------------------------------------------------------------------------------


def test_release_labels_follow_the_three_releases_a_year() -> None:
    assert release_label(31) == "Summer '14"
    assert release_label(59) == "Winter '24"
    assert release_label(60) == "Spring '24"
    assert release_label(62) == "Winter '25"


def test_the_version_list_needs_no_session_and_spans_the_setting(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    admin.setting("salesforce", "oldest_api_version", "57.0")
    admin.setting("salesforce", "latest_api_version", "60.0")
    with client(sandbox) as anonymous:
        response = anonymous.get("/services/data/")
    assert response.status_code == 200
    assert response.json() == [
        {"label": "Spring '23", "url": "/services/data/v57.0", "version": "57.0"},
        {"label": "Summer '23", "url": "/services/data/v58.0", "version": "58.0"},
        {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"},
        {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"},
    ]


@pytest.mark.parametrize(
    ("version", "status", "code"),
    [
        ("v20.0", 410, "GONE"),  # retired
        ("v30.0", 410, "GONE"),
        ("v99.0", 404, "NOT_FOUND"),  # not released
        ("v59.5", 404, "NOT_FOUND"),  # no such version
        ("59.0", 404, "NOT_FOUND"),
    ],
)
def test_retired_and_unknown_versions_are_refused(
    sandbox: Sandbox, admin: SandboxAdmin, version: str, status: int, code: str
) -> None:
    with client(sandbox, sandbox.env["SF_ACCESS_TOKEN"]) as session:
        response = session.get(f"/services/data/{version}/limits")
        assert response.status_code == status
        assert response.json()[0]["errorCode"] == code
        # Refused before the daily budget is spent...
        assert response.headers["Sforce-Limit-Info"].startswith("api-usage=0/")
    with client(sandbox) as anonymous:
        # ...and before the session is checked.
        assert anonymous.get(f"/services/data/{version}/limits").status_code == status


def test_the_supported_range_is_a_setting(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    with client(sandbox, sandbox.env["SF_ACCESS_TOKEN"]) as session:
        assert session.get("/services/data/v31.0/limits").status_code == 200
        admin.setting("salesforce", "oldest_api_version", "58.0")
        assert session.get("/services/data/v57.0/limits").status_code == 410
        assert session.get("/services/data/v58.0/limits").status_code == 200


def test_latest_names_the_newest_version(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    admin.setting("salesforce", "latest_api_version", "61.0")
    load_seed(sandbox.store, {"salesforce": {"Account": [{"Name": "Acme"}]}})
    with client(sandbox, sandbox.env["SF_ACCESS_TOKEN"]) as session:
        response = session.get(
            "/services/data/latest/query", params={"q": "SELECT Id FROM Account"}
        )
        assert response.status_code == 200
        assert response.json()["records"][0]["attributes"]["url"].startswith(
            "/services/data/v61.0/sobjects/Account/"
        )
        assert session.get("/services/data/v62.0/limits").status_code == 404
    with client(sandbox) as anonymous:
        assert anonymous.get("/services/data/latest/limits").status_code == 401


def test_a_version_lists_its_resources(sandbox: Sandbox) -> None:
    with client(sandbox, sandbox.env["SF_ACCESS_TOKEN"]) as session:
        response = session.get("/services/data/v59.0")
        assert session.get("/services/data/v59.0/").json() == response.json()
    assert response.status_code == 200
    resources = response.json()
    for name in ("sobjects", "query", "queryAll", "limits", "composite"):
        assert resources[name] == f"/services/data/v59.0/{name}"
    assert resources["identity"].startswith(sandbox.url + "/id/00D")
    with client(sandbox) as anonymous:
        assert anonymous.get("/services/data/v59.0").status_code == 401


# --- OAuth and identity -------------------------------------------------------------------------


def test_client_credentials_in_the_form_body_issue_a_working_token(sandbox: Sandbox) -> None:
    issued = client_credentials_token(sandbox)
    with client(sandbox, issued["access_token"]) as session:
        assert session.get("/services/data/v59.0/limits").status_code == 200


def test_wrong_client_secret_in_the_form_body_is_invalid_client(sandbox: Sandbox) -> None:
    with client(sandbox) as anonymous:
        response = anonymous.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.env["SF_CONSUMER_KEY"],
                "client_secret": "not-the-secret",
            },
        )
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"


def test_the_identity_url_of_the_token_response_answers(sandbox: Sandbox) -> None:
    issued = client_credentials_token(sandbox)
    identity_url = issued["id"]
    assert identity_url.startswith(sandbox.url + "/id/")
    with client(sandbox, issued["access_token"]) as session:
        response = session.get(identity_url)
        versioned = session.get(identity_url, params={"version": "59.0"}).json()
    assert response.status_code == 200
    who = response.json()
    org_id, user_id = identity_url.rsplit("/", 2)[1:]
    assert who["id"] == identity_url
    assert who["organization_id"] == org_id and who["user_id"] == user_id
    assert who["username"] == sandbox.env["SF_USERNAME"]
    assert who["urls"]["rest"] == sandbox.url + "/services/data/v{version}/"
    assert versioned["urls"]["query"] == sandbox.url + "/services/data/v59.0/query/"
    with client(sandbox) as anonymous:
        by_param = anonymous.get(identity_url, params={"oauth_token": issued["access_token"]})
        assert by_param.status_code == 200
        assert anonymous.get(identity_url).status_code == 403
    with client(sandbox, issued["access_token"]) as session:
        other_user = identity_url.rsplit("/", 1)[0] + "/005SB0000000009AAA"
        assert session.get(other_user).status_code == 404


# --- sObject Collections ------------------------------------------------------------------------


def seed_two(sandbox: Sandbox) -> tuple[str, str]:
    load_seed(
        sandbox.store,
        {
            "salesforce": {
                "Account": [{"Name": "Acme"}],
                "Contact": [{"LastName": "Doe", "Email": "doe@acme.example", "Account": "Acme"}],
            }
        },
    )
    account = sandbox.store.list("salesforce", "Account")[0]["Id"]
    contact = sandbox.store.list("salesforce", "Contact")[0]["Id"]
    return account, contact


def test_collections_retrieve_by_post_body(
    sandbox: Sandbox, http: httpx.Client, admin: SandboxAdmin
) -> None:
    _, contact = seed_two(sandbox)
    missing = "003SB0000000zzzAAA"
    response = http.post(
        "/composite/sobjects/Contact",
        json={"ids": [contact, contact[:15], missing], "fields": ["lastname", "Email"]},
    )
    assert response.status_code == 200
    first, short, absent = response.json()
    assert first == short
    assert first["attributes"]["type"] == "Contact"
    assert first["attributes"]["url"].endswith(f"/sobjects/Contact/{contact}")
    assert first["LastName"] == "Doe" and first["Email"] == "doe@acme.example"
    assert absent is None
    assert admin.calls()["salesforce"]["POST composite/sobjects/{type}"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"fields": ["Id"]}, 400, "JSON_PARSER_ERROR"),
        ({"ids": ["003SB0000000001AAA"]}, 400, "JSON_PARSER_ERROR"),
        ({"ids": ["003SB0000000001AAA"], "fields": ["Nope"]}, 400, "INVALID_FIELD"),
        ({"ids": ["003SB0000000001AAA"] * 2001, "fields": ["Id"]}, 400, "EXCEEDED_ID_LIMIT"),
    ],
)
def test_collections_retrieve_by_post_body_refusals(
    sandbox: Sandbox, http: httpx.Client, body: dict[str, object], status: int, code: str
) -> None:
    response = http.post("/composite/sobjects/Contact", json=body)
    assert response.status_code == status
    assert response.json()[0]["errorCode"] == code


def test_an_account_id_in_a_contact_update_is_malformed_id_on_field_id(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    account, contact = seed_two(sandbox)
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, "Id": account, "LastName": "X"},
                {"attributes": {"type": "Contact"}, "Id": contact, "LastName": "Roe"},
            ],
        },
    )
    assert results[0]["success"] is False
    assert results[0]["errors"] == [
        {
            "statusCode": "MALFORMED_ID",
            "message": f"Contact ID: id value of incorrect type: {account}",
            "fields": ["Id"],
        }
    ]
    assert results[1] == {"id": contact, "success": True, "errors": []}

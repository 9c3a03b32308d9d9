"""sObject Collections upsert by external ID, and adding an org's External ID field to describe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from simple_salesforce import Salesforce

from storegate.sandbox.admin import SandboxAdmin

KEY = "Storegate_Key__c"
UPSERT = f"composite/sobjects/Contact/{KEY}"


@pytest.fixture
def keyed(admin: SandboxAdmin, sf: Salesforce) -> str:
    """The org with a Contact External ID field, and one account to hang contacts on."""
    admin.salesforce_describe("Contact", KEY, add={"type": "string", "externalId": True})
    account: dict[str, Any] = sf.Account.create({"Name": "Keyed Co"})  # type: ignore[operator]
    return str(account["id"])


def contact(key: str, account_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "attributes": {"type": "Contact"},
        KEY: key,
        "Email": key,
        "LastName": key.split("@")[0],
        "AccountId": account_id,
        **fields,
    }


def upsert(http: httpx.Client, records: list[dict[str, Any]], **body: Any) -> httpx.Response:
    return http.patch(UPSERT, json={"allOrNone": False, "records": records, **body})


def test_added_field_is_described_as_an_external_id(keyed: str, sf: Salesforce) -> None:
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields[KEY]["externalId"] is True and fields[KEY]["idLookup"] is True
    assert fields[KEY]["custom"] is True and fields[KEY]["updateable"] is True
    assert fields["Email"]["externalId"] is False


def test_adding_a_field_twice_or_with_a_bad_name_is_refused(
    keyed: str, admin: SandboxAdmin
) -> None:
    with pytest.raises(RuntimeError, match="exists already"):
        admin.salesforce_describe("Contact", KEY, add={"type": "string"})
    with pytest.raises(RuntimeError, match="custom field API name"):
        admin.salesforce_describe("Contact", "Plain", add={"type": "string"})


def test_reset_removes_the_added_field(keyed: str, admin: SandboxAdmin, sf: Salesforce) -> None:
    admin.reset()
    assert KEY not in {f["name"] for f in sf.Contact.describe()["fields"]}


def test_upsert_creates_then_updates_the_same_record(keyed: str, http: httpx.Client) -> None:
    first = upsert(http, [contact("ann@keyed.example", keyed, FirstName="Ann")])
    assert first.status_code == 200
    [created] = first.json()
    assert created["success"] is True and created["created"] is True and created["errors"] == []
    again = upsert(http, [contact("ANN@keyed.example", keyed, FirstName="Anne")])
    [updated] = again.json()
    assert updated == {"id": created["id"], "success": True, "errors": [], "created": False}
    found = http.get(
        "query", params={"q": f"SELECT Id, FirstName FROM Contact WHERE {KEY} != null"}
    )
    assert [(r["Id"], r["FirstName"]) for r in found.json()["records"]] == [(created["id"], "Anne")]


def test_upsert_results_keep_request_order_and_fail_only_the_bad_record(
    keyed: str, http: httpx.Client
) -> None:
    results = upsert(
        http,
        [
            contact("a@keyed.example", keyed),
            {"attributes": {"type": "Contact"}, "LastName": "NoKey"},
            contact("b@keyed.example", keyed, AccountId="001SB0000000ZZZZZZ"),
            contact("c@keyed.example", keyed),
        ],
    ).json()
    assert [r["success"] for r in results] == [True, False, False, True]
    assert results[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert results[2]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_same_key_twice_in_one_request_writes_neither(keyed: str, http: httpx.Client) -> None:
    results = upsert(http, [contact("d@keyed.example", keyed), contact("D@keyed.example", keyed)])
    assert [r["errors"][0]["statusCode"] for r in results.json()] == ["DUPLICATE_EXTERNAL_ID"] * 2


def test_several_matches_fail_with_duplicate_external_id(keyed: str, http: httpx.Client) -> None:
    for _ in range(2):  # plain creates do not enforce uniqueness on this field
        http.post("sobjects/Contact", json=contact("e@keyed.example", keyed)).raise_for_status()
    [result] = upsert(http, [contact("e@keyed.example", keyed)]).json()
    assert result["success"] is False
    assert result["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"


def test_all_or_none_rolls_back_the_valid_records(keyed: str, http: httpx.Client) -> None:
    results = upsert(
        http,
        [contact("f@keyed.example", keyed), {"attributes": {"type": "Contact"}, "LastName": "x"}],
        allOrNone=True,
    ).json()
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    count = http.get("query", params={"q": "SELECT COUNT() FROM Contact"}).json()["totalSize"]
    assert count == 0


@pytest.mark.parametrize("field", ["Email", "Nope__c"])
def test_a_field_that_is_not_an_external_id_answers_404(
    keyed: str, http: httpx.Client, field: str
) -> None:
    response = http.patch(
        f"composite/sobjects/Contact/{field}",
        json={"records": [contact("g@keyed.example", keyed)]},
    )
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_records_of_another_type_or_with_an_id_are_refused(keyed: str, http: httpx.Client) -> None:
    wrong_type = upsert(http, [{"attributes": {"type": "Account"}, KEY: "x", "Name": "x"}])
    assert wrong_type.status_code == 400
    assert wrong_type.json()[0]["errorCode"] == "INVALID_TYPE"
    [with_id] = upsert(http, [contact("h@keyed.example", keyed, Id="003SB0000000000AAA")]).json()
    assert with_id["errors"][0]["statusCode"] == "INVALID_FIELD"


def test_upsert_is_counted_under_its_endpoint(
    keyed: str, http: httpx.Client, admin: SandboxAdmin
) -> None:
    admin.reset_calls()
    upsert(http, [contact("i@keyed.example", keyed)])
    assert admin.calls()["salesforce"] == {"PATCH composite/sobjects/{type}/{field}": 1}

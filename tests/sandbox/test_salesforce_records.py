"""sObject create/get/update/delete and sObject Collections, with Salesforce's validations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from storegate.sandbox.admin import SandboxAdmin


def contact(last: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Contact"}, "LastName": last, **fields}


def error_code(exc: pytest.ExceptionInfo[SalesforceMalformedRequest]) -> str:
    return str(exc.value.content[0]["errorCode"])


def test_create_get_update_delete(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Acme", "s_c__Tax_Entity_Code__c": "EXEMPT-NY"})
    assert account["success"] is True and account["errors"] == []
    assert account["id"].startswith("001") and len(account["id"]) == 18
    created = sf.Contact.create(
        {
            "FirstName": "Jane",
            "LastName": "Doe",
            "Email": "jane@acme.example",
            "AccountId": account["id"],
        }
    )
    fetched = sf.Contact.get(created["id"])
    assert fetched["Name"] == "Jane Doe"
    assert fetched["Contact_Status__c"] == "Active"  # picklist default
    assert fetched["eCommerce__c"] is False
    assert fetched["CreatedDate"].endswith("+0000")
    assert sf.Account.get(account["id"])["s_c__Active__c"] is True

    assert (
        sf.Contact.update(
            created["id"], {"eCommerce__c": True, "eCommerce_Access_Date_Stamp__c": "2026-01-02"}
        )
        == 204
    )
    some = sf.Contact.get(
        created["id"], params={"fields": "eCommerce__c,eCommerce_Access_Date_Stamp__c"}
    )
    assert {k: v for k, v in some.items() if k != "attributes"} == {
        "eCommerce__c": True,
        "eCommerce_Access_Date_Stamp__c": "2026-01-02",
    }
    assert sf.Contact.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(created["id"])
    with pytest.raises(SalesforceResourceNotFound) as gone:
        sf.Contact.delete(created["id"])
    assert gone.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Id": "003SB0000000001AAA", "LastName": "X"}, "INVALID_FIELD"),
        ({"LastName": "X", "Favourite_Colour__c": "red"}, "INVALID_FIELD"),
        ({"LastName": "X", "Name": "Full"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"FirstName": "NoLast"}, "REQUIRED_FIELD_MISSING"),
        ({"LastName": "X", "eCommerce__c": "yes"}, "JSON_PARSER_ERROR"),
        (
            {"LastName": "X", "eCommerce_Access_Date_Stamp__c": "yesterday"},
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
        ),
        ({"LastName": "X", "AccountId": "001SB0000000099AAA"}, "INVALID_CROSS_REFERENCE_KEY"),
        ({"LastName": "X", "AccountId": "nope"}, "MALFORMED_ID"),
        ({"LastName": "X", "Contact_Status__c": "Gone"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"LastName": "X", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS"),
        ({"LastName": "X" * 81}, "STRING_TOO_LONG"),
    ],
)
def test_create_validation_errors(sf: Salesforce, body: dict[str, Any], code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create(body)
    assert error_code(caught) == code


def test_update_validation(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Acme"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.update(account, {"s_c__Account_Credit_Balance__c": 5})
    assert error_code(caught) == "INVALID_FIELD_FOR_INSERT_UPDATE"
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.Account.update(account, {"Name": None})
    assert error_code(missing) == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as price_book:
        sf.Account.update(account, {"s_c__Pricebook_Id__c": "01sSB0000000077AAA"})
    assert error_code(price_book) == "INVALID_CROSS_REFERENCE_KEY"
    book = sf.Pricebook2.create({"Name": "Wholesale"})["id"]
    membership = sf.s_c__Membership__c.create({"Name": "Gold"})["id"]
    assert membership.startswith("a0M") and book.startswith("01s")
    sf.Account.update(account, {"s_c__Pricebook_Id__c": book, "s_c__Membership_Id__c": membership})
    linked = sf.query("SELECT s_c__Pricebook_Id__r.Name, s_c__Membership_Id__r.Name FROM Account")[
        "records"
    ][0]
    assert linked["s_c__Pricebook_Id__r"]["Name"] == "Wholesale"
    assert linked["s_c__Membership_Id__r"]["Name"] == "Gold"


def test_update_of_missing_record_is_404(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.update("003SB0000000099AAA", {"LastName": "X"})


def test_collection_create_partial_failure_in_request_order(sf: Salesforce) -> None:
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [contact("A"), contact("B", Bogus__c=1), contact("C")],
        },
    )
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert "errorCode" not in results[1]["errors"][0]
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 2


def test_collection_all_or_none_rolls_back(sf: Salesforce) -> None:
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": True, "records": [contact("A"), contact("")]},
    )
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_collection_of_200_passes_and_201_is_refused(sf: Salesforce) -> None:
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [contact(f"C{i}") for i in range(200)]},
    )
    assert len(results) == 200 and all(r["success"] for r in results)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful(
            "composite/sobjects",
            method="POST",
            json={"records": [contact(f"D{i}") for i in range(201)]},
        )
    assert error_code(caught) == "EXCEEDED_ID_LIMIT"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 200


def test_collection_update_and_delete(sf: Salesforce) -> None:
    created = sf.restful(
        "composite/sobjects", method="POST", json={"records": [contact("A"), contact("B")]}
    )
    a, b = (r["id"] for r in created)
    updated = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, "id": a, "eCommerce__c": True},
                {"attributes": {"type": "Contact"}, "id": b, "AccountId": "001SB0000000042AAA"},
                {"attributes": {"type": "Contact"}, "eCommerce__c": True},
            ],
        },
    )
    assert [(r.get("id"), r["success"]) for r in updated] == [(a, True), (b, False), (None, False)]
    assert updated[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert updated[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert sf.Contact.get(a)["eCommerce__c"] is True

    refused = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{a},003SB0000000099AAA", "allOrNone": "true"},
    )
    assert [r["success"] for r in refused] == [False, False]
    assert refused[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 2
    deleted = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": f"{a},{b}", "allOrNone": "false"}
    )
    assert [(r["id"], r["success"]) for r in deleted] == [(a, True), (b, True)]
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_collection_without_type_is_refused(http: httpx.Client) -> None:
    response = http.post("/composite/sobjects", json={"records": [{"LastName": "X"}]})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_TYPE"


def test_collection_retrieve(sf: Salesforce) -> None:
    a = sf.Contact.create({"LastName": "A", "Email": "a@x.example"})["id"]
    rows = sf.restful(
        "composite/sobjects/Contact",
        params={"ids": f"{a},003SB0000000099AAA", "fields": "Email"},
    )
    assert rows[0]["Email"] == "a@x.example" and rows[1] is None


def test_record_error_fault_fails_matching_records_only(
    sf: Salesforce, admin: SandboxAdmin
) -> None:
    admin.fault(system="salesforce", kind="record_error", match="blocked@", count=-1)
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                contact("Ok", Email="fine@x.example"),
                contact("No", Email="BLOCKED@x.example"),
            ]
        },
    )
    assert [r["success"] for r in results] == [True, False]
    assert results[1]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    with pytest.raises(SalesforceMalformedRequest) as single:
        sf.Contact.create({"LastName": "Again", "Email": "blocked@y.example"})
    assert error_code(single) == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    admin.clear_faults()
    assert sf.Contact.create({"LastName": "Again", "Email": "blocked@y.example"})["success"]


def test_field_names_are_case_insensitive(sf: Salesforce) -> None:
    created = sf.contact.create({"lastname": "Lower", "ECOMMERCE__C": True})
    fetched = sf.Contact.get(created["id"])
    assert fetched["LastName"] == "Lower" and fetched["eCommerce__c"] is True

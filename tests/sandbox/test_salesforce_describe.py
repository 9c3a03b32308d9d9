"""Describe: the StoreConnect and CPQ eCommerce schema, and its alteration for mismatch tests."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest

from storegate.sandbox.admin import SandboxAdmin


def fields_of(sf: Salesforce, name: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in getattr(sf, name).describe()["fields"]}


def test_global_describe_lists_the_objects(sf: Salesforce) -> None:
    described = {o["name"]: o for o in sf.describe()["sobjects"]}
    assert {"Account", "Contact", "Pricebook2", "s_c__Membership__c"} <= set(described)
    assert described["Contact"]["keyPrefix"] == "003"
    assert described["s_c__Membership__c"]["custom"] is True


def test_contact_fields(sf: Salesforce) -> None:
    fields = fields_of(sf, "Contact")
    assert fields["eCommerce__c"]["type"] == "boolean"
    assert fields["eCommerce__c"]["label"] == "eCommerce"
    assert fields["eCommerce_Access_Date_Stamp__c"]["type"] == "date"
    assert fields["eCommerce_User_ID__c"]["length"] == 255
    assert fields["eCommerce_Customer_ID__c"]["label"] == "eCommerce Customer ID"
    status = fields["Contact_Status__c"]
    assert status["type"] == "picklist" and status["defaultValue"] == "Active"
    assert [v["value"] for v in status["picklistValues"]] == ["Active", "Deactivated"]
    assert (
        fields["s_c__Can_Purchase_For_Account__c"]["label"] == "Authorised to purchase for Account"
    )
    assert fields["s_c__Invitation_Accepted_At__c"]["type"] == "datetime"
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert fields["AccountId"]["relationshipName"] == "Account"
    assert fields["Name"]["updateable"] is False
    for name in ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "Email"):
        assert name in fields


def test_account_fields(sf: Salesforce) -> None:
    fields = fields_of(sf, "Account")
    book = fields["s_c__Pricebook_Id__c"]
    assert (book["type"], book["referenceTo"], book["relationshipName"]) == (
        "reference",
        ["Pricebook2"],
        "s_c__Pricebook_Id__r",
    )
    assert fields["s_c__Membership_Id__c"]["referenceTo"] == ["s_c__Membership__c"]
    assert fields["s_c__Active__c"]["defaultValue"] is True
    assert fields["s_c__Account_Credit_Balance__c"]["updateable"] is False
    for name in (
        "s_c__Credit_Hold__c",
        "s_c__Display_Name__c",
        "s_c__Brand__c",
        "s_c__Pay_By_Account__c",
        "s_c__Tax_Entity_Code__c",
        "s_c__Supplier__c",
        "s_c__Supplier_Notes__c",
        "s_c__Is_Business__c",
        "s_c__Subdomain__c",
        "s_c__Account_Points_Balance__c",
    ):
        assert fields[name]["custom"] is True


def test_altered_describe_is_enforced_and_reset(sf: Salesforce, admin: SandboxAdmin) -> None:
    admin.salesforce_describe("Contact", "eCommerce_User_ID__c", remove=True)
    admin.salesforce_describe("Contact", "eCommerce__c", updateable=False)
    fields = fields_of(sf, "Contact")
    assert "eCommerce_User_ID__c" not in fields
    assert fields["eCommerce__c"]["updateable"] is False
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.query("SELECT eCommerce_User_ID__c FROM Contact")
    assert unknown.value.content[0]["errorCode"] == "INVALID_FIELD"
    created = sf.Contact.create({"LastName": "X"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as read_only:
        sf.Contact.update(created, {"eCommerce__c": True})
    assert read_only.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    admin.reset()
    assert "eCommerce_User_ID__c" in fields_of(sf, "Contact")


def test_altering_an_unknown_field_is_refused(admin: SandboxAdmin) -> None:
    with pytest.raises(RuntimeError, match="unknown field"):
        admin.salesforce_describe("Contact", "Nope__c", remove=True)


def test_unknown_object_is_404(sf: Salesforce) -> None:
    with pytest.raises(Exception) as caught:
        sf.Widget__c.describe()
    assert getattr(caught.value, "status", None) == 404


def test_injected_5xx_and_drop_reach_simple_salesforce(sf: Salesforce, admin: SandboxAdmin) -> None:
    admin.fault(system="salesforce", kind="status", status=503)
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.Contact.describe()
    assert caught.value.status == 503
    admin.fault(system="salesforce", kind="drop", path_contains="/describe")
    with pytest.raises(requests.ConnectionError):
        sf.Contact.describe()
    assert sf.Contact.describe()["name"] == "Contact"
    assert admin.calls()["salesforce"]["GET sobjects/{type}/describe"] == 3

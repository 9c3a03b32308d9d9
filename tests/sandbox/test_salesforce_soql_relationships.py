"""SOQL relationship queries: parent fields several levels up and parent-to-child subqueries."""

from __future__ import annotations

import httpx
from simple_salesforce import Salesforce

from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox


def seed_tree(sandbox: Sandbox) -> None:
    load_seed(
        sandbox.store,
        {
            "salesforce": {
                "Pricebook2": [{"Name": "Wholesale 2026"}],
                "s_c__Membership__c": [{"Name": "Gold"}],
                "Account": [
                    {
                        "Name": "Acme Industrial",
                        "s_c__Pricebook_Id__c": "Wholesale 2026",
                        "s_c__Membership_Id__c": "Gold",
                    },
                    {"Name": "Beta Co"},
                    {"Name": "Empty Ltd"},
                ],
                "Contact": [
                    {"LastName": "Zed", "Email": "zed@acme.example", "Account": "Acme Industrial"},
                    {"LastName": "Doe", "Email": "doe@acme.example", "Account": "Acme Industrial"},
                    {"LastName": "Moe", "Email": None, "Account": "Acme Industrial"},
                    {"LastName": "Bo", "Email": "bo@beta.example", "Account": "Beta Co"},
                    {"LastName": "Loner", "Email": "loner@nowhere.example"},
                ],
            }
        },
    )


def test_parent_fields_two_levels_up_nest_under_each_relationship(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    seed_tree(sandbox)
    result = sf.query(
        "SELECT LastName, Account.Name, Account.s_c__Pricebook_Id__r.Name, "
        "Account.s_c__Membership_Id__r.Name FROM Contact "
        "WHERE Account.s_c__Pricebook_Id__r.Name = 'wholesale 2026' ORDER BY LastName"
    )
    assert [r["LastName"] for r in result["records"]] == ["Doe", "Moe", "Zed"]
    account = result["records"][0]["Account"]
    assert account["attributes"]["type"] == "Account"
    assert account["Name"] == "Acme Industrial"
    assert account["s_c__Pricebook_Id__r"]["attributes"]["type"] == "Pricebook2"
    assert account["s_c__Pricebook_Id__r"]["Name"] == "Wholesale 2026"
    assert account["s_c__Membership_Id__r"]["Name"] == "Gold"


def test_an_empty_lookup_on_the_way_renders_null_at_that_level(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    seed_tree(sandbox)
    records = sf.query(
        "SELECT LastName, Account.s_c__Pricebook_Id__r.Name FROM Contact "
        "WHERE LastName IN ('Bo', 'Loner') ORDER BY Account.s_c__Pricebook_Id__r.Name, LastName"
    )["records"]
    by_name = {r["LastName"]: r for r in records}
    assert by_name["Bo"]["Account"]["s_c__Pricebook_Id__r"] is None  # Beta Co has no price book
    assert by_name["Loner"]["Account"] is None  # no account at all


def test_a_bad_relationship_on_the_way_is_invalid_field(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    seed_tree(sandbox)
    response = http.get("/query", params={"q": "SELECT Account.Nope__r.Name FROM Contact"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "Nope__r" in response.json()[0]["message"]


def test_parent_to_child_subquery_nests_each_accounts_contacts(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    seed_tree(sandbox)
    records = sf.query(
        "SELECT Name, (SELECT LastName, Email FROM Contacts WHERE Email != null "
        "ORDER BY LastName) FROM Account ORDER BY Name"
    )["records"]
    assert [r["Name"] for r in records] == ["Acme Industrial", "Beta Co", "Empty Ltd"]
    acme, beta, empty = records
    assert acme["Contacts"]["totalSize"] == 2 and acme["Contacts"]["done"] is True
    assert [c["LastName"] for c in acme["Contacts"]["records"]] == ["Doe", "Zed"]
    assert acme["Contacts"]["records"][0]["attributes"]["type"] == "Contact"
    assert [c["LastName"] for c in beta["Contacts"]["records"]] == ["Bo"]
    assert empty["Contacts"] is None  # no child rows: null, as Salesforce renders it


def test_subquery_limit_applies_per_parent_and_may_reach_up(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    seed_tree(sandbox)
    [acme] = sf.query(
        "SELECT Id, (SELECT LastName, Account.Name FROM Contacts ORDER BY LastName DESC LIMIT 1) "
        "FROM Account WHERE Name = 'Acme Industrial'"
    )["records"]
    [zed] = acme["Contacts"]["records"]
    assert zed["LastName"] == "Zed"
    assert zed["Account"]["Name"] == "Acme Industrial"


def test_subquery_excludes_deleted_children_unless_query_all(
    sandbox: Sandbox, sf: Salesforce, http: httpx.Client
) -> None:
    seed_tree(sandbox)
    bo = sf.query("SELECT Id FROM Contact WHERE LastName = 'Bo'")["records"][0]["Id"]
    sf.Contact.delete(bo)
    soql = "SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name = 'Beta Co'"
    assert sf.query(soql)["records"][0]["Contacts"] is None
    every = http.get("/queryAll", params={"q": soql}).json()
    assert [c["LastName"] for c in every["records"][0]["Contacts"]["records"]] == ["Bo"]


def test_an_unknown_child_relationship_is_refused(sandbox: Sandbox, http: httpx.Client) -> None:
    response = http.get("/query", params={"q": "SELECT Id, (SELECT Id FROM Contact) FROM Account"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "Contact" in response.json()[0]["message"]

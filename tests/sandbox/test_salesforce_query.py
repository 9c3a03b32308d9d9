"""SOQL over the REST query resource, driven by simple-salesforce and raw httpx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox


def seed_people(sandbox: Sandbox) -> None:
    load_seed(
        sandbox.store,
        {
            "salesforce": {
                "Pricebook2": [{"Name": "Wholesale 2026"}],
                "Account": [
                    {"Name": "Acme Industrial", "s_c__Pricebook_Id__c": "Wholesale 2026"},
                    {"Name": "Beta Co", "s_c__Credit_Hold__c": True},
                ],
                "Contact": [
                    {
                        "FirstName": "Jane",
                        "LastName": "Doe",
                        "Email": "jane.doe@acme.example",
                        "Account": "Acme Industrial",
                        "s_c__Can_Purchase_For_Account__c": True,
                        "eCommerce_Access_Date_Stamp__c": "2025-03-01",
                    },
                    {
                        "FirstName": "O'Brien",
                        "LastName": "Pat",
                        "Email": "pat@acme.example",
                        "Account": "Acme Industrial",
                    },
                    {"LastName": "Loner", "Email": None},
                    {
                        "FirstName": "Bo",
                        "LastName": "100%_sure",
                        "Email": "bo@beta.example",
                        "Account": "Beta Co",
                        "Contact_Status__c": "Deactivated",
                    },
                ],
            }
        },
    )


def names(result: dict[str, Any]) -> list[str]:
    return [r["LastName"] for r in result["records"]]


def test_records_carry_attributes_and_nested_parent_fields(
    sandbox: Sandbox, sf: Salesforce
) -> None:
    seed_people(sandbox)
    result = sf.query(
        "SELECT Id, LastName, Account.Name, Account.s_c__Credit_Hold__c FROM Contact "
        "WHERE Email = 'JANE.DOE@acme.example'"
    )
    assert result["totalSize"] == 1 and result["done"] is True
    [jane] = result["records"]
    assert jane["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v59.0/sobjects/Contact/{jane['Id']}",
    }
    assert jane["Account"]["attributes"]["type"] == "Account"
    assert jane["Account"]["Name"] == "Acme Industrial"
    assert jane["Account"]["s_c__Credit_Hold__c"] is False
    loner = sf.query("SELECT Account.Name FROM Contact WHERE LastName = 'Loner'")["records"][0]
    assert loner["Account"] is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Email != null", ["Doe", "Pat", "100%_sure"]),
        ("Email = null", ["Loner"]),
        ("LastName IN ('Doe', 'loner')", ["Doe", "Loner"]),
        ("LastName NOT IN ('Doe', 'Loner')", ["Pat", "100%_sure"]),
        ("Email LIKE '%@ACME.example'", ["Doe", "Pat"]),
        ("LastName LIKE 'D_e'", ["Doe"]),
        ("LastName LIKE '100\\%\\_%'", ["100%_sure"]),
        ("FirstName = 'O\\'Brien'", ["Pat"]),
        ("NOT (Email LIKE '%acme%') AND Email != null", ["100%_sure"]),
        (
            "(LastName = 'Doe' OR LastName = 'Pat') AND s_c__Can_Purchase_For_Account__c = TRUE",
            ["Doe"],
        ),
        ("Account.Name = 'Beta Co'", ["100%_sure"]),
        ("eCommerce_Access_Date_Stamp__c >= 2025-01-01", ["Doe"]),
        ("eCommerce_Access_Date_Stamp__c < 2025-01-01", []),
        ("CreatedDate > 2020-01-01T00:00:00Z", ["Doe", "Pat", "Loner", "100%_sure"]),
        ("Contact_Status__c = 'Deactivated'", ["100%_sure"]),
    ],
)
def test_where_clauses(sandbox: Sandbox, sf: Salesforce, where: str, expected: list[str]) -> None:
    seed_people(sandbox)
    assert names(sf.query(f"SELECT LastName FROM Contact WHERE {where}")) == expected


def test_injection_attempt_is_just_a_string(sandbox: Sandbox, sf: Salesforce) -> None:
    seed_people(sandbox)
    hostile = "x\\' OR LastName != \\'"
    assert sf.query(f"SELECT Id FROM Contact WHERE Email = '{hostile}'")["totalSize"] == 0
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Id FROM Contact WHERE Email = 'x' OR LastName != ''' ")


def test_order_by_limit_offset_and_count(sandbox: Sandbox, sf: Salesforce) -> None:
    seed_people(sandbox)
    ordered = sf.query("SELECT LastName FROM Contact ORDER BY Email DESC NULLS LAST, LastName")
    assert names(ordered) == ["Pat", "Doe", "100%_sure", "Loner"]
    nulls_first = sf.query("SELECT LastName FROM Contact ORDER BY Email ASC NULLS FIRST LIMIT 2")
    assert names(nulls_first) == ["Loner", "100%_sure"]
    page = sf.query("SELECT LastName FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1")
    assert names(page) == ["Doe", "Loner"]
    counted = sf.query("SELECT COUNT() FROM Contact WHERE Email LIKE '%acme%'")
    assert counted["totalSize"] == 2 and counted["records"] == []


def test_deleted_rows_only_in_query_all(sandbox: Sandbox, sf: Salesforce) -> None:
    seed_people(sandbox)
    doe = sf.query("SELECT Id FROM Contact WHERE LastName = 'Doe'")["records"][0]["Id"]
    sf.Contact.delete(doe)
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 3
    everything = sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)
    assert everything["totalSize"] == 4
    assert {r["Id"]: r["IsDeleted"] for r in everything["records"]}[doe] is True


def test_fifteen_character_ids_match(sandbox: Sandbox, sf: Salesforce) -> None:
    seed_people(sandbox)
    account = sf.query("SELECT Id FROM Account WHERE Name = 'Beta Co'")["records"][0]["Id"]
    result = sf.query(f"SELECT LastName FROM Contact WHERE AccountId = '{account[:15]}'")
    assert names(result) == ["100%_sure"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Nope__c FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE Owner.Name = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE eCommerce__c = 'yes'", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE Email = true", "INVALID_FIELD"),
        ("SELECT Id FROM Contact ORDER BY Nope__c", "INVALID_FIELD"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
        ("SELECT FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE Email = 'a\\qb'", "MALFORMED_QUERY"),
        ("SELECT Id, FROM Contact", "MALFORMED_QUERY"),
        ("DELETE FROM Contact", "MALFORMED_QUERY"),
    ],
)
def test_query_errors(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    assert caught.value.status == 400
    assert caught.value.content[0]["errorCode"] == code


def test_missing_q_is_malformed(http: httpx.Client) -> None:
    response = http.get("/query")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_paging_over_5000_contacts(sandbox: Sandbox, sf: Salesforce, admin: SandboxAdmin) -> None:
    load_seed(
        sandbox.store,
        {"salesforce": {"Contact": [{"LastName": f"P{i:05d}"} for i in range(5000)]}},
    )
    admin.reset_calls()
    everything = sf.query_all("SELECT Id, LastName FROM Contact ORDER BY LastName")
    assert everything["totalSize"] == 5000
    assert [r["LastName"] for r in everything["records"]] == [f"P{i:05d}" for i in range(5000)]
    assert admin.calls()["salesforce"]["GET query"] == 3  # 2000 + 2000 + 1000


def test_paging_with_batch_size_header(sandbox: Sandbox, http: httpx.Client) -> None:
    load_seed(
        sandbox.store, {"salesforce": {"Contact": [{"LastName": f"P{i}"} for i in range(1100)]}}
    )
    headers = {"Sforce-Query-Options": "batchSize=500"}
    first = http.get("/query/", params={"q": "SELECT Id FROM Contact"}, headers=headers).json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (1100, False, 500)
    locator = first["nextRecordsUrl"]
    assert locator.startswith("/services/data/v59.0/query/01g") and locator.endswith("-500")
    seen = len(first["records"])
    page = first
    while not page["done"]:
        page = http.get(sandbox.url + page["nextRecordsUrl"]).json()
        seen += len(page["records"])
    assert seen == 1100 and "nextRecordsUrl" not in page
    tiny = http.get(
        "/query",
        params={"q": "SELECT Id FROM Contact"},
        headers={"Sforce-Query-Options": "batchSize=5"},
    )
    assert len(tiny.json()["records"]) == 200  # Salesforce's minimum batch


def test_unknown_locator(http: httpx.Client) -> None:
    response = http.get("/query/01gSBDEADBEEF00-2000")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"

"""jsforce, Salesforce's most used Node.js client, against the sandbox: OAuth logins (client
credentials and password) over its own HTTP stack, sObject Collections writes, SOQL paging and
relationship queries. Each scenario is a node script in tests/clients/jsforce/ printing JSON.

A Bulk API 2.0 ingest and query through jsforce (`conn.bulk2`) belongs in its own scenario,
tests/clients/jsforce/bulk.mjs, run by its own test here with `jsforce_run("bulk.mjs")`, next to
the Bulk API 2.0 emulator (sandbox/salesforce_bulk.py)."""

from __future__ import annotations

import math

import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.salesforce_auth import ORG_ID, USER_ID
from storegate.sandbox.server import Sandbox
from tests.clients.conftest import JsforceRun

pytestmark = pytest.mark.e2e

CONTACTS = 2300  # more than one 2,000-record query page


def test_jsforce_logs_in_writes_collections_and_pages_queries(
    sandbox: Sandbox, admin: SandboxAdmin, jsforce_run: JsforceRun
) -> None:
    result = jsforce_run("rest.mjs", JSFORCE_CONTACTS=str(CONTACTS))

    # OAuth: both flows, and the identity URL the token response hands out.
    assert result["userId"] == USER_ID and result["organizationId"] == ORG_ID
    assert result["passwordUserId"] == USER_ID
    assert result["identityUsername"] == sandbox.env["SF_USERNAME"]
    assert result["dailyApiMax"] == 15000

    # Collections create in chunks of 200; the one invalid record alone fails.
    assert result["created"] == CONTACTS
    assert result["failed"] == [["INVALID_EMAIL_ADDRESS"]]

    # Paging: a 2,000-record page, then the rest through nextRecordsUrl; autoFetch reads it all.
    assert result["firstPage"] == {"totalSize": CONTACTS, "done": False, "size": 2000}
    assert result["firstRecordAccount"] == "Acme Industrial"
    assert result["secondPage"] == {"done": True, "size": CONTACTS - 2000}
    assert result["autoFetched"] == CONTACTS

    assert result["updated"] == 250
    assert result["wrongType"]["success"] is False
    [error] = result["wrongType"]["errors"]
    assert error["statusCode"] == "MALFORMED_ID" and error["fields"] == ["Id"]

    # Retrieve by POST body: the first three contacts, with the emails the update gave them.
    first_three = sorted(sandbox.store.list("salesforce", "Contact"), key=lambda c: c["LastName"])
    assert result["retrieved"] == [
        {"LastName": c["LastName"], "Email": f"moved.{c['Id']}@acme.example"}
        for c in first_three[:3]
    ]
    assert result["retrievedAllFieldsHaveName"] is True
    assert result["removed"] == 10
    assert result["count"] == CONTACTS - 10
    assert result["children"] == [
        {"name": "Acme Industrial", "contacts": ["Buyer 00000", "Buyer 00002"]},
        {"name": "Beta Co", "contacts": ["Buyer 00001", "Buyer 00003"]},
    ]

    # What jsforce sent, as the sandbox counted it.
    calls = admin.calls()["salesforce"]
    assert calls["POST oauth2/token"] == 2
    assert calls["GET id"] == 1
    assert calls["POST composite/sobjects"] == 1 + math.ceil((CONTACTS + 1) / 200)
    assert calls["PATCH composite/sobjects"] == 2 + 1  # 250 updates, then the wrong-type one
    assert calls["POST composite/sobjects/{type}"] == 2
    assert calls["DELETE composite/sobjects"] == 1
    live = [c for c in sandbox.store.list("salesforce", "Contact") if not c["IsDeleted"]]
    assert len(live) == CONTACTS - 10

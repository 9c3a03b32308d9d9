"""jsforce's Bulk API 2.0 client (`conn.bulk2`) against the sandbox's emulator: an ingest job with
two bad rows, an update job, and query jobs read through Sforce-Locator (tests/clients/jsforce/
bulk.mjs)."""

from __future__ import annotations

import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.clients.conftest import JsforceRun

pytestmark = pytest.mark.e2e

CONTACTS = 1500


def test_jsforce_runs_bulk_ingest_and_query_jobs(
    sandbox: Sandbox, admin: SandboxAdmin, jsforce_run: JsforceRun
) -> None:
    admin.setting("salesforce", "bulk_processing_delay_ms", 50)
    result = jsforce_run("bulk.mjs", JSFORCE_BULK_CONTACTS=str(CONTACTS))

    assert result["created"] == CONTACTS
    assert result["createdFlags"] == ["true"]
    assert result["failedCodes"] == ["INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING"]
    assert result["unprocessed"] == 0
    assert (result["updated"], result["updateFailures"]) == (100, 0)
    assert result["queried"] == 100
    assert result["queriedAccounts"] == ["Acme Industrial"]
    assert result["queriedIds"] == result["updatedIds"]
    assert result["total"] == CONTACTS
    assert result["ingestJobs"] == [
        ["insert", "JobComplete", CONTACTS + 2],
        ["update", "JobComplete", 100],
    ]

    live = [c for c in sandbox.store.list("salesforce", "Contact") if not c["IsDeleted"]]
    assert len(live) == CONTACTS
    assert sum(1 for c in live if c["FirstName"] == "Updated") == 100
    assert sum(1 for c in live if c["s_c__Can_Purchase_For_Account__c"]) == CONTACTS // 2

    calls = admin.calls()["salesforce"]
    assert calls["POST jobs/ingest"] == 2
    assert calls["PUT jobs/ingest/{id}/batches"] == 2
    assert calls["PATCH jobs/ingest/{id}"] == 2
    assert calls["POST jobs/query"] == 2
    assert calls["GET jobs/query/{id}/results"] == 2

"""The Bulk API 2.0 emulator over HTTPS: ingest jobs (insert, update, upsert, delete) with per-row
results, states and polling, query jobs with locator paging, counted calls and faults."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import httpx
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox

SF = "salesforce"
CSV = {"Content-Type": "text/csv"}


@pytest.fixture(autouse=True)
def quick_jobs(admin: SandboxAdmin) -> None:
    admin.setting(SF, "bulk_processing_delay_ms", 20)


def create_job(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/jobs/ingest", json={"contentType": "CSV", **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def run_job(
    http: httpx.Client, obj: str, operation: str, data: str, **extra: Any
) -> dict[str, Any]:
    job = create_job(http, object=obj, operation=operation, **extra)
    assert job["state"] == "Open"
    put = http.put(f"/jobs/ingest/{job['id']}/batches", content=data.encode(), headers=CSV)
    assert put.status_code == 201, put.text
    closed = http.patch(f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert closed.status_code == 200 and closed.json()["state"] == "UploadComplete"
    return wait(http, f"/jobs/ingest/{job['id']}")


def wait(http: httpx.Client, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        info = dict(http.get(path).json())
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            return info
        time.sleep(0.02)
    raise AssertionError(f"{path} did not finish")


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def seed_accounts(http: httpx.Client, *names: str) -> list[str]:
    records = [{"attributes": {"type": "Account"}, "Name": n} for n in names]
    results = http.post("/composite/sobjects", json={"allOrNone": True, "records": records}).json()
    return [r["id"] for r in results]


def query(http: httpx.Client, soql: str) -> list[dict[str, Any]]:
    body = http.get("/query", params={"q": soql}).json()
    return list(body["records"])


def test_insert_applies_good_rows_and_fails_bad_ones_as_rest_would(
    http: httpx.Client, admin: SandboxAdmin
) -> None:
    [account] = seed_accounts(http, "Acme")
    data = (
        "LastName,Email,AccountId,s_c__Can_Purchase_For_Account__c\n"
        f"Doe,jane@acme.example,{account},true\n"
        f"Roe,rick@acme.example,{account[:15]},0\n"
        f",nolast@acme.example,{account},true\n"
        f"Poe,not-an-email,{account},true\n"
        f"Moe,moe@acme.example,{account},maybe\n"
        'Zoe,"zoe,with@acme.example",,\n'
    )
    admin.reset_calls()
    job = run_job(http, "Contact", "insert", data)
    assert job["state"] == "JobComplete"
    assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (6, 3)
    assert job["jobType"] == "V2Ingest" and job["apiVersion"] == 59.0
    done = rows(http.get(f"/jobs/ingest/{job['id']}/successfulResults/"))
    assert [(r["sf__Created"], r["Email"]) for r in done] == [
        ("true", "jane@acme.example"),
        ("true", "rick@acme.example"),
        ("true", "zoe,with@acme.example"),  # a quoted delimiter stays in the value
    ]
    failed = rows(http.get(f"/jobs/ingest/{job['id']}/failedResults/"))
    codes = {r["Email"]: r["sf__Error"].split(":")[0] for r in failed}
    assert codes == {
        "nolast@acme.example": "REQUIRED_FIELD_MISSING",
        "not-an-email": "INVALID_EMAIL_ADDRESS",
        "moe@acme.example": "INVALID_TYPE_ON_FIELD_IN_RECORD",
    }
    assert all(r["sf__Id"] == "" for r in failed)
    live = query(http, "SELECT Id, Email, AccountId, s_c__Can_Purchase_For_Account__c FROM Contact")
    assert {(r["Id"], r["Email"], r["AccountId"]) for r in live} == {
        (done[0]["sf__Id"], "jane@acme.example", account),
        (done[1]["sf__Id"], "rick@acme.example", account),
        (done[2]["sf__Id"], "zoe,with@acme.example", None),
    }
    assert sorted(r["s_c__Can_Purchase_For_Account__c"] for r in live) == [False, False, True]
    calls = admin.calls()[SF]
    assert calls["POST jobs/ingest"] == 1
    assert calls["PUT jobs/ingest/{id}/batches"] == 1
    assert calls["PATCH jobs/ingest/{id}"] == 1
    assert calls["GET jobs/ingest/{id}"] >= 1


def test_states_move_only_after_close_and_a_delay(http: httpx.Client, admin: SandboxAdmin) -> None:
    admin.setting(SF, "bulk_processing_delay_ms", 400)
    job = create_job(http, object="Account", operation="insert", lineEnding="CRLF")
    path = f"/jobs/ingest/{job['id']}"
    assert job["contentUrl"] == f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
    http.put(f"{path}/batches", content=b"Name\r\nA\r\nB\r\n", headers=CSV)
    assert http.get(path).json()["state"] == "Open"
    assert http.patch(path, json={"state": "UploadComplete"}).json()["state"] == "UploadComplete"
    assert http.get(path).json()["state"] == "UploadComplete"
    assert http.put(f"{path}/batches", content=b"Name\r\nC\r\n", headers=CSV).status_code == 409
    done = wait(http, path)
    assert (done["state"], done["numberRecordsProcessed"]) == ("JobComplete", 2)
    assert len(query(http, "SELECT Id FROM Account")) == 2


def test_update_upsert_and_delete(http: httpx.Client) -> None:
    first, second = seed_accounts(http, "Acme", "Beta")
    data = (
        "Id,s_c__Tax_Entity_Code__c,s_c__Display_Name__c\n"
        f"{first},EXEMPT,#N/A\n"
        f"{second},,Beta Shop\n"
        "001SB0000000zzzAAA,X,Y\n"
        f"{first.replace('001', '003')},X,Y\n"
    )
    http.patch(f"/sobjects/Account/{first}", json={"s_c__Display_Name__c": "Acme Shop"})
    job = run_job(http, "Account", "update", data)
    assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (4, 2)
    [acme] = query(
        http,
        f"SELECT s_c__Tax_Entity_Code__c, s_c__Display_Name__c FROM Account WHERE Id = '{first}'",
    )
    assert (acme["s_c__Tax_Entity_Code__c"], acme["s_c__Display_Name__c"]) == ("EXEMPT", None)
    [beta] = query(http, f"SELECT s_c__Display_Name__c FROM Account WHERE Id = '{second}'")
    assert beta["s_c__Display_Name__c"] == "Beta Shop"
    failed = rows(http.get(f"/jobs/ingest/{job['id']}/failedResults"))
    assert sorted(r["sf__Error"].split(":")[0] for r in failed) == [
        "INVALID_CROSS_REFERENCE_KEY",
        "MALFORMED_ID",
    ]
    upsert = run_job(
        http,
        "Account",
        "upsert",
        "Name,s_c__Tax_Entity_Code__c\nACME,T1\nGamma,T2\n",
        externalIdFieldName="Name",
    )
    done = rows(http.get(f"/jobs/ingest/{upsert['id']}/successfulResults"))
    assert [(r["sf__Id"] == first, r["sf__Created"]) for r in done] == [
        (True, "false"),
        (False, "true"),
    ]
    seed_accounts(http, "Gamma")
    twice = run_job(http, "Account", "upsert", "Name\ngamma\n", externalIdFieldName="Name")
    assert rows(http.get(f"/jobs/ingest/{twice['id']}/failedResults"))[0]["sf__Error"].startswith(
        "DUPLICATE_EXTERNAL_ID:"
    )
    deleted = run_job(http, "Account", "delete", f"Id\n{second}\n")
    assert deleted["numberRecordsFailed"] == 0
    assert query(http, f"SELECT Id FROM Account WHERE Id = '{second}'") == []
    again = run_job(http, "Account", "delete", f"Id\n{second}\n")
    assert rows(http.get(f"/jobs/ingest/{again['id']}/failedResults"))[0]["sf__Error"].startswith(
        "ENTITY_IS_DELETED:"
    )


def test_unreadable_data_fails_the_job_and_leaves_rows_unprocessed(http: httpx.Client) -> None:
    job = run_job(http, "Contact", "insert", "LastName,Bogus__c\nDoe,1\nRoe,2\n")
    assert job["state"] == "Failed"
    assert job["errorMessage"] == "InvalidBatch : Field name not found : Bogus__c"
    left = http.get(f"/jobs/ingest/{job['id']}/unprocessedrecords/")
    assert [r["LastName"] for r in rows(left)] == ["Doe", "Roe"]
    crlf = run_job(http, "Contact", "insert", "LastName\r\nDoe\r\n")
    assert crlf["state"] == "Failed" and "LineEnding" in crlf["errorMessage"]
    assert query(http, "SELECT Id FROM Contact") == []


def test_abort_multiple_uploads_bad_jobs_list_and_delete(http: httpx.Client) -> None:
    job = create_job(http, object="Account", operation="insert")
    path = f"/jobs/ingest/{job['id']}"
    assert http.delete(path).status_code == 409
    http.put(f"{path}/batches", content=b"Name\nA\n", headers=CSV)
    http.put(f"{path}/batches", content=b"Name\nB\n", headers=CSV)
    refused = http.patch(path, json={"state": "UploadComplete"})
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "INVALIDJOB"
    assert http.patch(path, json={"state": "Aborted"}).json()["state"] == "Aborted"
    assert http.patch(path, json={"state": "UploadComplete"}).status_code == 409
    assert [r["Name"] for r in rows(http.get(f"{path}/unprocessedrecords"))] == ["B"]
    for body in (
        {"object": "Nope", "operation": "insert"},
        {"object": "Account", "operation": "hardDelete"},
        {"object": "Account", "operation": "upsert", "externalIdFieldName": "s_c__Subdomain__c"},
        {"object": "Account", "operation": "insert", "columnDelimiter": "STAR"},
    ):
        bad = http.post("/jobs/ingest", json=body)
        assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALIDJOB", body
    listed = http.get("/jobs/ingest").json()
    assert listed["done"] is True and [j["id"] for j in listed["records"]] == [job["id"]]
    assert http.delete(path).status_code == 204
    assert http.get(path).status_code == 404
    assert http.get("/jobs/ingest").json()["records"] == []


def test_large_jobs_run_in_chunks_with_other_delimiters(
    http: httpx.Client, admin: SandboxAdmin
) -> None:
    admin.setting(SF, "bulk_chunk_records", 7)
    lines = ["LastName|Email"] + [f"N{i}|n{i}@x.example" for i in range(30)] + ["|bad"]
    job = run_job(http, "Contact", "insert", "\n".join(lines) + "\n", columnDelimiter="PIPE")
    assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (31, 1)
    done = http.get(f"/jobs/ingest/{job['id']}/successfulResults")
    assert done.text.splitlines()[0] == '"sf__Id"|"sf__Created"|"LastName"|"Email"'
    assert len(done.text.splitlines()) == 31
    assert len(query(http, "SELECT Id FROM Contact")) == 30


def test_record_error_fault_and_status_fault_hit_bulk_as_rest(
    http: httpx.Client, admin: SandboxAdmin
) -> None:
    admin.fault(system=SF, kind="record_error", match="@blocked.example", count=-1)
    job = run_job(
        http, "Contact", "insert", "LastName,Email\nA,a@ok.example\nB,b@blocked.example\n"
    )
    [failed] = rows(http.get(f"/jobs/ingest/{job['id']}/failedResults"))
    assert failed["sf__Error"].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION:")
    admin.clear_faults()
    admin.fault(system=SF, kind="status", status=503, path_contains="/jobs/ingest", method="POST")
    assert (
        http.post("/jobs/ingest", json={"object": "Account", "operation": "insert"}).status_code
        == 503
    )


def test_query_job_pages_with_locators_and_equals_the_rest_query(
    http: httpx.Client, admin: SandboxAdmin, sandbox: Sandbox
) -> None:
    [account] = seed_accounts(http, "Acme")
    data = (
        "LastName,Email,AccountId,s_c__Can_Purchase_For_Account__c,s_c__Invitation_Accepted_At__c\n"
    )
    data += "".join(
        f"N{i},n{i}@x.example,{account if i % 2 else ''},{'true' if i % 3 else 'false'},"
        f"{'2024-05-01T10:00:00Z' if i % 4 == 0 else ''}\n"
        for i in range(25)
    )
    run_job(http, "Contact", "insert", data)
    soql = (
        "SELECT Id, Email, Account.Name, s_c__Can_Purchase_For_Account__c, "
        "s_c__Invitation_Accepted_At__c FROM Contact ORDER BY Email"
    )
    admin.setting(SF, "bulk_processing_delay_ms", 300)
    created = http.post("/jobs/query", json={"operation": "query", "query": soql})
    assert created.status_code == 200, created.text
    job = created.json()
    assert (job["state"], job["object"], job["jobType"]) == ("UploadComplete", "Contact", "V2Query")
    early = http.get(f"/jobs/query/{job['id']}/results")
    assert early.status_code == 412 and early.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
    done = wait(http, f"/jobs/query/{job['id']}")
    assert (done["state"], done["numberRecordsProcessed"]) == ("JobComplete", 25)
    pages: list[list[dict[str, str]]] = []
    locator = ""
    while locator != "null":
        params = {"maxRecords": "10", **({"locator": locator} if locator else {})}
        page = http.get(f"/jobs/query/{job['id']}/results", params=params)
        pages.append(rows(page))
        assert page.headers["Sforce-NumberOfRecords"] == str(len(pages[-1]))
        locator = page.headers["Sforce-Locator"]
    assert [len(p) for p in pages] == [10, 10, 5]
    bulk = [r for p in pages for r in p]
    assert list(bulk[0]) == [
        "Id",
        "Email",
        "Account.Name",
        "s_c__Can_Purchase_For_Account__c",
        "s_c__Invitation_Accepted_At__c",
    ]
    rest = query(http, soql)
    assert [r["Id"] for r in bulk] == [r["Id"] for r in rest]
    for csv_row, json_row in zip(bulk, rest, strict=True):
        parent = json_row["Account"]
        assert csv_row["Account.Name"] == (parent["Name"] if parent else "")
        assert (
            csv_row["s_c__Can_Purchase_For_Account__c"]
            == str(json_row["s_c__Can_Purchase_For_Account__c"]).lower()
        )
        stamp = json_row["s_c__Invitation_Accepted_At__c"]
        assert csv_row["s_c__Invitation_Accepted_At__c"] == (
            stamp.replace("+0000", "Z") if stamp else ""
        )
    again = http.get(f"/jobs/query/{job['id']}/results", params={"locator": "MTA", "maxRecords": 3})
    assert [r["Id"] for r in rows(again)] == [r["Id"] for r in bulk[10:13]]
    assert admin.calls()[SF]["GET jobs/query/{id}/results"] == 5


def test_query_jobs_refuse_what_bulk_does_not_support_and_see_deleted_with_query_all(
    http: httpx.Client,
) -> None:
    first, _ = seed_accounts(http, "Acme", "Beta")
    http.delete(f"/sobjects/Account/{first}")
    for soql, code in (
        ("SELECT COUNT() FROM Account", "INVALID_FIELD"),
        ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "INVALID_FIELD"),
        ("SELECT Nope FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELEKT Id FROM Account", "MALFORMED_QUERY"),
    ):
        bad = http.post("/jobs/query", json={"operation": "query", "query": soql})
        assert bad.status_code == 400 and bad.json()[0]["errorCode"] == code, soql
    counts = {}
    for operation in ("query", "queryAll"):
        job = http.post(
            "/jobs/query", json={"operation": operation, "query": "SELECT Id FROM Account"}
        ).json()
        wait(http, f"/jobs/query/{job['id']}")
        counts[operation] = len(rows(http.get(f"/jobs/query/{job['id']}/results")))
    assert counts == {"query": 1, "queryAll": 2}
    assert [j["operation"] for j in http.get("/jobs/query").json()["records"]] == [
        "query",
        "queryAll",
    ]
    job_id = http.get("/jobs/query").json()["records"][0]["id"]
    assert http.delete(f"/jobs/query/{job_id}").status_code == 204
    assert http.get(f"/jobs/query/{job_id}").status_code == 404

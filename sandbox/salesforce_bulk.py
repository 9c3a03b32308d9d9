"""The Salesforce Bulk API 2.0 emulator: ingest and query jobs under /services/data/vXX.X/jobs/.

Ingest: `POST jobs/ingest` {object, operation insert|update|upsert|delete, externalIdFieldName,
contentType CSV, lineEnding LF|CRLF, columnDelimiter}, one `PUT jobs/ingest/{id}/batches` of CSV,
`PATCH jobs/ingest/{id}` {state: UploadComplete | Aborted}, `GET jobs/ingest/{id}` (Open ->
UploadComplete -> InProgress -> JobComplete, or Failed when the data cannot be read, or Aborted),
`GET .../successfulResults/` (sf__Id, sf__Created, the uploaded columns), `.../failedResults/`
(sf__Id, sf__Error, the columns), `.../unprocessedrecords/`, `DELETE jobs/ingest/{id}`,
`GET jobs/ingest`. Query: `POST jobs/query` {operation query|queryAll, query}, `GET
jobs/query/{id}`, `GET jobs/query/{id}/results?locator=&maxRecords=` (CSV; headers
Sforce-Locator, "null" on the last set, and Sforce-NumberOfRecords), `PATCH` (Aborted), `DELETE`,
`GET jobs/query`.

Work happens off the request: a closed job waits `bulk_processing_delay_ms`, then its rows are
applied `bulk_chunk_records` at a time, each chunk in one store transaction with its results and
the job's counters, so a client must poll, results land as chunks complete, and a sandbox restarted
mid-job carries on from the last chunk. Each row is validated and written as the REST create/update
path writes a record (salesforce_bulk_ingest), so bad rows fail alone; the record_error fault hits
rows as it hits REST records (its method and path are the upload's: PUT .../batches). Jobs live in the
store (system `salesforce_bulk`), uploads and result chunks in its blobs; query results are a
snapshot of ids read a set at a time.

Facts not verified against Salesforce, kept simple here: a state conflict answers 409
INVALIDJOBSTATE; results of a query job that is not complete answer 412 JOB_NOT_COMPLETE; query
jobs refuse COUNT() and subqueries (400 INVALIDJOB) as Bulk API 2.0 does not support them; a job
whose header names an unknown field fails with `InvalidBatch : Field name not found : X`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..sandbox import salesforce_meta as meta
from ..sandbox import salesforce_wire as wire
from .http import Request, Response
from .salesforce_bulk_csv import DELIMITERS, LINE_ENDINGS, CsvError, parse, render
from .salesforce_bulk_ingest import OPERATIONS, IngestRun, Row
from .salesforce_meta import FieldSpec, ObjectSpec, Schema
from .salesforce_records import Writer
from .soql import FieldPath, Query, SoqlSyntaxError
from .soql import parse as parse_soql
from .soql_eval import SoqlFieldError, SoqlTypeError, execute
from .store import Record

if TYPE_CHECKING:
    from .server import Sandbox

log = logging.getLogger("sandbox.salesforce_bulk")

BULK = "salesforce_bulk"  # the store system holding jobs, uploads and results
INGEST, QUERY = "ingest", "query"
SETTINGS: dict[str, Any] = {
    "bulk_processing_delay_ms": 200,  # from UploadComplete (or a query job's creation) to work
    "bulk_chunk_records": 2000,  # rows applied per store transaction
    "bulk_query_max_records": 100_000,  # a query result set's size when maxRecords is not given
}
CLOSED = ("JobComplete", "Failed", "Aborted")
USER_ID = wire.make_id("005", 1)
V = "/services/data/{version}/jobs"


def _version_number(version: str) -> float:
    try:
        return float(version.lstrip("v"))
    except ValueError:
        return 0.0


def _public(job: Record) -> dict[str, Any]:
    return {k: v for k, v in job.items() if not k.startswith("_")}


def _bad(code: str, message: str, status: int = 400) -> Response:
    return wire.error(status, code, message)


def _not_found() -> Response:
    return wire.error(404, "NOT_FOUND", "The requested resource does not exist")


def _state_conflict(job: Record) -> Response:
    return wire.error(409, "INVALIDJOBSTATE", f"Found an unexpected job state: {job['state']}")


class BulkEmulator:
    def __init__(self, sandbox: Sandbox, schema: Schema, writer: Writer) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self.schema = schema
        self.writer = writer
        self._lock = threading.Lock()
        self._generation = 0
        self._timers: list[threading.Timer] = []
        self._query_results: dict[str, Sequence[dict[str, Any]]] = {}

    # --- lifecycle ------------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._generation += 1
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
            self._query_results.clear()

    def resume(self) -> None:
        """Carry on with the jobs a previous run of the sandbox left closed but unfinished."""
        for kind in (INGEST, QUERY):
            for job in self.store.list(BULK, kind):
                if job["state"] in ("UploadComplete", "InProgress"):
                    self._schedule(kind, job["id"])

    def _setting(self, key: str) -> Any:
        return self.sandbox.settings[wire.SYSTEM][key]

    def _schedule(self, kind: str, job_id: str) -> None:
        work = self._process_ingest if kind == INGEST else self._process_query
        delay = max(float(self._setting("bulk_processing_delay_ms")), 0.0) / 1000
        with self._lock:
            timer = threading.Timer(delay, self._guarded, args=(work, job_id, self._generation))
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def _guarded(self, work: Callable[[str, int], None], job_id: str, generation: int) -> None:
        try:
            work(job_id, generation)
        except Exception:
            log.exception("bulk job %s failed in the sandbox", job_id)
            with self.store.transaction():
                for kind in (INGEST, QUERY):
                    job = self.store.get(BULK, kind, job_id)
                    if job is not None and job["state"] not in CLOSED:
                        self._finish(kind, job, "Failed", "InternalServerError : sandbox error")

    def _current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation

    # --- helpers --------------------------------------------------------------------------------

    def _new_job(self, kind: str, request: Request, fields: dict[str, Any]) -> Record:
        number = self.store.next_id(BULK, "job")
        job_id = wire.make_id("750", number)
        stamp = wire.now_stamp()
        version = request.params.get("version", "v59.0")
        job: Record = {
            "id": job_id,
            **fields,
            "createdById": USER_ID,
            "createdDate": stamp,
            "systemModstamp": stamp,
            "state": "Open" if kind == INGEST else "UploadComplete",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": _version_number(version),
            "jobType": "V2Ingest" if kind == INGEST else "V2Query",
            "lineEnding": fields.get("lineEnding", "LF"),
            "columnDelimiter": fields.get("columnDelimiter", "COMMA"),
            "numberRecordsProcessed": 0,
            "retries": 0,
            "totalProcessingTime": 0,
            "_version": version,
        }
        if kind == INGEST:
            job["contentUrl"] = f"services/data/{version}/jobs/ingest/{job_id}/batches"
            job.update(numberRecordsFailed=0, apiActiveProcessingTime=0, apexProcessingTime=0)
            job.update(_uploads=0, _next=0, _chunks=0, _header=None)
        self.store.update(BULK, kind, job_id, job)
        return job

    def _save(self, kind: str, job: Record) -> None:
        job["systemModstamp"] = wire.now_stamp()
        self.store.update(BULK, kind, job["id"], job)

    def _finish(self, kind: str, job: Record, state: str, error: str | None = None) -> None:
        job["state"] = state
        if error is not None:
            job["errorMessage"] = error
        self._save(kind, job)

    @staticmethod
    def _format(body: dict[str, Any]) -> tuple[str, str] | Response:
        """The job's (lineEnding, columnDelimiter), or the 400 a bad value gets."""
        line_ending = body.get("lineEnding", "LF")
        delimiter = body.get("columnDelimiter", "COMMA")
        if body.get("contentType", "CSV") != "CSV":
            return _bad("INVALIDJOB", "contentType: the only valid value is CSV")
        if line_ending not in LINE_ENDINGS:
            return _bad("INVALIDJOB", f"lineEnding: {line_ending} is not one of LF, CRLF")
        if delimiter not in DELIMITERS:
            return _bad(
                "INVALIDJOB", f"columnDelimiter: {delimiter} is not one of {', '.join(DELIMITERS)}"
            )
        return line_ending, delimiter

    def _object(self, name: str) -> ObjectSpec | None:
        return self.schema.object(name)

    # --- ingest jobs ----------------------------------------------------------------------------

    def create_ingest(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return _bad("JSON_PARSER_ERROR", "The request body must be a JSON object")
        operation = body.get("operation")
        spec = self._object(str(body.get("object") or ""))
        if spec is None:
            return _bad("INVALIDJOB", f"Unable to find object: {body.get('object')}")
        if operation not in OPERATIONS:
            return _bad("INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        formats = self._format(body)
        if isinstance(formats, Response):
            return formats
        line_ending, delimiter = formats
        fields: dict[str, Any] = {"operation": operation, "object": spec.name}
        if operation == "upsert":
            external = spec.field(str(body.get("externalIdFieldName") or ""))
            if external is None or not _external_id_field(external):
                return _bad(
                    "INVALIDJOB",
                    f"InvalidJob : External ID was blank or is not an external id field for "
                    f"{spec.name}: {body.get('externalIdFieldName')}",
                )
            fields["externalIdFieldName"] = external.name
        fields.update(lineEnding=line_ending, columnDelimiter=delimiter)
        with self.store.transaction():
            job = self._new_job(INGEST, request, fields)
        return Response(200, _public(job))

    def upload(self, request: Request) -> Response:
        if not request.body:
            return _bad("INVALIDJOB", "The request body is empty: upload the job's CSV data")
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return _bad("INVALIDJOB", "The job data must be UTF-8")
        with self.store.transaction():
            job = self.store.get(BULK, INGEST, request.params["id"])
            if job is None:
                return _not_found()
            if job["state"] != "Open":
                return _state_conflict(job)
            job["_uploads"] += 1
            self.store.put_blob(BULK, _data_name(job["id"]), text)
            self._save(INGEST, job)
        return Response(201)

    def patch_ingest(self, request: Request) -> Response:
        body = request.json()
        state = body.get("state") if isinstance(body, dict) else None
        with self.store.transaction():
            job = self.store.get(BULK, INGEST, request.params["id"])
            if job is None:
                return _not_found()
            if state == "UploadComplete":
                if job["state"] != "Open":
                    return _state_conflict(job)
                if job["_uploads"] > 1:
                    return _bad(
                        "INVALIDJOB",
                        f"Found multiple contents for job: <{job['id']}>, please 'Close' / "
                        "'Abort' / 'Delete' the current Job then create a new Job and make sure "
                        "you only do 'PUT' once on a given Job.",
                    )
                self._finish(INGEST, job, "UploadComplete")
                self._schedule(INGEST, job["id"])
            elif state == "Aborted":
                if job["state"] in CLOSED:
                    return _state_conflict(job)
                self._finish(INGEST, job, "Aborted")
            else:
                return _bad("INVALIDJOB", f"state: {state} (use UploadComplete or Aborted)")
        return Response(200, _public(job))

    def get_ingest(self, request: Request) -> Response:
        job = self.store.get(BULK, INGEST, request.params["id"])
        return _not_found() if job is None else Response(200, _public(job))

    def delete_ingest(self, request: Request) -> Response:
        with self.store.transaction():
            job = self.store.get(BULK, INGEST, request.params["id"])
            if job is None:
                return _not_found()
            if job["state"] not in ("UploadComplete", *CLOSED):
                return _state_conflict(job)
            self.store.delete_blobs(BULK, f"{job['id']}/")
            self.store.delete(BULK, INGEST, job["id"])
        return Response(204)

    def list_ingest(self, request: Request) -> Response:
        del request
        jobs = [_public(j) for j in self.store.list(BULK, INGEST)]
        return Response(200, {"done": True, "records": jobs, "nextRecordsUrl": None})

    def successful(self, request: Request) -> Response:
        return self._results(request, "succeeded", ["sf__Id", "sf__Created"])

    def failed(self, request: Request) -> Response:
        return self._results(request, "failed", ["sf__Id", "sf__Error"])

    def _results(self, request: Request, which: str, leading: list[str]) -> Response:
        job = self.store.get(BULK, INGEST, request.params["id"])
        if job is None:
            return _not_found()
        rows: list[Row] = []
        for k in range(job["_chunks"]):
            stored = self.store.get_blob(BULK, _chunk_name(job["id"], k))
            rows.extend(json.loads(stored)[which] if stored else [])
        header = [*leading, *(job["_header"] or [])]
        return _csv(render(header, rows, job["columnDelimiter"], job["lineEnding"]))

    def unprocessed(self, request: Request) -> Response:
        job = self.store.get(BULK, INGEST, request.params["id"])
        if job is None:
            return _not_found()
        data = self.store.get_blob(BULK, _data_name(job["id"]))
        header: list[str] = []
        rows: list[Row] = []
        if data is not None and job["state"] != "JobComplete":
            try:
                header, all_rows = parse(data, job["columnDelimiter"], job["lineEnding"])
                rows = all_rows[job["_next"] :]
            except CsvError:
                header, rows = [], []
        return _csv(render(header, rows, job["columnDelimiter"], job["lineEnding"]))

    def _process_ingest(self, job_id: str, generation: int) -> None:
        started = time.monotonic()
        with self.store.transaction():
            job = self.store.get(BULK, INGEST, job_id)
            if not self._current(generation) or job is None:
                return
            if job["state"] not in ("UploadComplete", "InProgress"):
                return
            data = self.store.get_blob(BULK, _data_name(job_id)) or ""
            spec = self._object(job["object"])
            try:
                if spec is None:
                    raise CsvError(f"InvalidJob : Unable to find object: {job['object']}")
                header, rows = parse(data, job["columnDelimiter"], job["lineEnding"])
                path = f"/services/data/{job['_version']}/jobs/ingest/{job_id}/batches"
                run = IngestRun(
                    self.writer,
                    spec,
                    job["operation"],
                    job.get("externalIdFieldName"),
                    header,
                    lambda text: self.sandbox.faults.take_record_error(
                        wire.SYSTEM, "PUT", path, text
                    ),
                )
            except CsvError as exc:
                self._finish(INGEST, job, "Failed", str(exc))
                return
            job["_header"] = header
            self._finish(INGEST, job, "InProgress")
        size = max(int(self._setting("bulk_chunk_records")), 1)
        while True:
            with self.store.transaction():
                job = self.store.get(BULK, INGEST, job_id)
                if not self._current(generation) or job is None or job["state"] != "InProgress":
                    return
                start = job["_next"]
                chunk = rows[start : start + size]
                if chunk:
                    outcome = run.apply(chunk)
                    chunk_result = {"succeeded": outcome.succeeded, "failed": outcome.failed}
                    name = _chunk_name(job_id, job["_chunks"])
                    self.store.put_blob(BULK, name, json.dumps(chunk_result))
                    job["_chunks"] += 1
                    job["_next"] = start + len(chunk)
                    job["numberRecordsProcessed"] += len(chunk)
                    job["numberRecordsFailed"] += len(outcome.failed)
                elapsed = int((time.monotonic() - started) * 1000)
                job["totalProcessingTime"] = job["apiActiveProcessingTime"] = elapsed
                if job["_next"] >= len(rows):
                    self._finish(INGEST, job, "JobComplete")
                    return
                self._save(INGEST, job)

    # --- query jobs -----------------------------------------------------------------------------

    def create_query(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return _bad("JSON_PARSER_ERROR", "The request body must be a JSON object")
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            return _bad("INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        formats = self._format(body)
        if isinstance(formats, Response):
            return formats
        text = body.get("query")
        if not isinstance(text, str) or not text.strip():
            return _bad("INVALIDJOB", "InvalidJob : a query job needs 'query'")
        try:
            parsed = parse_soql(text)
            self._check_query(parsed)
        except SoqlSyntaxError as exc:
            return _bad("MALFORMED_QUERY", str(exc))
        except SoqlFieldError as exc:
            return _bad("INVALID_FIELD", str(exc))
        except SoqlTypeError as exc:
            return _bad("INVALID_TYPE", str(exc))
        line_ending, delimiter = formats
        spec = self._object(parsed.sobject)
        assert spec is not None
        fields = {
            "operation": operation,
            "object": spec.name,
            "query": text,
            "lineEnding": line_ending,
            "columnDelimiter": delimiter,
        }
        with self.store.transaction():
            job = self._new_job(QUERY, request, fields)
        self._schedule(QUERY, job["id"])
        return Response(200, _public(job))

    def _check_query(self, parsed: Query) -> None:
        """Bulk API 2.0 query jobs take no COUNT() and no subqueries; fields must resolve."""
        if parsed.count or getattr(parsed, "subqueries", ()):
            raise SoqlFieldError(
                "InvalidJob : Bulk API 2.0 query jobs support neither COUNT() nor subqueries"
            )
        spec = self._object(parsed.sobject)
        if spec is None:
            raise SoqlTypeError(f"sObject type '{parsed.sobject}' is not supported.")
        for path in parsed.fields:
            _column(self.schema, spec, path)

    def get_query(self, request: Request) -> Response:
        job = self.store.get(BULK, QUERY, request.params["id"])
        return _not_found() if job is None else Response(200, _public(job))

    def patch_query(self, request: Request) -> Response:
        body = request.json()
        with self.store.transaction():
            job = self.store.get(BULK, QUERY, request.params["id"])
            if job is None:
                return _not_found()
            if not isinstance(body, dict) or body.get("state") != "Aborted":
                return _bad("INVALIDJOB", "state: a query job can only be set to Aborted")
            if job["state"] in CLOSED:
                return _state_conflict(job)
            self._finish(QUERY, job, "Aborted")
        return Response(200, _public(job))

    def delete_query(self, request: Request) -> Response:
        with self.store.transaction():
            job = self.store.get(BULK, QUERY, request.params["id"])
            if job is None:
                return _not_found()
            if job["state"] not in ("UploadComplete", *CLOSED):
                return _state_conflict(job)
            self.store.delete(BULK, QUERY, job["id"])
        with self._lock:
            self._query_results.pop(job["id"], None)
        return Response(204)

    def list_query(self, request: Request) -> Response:
        del request
        jobs = [_public(j) for j in self.store.list(BULK, QUERY)]
        return Response(200, {"done": True, "records": jobs, "nextRecordsUrl": None})

    def _run_query(self, job: Record) -> Sequence[dict[str, Any]]:
        parsed = parse_soql(job["query"])
        result = execute(
            parsed, self.schema, self.store, job["_version"], job["operation"] == "queryAll"
        )
        with self._lock:
            self._query_results[job["id"]] = result.records
        return result.records

    def _process_query(self, job_id: str, generation: int) -> None:
        started = time.monotonic()
        with self.store.transaction():
            job = self.store.get(BULK, QUERY, job_id)
            if not self._current(generation) or job is None or job["state"] != "UploadComplete":
                return
            self._finish(QUERY, job, "InProgress")
            try:
                records = self._run_query(job)
            except (SoqlSyntaxError, SoqlFieldError, SoqlTypeError) as exc:
                self._finish(QUERY, job, "Failed", str(exc))
                return
            job["numberRecordsProcessed"] = len(records)
            job["totalProcessingTime"] = int((time.monotonic() - started) * 1000)
            self._finish(QUERY, job, "JobComplete")

    def results(self, request: Request) -> Response:
        job = self.store.get(BULK, QUERY, request.params["id"])
        if job is None:
            return _not_found()
        if job["state"] != "JobComplete":
            state = str(job["state"]).upper()
            return wire.error(
                412,
                "JOB_NOT_COMPLETE",
                "can only download query results of successfully completed bulk job with status: "
                f"JOB_COMPLETE. Current status: {state}",
            )
        offset = _locator_offset(request.arg("locator"))
        limit_text = request.arg("maxRecords") or str(self._setting("bulk_query_max_records"))
        if offset is None:
            return _bad("INVALIDLOCATOR", f"Invalid locator: {request.arg('locator')}")
        if not limit_text.isdigit() or int(limit_text) < 1:
            return _bad("INVALIDREQUEST", f"maxRecords must be a positive number: {limit_text}")
        with self._lock:
            records = self._query_results.get(job["id"])
        if records is None:  # the sandbox restarted since the job ran
            records = self._run_query(job)
        spec = self._object(job["object"])
        assert spec is not None
        parsed = parse_soql(job["query"])
        columns = [_column(self.schema, spec, path) for path in parsed.fields]
        end = offset + int(limit_text)
        page = records[offset:end]
        rows = [[_cell(record, keys, field) for _, keys, field in columns] for record in page]
        body = render(
            [name for name, _, _ in columns], rows, job["columnDelimiter"], job["lineEnding"]
        )
        following = _locator(end) if end < len(records) else "null"
        headers = {"Sforce-Locator": following, "Sforce-NumberOfRecords": str(len(page))}
        return _csv(body, headers)


def _data_name(job_id: str) -> str:
    return f"{job_id}/data"


def _chunk_name(job_id: str, number: int) -> str:
    return f"{job_id}/result-{number:06d}"


def _csv(body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(200, body, {"Content-Type": "text/csv", **(headers or {})})


def _external_id_field(field: FieldSpec) -> bool:
    """Fields an upsert may match on: Id, and the fields describe marks idLookup."""
    return bool(field.describe()["idLookup"]) or bool(field.describe()["externalId"])


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _locator_offset(locator: str | None) -> int | None:
    if not locator or locator == "null":
        return 0
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


Column = tuple[str, list[str], FieldSpec]  # header, keys into the shaped record, the field


def _column(schema: Schema, spec: ObjectSpec, path: FieldPath) -> Column:
    """A selected field as a CSV column: its header (`Account.Name`) and where its value sits in
    the record the query returns (under each relationship name, then the field)."""
    parts = list(path.parts)
    if len(parts) > 1 and parts[0].lower() == spec.name.lower():
        parts = parts[1:]
    keys: list[str] = []
    current = spec
    for name in parts[:-1]:
        lookup = current.relationship(name)
        target = schema.object(lookup.reference_to[0]) if lookup else None
        if lookup is None or target is None or lookup.relationship_name is None:
            raise SoqlFieldError(f"Didn't understand relationship '{name}' in field path.")
        keys.append(lookup.relationship_name)
        current = target
    field = current.field(parts[-1])
    if field is None:
        raise SoqlFieldError(f"No such column '{parts[-1]}' on entity '{current.name}'.")
    keys.append(field.name)
    return ".".join(keys), keys, field


def _cell(record: dict[str, Any], keys: list[str], field: FieldSpec) -> str:
    value: Any = record
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if field.type == meta.DATETIME and isinstance(value, str) and value.endswith("+0000"):
        return value[:-5] + "Z"
    return str(value)


def register(sandbox: Sandbox, schema: Schema, writer: Writer) -> BulkEmulator:
    """Add the Bulk API 2.0 routes to the Salesforce emulator (called from salesforce.register)."""
    bulk = BulkEmulator(sandbox, schema, writer)
    sandbox.register_settings(wire.SYSTEM, SETTINGS)
    sandbox.on_reset(bulk.reset)

    def add(method: str, pattern: str, handler: Callable[[Request], Response]) -> None:
        endpoint = f"{method} " + pattern.removeprefix("/services/data/{version}/")
        sandbox.router.add(wire.SYSTEM, method, pattern, handler, endpoint)

    add("POST", f"{V}/ingest", bulk.create_ingest)
    add("GET", f"{V}/ingest", bulk.list_ingest)
    add("GET", f"{V}/ingest/{{id}}", bulk.get_ingest)
    add("PATCH", f"{V}/ingest/{{id}}", bulk.patch_ingest)
    add("DELETE", f"{V}/ingest/{{id}}", bulk.delete_ingest)
    add("PUT", f"{V}/ingest/{{id}}/batches", bulk.upload)
    add("GET", f"{V}/ingest/{{id}}/successfulResults", bulk.successful)
    add("GET", f"{V}/ingest/{{id}}/failedResults", bulk.failed)
    add("GET", f"{V}/ingest/{{id}}/unprocessedrecords", bulk.unprocessed)
    add("POST", f"{V}/query", bulk.create_query)
    add("GET", f"{V}/query", bulk.list_query)
    add("GET", f"{V}/query/{{id}}", bulk.get_query)
    add("PATCH", f"{V}/query/{{id}}", bulk.patch_query)
    add("DELETE", f"{V}/query/{{id}}", bulk.delete_query)
    add("GET", f"{V}/query/{{id}}/results", bulk.results)
    bulk.resume()
    return bulk

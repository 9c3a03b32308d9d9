"""The Salesforce REST emulator: routes under /services/data/vXX.X/ and the OAuth token endpoint.

Call-counter endpoint names: "GET query" (first page and every nextRecordsUrl page), "GET queryAll",
"POST sobjects/{type}", "GET|PATCH|DELETE sobjects/{type}/{id}", "GET sobjects/{type}/describe",
"GET sobjects", "POST|PATCH|DELETE composite/sobjects", "GET|POST composite/sobjects/{type}",
"GET limits", "POST oauth2/token", "GET versions", "GET resources", "GET id".
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..sandbox import salesforce_bulk, salesforce_upsert
from ..sandbox import salesforce_wire as wire
from .http import Request, Response
from .salesforce_auth import SalesforceAuth
from .salesforce_meta import ObjectSpec, Schema
from .salesforce_records import BodyError, WriteError, Writer
from .salesforce_versions import SETTINGS as VERSION_SETTINGS
from .salesforce_versions import ApiVersions
from .soql import SoqlSyntaxError, parse
from .soql_eval import SoqlFieldError, SoqlTypeError, attributes, execute
from .store import Record

if TYPE_CHECKING:
    from .server import Sandbox

V = "/services/data/{version}"
DEFAULT_BATCH = 2000
MIN_BATCH = 200
COLLECTION_LIMIT = 200
RETRIEVE_LIMIT = 2000  # ids per sObject Collections retrieve
_OPEN_CURSORS = 50


class Cursors:
    """Open query cursors (the rest of a result beyond the first batch), oldest dropped first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: OrderedDict[str, tuple[list[dict[str, Any]], int]] = OrderedDict()

    def open(self, records: list[dict[str, Any]], batch: int) -> str:
        key = "01gSB" + secrets.token_hex(5).upper()
        with self._lock:
            self._open[key] = (records, batch)
            while len(self._open) > _OPEN_CURSORS:
                self._open.popitem(last=False)
        return key

    def get(self, key: str) -> tuple[list[dict[str, Any]], int] | None:
        with self._lock:
            return self._open.get(key)

    def clear(self) -> None:
        with self._lock:
            self._open.clear()


class SalesforceEmulator:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self.schema = Schema()
        self.writer = Writer(sandbox.store)
        self.cursors = Cursors()

    def reset(self) -> None:
        self.schema.reset()
        self.cursors.clear()

    # --- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _version(request: Request) -> str:
        return request.params.get("version", "v59.0")

    def _object(self, request: Request) -> ObjectSpec | None:
        return self.schema.object(request.params.get("type", ""))

    def _fails(self, request: Request) -> Callable[[str], bool]:
        def fails(text: str) -> bool:
            return self.sandbox.faults.take_record_error(
                wire.SYSTEM, request.method, request.path, text
            )

        return fails

    def _shape(
        self, spec: ObjectSpec, record: Record, version: str, fields: list[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": attributes(spec.name, record["Id"], version)}
        for name in fields:
            out[name] = record.get(name)
        return out

    def _field_list(self, spec: ObjectSpec, request: Request) -> list[str]:
        requested = request.arg("fields")
        return self._fields_named(spec, requested.split(",") if requested else [])

    @staticmethod
    def _fields_named(spec: ObjectSpec, requested: list[str]) -> list[str]:
        """Canonical names of the requested fields (every field when none is requested)."""
        if not requested:
            return list(spec.fields)
        names: list[str] = []
        for raw in requested:
            field = spec.field(raw.strip())
            if field is None:
                raise WriteError(
                    "INVALID_FIELD", f"No such column '{raw.strip()}' on entity '{spec.name}'", []
                )
            names.append(field.name)
        return names

    # --- query ----------------------------------------------------------------------------------

    def query(self, request: Request) -> Response:
        return self._query(request, include_deleted=False)

    def query_all(self, request: Request) -> Response:
        return self._query(request, include_deleted=True)

    def _query(self, request: Request, include_deleted: bool) -> Response:
        text = request.arg("q")
        if not text:
            return wire.error(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            parsed = parse(text)
            result = execute(
                parsed, self.schema, self.store, self._version(request), include_deleted
            )
        except SoqlSyntaxError as exc:
            return wire.error(400, "MALFORMED_QUERY", str(exc))
        except SoqlFieldError as exc:
            return wire.error(400, "INVALID_FIELD", str(exc))
        except SoqlTypeError as exc:
            return wire.error(400, "INVALID_TYPE", str(exc))
        if parsed.count:
            return Response(200, {"totalSize": result.total, "done": True, "records": []})
        batch = _batch_size(request)
        cursor = self.cursors.open(result.records, batch) if len(result.records) > batch else ""
        return Response(200, self._page(result.records, 0, batch, cursor, request))

    def query_more(self, request: Request) -> Response:
        locator = request.params["locator"]
        key, _, offset_text = locator.rpartition("-")
        opened = self.cursors.get(key) if offset_text.isdigit() else None
        if opened is None:
            return wire.error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        records, batch = opened
        return Response(200, self._page(records, int(offset_text), batch, key, request))

    def _page(
        self, records: list[dict[str, Any]], offset: int, batch: int, cursor: str, request: Request
    ) -> dict[str, Any]:
        end = offset + batch
        body: dict[str, Any] = {"totalSize": len(records), "done": end >= len(records)}
        if end < len(records):
            body["nextRecordsUrl"] = f"/services/data/{self._version(request)}/query/{cursor}-{end}"
        body["records"] = records[offset:end]
        return body

    # --- describe -------------------------------------------------------------------------------

    def global_describe(self, request: Request) -> Response:
        return Response(200, self.schema.global_describe(self._version(request)))

    def describe(self, request: Request) -> Response:
        spec = self._object(request)
        if spec is None:
            return _not_found()
        return Response(200, self.schema.describe(spec, self._version(request)))

    def basic_info(self, request: Request) -> Response:
        spec = self._object(request)
        if spec is None:
            return _not_found()
        return Response(
            200, {"objectDescribe": spec.summary(self._version(request)), "recentItems": []}
        )

    # --- single records -------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        spec = self._object(request)
        if spec is None:
            return _not_found()
        body = request.json()
        if not isinstance(body, dict):
            return wire.error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        with self.store.transaction():
            try:
                record = self.writer.prepare_create(
                    spec, body, self.writer.exists_check(), self._fails(request)
                )
            except WriteError as exc:
                return Response(400, [exc.as_error()])
            except BodyError as exc:
                return wire.error(400, exc.code, exc.message)
            [record_id] = self.writer.insert(spec, [record])
        return Response(201, {"id": record_id, "success": True, "errors": []})

    def retrieve(self, request: Request) -> Response:
        spec = self._object(request)
        if spec is None:
            return _not_found()
        found = self.store.get(wire.SYSTEM, spec.name, wire.to_id18(request.params["id"]))
        if found is None or found.get("IsDeleted"):
            return _not_found()
        try:
            fields = self._field_list(spec, request)
        except WriteError as exc:
            return Response(400, [exc.as_error()])
        return Response(200, self._shape(spec, found, self._version(request), fields))

    def update(self, request: Request) -> Response:
        spec = self._object(request)
        if spec is None:
            return _not_found()
        body = request.json()
        if not isinstance(body, dict):
            return wire.error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        with self.store.transaction():
            found = self._live_or_404(spec, request.params["id"])
            if isinstance(found, Response):
                return found
            try:
                record = self.writer.prepare_update(
                    spec, found, body, self.writer.exists_check(), self._fails(request)
                )
            except WriteError as exc:
                return Response(400, [exc.as_error()])
            except BodyError as exc:
                return wire.error(400, exc.code, exc.message)
            self.writer.save(spec, record)
        return Response(204)

    def delete(self, request: Request) -> Response:
        spec = self._object(request)
        if spec is None:
            return _not_found()
        with self.store.transaction():
            found = self._live_or_404(spec, request.params["id"])
            if isinstance(found, Response):
                return found
            self.writer.soft_delete(spec, found)
        return Response(204)

    def _live_or_404(self, spec: ObjectSpec, record_id: str) -> Record | Response:
        found = self.store.get(wire.SYSTEM, spec.name, wire.to_id18(record_id))
        if found is None:
            return _not_found()
        if found.get("IsDeleted"):
            return wire.error(404, "ENTITY_IS_DELETED", "entity is deleted")
        return found

    # --- sObject Collections --------------------------------------------------------------------

    def collection_create(self, request: Request) -> Response:
        return self._collection_write(request, creating=True)

    def collection_update(self, request: Request) -> Response:
        return self._collection_write(request, creating=False)

    def _collection_write(self, request: Request, creating: bool) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            return wire.error(
                400, "JSON_PARSER_ERROR", "The body must be {allOrNone, records: [...]}"
            )
        records: list[Any] = body["records"]
        if len(records) > COLLECTION_LIMIT:
            return _exceeded_id_limit()
        all_or_none = bool(body.get("allOrNone", False))
        exists, fails = self.writer.exists_check(), self._fails(request)
        with self.store.transaction():
            prepared: list[tuple[ObjectSpec, Record] | WriteError] = []
            for item in records:
                if not isinstance(item, dict):
                    return wire.error(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
                type_name = (item.get("attributes") or {}).get("type")
                spec = self.schema.object(type_name) if isinstance(type_name, str) else None
                if spec is None:
                    return wire.error(400, "INVALID_TYPE", "Must send a concrete entity type.")
                try:
                    prepared.append((spec, self._prepare(spec, item, creating, exists, fails)))
                except WriteError as exc:
                    prepared.append(exc)
                except BodyError as exc:
                    return wire.error(400, exc.code, exc.message)
            failed = any(isinstance(p, WriteError) for p in prepared)
            if all_or_none and failed:
                return Response(200, [_rolled_back(p) for p in prepared])
            results: list[dict[str, Any]] = []
            for entry in prepared:
                if isinstance(entry, WriteError):
                    results.append({"success": False, "errors": [entry.as_status()]})
                    continue
                spec, record = entry
                if creating:
                    [record_id] = self.writer.insert(spec, [record])
                else:
                    self.writer.save(spec, record)
                    record_id = record["Id"]
                results.append({"id": record_id, "success": True, "errors": []})
        if not creating:
            for item, result in zip(records, results, strict=True):
                result.setdefault("id", _record_id(item))
        return Response(200, results)

    def _prepare(
        self,
        spec: ObjectSpec,
        item: dict[str, Any],
        creating: bool,
        exists: Callable[[str, str], bool],
        fails: Callable[[str], bool],
    ) -> Record:
        if creating:
            return self.writer.prepare_create(spec, item, exists, fails)
        record_id = _record_id(item)
        if not record_id:
            raise WriteError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        current = self.writer.live(spec, record_id)
        assert current is not None
        return self.writer.prepare_update(spec, current, item, exists, fails)

    def collection_delete(self, request: Request) -> Response:
        ids = [i for i in (request.arg("ids") or "").split(",") if i]
        if not ids:
            return wire.error(400, "MISSING_ARGUMENT", "ids parameter is required")
        if len(ids) > COLLECTION_LIMIT:
            return _exceeded_id_limit()
        all_or_none = (request.arg("allOrNone") or "false").lower() == "true"
        with self.store.transaction():
            prepared: list[tuple[ObjectSpec, Record] | WriteError] = []
            for record_id in ids:
                spec = self.schema.by_prefix(record_id)
                try:
                    if spec is None:
                        raise WriteError("MALFORMED_ID", f"malformed id {record_id}", [])
                    current = self.writer.live(spec, record_id)
                    assert current is not None
                    prepared.append((spec, current))
                except WriteError as exc:
                    prepared.append(exc)
            if all_or_none and any(isinstance(p, WriteError) for p in prepared):
                results = [_rolled_back(p) for p in prepared]
            else:
                results = []
                for entry in prepared:
                    if isinstance(entry, WriteError):
                        results.append({"success": False, "errors": [entry.as_status()]})
                    else:
                        self.writer.soft_delete(*entry)
                        results.append({"success": True, "errors": []})
        for record_id, result in zip(ids, results, strict=True):
            result["id"] = wire.to_id18(record_id)
        return Response(200, results)

    def collection_retrieve(self, request: Request) -> Response:
        """GET composite/sobjects/{type}?ids=...&fields=..."""
        spec = self._object(request)
        if spec is None:
            return _not_found()
        ids = [i for i in (request.arg("ids") or "").split(",") if i]
        try:
            fields = self._field_list(spec, request)
        except WriteError as exc:
            return Response(400, [exc.as_error()])
        return self._retrieve(spec, ids, fields, request)

    def collection_retrieve_by_body(self, request: Request) -> Response:
        """POST composite/sobjects/{type} with {"ids": [...], "fields": [...]}: the same retrieve
        for id lists too long for a URL (the form jsforce uses)."""
        spec = self._object(request)
        if spec is None:
            return _not_found()
        body = request.json()
        ids = body.get("ids") if isinstance(body, dict) else None
        requested = body.get("fields") if isinstance(body, dict) else None
        for name, value in (("ids", ids), ("fields", requested)):
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) for v in value)
            ):
                return wire.error(
                    400, "JSON_PARSER_ERROR", f"'{name}' must be a non-empty array of strings"
                )
        assert isinstance(ids, list) and isinstance(requested, list)
        try:
            fields = self._fields_named(spec, requested)
        except WriteError as exc:
            return Response(400, [exc.as_error()])
        return self._retrieve(spec, ids, fields, request)

    def _retrieve(
        self, spec: ObjectSpec, raw_ids: list[str], fields: list[str], request: Request
    ) -> Response:
        if len(raw_ids) > RETRIEVE_LIMIT:
            return _exceeded_id_limit()
        ids = [wire.to_id18(i) for i in raw_ids]
        found = self.store.get_many(wire.SYSTEM, spec.name, ids)
        version = self._version(request)
        return Response(
            200,
            [
                self._shape(spec, found[i], version, fields)
                if i in found and not found[i].get("IsDeleted")
                else None
                for i in ids
            ],
        )


def _batch_size(request: Request) -> int:
    options = request.headers.get("Sforce-Query-Options", "")
    for option in options.split(","):
        name, _, value = option.partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value)))
    return DEFAULT_BATCH


def _record_id(item: dict[str, Any]) -> str | None:
    value = item.get("id") or item.get("Id")
    return value if isinstance(value, str) else None


def _rolled_back(entry: object) -> dict[str, Any]:
    if isinstance(entry, WriteError):
        return {"success": False, "errors": [entry.as_status()]}
    return {
        "success": False,
        "errors": [
            {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the request "
                "was using AllOrNone header",
                "fields": [],
            }
        ],
    }


def _exceeded_id_limit() -> Response:
    return wire.error(
        400,
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )


def _not_found() -> Response:
    return wire.error(404, "NOT_FOUND", "The requested resource does not exist")


def register(sandbox: Sandbox) -> None:
    auth = SalesforceAuth(sandbox)
    emulator = SalesforceEmulator(sandbox)
    sandbox.emulators[wire.SYSTEM] = emulator
    versions = ApiVersions(sandbox)
    sandbox.register_settings(wire.SYSTEM, {"daily_limit": 15000, **VERSION_SETTINGS})
    sandbox.add_hook(wire.SYSTEM, before=versions.check)  # a retired version: 410 before auth
    sandbox.add_hook(wire.SYSTEM, before=auth.before, after=auth.after)
    sandbox.set_error_format(wire.SYSTEM, wire.generic_error)
    sandbox.set_limit_response(wire.SYSTEM, auth.limit_exceeded)
    sandbox.on_reset(auth.reset)
    sandbox.on_reset(emulator.reset)
    sandbox.on_expire_tokens(auth.expire_tokens)
    sandbox.add_admin("POST", "/_sandbox/salesforce/describe", emulator.schema.admin_alter)
    salesforce_upsert.register(sandbox, emulator.schema, emulator.writer)  # upsert by external ID
    sandbox.add_env("SF_INSTANCE_URL", lambda sb: sb.url)
    sandbox.add_env("SF_ACCESS_TOKEN", auth.static_token)
    sandbox.add_env("SF_CONSUMER_KEY", auth.consumer_key)
    sandbox.add_env("SF_CONSUMER_SECRET", auth.consumer_secret)
    sandbox.add_env("SF_USERNAME", auth.username)
    sandbox.add_env("SF_PASSWORD", auth.password)
    sandbox.add_env("SF_JWT_KEY_FILE", str(auth.key_path))
    salesforce_bulk.register(sandbox, emulator.schema, emulator.writer)  # Bulk API 2.0 jobs

    def add(method: str, pattern: str, handler: Callable[[Request], Response], name: str) -> None:
        sandbox.router.add(wire.SYSTEM, method, pattern, handler, name)

    add("POST", "/services/oauth2/token", auth.token, "POST oauth2/token")
    add("GET", "/services/data", versions.listing, "GET versions")
    add("GET", V, versions.resources, "GET resources")
    add("GET", "/id/{org}/{user}", auth.identity, "GET id")
    add("GET", f"{V}/limits", auth.limits, "GET limits")
    add("GET", f"{V}/query", emulator.query, "GET query")
    add("GET", f"{V}/query/{{locator}}", emulator.query_more, "GET query")
    add("GET", f"{V}/queryAll", emulator.query_all, "GET queryAll")
    add("GET", f"{V}/queryAll/{{locator}}", emulator.query_more, "GET queryAll")
    add("GET", f"{V}/sobjects", emulator.global_describe, "GET sobjects")
    add("GET", f"{V}/sobjects/{{type}}", emulator.basic_info, "GET sobjects/{type}")
    add("GET", f"{V}/sobjects/{{type}}/describe", emulator.describe, "GET sobjects/{type}/describe")
    add("POST", f"{V}/sobjects/{{type}}", emulator.create, "POST sobjects/{type}")
    add("GET", f"{V}/sobjects/{{type}}/{{id}}", emulator.retrieve, "GET sobjects/{type}/{id}")
    add("PATCH", f"{V}/sobjects/{{type}}/{{id}}", emulator.update, "PATCH sobjects/{type}/{id}")
    add("DELETE", f"{V}/sobjects/{{type}}/{{id}}", emulator.delete, "DELETE sobjects/{type}/{id}")
    add("POST", f"{V}/composite/sobjects", emulator.collection_create, "POST composite/sobjects")
    add("PATCH", f"{V}/composite/sobjects", emulator.collection_update, "PATCH composite/sobjects")
    add(
        "DELETE", f"{V}/composite/sobjects", emulator.collection_delete, "DELETE composite/sobjects"
    )
    add(
        "GET",
        f"{V}/composite/sobjects/{{type}}",
        emulator.collection_retrieve,
        "GET composite/sobjects/{type}",
    )
    add(
        "POST",
        f"{V}/composite/sobjects/{{type}}",
        emulator.collection_retrieve_by_body,
        "POST composite/sobjects/{type}",
    )

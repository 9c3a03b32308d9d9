"""Upsert by external ID through sObject Collections: `PATCH composite/sobjects/{Type}/{Field}`.

Up to 200 records of the URI's type, each carrying the external ID field's value; a record whose
value matches none is created, one match is updated, several matches fail that record with
`DUPLICATE_EXTERNAL_ID`. Results come back in request order as UpsertResults `{id, success, errors,
created}`. Only External ID fields are accepted (the docs: "Only external ids are supported");
another field, or an unknown one, answers 404 NOT_FOUND as the single-record upsert does (P: the
Collections wording of that error is not documented). Matching is case-insensitive, as for a text
External ID that is not marked case-sensitive. Lookup and write run in one store transaction, so two
upserts of the same value (a late request and its retry) never make two records.

An org's External ID field is added with the describe admin path:
`POST /_sandbox/salesforce/describe {"object": "Contact", "field": "Storegate_Key__c", "add":
{"type": "string", "externalId": true, "unique": true}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..sandbox import salesforce_wire as wire
from .http import Request, Response
from .salesforce_meta import FieldSpec, ObjectSpec, Schema
from .salesforce_records import BodyError, WriteError, Writer
from .store import Record

if TYPE_CHECKING:
    from .server import Sandbox

ENDPOINT = "PATCH composite/sobjects/{type}/{field}"
LIMIT = 200

Prepared = tuple[Record, bool] | WriteError
"""A record ready to store and whether it is new, or why it cannot be written."""


class CollectionUpsert:
    def __init__(self, sandbox: Sandbox, schema: Schema, writer: Writer) -> None:
        self._sandbox = sandbox
        self._schema = schema
        self._writer = writer

    def handle(self, request: Request) -> Response:
        spec = self._schema.object(request.params.get("type", ""))
        if spec is None:
            return wire.error(404, "NOT_FOUND", "The requested resource does not exist")
        key = spec.field(request.params.get("field", ""))
        if key is None or not key.external_id:
            return wire.error(
                404,
                "NOT_FOUND",
                "Provided external ID field does not exist or is not accessible: "
                f"{request.params.get('field', '')}",
            )
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            return wire.error(
                400, "JSON_PARSER_ERROR", "The body must be {allOrNone, records: [...]}"
            )
        records: list[Any] = body["records"]
        if len(records) > LIMIT:
            return wire.error(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        for item in records:
            if not isinstance(item, dict):
                return wire.error(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
            type_name = (item.get("attributes") or {}).get("type")
            if not isinstance(type_name, str) or self._schema.object(type_name) is not spec:
                return wire.error(
                    400, "INVALID_TYPE", f"Every record must be of the URI's type {spec.name}"
                )
        with self._sandbox.store.transaction():
            try:
                return self._write(request, spec, key, records, bool(body.get("allOrNone")))
            except BodyError as exc:
                return wire.error(400, exc.code, exc.message)

    def _write(
        self,
        request: Request,
        spec: ObjectSpec,
        key: FieldSpec,
        records: list[dict[str, Any]],
        all_or_none: bool,
    ) -> Response:
        fails = self._fails(request)
        exists = self._writer.exists_check()
        prepared: list[Prepared] = []
        claimed: dict[str, int] = {}
        for index, item in enumerate(records):
            try:
                prepared.append(self._prepare(spec, key, item, exists, fails))
            except WriteError as exc:
                prepared.append(exc)
                continue
            value = _folded(item, key)
            if value in claimed:  # the same key twice in one call: neither is written
                prepared[index] = prepared[claimed[value]] = _duplicate_in_request(key, value)
            claimed[value] = index
        if all_or_none and any(isinstance(p, WriteError) for p in prepared):
            return Response(200, [_failure(p, rolled_back=True) for p in prepared])
        results: list[dict[str, Any]] = []
        for entry in prepared:
            if isinstance(entry, WriteError):
                results.append(_failure(entry, rolled_back=False))
                continue
            record, created = entry
            if created:
                [record_id] = self._writer.insert(spec, [record])
            else:
                self._writer.save(spec, record)
                record_id = record["Id"]
            results.append({"id": record_id, "success": True, "errors": [], "created": created})
        return Response(200, results)

    def _prepare(
        self,
        spec: ObjectSpec,
        key: FieldSpec,
        item: dict[str, Any],
        exists: Callable[[str, str], bool],
        fails: Callable[[str], bool],
    ) -> tuple[Record, bool]:
        if any(name.lower() == "id" for name in item):
            raise WriteError(
                "INVALID_FIELD",
                "Id is not allowed in an upsert by external ID: use the URI's field",
                ["Id"],
            )
        value = _folded(item, key)
        if not value:
            raise WriteError("MISSING_ARGUMENT", f"{key.name} not specified", [key.name])
        matches = self._sandbox.store.list(
            wire.SYSTEM,
            spec.name,
            lambda r: not r.get("IsDeleted") and str(r.get(key.name) or "").casefold() == value,
        )
        if len(matches) > 1:
            ids = ", ".join(str(m["Id"]) for m in matches)
            raise WriteError(
                "DUPLICATE_EXTERNAL_ID",
                f"{key.label}: more than one record found for external id field: [{ids}]",
                [key.name],
            )
        if matches:
            return self._writer.prepare_update(spec, matches[0], item, exists, fails), False
        return self._writer.prepare_create(spec, item, exists, fails), True

    def _fails(self, request: Request) -> Callable[[str], bool]:
        def fails(text: str) -> bool:
            return self._sandbox.faults.take_record_error(
                wire.SYSTEM, request.method, request.path, text
            )

        return fails


def _folded(item: dict[str, Any], key: FieldSpec) -> str:
    value = next((v for k, v in item.items() if k.lower() == key.name.lower()), None)
    return "" if value is None else str(value).casefold()


def _duplicate_in_request(key: FieldSpec, value: str) -> WriteError:
    return WriteError(
        "DUPLICATE_EXTERNAL_ID",
        f"{key.label}: the value {value} is given twice in this request",
        [key.name],
    )


def _failure(entry: Prepared, *, rolled_back: bool) -> dict[str, Any]:
    if isinstance(entry, WriteError):
        return {"success": False, "errors": [entry.as_status()]}
    assert rolled_back
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


def register(sandbox: Sandbox, schema: Schema, writer: Writer) -> None:
    upsert = CollectionUpsert(sandbox, schema, writer)
    sandbox.router.add(
        wire.SYSTEM,
        "PATCH",
        "/services/data/{version}/composite/sobjects/{type}/{field}",
        upsert.handle,
        ENDPOINT,
    )

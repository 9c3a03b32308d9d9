"""Salesforce record writes: validation against the schema (field names, writability, types,
required fields, lookups, the record_error fault) and persistence with system fields maintained.

Used by the single-record REST handlers, sObject Collections and seeding alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..sandbox import salesforce_meta as meta
from ..sandbox import salesforce_wire as wire
from .salesforce_meta import FieldSpec, ObjectSpec
from .soql_sql import define_tables
from .store import Record, Store

ExistsCheck = Callable[[str, str], bool]  # (object name, 18-char id) -> live record exists
FailCheck = Callable[[str], bool]  # email/name text -> the record_error fault hits it

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_STRINGY = (meta.STRING, meta.TEXTAREA, meta.EMAIL, meta.PICKLIST, meta.URL)


class WriteError(Exception):
    """One record cannot be written; the code is Salesforce's errorCode/statusCode."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or []

    def as_error(self) -> dict[str, Any]:
        return {"message": self.message, "errorCode": self.code, "fields": self.fields}

    def as_status(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


class BodyError(Exception):
    """The JSON cannot be deserialised into the sObject (the whole request fails with 400)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _coerce(field: FieldSpec, value: Any) -> Any:
    """The stored form of a written value, or WriteError/BodyError as Salesforce would answer."""
    if field.type == meta.BOOLEAN:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise BodyError(
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of boolean from {type(value).__name__} value "
                f"{value} or request may be missing a required field",
            )
        return value
    if value is None or value == "":
        return None
    if field.type in (meta.CURRENCY, meta.DOUBLE):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BodyError(
                "JSON_PARSER_ERROR", f"Cannot deserialize instance of double from value {value}"
            )
        return value
    if isinstance(value, dict | list):
        raise BodyError(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {field.type} from START_OBJECT value for {field.name}",
        )
    text = str(value)
    if field.type == meta.DATE:
        try:
            return (
                date.fromisoformat(text).isoformat() if len(text) == 10 else _bad_type(field, text)
            )
        except ValueError:
            return _bad_type(field, text)
    if field.type == meta.DATETIME:
        try:
            return wire.format_datetime(wire.parse_datetime(text))
        except ValueError:
            return _bad_type(field, text)
    if field.type in (meta.REFERENCE, meta.ID):
        if len(text) not in (15, 18) or not text.isalnum():
            raise WriteError(
                "MALFORMED_ID", f"{field.label}: id value of incorrect type: {text}", [field.name]
            )
        return wire.to_id18(text)
    if field.length and len(text) > field.length:
        raise WriteError(
            "STRING_TOO_LONG",
            f"{field.label}: data value too large: {text[:40]} (max length={field.length})",
            [field.name],
        )
    if field.type == meta.EMAIL and not _EMAIL.fullmatch(text):
        raise WriteError(
            "INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {text}", [field.name]
        )
    if field.type == meta.PICKLIST and field.restricted and text not in field.picklist:
        raise WriteError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{field.label}: bad value for restricted picklist field: {text}",
            [field.name],
        )
    return text


def _bad_type(field: FieldSpec, text: str) -> Any:
    raise WriteError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{field.label}: value not of required type: {text}",
        [field.name],
    )


@dataclass
class Writer:
    """Validates and stores records of the emulated org."""

    store: Store

    def __post_init__(self) -> None:
        # The column tables SOQL runs on are kept by the store on every write from now on.
        define_tables(self.store)

    def _fields(self, spec: ObjectSpec, body: dict[str, Any], creating: bool) -> dict[str, Any]:
        """Body keys resolved to canonical field names and coerced values (the order of checks
        follows Salesforce: unknown field, not writable, value)."""
        resolved: list[tuple[FieldSpec, Any]] = []
        for key, value in body.items():
            if key == "attributes":
                continue
            field = spec.field(key)
            if field is None:
                raise WriteError(
                    "INVALID_FIELD", f"No such column '{key}' on sobject of type {spec.name}", [key]
                )
            resolved.append((field, value))
        for field, _ in resolved:
            writable = field.createable if creating else field.updateable
            if not writable:
                verb = "create" if creating else "update"
                raise WriteError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to {verb} fields: {field.name}. Please check the security settings of "
                    "this field and verify that it is read/write for your profile or permission set.",
                    [field.name],
                )
        return {field.name: _coerce(field, value) for field, value in resolved}

    def prepare_create(
        self,
        spec: ObjectSpec,
        body: dict[str, Any],
        exists: ExistsCheck,
        fails: FailCheck,
    ) -> Record:
        """A full new record (without Id and timestamps) or WriteError/BodyError."""
        if any(key.lower() == "id" for key in body):
            raise WriteError(
                "INVALID_FIELD", "The Id field should not be specified in the sobject data.", ["Id"]
            )
        values = self._fields(spec, body, creating=True)
        record: Record = {name: f.default for name, f in spec.fields.items()}
        record.update(values)
        self._check(spec, record, exists, fails, changed=values)
        return record

    def prepare_update(
        self,
        spec: ObjectSpec,
        current: Record,
        body: dict[str, Any],
        exists: ExistsCheck,
        fails: FailCheck,
    ) -> Record:
        body = {k: v for k, v in body.items() if k.lower() != "id"}
        values = self._fields(spec, body, creating=False)
        record = dict(current)
        record.update(values)
        self._check(spec, record, exists, fails, changed=values)
        return record

    def _check(
        self,
        spec: ObjectSpec,
        record: Record,
        exists: ExistsCheck,
        fails: FailCheck,
        changed: dict[str, Any],
    ) -> None:
        missing = [f.name for f in spec.fields.values() if f.required and not record.get(f.name)]
        if missing:
            raise WriteError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        for name, value in changed.items():
            field = spec.fields[name]
            is_lookup = field.type == meta.REFERENCE and value is not None
            if is_lookup and not any(exists(t, value) for t in field.reference_to):
                raise WriteError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"{field.label}: invalid cross reference id {value}",
                    [name],
                )
        if spec.name == "Contact":
            record["Name"] = " ".join(
                p for p in (record.get("FirstName"), record.get("LastName")) if p
            )
        text = " ".join(
            str(record.get(k) or "") for k in ("Email", "Name", "FirstName", "LastName")
        )
        if fails(text):
            raise WriteError(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "This record failed a validation rule (injected by the sandbox).",
                [],
            )

    def new_ids(self, spec: ObjectSpec, count: int) -> list[str]:
        first = self.store.next_id(wire.SYSTEM, spec.name, count)
        return [wire.make_id(spec.key_prefix, n) for n in range(first, first + count)]

    def insert(self, spec: ObjectSpec, records: list[Record]) -> list[str]:
        """Store prepared records; returns their new ids."""
        ids = self.new_ids(spec, len(records))
        stamp = wire.now_stamp()
        rows = []
        for record_id, record in zip(ids, records, strict=True):
            record.update(
                Id=record_id,
                IsDeleted=False,
                CreatedDate=stamp,
                LastModifiedDate=stamp,
                SystemModstamp=stamp,
            )
            rows.append((record_id, record))
        self.store.insert_many(wire.SYSTEM, spec.name, rows)
        return ids

    def save(self, spec: ObjectSpec, record: Record) -> None:
        stamp = wire.now_stamp()
        record.update(LastModifiedDate=stamp, SystemModstamp=stamp)
        self.store.update(wire.SYSTEM, spec.name, record["Id"], record)

    def soft_delete(self, spec: ObjectSpec, record: Record) -> None:
        record["IsDeleted"] = True
        self.save(spec, record)

    def live(self, spec: ObjectSpec, record_id: str) -> Record | None:
        """A record that exists and is not deleted; raises WriteError for a missing or deleted one,
        and MALFORMED_ID on field Id for an id that is not one of this object's (an Account id in
        a Contact update), as Salesforce does."""
        well_formed = len(record_id) in (15, 18) and record_id.isalnum()
        if not well_formed or not record_id.startswith(spec.key_prefix):
            raise WriteError(
                "MALFORMED_ID", f"{spec.label} ID: id value of incorrect type: {record_id}", ["Id"]
            )
        found = self.store.get(wire.SYSTEM, spec.name, wire.to_id18(record_id))
        if found is None:
            raise WriteError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        if found.get("IsDeleted"):
            raise WriteError("ENTITY_IS_DELETED", "entity is deleted", [])
        return found

    def exists_check(self) -> ExistsCheck:
        def exists(type_: str, record_id: str) -> bool:
            found = self.store.get(wire.SYSTEM, type_, record_id)
            return found is not None and not found.get("IsDeleted")

        return exists

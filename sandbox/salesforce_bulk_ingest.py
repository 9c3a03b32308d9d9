"""The rows of a Bulk API 2.0 ingest job applied to the org: each row validated and written exactly as
the REST create/update path writes a record (salesforce_records.Writer), so one bad row fails alone.

CSV cells become field values as Bulk API 2.0 reads them: an empty cell leaves the field out (on
update it is not changed), `#N/A` sets it to null, checkboxes take true/false (or 1/0), numbers are
parsed, everything else is text the Writer checks as it checks a JSON value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..sandbox import salesforce_meta as meta
from ..sandbox import salesforce_wire as wire
from .salesforce_bulk_csv import CsvError
from .salesforce_meta import FieldSpec, ObjectSpec
from .salesforce_records import BodyError, WriteError, Writer
from .store import Record, fold, quote_name

OPERATIONS = ("insert", "update", "upsert", "delete")
NULL = "#N/A"
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})

Row = list[str]


def error_text(code: str, message: str, fields: Sequence[str]) -> str:
    """sf__Error as failed results carry it: `CODE:message:Field,Field --`."""
    return f"{code}:{message}:{','.join(fields)} --"


@dataclass
class Outcome:
    """Result rows of one chunk: successful (sf__Id, sf__Created, *row) and failed (sf__Id,
    sf__Error, *row)."""

    succeeded: list[Row]
    failed: list[Row]


class _RowError(Exception):
    def __init__(self, code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.text = error_text(code, message, fields)


class IngestRun:
    """Applies the rows of one job, a chunk at a time (the caller holds the store transaction)."""

    def __init__(
        self,
        writer: Writer,
        spec: ObjectSpec,
        operation: str,
        external_id: str | None,
        header: Sequence[str],
        fails: Callable[[str], bool],
    ) -> None:
        self._writer = writer
        self._spec = spec
        self._operation = operation
        self._external_id = external_id
        self._header = list(header)
        self._fails = fails
        self._fields = [self._column(name) for name in header]
        self._id_at = next((i for i, f in enumerate(self._fields) if f.name == "Id"), None)
        if operation in ("update", "delete") and self._id_at is None:
            raise CsvError(f"InvalidBatch : Field name not found : Id (required for {operation})")
        self._key_at = None
        self._scan: dict[str, list[str]] | None = None
        if operation == "upsert":
            self._key_at = next(
                (
                    i
                    for i, f in enumerate(self._fields)
                    if f.name.lower() == str(external_id).lower()
                ),
                None,
            )
            if self._key_at is None:
                raise CsvError(f"InvalidBatch : Field name not found : {external_id}")

    def _column(self, name: str) -> FieldSpec:
        found = self._spec.field(name.strip())
        if found is None:
            raise CsvError(f"InvalidBatch : Field name not found : {name}")
        return found

    def apply(self, rows: Sequence[Row]) -> Outcome:
        outcome = Outcome([], [])
        creates: list[tuple[Row, Record]] = []
        exists = self._writer.exists_check()
        for row in rows:
            try:
                if len(row) != len(self._header):
                    raise _RowError(
                        "INVALID_FIELD",
                        f"the row has {len(row)} values for {len(self._header)} columns",
                    )
                created = self._row(row, exists)
            except _RowError as exc:
                outcome.failed.append([self._known_id(row), exc.text, *row])
                continue
            except WriteError as exc:
                text = error_text(exc.code, exc.message, exc.fields)
                outcome.failed.append([self._known_id(row), text, *row])
                continue
            except BodyError as exc:
                outcome.failed.append(
                    [self._known_id(row), error_text(exc.code, exc.message, []), *row]
                )
                continue
            if isinstance(created, str):
                outcome.succeeded.append([created, "false", *row])
            elif self._operation == "upsert":  # at once, so a later row with its key updates it
                [record_id] = self._writer.insert(self._spec, [created])
                key = self._fields[self._key_at].name if self._key_at is not None else ""
                self._index(created, key)
                outcome.succeeded.append([record_id, "true", *row])
            else:
                creates.append((row, created))
        if creates:
            ids = self._writer.insert(self._spec, [record for _, record in creates])
            for (row, _), record_id in zip(creates, ids, strict=True):
                outcome.succeeded.append([record_id, "true", *row])
        return outcome

    def _known_id(self, row: Row) -> str:
        if self._id_at is None or self._id_at >= len(row):
            return ""
        return wire.to_id18(row[self._id_at].strip())

    def _row(self, row: Row, exists: Callable[[str, str], bool]) -> Record | str:
        """A prepared record to create, or the id of the record this row updated or deleted."""
        if self._operation == "insert":
            return self._writer.prepare_create(self._spec, self._body(row), exists, self._fails)
        if self._operation == "upsert":
            target = self._upsert_target(row)
            if target is None:
                body = {k: v for k, v in self._body(row).items() if k.lower() != "id"}
                return self._writer.prepare_create(self._spec, body, exists, self._fails)
            return self._update(target, row, exists)
        assert self._id_at is not None
        record_id = row[self._id_at].strip()
        if not record_id:
            raise _RowError(
                "MISSING_ARGUMENT", f"Id not specified in an {self._operation} call", ["Id"]
            )
        if self._operation == "delete":
            current = self._writer.live(self._spec, record_id)
            assert current is not None
            self._writer.soft_delete(self._spec, current)
            return str(current["Id"])
        return self._update(record_id, row, exists)

    def _update(self, record_id: str, row: Row, exists: Callable[[str, str], bool]) -> str:
        current = self._writer.live(self._spec, record_id)
        assert current is not None
        record = self._writer.prepare_update(
            self._spec, current, self._body(row), exists, self._fails
        )
        self._writer.save(self._spec, record)
        return str(record["Id"])

    def _upsert_target(self, row: Row) -> str | None:
        """The id of the record the row's external id names (None: create one)."""
        assert self._key_at is not None
        field = self._fields[self._key_at]
        value = row[self._key_at].strip()
        if field.name == "Id":
            return value or None
        if not value or value == NULL:
            raise _RowError(
                "MISSING_ARGUMENT",
                f"{field.name} not specified: an upsert needs its value",
                [field.name],
            )
        matches = self._matching(field, value)
        if len(matches) > 1:
            raise _RowError(
                "DUPLICATE_EXTERNAL_ID",
                f"{field.label}: more than one record found for external id field: {matches}",
                [field.name],
            )
        return matches[0] if matches else None

    def _matching(self, field: FieldSpec, value: str) -> list[str]:
        store = self._writer.store
        table = store.column_table(wire.SYSTEM, self._spec.name)
        kinds = {c.field: c.kind for c in table.columns} if table is not None else {}
        if table is None or field.name not in kinds:  # a field an admin request added
            return list(self._scanned(field.name).get(value.casefold(), []))
        wanted = fold(value) if kinds[field.name] == "fold" else value
        rows = store.select(
            f"SELECT id FROM {quote_name(table.name)} WHERE {quote_name(field.name)} = ?"
            ' AND "IsDeleted" = 0 ORDER BY id',
            [wanted],
        )
        return [str(r[0]) for r in rows]

    def _scanned(self, name: str) -> dict[str, list[str]]:
        """Live ids by the case-folded value of a field without a column, read once per run and
        kept current with the run's own creates."""
        if self._scan is None:
            self._scan = {}
            for record in self._writer.store.list(wire.SYSTEM, self._spec.name):
                self._index(record, name)
        return self._scan

    def _index(self, record: Record, name: str) -> None:
        value = record.get(name)
        if self._scan is not None and isinstance(value, str) and not record.get("IsDeleted"):
            self._scan.setdefault(value.casefold(), []).append(str(record["Id"]))

    def _body(self, row: Row) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, field, text in zip(self._header, self._fields, row, strict=True):
            if field.name == "Id" or text == "":
                continue
            body[name] = None if text == NULL else _value(field, text)
        return body


def _value(field: FieldSpec, text: str) -> Any:
    if field.type == meta.BOOLEAN:
        lowered = text.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise _RowError(
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            f"{field.label}: value not of required type: {text}",
            [field.name],
        )
    if field.type in (meta.CURRENCY, meta.DOUBLE):
        try:
            return float(text)
        except ValueError:
            raise _RowError(
                "INVALID_TYPE_ON_FIELD_IN_RECORD",
                f"{field.label}: value not of required type: {text}",
                [field.name],
            ) from None
    return text

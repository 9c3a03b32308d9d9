"""Reads that switch to a Bulk API 2.0 query job when they are large.

The REST query's first page says how many records the whole read holds (`totalSize`). Under
`bulk_read_threshold` the read goes on page by page (2,000 records a call); at or above it, the
same SOQL runs as a query job whose CSV results come `bulk_query_max_records` records a call. CSV
cells are turned back into the values the REST API gives (checkboxes as booleans, empty as null,
datetimes as `...+0000`, parent fields nested under the relationship), so both reads yield the same
records.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from simple_salesforce.api import Salesforce

from ..contract import ProviderError, TransientError
from .bulk import CLOSED_STATES, BulkClient, BulkSettings, Sleep
from .connection import Connection
from .profiles import CHECKBOXES, FieldMap, Kind

DATETIMES = frozenset({"invitation_accepted_at"})


class BulkQuery:
    def __init__(
        self,
        connection: Connection,
        client: BulkClient,
        settings: BulkSettings,
        fields: FieldMap,
        sleep: Sleep,
    ) -> None:
        self._connection = connection
        self._client = client
        self._settings = settings
        self._fields = fields
        self._sleep = sleep

    def pages(self, soql: str, kind: Kind) -> Iterator[Iterable[dict[str, Any]]]:
        """The read's records a page at a time, through a query job when it is large (a job's
        result set is converted row by row as the caller takes them, never held whole)."""
        page: dict[str, Any] = self._connection.call("query", lambda sf: self._first(sf, soql))
        threshold = self._settings.read_threshold
        large = threshold is not None and int(page.get("totalSize") or 0) >= threshold
        if large and not page.get("done", True):
            yield from self._job(soql, kind)
            return
        yield list(page["records"])
        while not page.get("done", True):
            page = self._connection.call("query", self._more(str(page["nextRecordsUrl"])))
            yield list(page["records"])

    def _first(self, sf: Salesforce, soql: str) -> dict[str, Any]:
        return dict(sf.query(soql, **self._connection.request_options()))

    def _more(self, locator: str) -> Callable[[Salesforce], dict[str, Any]]:
        def more(sf: Salesforce) -> dict[str, Any]:
            options = self._connection.request_options()
            return dict(sf.query_more(locator, identifier_is_url=True, **options))

        return more

    def _job(self, soql: str, kind: Kind) -> Iterator[Iterator[dict[str, Any]]]:
        body = {
            "operation": "query",
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        job_id = str(self._client.json("bulk query job", "POST", "query", body=body)["id"])
        info = self._wait(job_id)
        if info.get("state") != "JobComplete":
            raise ProviderError(
                f"Salesforce Bulk API query job {job_id} ended {info.get('state')}: "
                f"{info.get('errorMessage') or 'no message'}"
            )
        converter = _Converter(self._fields, kind)
        locator = ""
        while True:
            params = {
                "maxRecords": str(self._settings.query_max_records),
                **({"locator": locator} if locator else {}),
            }
            response = self._client.csv("bulk query results", f"query/{job_id}/results", params)
            locator = response.headers.get("Sforce-Locator", "null")
            text = response.text
            del response  # its bytes: the text is all that is read from here
            yield map(converter.record, csv.DictReader(lines_of(text)))
            if locator in ("", "null"):
                return

    def _wait(self, job_id: str) -> dict[str, Any]:
        for wait in self._settings.polls():
            self._sleep(wait)
            info = self._client.job("query", job_id)
            if info is None:
                raise ProviderError(f"Salesforce forgot Bulk API query job {job_id}")
            if info.get("state") in CLOSED_STATES:
                return info
        raise TransientError(
            f"Salesforce Bulk API query job {job_id} did not complete in "
            f"{self._settings.job_timeout_seconds:g} s"
        )


class _Converter:
    """CSV cells of one kind's read back into the REST API's values."""

    def __init__(self, fields: FieldMap, kind: Kind) -> None:
        mapped = fields.mapped(kind)
        self._checkboxes = {api for name, api in mapped.items() if name in CHECKBOXES}
        self._datetimes = {api for name, api in mapped.items() if name in DATETIMES}

    def record(self, row: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        parents: dict[str, dict[str, Any]] = {}
        for header, text in row.items():
            relationship, _, name = header.rpartition(".")
            value = self._value(name, text)
            if relationship:
                parents.setdefault(relationship, {})[name] = value
            else:
                out[name] = value
        for relationship, values in parents.items():
            out[relationship] = values if any(v is not None for v in values.values()) else None
        return out

    def _value(self, name: str, text: str) -> Any:
        if text == "":
            return False if name in self._checkboxes else None
        if name in self._checkboxes:
            return text.lower() == "true"
        if name in self._datetimes and text.endswith("Z"):
            return text[:-1] + "+0000"
        return text


def lines_of(text: str) -> Iterator[str]:
    """The text's lines, each with its "\n", one at a time: a result set of 50,000 rows is never
    copied whole (io.StringIO would copy it at four bytes a character). Only "\n" ends a line, as
    the job asked (lineEnding LF), so a quoted value holding other breaks stays whole."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1

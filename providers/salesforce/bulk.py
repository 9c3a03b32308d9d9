"""Bulk API 2.0 for the Salesforce provider: settings, the job journal, and the HTTP client.

Large reads run as a query job and large writes as an ingest job (`bulk_query`, `bulk_ingest`);
small ones stay on the REST query and sObject Collections. Every call goes through the provider's
Connection, so it is counted, retried when transient and renewed when the session expires.

The journal: a job id is handed to a `JobJournal` as soon as Salesforce returns it, before any
data is uploaded, and forgotten once the job's results are reported. A run that dies with a job in
the journal (kill -9 mid-job) is picked up by the next apply: the job is polled and its results
joined to that apply's changes instead of uploading the same records again (`BulkIngest.resume`).
The engine backs the journal with state; `MemoryJournal` keeps it for one process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound
from simple_salesforce.util import call_salesforce

from ..contract import Journal
from .config import SalesforceSystem
from .connection import Connection

CLOSED_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
CSV_TYPE = "text/csv"


class StateJobJournal:
    """A JobJournal on the engine's journal (storegate's state): one entry per job in flight."""

    PREFIX = "bulk-job:"

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def unfinished(self) -> Sequence[BulkJob]:
        return [
            BulkJob(str(v["id"]), str(v["kind"]), str(v["operation"]))
            for k, v in sorted(self._journal.entries().items())
            if k.startswith(self.PREFIX)
        ]

    def remember(self, job: BulkJob) -> None:
        value = {"id": job.id, "kind": job.kind, "operation": job.operation}
        self._journal.put(self.PREFIX + job.id, value)

    def forget(self, job_id: str) -> None:
        self._journal.drop(self.PREFIX + job_id)


@dataclass(frozen=True)
class BulkJob:
    """An ingest job this provider started: what it writes (kind "account" or "contact";
    operation "insert", "upsert" (creates on an External ID field) or "update")."""

    id: str
    kind: str
    operation: str


class JobJournal(Protocol):
    """Where ingest job ids are kept until their results are reported (state, for the engine)."""

    def unfinished(self) -> Sequence[BulkJob]:
        """Jobs remembered and not forgotten yet, oldest first."""

    def remember(self, job: BulkJob) -> None:
        """Keep `job` durably before its data is uploaded."""

    def forget(self, job_id: str) -> None:
        """The job's results were reported (or it never ran): drop it."""


class MemoryJournal:
    """A journal for one process (a provider built without the engine's)."""

    def __init__(self) -> None:
        self._jobs: dict[str, BulkJob] = {}

    def unfinished(self) -> Sequence[BulkJob]:
        return list(self._jobs.values())

    def remember(self, job: BulkJob) -> None:
        self._jobs[job.id] = job

    def forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)


@dataclass(frozen=True)
class BulkSettings:
    read_threshold: int | None
    write_threshold: int | None
    poll_seconds: float
    poll_max_seconds: float
    job_timeout_seconds: float
    query_max_records: int

    @classmethod
    def of(cls, settings: SalesforceSystem) -> BulkSettings:
        return cls(
            settings.bulk_read_threshold,
            settings.bulk_write_threshold,
            settings.bulk_poll_seconds,
            settings.bulk_poll_max_seconds,
            settings.bulk_job_timeout_seconds,
            settings.bulk_query_max_records,
        )

    def polls(self) -> Iterator[float]:
        """Waits between polls: doubling from poll_seconds up to poll_max_seconds, in all no more
        than job_timeout_seconds."""
        wait, spent = self.poll_seconds, 0.0
        while spent + wait <= self.job_timeout_seconds:
            yield wait
            spent += wait
            wait = min(wait * 2, self.poll_max_seconds)


class BulkClient:
    """Bulk API 2.0 requests under /services/data/vXX.X/jobs/, through the Connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def json(
        self,
        what: str,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        retry_transient: bool = True,
    ) -> Any:
        response = self._request(what, method, path, body=body, retry_transient=retry_transient)
        return response.json() if response.content else None

    def job(self, kind: str, job_id: str) -> dict[str, Any] | None:
        """A job's info, or None when Salesforce no longer knows the job."""

        def get(sf: Salesforce) -> dict[str, Any] | None:
            try:
                response = self._send(sf, "GET", f"{kind}/{job_id}", None, None, None)
            except SalesforceResourceNotFound:
                return None
            return dict(response.json())

        return self._connection.call(f"bulk {kind} job status", get)

    def upload(self, job_id: str, csv_text: str) -> None:
        """The job's data; never resent (a second upload would make the job unusable)."""
        self._request(
            "bulk upload",
            "PUT",
            f"ingest/{job_id}/batches",
            data=csv_text.encode(),
            content_type=CSV_TYPE,
            retry_transient=False,
        )

    def csv(
        self, what: str, path: str, params: Mapping[str, str] | None = None
    ) -> requests.Response:
        response = self._request(what, "GET", path, params=params, accept=CSV_TYPE)
        # Bulk API 2.0 CSV is UTF-8; requests would decode a `text/csv` without a charset as
        # ISO-8859-1 (its HTTP/1.1 default for text/*), turning "Zoë" into "ZoÃ«".
        response.encoding = "utf-8"
        return response

    def _request(
        self,
        what: str,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        retry_transient: bool = True,
    ) -> requests.Response:
        def send(sf: Salesforce) -> requests.Response:
            payload = data if body is None else json.dumps(body).encode()
            return self._send(sf, method, path, payload, params, (content_type, accept))

        return self._connection.call(what, send, retry_transient=retry_transient)

    def _send(
        self,
        sf: Salesforce,
        method: str,
        path: str,
        payload: bytes | None,
        params: Mapping[str, str] | None,
        types: tuple[str, str] | None,
    ) -> requests.Response:
        headers = dict(sf.headers)
        content_type, accept = types or ("application/json", "application/json")
        headers.update({"Content-Type": content_type, "Accept": accept})
        response: requests.Response = call_salesforce(
            url=f"{sf.base_url}jobs/{path}",
            method=method,
            session=sf.session,
            headers=headers,
            data=payload,
            params=dict(params or {}),
            **self._connection.request_options(),
        )
        return response


Sleep = Callable[[float], None]
"""How the provider waits between polls (time.sleep; tests may pass their own)."""

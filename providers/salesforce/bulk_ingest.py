"""Writes through one Bulk API 2.0 ingest job: CSV upload, close, poll with bounded backoff, then
the successful and failed results joined back to the changes and reported through `on_batch`.

Creates stay idempotent. The job id is in the journal before any data leaves, and the upload is
never resent: a failed upload aborts the job (an open job processes nothing) and its changes go
through sObject Collections with their lookup-before-retry. Rows a job leaves unprocessed (it
failed or was aborted), or that its results do not name, are looked up by email / Name first, and
only those not found are written again. A job still running when apply stops waiting, or when the
process dies, is resumed by the next apply from its id (`resume`): its created records are joined
to that apply's creates by email / Name, so nothing is uploaded twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..contract import (
    Action,
    ApiLimitExceeded,
    AuthError,
    BatchCallback,
    Change,
    ChangeResult,
    ProviderError,
    TransientError,
    email_key,
)
from .bulk import (
    CLOSED_STATES,
    BulkClient,
    BulkJob,
    BulkSettings,
    JobJournal,
    Sleep,
)
from .pending import Pending
from .profiles import SOBJECT, Kind

NULL = "#N/A"
"""What Bulk API 2.0 reads as null (an empty cell leaves the field unchanged)."""
IDENTITY = {"contact": "Email", "account": "Name"}

Existing = Callable[[Kind, Sequence[Pending]], dict[str, str]]
"""Identity (email lowercased / Name) -> Id of those pending creates that exist already."""


def identity(kind: str, value: str) -> str:
    """How creates are matched to records: by email (case-insensitive) or account Name."""
    return email_key(value) if kind == "contact" else value


def cell(value: Any) -> str:
    if value is None or value == "":
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def error_message(text: str) -> str:
    """`CODE: message (fields)` from sf__Error (`CODE:message:Field,Field --`)."""
    code, _, rest = text.removesuffix(" --").partition(":")
    message, _, fields = rest.rpartition(":") if rest.count(":") else (rest, "", "")
    detail = f"{code}: {message}".strip() if message else code
    return f"{detail} ({fields.replace(',', ', ')})" if fields else detail or text


@dataclass
class Table:
    """The CSV of one job and where each row's changes are."""

    header: list[str]
    rows: dict[tuple[str, ...], list[Pending]] = field(default_factory=dict)
    text: str = ""


@dataclass
class Resumed:
    """What resuming the journal's jobs settled, and what the apply must check before creating."""

    settled: set[str] = field(default_factory=set)
    check_first: set[str] = field(default_factory=set)
    """Kinds whose creates may exist already (a job was lost): look them up before creating."""


class BulkIngest:
    def __init__(
        self,
        client: BulkClient,
        settings: BulkSettings,
        journal: JobJournal,
        existing: Existing,
        sleep: Sleep,
    ) -> None:
        self._client = client
        self._settings = settings
        self._journal = journal
        self._existing = existing
        self._sleep = sleep

    def wants(self, count: int) -> bool:
        threshold = self._settings.write_threshold
        return threshold is not None and count >= threshold

    # ------------------------------------------------------------------ one job

    def write(
        self,
        kind: Kind,
        operation: str,
        ready: Sequence[Pending],
        on_batch: BatchCallback,
        external_id: str | None = None,
    ) -> list[Pending]:
        """Write `ready` through one ingest job (insert, update, or creates as an upsert on the
        `external_id` field), reporting every result it gives; the changes left for sObject
        Collections are returned (none when the job ran)."""
        table = _table(operation, ready)
        body = {
            "object": SOBJECT[kind],
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            **({"externalIdFieldName": external_id} if external_id else {}),
        }
        try:
            job = self._client.json(f"bulk {kind} {operation} job", "POST", "ingest", body=body)
        except (ApiLimitExceeded, AuthError):
            raise
        except ProviderError:  # no Bulk API for this user or org: Collections do it
            return list(ready)
        job_id = str(job["id"])
        self._journal.remember(BulkJob(job_id, kind, operation))
        if not self._upload_and_close(job_id, table.text):
            self._abort(job_id)
            self._journal.forget(job_id)
            return list(ready)
        info = self._wait(job_id)
        if info is None:
            waited = f"{self._settings.job_timeout_seconds:g} s"
            on_batch(
                [
                    ChangeResult(
                        p.change.id,
                        False,
                        p.change.remote_id,
                        f"Bulk API job {job_id} is still running after {waited}; the next apply "
                        "takes its results",
                    )
                    for p in ready
                ]
            )
            return []
        results, unsettled = self._results(job_id, table)
        leftovers: list[Pending] = []
        if unsettled:
            found = self._existing(kind, unsettled) if operation != "update" else {}
            for pending in unsettled:
                record_id = found.get(_identity(kind, pending))
                if record_id is None:
                    leftovers.append(pending)
                else:
                    results.append(_ok(pending.change, record_id))
        if results:
            on_batch(results)
        self._journal.forget(job_id)
        return leftovers

    def _upload_and_close(self, job_id: str, text: str) -> bool:
        try:
            self._client.upload(job_id, text)
        except TransientError:
            return False
        try:
            self._client.json(
                "bulk close", "PATCH", f"ingest/{job_id}", body={"state": "UploadComplete"}
            )
        except (ApiLimitExceeded, AuthError):
            raise
        except ProviderError:
            # A close that landed and was retried answers a state conflict: the job tells.
            info = self._client.job("ingest", job_id)
            return info is not None and info.get("state") != "Open"
        return True

    def _abort(self, job_id: str) -> None:
        try:
            self._client.json("bulk abort", "PATCH", f"ingest/{job_id}", body={"state": "Aborted"})
        except (ApiLimitExceeded, AuthError):
            raise
        except ProviderError:  # gone or closed already: an open job never runs
            return

    def _wait(self, job_id: str) -> dict[str, Any] | None:
        """The job's final info; {"state": "Lost"} when Salesforce forgot it; None on timeout."""
        for wait in self._settings.polls():
            self._sleep(wait)
            info = self._client.job("ingest", job_id)
            if info is None:
                return {"state": "Lost"}
            if info.get("state") in CLOSED_STATES:
                return info
        return None

    def _results(self, job_id: str, table: Table) -> tuple[list[ChangeResult], list[Pending]]:
        """Results joined to the changes by the row they uploaded; the changes no result names."""
        remaining = {key: list(pendings) for key, pendings in table.rows.items()}
        results: list[ChangeResult] = []
        for which, ok in (("successfulResults", True), ("failedResults", False)):
            for row in self._rows(job_id, which):
                key = tuple(row.get(name, "") for name in table.header)
                pendings = remaining.get(key)
                if not pendings:
                    continue
                pending = pendings.pop(0)
                change = pending.change
                if ok:
                    results.append(_ok(change, row.get("sf__Id") or change.remote_id or ""))
                else:
                    error = error_message(row.get("sf__Error", "")) or "Salesforce rejected it"
                    results.append(ChangeResult(change.id, False, change.remote_id, error))
        return results, [p for pendings in remaining.values() for p in pendings]

    def _rows(self, job_id: str, which: str) -> list[dict[str, str]]:
        response = self._client.csv(f"bulk {which}", f"ingest/{job_id}/{which}")
        return list(csv.DictReader(io.StringIO(response.text)))

    # ------------------------------------------------------------------ the journal

    def resume(self, changes: Sequence[Change], on_batch: BatchCallback) -> Resumed:
        """Finish the jobs an earlier run left in the journal before writing anything: wait for
        each, report the records its creates made as this apply's creates of the same email /
        Name, and forget it."""
        resumed = Resumed()
        creates: dict[tuple[str, str], Change] = {
            (c.kind, identity(c.kind, c.key)): c
            for c in changes
            if c.action is Action.CREATE and c.kind in SOBJECT
        }
        for job in self._journal.unfinished():
            info = self._client.job("ingest", job.id)
            if info is not None and info.get("state") == "Open":
                self._abort(job.id)
                info = {"state": "Aborted"}
            elif info is not None and info.get("state") not in CLOSED_STATES:
                info = self._wait(job.id)
                if info is None:
                    self._hold(job, changes, resumed, on_batch)
                    continue
            creating = job.operation in ("insert", "upsert")
            if info is None or info.get("state") == "Lost":
                if creating:
                    resumed.check_first.add(job.kind)
            elif creating:
                self._join_creates(job, creates, resumed, on_batch)
            self._journal.forget(job.id)
        return resumed

    def _join_creates(
        self,
        job: BulkJob,
        creates: Mapping[tuple[str, str], Change],
        resumed: Resumed,
        on_batch: BatchCallback,
    ) -> None:
        kind: Kind = "contact" if job.kind == "contact" else "account"
        results: list[ChangeResult] = []
        for row in self._rows(job.id, "successfulResults"):
            change = creates.get((kind, identity(kind, row.get(IDENTITY[kind], ""))))
            if change is None or change.id in resumed.settled or not row.get("sf__Id"):
                continue
            results.append(_ok(change, row["sf__Id"]))
            resumed.settled.add(change.id)
        if results:
            on_batch(results)

    def _hold(
        self, job: BulkJob, changes: Sequence[Change], resumed: Resumed, on_batch: BatchCallback
    ) -> None:
        """A job still running: its kind's changes of the same operation wait for the next apply."""
        updating = job.operation == "update"
        held = [
            c
            for c in changes
            if c.kind == job.kind
            and (c.action is not Action.CREATE if updating else c.action is Action.CREATE)
            and c.id not in resumed.settled
        ]
        message = f"waiting for Bulk API job {job.id} of an earlier apply; re-run apply"
        if held:
            on_batch([ChangeResult(c.id, False, c.remote_id, message) for c in held])
        resumed.settled.update(c.id for c in held)


def _ok(change: Change, record_id: str) -> ChangeResult:
    return ChangeResult(change.id, True, record_id, None, {"id": record_id})


def _identity(kind: Kind, pending: Pending) -> str:
    return identity(kind, str(pending.body.get(IDENTITY[kind]) or ""))


def _table(operation: str, ready: Sequence[Pending]) -> Table:
    columns: list[str] = []
    for pending in ready:
        columns.extend(
            k for k in pending.body if k not in ("attributes", "id") and k not in columns
        )
    header = (["Id"] if operation == "update" else []) + columns
    table = Table(header)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for pending in ready:
        row = [str(pending.body["id"])] if operation == "update" else []
        row += [cell(pending.body[c]) if c in pending.body else "" for c in columns]
        writer.writerow(row)
        table.rows.setdefault(tuple(row), []).append(pending)
    table.text = out.getvalue()
    return table

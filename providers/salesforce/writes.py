"""Applying changes through sObject Collections: 200 records per call, allOrNone false.

Creates are never resent blindly: when a create call fails transiently (it may have reached the
server), the records are looked up by email / Name first and only the missing ones are created again.
When no answer came at all, the look-up waits out the uncertainty window first (the request's timeout
plus a margin), so a create the server commits late is found rather than made twice. With
`external_id_field` set, contacts are instead created by upsert on it (upserts.py): idempotent, so
resent like updates.

With a `BulkIngest`, creates or updates of one kind at or above `bulk_write_threshold` go through one
Bulk API 2.0 ingest job instead (bulk_ingest.py); what it leaves comes back here. Jobs an earlier
run left in the journal are resumed before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..contract import (
    Action,
    BatchCallback,
    Change,
    ChangeResult,
    TransientError,
    email_key,
)
from ..retrying import NoAnswer
from .bulk_ingest import BulkIngest, Existing
from .connection import Connection
from .lookups import NameIndex
from .pending import Pending
from .profiles import SOBJECT, FieldMap, Kind
from .records import UnmappedField, to_api
from .soql import chunked_selects
from .upserts import upsert_path, with_key

BATCH_SIZE = 200
UPDATING = frozenset({Action.UPDATE, Action.GRANT, Action.REVOKE})


class Writer:
    def __init__(
        self,
        connection: Connection,
        fields: FieldMap,
        lookups: Mapping[str, NameIndex],
        bulk: Callable[[Existing], BulkIngest] | None = None,
    ) -> None:
        self._connection = connection
        self._fields = fields
        self._lookups = lookups
        self._bulk = bulk(self._existing) if bulk is not None else None
        self._check_first: set[str] = set()

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        refused = [
            ChangeResult(
                c.id, False, c.remote_id, f"the salesforce provider cannot {c.action.value} records"
            )
            for c in changes
            if c.kind not in SOBJECT or (c.action not in UPDATING and c.action is not Action.CREATE)
        ]
        if refused:
            on_batch(refused)
        settled: set[str] = set()
        if self._bulk is not None:
            resumed = self._bulk.resume(changes, on_batch)
            settled, self._check_first = resumed.settled, resumed.check_first
        for kind in ("account", "contact"):
            of_kind = [c for c in changes if c.kind == kind and c.id not in settled]
            self._creates(kind, [c for c in of_kind if c.action is Action.CREATE], on_batch)
            self._updates(kind, [c for c in of_kind if c.action in UPDATING], on_batch)

    # ------------------------------------------------------------------ translation

    def _prepare(
        self, kind: Kind, changes: Sequence[Change], *, create: bool
    ) -> tuple[list[Pending], list[ChangeResult]]:
        ready: list[Pending] = []
        failed: list[ChangeResult] = []
        for change in changes:
            try:
                values = change.after() if create else {f.name: f.after for f in change.fields}
                body = to_api(kind, values, self._fields, self._lookups)
            except UnmappedField as exc:
                failed.append(ChangeResult(change.id, False, change.remote_id, str(exc)))
                continue
            key = self._key(kind)
            if key is not None and (create or "Email" in body):
                body = with_key(body, key)  # the key follows the email
            if not create:
                if change.remote_id is None:
                    failed.append(
                        ChangeResult(change.id, False, None, "no Salesforce id to update")
                    )
                    continue
                body["id"] = change.remote_id
            ready.append(Pending(change, {"attributes": {"type": SOBJECT[kind]}, **body}))
        return ready, failed

    # ------------------------------------------------------------------ updates

    def _updates(self, kind: Kind, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        ready, failed = self._prepare(kind, changes, create=False)
        if failed:
            on_batch(failed)
        if self._bulk is not None and self._bulk.wants(len(ready)):
            ready = self._bulk.write(kind, "update", ready, on_batch)
        for start in range(0, len(ready), BATCH_SIZE):
            batch = ready[start : start + BATCH_SIZE]
            try:
                results = self._send("PATCH", f"{kind} update", batch, retry_transient=True)
            except TransientError as exc:
                on_batch(
                    [ChangeResult(p.change.id, False, p.change.remote_id, str(exc)) for p in batch]
                )
                continue
            on_batch(
                [
                    _result(p.change, item, p.change.remote_id)
                    for p, item in zip(batch, results, strict=True)
                ]
            )

    # ------------------------------------------------------------------ creates

    def _creates(self, kind: Kind, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        ready, failed = self._prepare(kind, changes, create=True)
        if failed:
            on_batch(failed)
        if kind in self._check_first and ready:  # an earlier run's job was lost: found, not made
            ready = self._report_existing(kind, ready, on_batch)
        key = self._key(kind)
        if self._bulk is not None and self._bulk.wants(len(ready)):  # upserts on the key if set
            ready = self._bulk.write(kind, "upsert" if key else "insert", ready, on_batch, key)
        for start in range(0, len(ready), BATCH_SIZE):
            batch = ready[start : start + BATCH_SIZE]
            on_batch(self._upsert_batch(key, batch) if key else self._create_batch(kind, batch))

    def _report_existing(
        self, kind: Kind, ready: list[Pending], on_batch: BatchCallback
    ) -> list[Pending]:
        found = self._existing(kind, ready)
        known = [p for p in ready if _identity(kind, p) in found]
        if known:
            on_batch([_created(p.change, found[_identity(kind, p)]) for p in known])
        return [p for p in ready if _identity(kind, p) not in found]

    def _create_batch(self, kind: Kind, batch: list[Pending]) -> list[ChangeResult]:
        done: list[ChangeResult] = []
        todo = batch
        attempts = 1 + self._connection.max_retries
        error = ""
        for _ in range(attempts):
            try:
                results = self._send("POST", f"{kind} create", todo, retry_transient=False)
            except TransientError as exc:
                error = str(exc)
                if isinstance(exc, NoAnswer):  # it may still land: look once it would show
                    self._connection.wait_out_uncertainty()
                found = self._existing(kind, todo)
                done.extend(
                    ChangeResult(
                        p.change.id,
                        True,
                        found[_identity(kind, p)],
                        None,
                        {"id": found[_identity(kind, p)]},
                    )
                    for p in todo
                    if _identity(kind, p) in found
                )
                todo = [p for p in todo if _identity(kind, p) not in found]
                if not todo:
                    return done
                continue
            done.extend(
                _result(p.change, item, None) for p, item in zip(todo, results, strict=True)
            )
            return done
        done.extend(ChangeResult(p.change.id, False, None, error) for p in todo)
        return done

    def _key(self, kind: Kind) -> str | None:
        """The External ID field contact creates upsert on (None: plain creates; accounts)."""
        return self._connection.external_id_field if kind == "contact" else None

    def _upsert_batch(self, key: str, batch: list[Pending]) -> list[ChangeResult]:
        """Creates as upserts on `key`: a resend cannot duplicate, so no look-up is needed."""
        try:
            results = self._send(
                "PATCH", "contact upsert", batch, retry_transient=True, path=upsert_path(key)
            )
        except TransientError as exc:
            return [ChangeResult(p.change.id, False, None, str(exc)) for p in batch]
        return [_result(p.change, item, None) for p, item in zip(batch, results, strict=True)]

    def _existing(self, kind: Kind, batch: Sequence[Pending]) -> dict[str, str]:
        """Identity (email lowercased / Name) -> Id of the batch's records that exist already."""
        api = "Email" if kind == "contact" else "Name"
        identities = {str(p.body.get(api) or "") for p in batch} - {""}
        found: dict[str, str] = {}
        for soql in chunked_selects(SOBJECT[kind], ["Id", api], api, identities):
            for record in self._connection.query(soql):
                key = str(record.get(api) or "")
                found.setdefault(email_key(key) if kind == "contact" else key, str(record["Id"]))
        return found

    # ------------------------------------------------------------------ the wire

    def _send(
        self,
        method: str,
        what: str,
        batch: Sequence[Pending],
        *,
        retry_transient: bool,
        path: str = "composite/sobjects",
    ) -> list[Mapping[str, Any]]:
        body = {"allOrNone": False, "records": [p.body for p in batch]}
        results = self._connection.rest(
            what, method, path, body=body, retry_transient=retry_transient
        )
        if not isinstance(results, list) or len(results) != len(batch):
            raise TransientError(
                f"Salesforce {what} returned {len(results) if isinstance(results, list) else 0} "
                f"results for {len(batch)} records"
            )
        return results


def _created(change: Change, record_id: str) -> ChangeResult:
    return ChangeResult(change.id, True, record_id, None, {"id": record_id})


def _identity(kind: Kind, pending: Pending) -> str:
    if kind == "contact":
        return email_key(str(pending.body.get("Email") or ""))
    return str(pending.body.get("Name") or "")


def _result(change: Change, item: Mapping[str, Any], known_id: str | None) -> ChangeResult:
    record_id = item.get("id") or known_id
    if item.get("success"):
        return ChangeResult(change.id, True, record_id, None, {"id": record_id})
    errors = item.get("errors") or []
    message = "; ".join(
        f"{e.get('statusCode', 'ERROR')}: {e.get('message', '')}"
        + (f" ({', '.join(e['fields'])})" if e.get("fields") else "")
        for e in errors
        if isinstance(e, Mapping)
    )
    return ChangeResult(change.id, False, known_id, message or "Salesforce rejected the record")

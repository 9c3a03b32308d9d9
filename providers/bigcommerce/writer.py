"""Writes customer changes in BigCommerce's batches of 10, at most 3 calls in flight.

Creates are the one non-idempotent write: after a failed or uncertain POST the emails are looked
up and only the missing customers are sent again; when no answer came at all, the look-up waits out
the uncertainty window first, so a create the store commits late is found, not sent twice. A 422 refuses a whole batch, so the batch is
retried one customer at a time and only the bad record's change fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import httpx

from ..contract import (
    REMOVING_ACTIONS,
    Action,
    AuthError,
    BatchCallback,
    Change,
    ChangeResult,
    ProviderError,
    TransientError,
    email_key,
)
from ..retrying import NoAnswer
from .client import BigCommerceClient, error_text
from .customers import FIELDS, PATH, CustomerReader, chunks

BatchWriter = Callable[[Sequence[Change]], list[ChangeResult]]


def _ok(change: Change, customer_id: Any, email: str) -> ChangeResult:
    return ChangeResult(
        change.id,
        True,
        remote_id=str(customer_id),
        attributes={"id": str(customer_id), "email": email},
    )


def _failed(change: Change, error: str) -> ChangeResult:
    return ChangeResult(change.id, False, remote_id=change.remote_id, error=error)


def _email(change: Change) -> str:
    return str(change.after().get("email") or change.key)


class CustomerWriter:
    def __init__(
        self,
        client: BigCommerceClient,
        reader: CustomerReader,
        *,
        batch_size: int,
        max_concurrency: int,
        create_attempts: int,
    ) -> None:
        self._client = client
        self._reader = reader
        self._batch_size = batch_size
        self._max_concurrency = max_concurrency
        self._create_attempts = max(create_attempts, 1)

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        deletes = [c for c in changes if c.action in REMOVING_ACTIONS]
        updates = [c for c in changes if c.action in (Action.UPDATE, Action.GRANT) and c.remote_id]
        creates = [
            c for c in changes if c.action in (Action.CREATE, Action.GRANT) and not c.remote_id
        ]
        planned = {c.id for c in (*deletes, *updates, *creates)}
        unsupported = [c for c in changes if c.id not in planned]
        if unsupported:
            on_batch(
                [_failed(c, f"bigcommerce cannot {c.action.value} a {c.kind}") for c in unsupported]
            )
        # Deletes first: a create may reuse an email a deleted or renamed customer frees.
        for group, write in (
            (deletes, self._delete),
            (updates, self._update),
            (creates, self._create),
        ):
            self._run(group, write, on_batch)

    def _run(self, changes: list[Change], write: BatchWriter, on_batch: BatchCallback) -> None:
        if not changes:
            return
        batches = list(chunks(changes, self._batch_size))
        with ThreadPoolExecutor(max_workers=self._max_concurrency) as pool:
            futures = {pool.submit(self._guarded, write, batch): batch for batch in batches}
            for future in as_completed(futures):
                on_batch(future.result())

    @staticmethod
    def _guarded(write: BatchWriter, batch: Sequence[Change]) -> list[ChangeResult]:
        """A batch that still fails after retries fails only its own changes (not auth errors)."""
        try:
            return write(batch)
        except AuthError:
            raise
        except ProviderError as exc:
            return [_failed(c, str(exc)) for c in batch]

    # ------------------------------------------------------------------ creates

    def _create(self, changes: Sequence[Change]) -> list[ChangeResult]:
        return self._create_attempt(changes, self._create_attempts)

    def _create_attempt(self, changes: Sequence[Change], attempts_left: int) -> list[ChangeResult]:
        payload = [self._create_payload(c) for c in changes]
        try:
            response = self._client.request("POST", PATH, body=payload, retry=False)
        except TransientError as exc:
            if isinstance(exc, NoAnswer):  # it may still land: look once it would show
                self._client.wait_out_uncertainty()
            landed, missing = self._landed(changes)
            if missing and attempts_left > 1:
                return landed + self._create_attempt(missing, attempts_left - 1)
            return landed + [_failed(c, str(exc)) for c in missing]
        if response.status_code == 422:
            if len(changes) == 1:
                return [_failed(changes[0], f"create refused: {error_text(response)}")]
            landed, missing = self._landed(changes)
            isolated = [r for c in missing for r in self._create_attempt([c], attempts_left)]
            return landed + isolated
        return self._match(changes, _data(response), "create")

    def _create_payload(self, change: Change) -> dict[str, Any]:
        return {name: value for name, value in change.after().items() if name in FIELDS}

    def _landed(self, changes: Sequence[Change]) -> tuple[list[ChangeResult], list[Change]]:
        """After an uncertain create: the changes whose customer exists now, and the rest."""
        found = {
            email_key(str(c["email"])): c for c in self._reader.by_emails(map(_email, changes))
        }
        landed = [
            _ok(c, found[email_key(_email(c))]["id"], str(found[email_key(_email(c))]["email"]))
            for c in changes
            if email_key(_email(c)) in found
        ]
        missing = [c for c in changes if email_key(_email(c)) not in found]
        return landed, missing

    # ------------------------------------------------------------------ updates

    def _update(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results = [
            _failed(c, "no BigCommerce customer id to update")
            for c in changes
            if not _numeric_id(c)
        ]
        targets = [c for c in changes if _numeric_id(c)]
        if not targets:
            return results
        response = self._client.request(
            "PUT", PATH, body=[self._update_payload(c) for c in targets]
        )
        if response.status_code == 422:
            if len(targets) == 1:
                return [*results, _failed(targets[0], f"update refused: {error_text(response)}")]
            return results + [r for c in targets for r in self._update([c])]
        return results + self._match(targets, _data(response), "update")

    @staticmethod
    def _update_payload(change: Change) -> dict[str, Any]:
        values = {f.name: f.after for f in change.fields if f.name in FIELDS}
        return {"id": int(str(change.remote_id)), **values}

    # ------------------------------------------------------------------ deletes

    def _delete(self, changes: Sequence[Change]) -> list[ChangeResult]:
        results = [
            _failed(c, "no BigCommerce customer id to delete")
            for c in changes
            if not _numeric_id(c)
        ]
        targets = [c for c in changes if _numeric_id(c)]
        if not targets:
            return results
        ids = ",".join(str(c.remote_id) for c in targets)
        response = self._client.request("DELETE", PATH, params={"id:in": ids})
        if response.status_code == 422:
            if len(targets) == 1:
                return [*results, _failed(targets[0], f"delete refused: {error_text(response)}")]
            return results + [r for c in targets for r in self._delete([c])]
        return results + [_ok(c, c.remote_id, c.key) for c in targets]

    # ------------------------------------------------------------------ responses

    @staticmethod
    def _match(
        changes: Sequence[Change], data: list[dict[str, Any]], verb: str
    ) -> list[ChangeResult]:
        """Pair a batch's changes with the customers the response returned (by id, else email)."""
        by_id = {str(d.get("id")): d for d in data}
        by_email = {email_key(str(d.get("email", ""))): d for d in data}
        results = []
        for change in changes:
            customer = by_id.get(str(change.remote_id)) or by_email.get(email_key(_email(change)))
            if customer is None:
                results.append(_failed(change, f"{verb} answered without this customer"))
            else:
                results.append(_ok(change, customer["id"], str(customer["email"])))
        return results


def _numeric_id(change: Change) -> bool:
    return change.remote_id is not None and change.remote_id.isdigit()


def _data(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        raise ProviderError(
            f"bigcommerce: HTTP {response.status_code} with a body that is not JSON"
        ) from None
    data = body.get("data") if isinstance(body, dict) else None
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []

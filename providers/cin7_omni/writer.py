"""Writes CRM contact changes in Cin7 Omni's batches (`PUT`/`POST /Contacts` take JSON arrays).

Each item of a batch gets its own result, so one refused contact fails only its own change. A
create is the one write that is not idempotent: after an uncertain POST (timeout, dropped
connection, 5xx) the emails are looked up, the contacts that landed are reported with their ids,
and only the missing ones are sent again. Updates run before creates, so a create may take an email
that an update frees. A revocation of a CRM contact makes it inactive; nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from .client import Cin7Client
from .contacts import PATH, ContactReader, chunks
from .wire import CUSTOMER_TYPE, contact_id, get, payload


def _ok(change: Change, new_id: int | str, email: str) -> ChangeResult:
    return ChangeResult(
        change.id, True, remote_id=str(new_id), attributes={"id": str(new_id), "email": email}
    )


def _failed(change: Change, error: str) -> ChangeResult:
    return ChangeResult(change.id, False, remote_id=change.remote_id, error=error)


def _email(change: Change) -> str:
    return str(change.after().get("email") or change.key)


class ContactWriter:
    def __init__(
        self,
        client: Cin7Client,
        reader: ContactReader,
        *,
        kind: str,
        batch_size: int,
        create_attempts: int,
    ) -> None:
        self._client = client
        self._reader = reader
        self._kind = kind
        self._batch_size = batch_size
        self._create_attempts = max(create_attempts, 1)

    @property
    def _name(self) -> str:
        return self._client.name

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        ours = [c for c in changes if c.kind == self._kind and c.action != Action.MANUAL]
        others = [c for c in changes if c not in ours]
        if others:
            on_batch(
                [_failed(c, f"{self._name} cannot {c.action.value} a {c.kind}") for c in others]
            )
        updates = [c for c in ours if _numeric_id(c) and c.action != Action.CREATE]
        creates = [c for c in ours if c not in updates]
        for batch in chunks(updates, self._batch_size):
            on_batch(self._guarded(self._update, batch))
        for batch in chunks(creates, self._batch_size):
            on_batch(self._guarded(self._create, batch))

    @staticmethod
    def _guarded(write: Any, batch: Sequence[Change]) -> list[ChangeResult]:
        """A batch that still fails after retries fails only its own changes (not auth errors)."""
        try:
            results: list[ChangeResult] = write(batch)
        except AuthError:
            raise
        except ProviderError as exc:
            return [_failed(c, str(exc)) for c in batch]
        return results

    # ------------------------------------------------------------------ creates

    def _create(self, changes: Sequence[Change]) -> list[ChangeResult]:
        return self._create_attempt(changes, self._create_attempts)

    def _create_attempt(self, changes: Sequence[Change], attempts_left: int) -> list[ChangeResult]:
        body = [self._create_payload(c) for c in changes]
        try:
            response = self._client.request("POST", PATH, body=body, retry=False)
        except TransientError as exc:
            landed, missing = self._landed(changes)
            if missing and attempts_left > 1:
                return landed + self._create_attempt(missing, attempts_left - 1)
            return landed + [_failed(c, str(exc)) for c in missing]
        return self._match(changes, response, "create")

    @staticmethod
    def _create_payload(change: Change) -> dict[str, Any]:
        values = change.after()
        values.setdefault("type", CUSTOMER_TYPE)
        return payload(values)

    def _landed(self, changes: Sequence[Change]) -> tuple[list[ChangeResult], list[Change]]:
        """After an uncertain create: the changes whose contact exists now, and the rest."""
        found: dict[str, dict[str, Any]] = {}
        for item in self._reader.by_emails(_email(c) for c in changes):
            email = get(item, "email")
            if isinstance(email, str):
                found[email_key(email)] = item
        landed: list[ChangeResult] = []
        missing: list[Change] = []
        for change in changes:
            contact = found.get(email_key(_email(change)))
            new_id = contact_id(contact) if contact is not None else None
            if new_id is None:
                missing.append(change)
            else:
                landed.append(_ok(change, new_id, _email(change)))
        return landed, missing

    # ------------------------------------------------------------------ updates

    def _update(self, changes: Sequence[Change]) -> list[ChangeResult]:
        body = [self._update_payload(c) for c in changes]
        response = self._client.request("PUT", PATH, body=body)
        return self._match(changes, response, "update")

    @staticmethod
    def _update_payload(change: Change) -> dict[str, Any]:
        values: dict[str, Any] = {f.name: f.after for f in change.fields}
        if change.action in REMOVING_ACTIONS:
            values["is_active"] = False
        return {"id": int(str(change.remote_id)), **payload(values)}

    # ------------------------------------------------------------------ answers

    def _match(
        self, changes: Sequence[Change], response: httpx.Response, verb: str
    ) -> list[ChangeResult]:
        """Pair each change with its item's result (by the result's index, else its position)."""
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, list):
            raise ProviderError(f"{self._name}: {verb} answered something other than a list")
        by_index: dict[int, dict[str, Any]] = {}
        for position, item in enumerate(answer):
            if isinstance(item, dict):
                index = get(item, "index")
                by_index[index if isinstance(index, int) else position] = item
        results: list[ChangeResult] = []
        for index, change in enumerate(changes):
            item = by_index.get(index)
            if item is None:
                results.append(_failed(change, f"{verb} answered without this contact"))
                continue
            new_id = contact_id(item) or _known_id(change)
            if get(item, "success") is True and new_id is not None:
                results.append(_ok(change, new_id, _email(change)))
            else:
                errors = get(item, "errors") or [get(item, "code") or "no reason given"]
                reason = "; ".join(str(e) for e in errors)
                results.append(_failed(change, f"{self._name} refused the {verb}: {reason}"))
        return results


def _known_id(change: Change) -> int | None:
    return int(change.remote_id) if change.remote_id is not None and _numeric_id(change) else None


def _numeric_id(change: Change) -> bool:
    return change.remote_id is not None and change.remote_id.isdigit()

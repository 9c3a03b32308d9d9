"""Writes: companies first, then customer removals, updates and creates, one record at a time (the
customer service has no batch write but the import, which needs passwords), each reported as it
lands. A failed record fails alone; an AuthError stops the apply.

A customer is created by a PUT upsert to the id storegate chose, so a retry after a lost answer
finds it (204) instead of making a second one. Seed 004's B2B sequence is kept for every new
customer: created on hold (`active = false, onHold = true`), tied to its company by a contact
assignment, and only then, if its access is `active`, switched to `active = true, onHold = false`,
which sends the "you can log in" email. A buyer is never able to log in before its company link
exists, and a create that fails half-way leaves a customer that cannot log in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from ..contract import (
    Action,
    AuthError,
    BatchCallback,
    Change,
    ChangeResult,
    ProviderError,
    email_key,
)
from .client import EmporixClient, error_text
from .config import EmporixSystem
from .records import (
    COMPANY,
    COMPANY_FIELD,
    COMPANY_ID,
    CUSTOMER,
    CUSTOMER_ID,
    assignment_id_for,
    company_id_for,
    customer_id_for,
    customer_payload,
)

COMPANY_WRITABLE = (
    "name",
    "type",
    "parentId",
    "accountLimit",
    "legalInfo",
    "restrictions",
    "mixins",
)
COMPANY_LINKS = ("customerGroups", "entitiesAddresses", "approvalGroup")


class RecordError(Exception):
    """This record's change failed; the message says why and what to do."""


def _ok(change: Change, record_id: str, **attributes: Any) -> ChangeResult:
    return ChangeResult(
        change.id, True, remote_id=record_id, attributes={"id": record_id, **attributes}
    )


def _failed(change: Change, error: str) -> ChangeResult:
    return ChangeResult(change.id, False, remote_id=change.remote_id, error=error)


class Writer:
    def __init__(
        self,
        name: str,
        client: EmporixClient,
        settings: EmporixSystem,
        company_ids: dict[str, str],
    ) -> None:
        self.name = name
        self._client = client
        self._settings = settings
        self._company_ids = company_ids
        """casefolded company name -> legal entity id, from reads and this apply's writes."""

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        companies = [c for c in changes if c.kind == COMPANY]
        customers = [c for c in changes if c.kind == CUSTOMER]
        others = [c for c in changes if c.kind not in (COMPANY, CUSTOMER)]
        if others:
            on_batch([_failed(c, f"{self.name} has no record kind {c.kind!r}") for c in others])
        removals = [c for c in customers if c.removing]
        creates = [c for c in customers if not c.removing and c.remote_id is None]
        updates = [c for c in customers if not c.removing and c.remote_id is not None]
        for group, write in (
            (companies, self._company),
            (removals, self._removal),
            (updates, self._update),
            (creates, self._create),
        ):
            for change in group:
                on_batch([self._guarded(write, change)])

    def _guarded(self, write: Callable[[Change], ChangeResult], change: Change) -> ChangeResult:
        try:
            return write(change)
        except AuthError:
            raise
        except (RecordError, ProviderError) as exc:
            return _failed(change, str(exc))

    # ------------------------------------------------------------------ companies

    def _company(self, change: Change) -> ChangeResult:
        after = change.after()
        name = str(after.get("name") or change.key)
        if change.action is Action.CREATE or change.remote_id is None:
            company_id = str(after.get(COMPANY_ID) or company_id_for(None, name))
            response = self._client.request(
                "PUT",
                f"{self._client.management}/legal-entities/{company_id}",
                body={"name": name, "type": "COMPANY"},
            )
            self._expect(response, (201, 204), f"creating the company {name!r}")
        elif change.action is Action.UPDATE:
            company_id = change.remote_id
            self._rename_company(company_id, name)
        else:
            raise RecordError(f"{self.name} never {change.action.value}s a company")
        self._company_ids[name.casefold()] = company_id
        self._company_ids[change.key.casefold()] = company_id
        return _ok(change, company_id)

    def _rename_company(self, company_id: str, name: str) -> None:
        """Read, change the name, write back everything else with the version read (optimistic
        locking): a PUT replaces the legal entity, so nothing may be left out."""
        path = f"{self._client.management}/legal-entities/{company_id}"
        response = self._client.request("GET", path)
        self._expect(response, (200,), f"reading the company {company_id}")
        current = response.json()
        body: dict[str, Any] = {k: current[k] for k in COMPANY_WRITABLE if k in current}
        for link in COMPANY_LINKS:
            if link in current:
                body[link] = [{"id": item["id"]} for item in current[link] if "id" in item]
        body["name"] = name
        version = (current.get("metadata") or {}).get("version")
        if version is not None:
            body["metadata"] = {"version": version}
        self._expect(
            self._client.request("PUT", path, body=body), (204,), f"renaming company {company_id}"
        )

    def company_id(self, name: str) -> str:
        found = self._company_ids.get(name.casefold())
        if found is not None:
            return found
        response = self._client.request(
            "GET",
            f"{self._client.management}/legal-entities",
            params={"name": name, "pageSize": 100},
        )
        self._expect(response, (200,), f"looking up the company {name!r}")
        matching = [
            e for e in response.json() if str(e.get("name", "")).casefold() == name.casefold()
        ]
        if len(matching) > 1:
            ids = ", ".join(sorted(str(e["id"]) for e in matching))
            raise RecordError(
                f"{self.name}: {len(matching)} companies are named {name!r} ({ids}); pin the "
                "account with salesforce_id so storegate knows which is its legal entity"
            )
        if not matching:
            raise RecordError(
                f"{self.name}: no company (legal entity) named {name!r}; its creation failed or "
                "was skipped, re-run plan"
            )
        company_id = str(matching[0]["id"])
        self._company_ids[name.casefold()] = company_id
        return company_id

    # ------------------------------------------------------------------ customers

    def _create(self, change: Change) -> ChangeResult:
        after = change.after()
        email = str(after.get("email") or change.key)
        customer_id = str(after.get(CUSTOMER_ID) or customer_id_for(None, email))
        company = after.get(COMPANY_FIELD)
        company_id = self.company_id(str(company)) if company else None
        activate = after.get("active") is True and after.get("on_hold") is not True
        body = customer_payload({k: v for k, v in after.items() if v is not None})
        if activate:
            body.update({"active": False, "onHold": True})  # prepared first (seed 004)
        send = "true" if self._settings.send_password_reset_notifications else "false"
        response = self._client.request(
            "PUT",
            f"{self._client.customers}/{customer_id}",
            params={"sendPasswordResetNotifications": send},
            body=body,
        )
        self._customer_answer(response, email, "creating")
        if company_id is not None:
            self._assign(customer_id, company_id)
        if activate:
            self._patch(customer_id, {"active": True, "onHold": False}, email)
        return _ok(change, customer_id, customer_number=customer_id, email=email_key(email))

    def _update(self, change: Change) -> ChangeResult:
        customer_id = str(change.remote_id)
        values = {f.name: f.after for f in change.fields}
        email = str(values.get("email") or change.key)
        company = values.get(COMPANY_FIELD)
        if company:
            self._assign(customer_id, self.company_id(str(company)))
        body = customer_payload(values)
        if body:
            self._patch(customer_id, body, email)
        return _ok(change, customer_id, customer_number=customer_id, email=email_key(email))

    def _removal(self, change: Change) -> ChangeResult:
        customer_id = str(change.remote_id or "")
        if not customer_id:
            raise RecordError(f"{self.name}: no customer id to {change.action.value}")
        if change.action is Action.DELETE:
            response = self._client.request("DELETE", f"{self._client.customers}/{customer_id}")
            if response.status_code not in (202, 204, 404):
                raise RecordError(
                    f"{self.name}: deleting customer {customer_id}: {error_text(response)}"
                )
            return _ok(change, customer_id, customer_number=customer_id)
        return self._update(change)

    def _patch(self, customer_id: str, body: dict[str, Any], email: str) -> None:
        response = self._client.request(
            "PATCH", f"{self._client.customers}/{customer_id}", body=body
        )
        if response.status_code == 404:
            raise RecordError(
                f"{self.name}: customer {customer_id} no longer exists (deleted outside "
                "storegate?); re-run plan to create it again"
            )
        self._customer_answer(response, email, "updating")

    def _customer_answer(self, response: httpx.Response, email: str, doing: str) -> None:
        if response.status_code == 409:
            raise RecordError(
                f"{self.name}: {email} is already the email of another Emporix customer "
                f"({error_text(response)}); storegate will not guess which customer is this "
                "contact's: merge or remove the other customer, or fix the email in the account "
                "file, then re-run"
            )
        if response.status_code >= 300:
            raise RecordError(
                f"{self.name}: {doing} the customer {email} was refused: {error_text(response)}"
            )

    def _assign(self, customer_id: str, company_id: str) -> None:
        """Tie the customer to its company; an upsert to a chosen id, so a retry is harmless."""
        assignment_id = assignment_id_for(customer_id, company_id)
        response = self._client.request(
            "PUT",
            f"{self._client.management}/contact-assignments/{assignment_id}",
            body={
                "legalEntity": {"id": company_id},
                "customer": {"id": customer_id},
                "type": self._settings.assignment_type,
                "primary": False,
            },
        )
        if response.status_code == 409:
            return  # assigned already, under another assignment id
        self._expect(response, (201, 204), f"assigning customer {customer_id} to {company_id}")

    def _expect(self, response: httpx.Response, wanted: tuple[int, ...], doing: str) -> None:
        if response.status_code not in wanted:
            raise RecordError(f"{self.name}: {doing} failed: {error_text(response)}")

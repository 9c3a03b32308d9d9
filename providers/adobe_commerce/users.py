"""Company user writes: a customer with `extension_attributes.company_attributes`, then its role.

A create looks the email up first (a customer that exists, in no company or another, is taken
into the company rather than duplicated), POSTs the customer with its company attributes, and PUTs
them again if the store did not take them on create (the reference creates first, assigns after).
An update GETs the customer and PUTs it whole; a role is assigned with `/V1/company/assignRoles`.
Revocation is `status: 0`; deletion (`store_removal: delete`) is `DELETE /V1/customers/{id}`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ..contract import (
    Action,
    AuthError,
    Change,
    ChangeResult,
    ProviderError,
    email_key,
)
from .client import AdobeClient, error_text, json_of
from .config import AdobeCommerceSystem
from .desired import INACTIVE_USER
from .live import LiveReader, company_attributes
from .results import create_once, failed, ok

NAMES = {"email": "email", "first_name": "firstname", "last_name": "lastname"}


def find_customer(reader: LiveReader, email: str) -> dict[str, Any] | None:
    found = reader.customers_by_emails([email])
    return next((c for c in found if email_key(str(c.get("email"))) == email_key(email)), None)


def find_or_create_customer(
    client: AdobeClient,
    reader: LiveReader,
    system: str,
    *,
    email: str,
    first_name: str,
    last_name: str,
    attempts: int,
    company: Mapping[str, Any] | None = None,
    looked_up: bool = False,
) -> dict[str, Any]:
    """The customer of `email`, created when there is none (`looked_up`: known to be missing)."""
    existing = None if looked_up else find_customer(reader, email)
    if existing is not None:
        return existing
    customer: dict[str, Any] = {"email": email, "firstname": first_name, "lastname": last_name}
    if company:
        customer["extension_attributes"] = {"company_attributes": dict(company)}

    def send() -> dict[str, Any]:
        response = client.request("POST", "/customers", body={"customer": customer}, retry=False)
        if response.status_code != 200:
            raise ProviderError(
                f"creating the customer {email} was refused: {error_text(response)}"
            )
        return dict(json_of(response, f"{system}: POST /customers"))

    return create_once(send, lambda: find_customer(reader, email), attempts)


class RoleIds:
    """Role name -> id per company, read once per apply (a role made meanwhile is looked up again)."""

    def __init__(self, reader: LiveReader) -> None:
        self.reader = reader
        self._lock = threading.Lock()
        self._by_company: dict[int, dict[str, int]] = {}

    def get(self, company_id: int, name: str) -> int | None:
        with self._lock:
            known = self._by_company.get(company_id)
        if known is None or name.casefold() not in known:
            roles = self.reader.roles([company_id])
            known = {str(r["role_name"]).casefold(): int(r["id"]) for r in roles}
            with self._lock:
                self._by_company[company_id] = known
        return known.get(name.casefold())


class UserWriter:
    def __init__(
        self,
        system: str,
        client: AdobeClient,
        reader: LiveReader,
        settings: AdobeCommerceSystem,
    ) -> None:
        self.system = system
        self.client = client
        self.reader = reader
        self.settings = settings
        self.roles = RoleIds(reader)
        self._by_id: dict[str, dict[str, Any]] = {}
        self._by_email: dict[str, dict[str, Any]] = {}
        self._looked_up: set[str] = set()
        """Ids and email keys the prefetch searched for (found or not)."""

    def prefetch(self, changes: Sequence[Change]) -> None:
        """Every customer these changes touch, in a few searches instead of one call each; a
        search that fails leaves each change to read its own customer."""
        ids = {c.remote_id for c in changes if c.remote_id and c.remote_id.isdigit()}
        emails = {
            email_key(str(c.after().get("email") or c.key)) for c in changes if not c.remote_id
        }
        try:
            by_id = self.reader.customers_by_ids(int(i) for i in ids) if ids else []
            by_email = self.reader.customers_by_emails(emails) if emails else []
        except AuthError:
            raise
        except ProviderError:
            return
        self._by_id.update((str(c["id"]), c) for c in by_id)
        self._by_email.update((email_key(str(c.get("email"))), c) for c in by_email)
        self._looked_up |= ids | emails

    def write(self, change: Change) -> ChangeResult:
        try:
            if change.action is Action.DELETE:
                return self._delete(change)
            return self._upsert(change)
        except AuthError:
            raise
        except ProviderError as exc:
            return failed(change, str(exc))

    def _upsert(self, change: Change) -> ChangeResult:
        wanted = {f.name: f.after for f in change.fields}
        if change.action is Action.REVOKE:
            wanted.setdefault("status", INACTIVE_USER)
        customer = self._current(change)
        if customer is None:
            if change.action is not Action.CREATE:
                return failed(
                    change, f"{self.system}: customer {change.remote_id} no longer exists"
                )
            customer = self._create(change)
        customer_id = int(customer["id"])
        updated = self._merged(customer, wanted, change)
        if updated != customer:
            response = self.client.request(
                "PUT", f"/customers/{customer_id}", body={"customer": updated}
            )
            if response.status_code != 200:
                return failed(change, f"updating {change.key} was refused: {error_text(response)}")
            customer = dict(json_of(response, f"{self.system}: PUT /customers/{customer_id}"))
        if wanted.get("role"):
            refused = self._assign(customer, str(wanted["role"]))
            if refused is not None:
                return failed(change, refused)
        company_id = company_attributes(customer).get("company_id") or ""
        return ok(change, customer_id, email=customer.get("email", change.key), company=company_id)

    def _current(self, change: Change) -> dict[str, Any] | None:
        """The customer as prefetched (by id, else by email); read now if it was not."""
        if change.remote_id is not None:
            if change.remote_id in self._looked_up:
                return self._by_id.get(change.remote_id)
            response = self.client.request("GET", f"/customers/{change.remote_id}")
            if response.status_code == 200:
                return dict(json_of(response, f"{self.system}: GET /customers/{change.remote_id}"))
            if response.status_code != 404:
                raise ProviderError(f"reading {change.key} failed: {error_text(response)}")
            return None
        email = str(change.after().get("email") or change.key)
        if email_key(email) in self._looked_up:
            return self._by_email.get(email_key(email))
        return find_customer(self.reader, email)

    def _create(self, change: Change) -> dict[str, Any]:
        after = change.after()
        return find_or_create_customer(
            self.client,
            self.reader,
            self.system,
            email=str(after.get("email") or change.key),
            first_name=str(after.get("first_name") or ""),
            last_name=str(after.get("last_name") or ""),
            attempts=self.settings.max_retries,
            company=_attributes(after),
            looked_up=True,
        )

    def _merged(
        self, customer: Mapping[str, Any], wanted: Mapping[str, Any], change: Change
    ) -> dict[str, Any]:
        """The customer as PUT wants it: every field it has, with the desired ones set."""
        updated = {k: v for k, v in customer.items() if k not in ("created_at", "updated_at")}
        for name, api in NAMES.items():
            if wanted.get(name):
                updated[api] = wanted[name]
        attributes = company_attributes(customer)
        desired = _attributes(wanted)
        if change.action is Action.CREATE:
            desired = {**_attributes(change.after()), **desired}
        if desired:
            attributes.update(desired)
            attributes.pop("customer_id", None)
            extensions = dict(customer.get("extension_attributes") or {})
            extensions["company_attributes"] = attributes
            updated["extension_attributes"] = extensions
        if _same_customer(customer, updated):
            return dict(customer)
        return updated

    def _assign(self, customer: Mapping[str, Any], role: str) -> str | None:
        company_id = int(company_attributes(customer).get("company_id") or 0)
        if not company_id:
            return f"{customer.get('email')} is in no company, so it cannot take the role {role!r}"
        role_id = self.roles.get(company_id, role)
        if role_id is None:
            return f"company {company_id} has no role {role!r} (its role change did not run)"
        response = self.client.request(
            "PUT",
            "/company/assignRoles",
            body={"userId": int(customer["id"]), "roles": [{"id": role_id}]},
        )
        if response.status_code != 200:
            return f"assigning the role {role!r} was refused: {error_text(response)}"
        return None

    def _delete(self, change: Change) -> ChangeResult:
        customer = self._current(change)
        if customer is None:
            return ok(change, change.remote_id or "", email=change.key)
        response = self.client.request("DELETE", f"/customers/{customer['id']}")
        if response.status_code not in (200, 404):
            return failed(change, f"deleting {change.key} was refused: {error_text(response)}")
        return ok(change, customer["id"], email=change.key)


def _attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    """company_attributes from storegate's user fields (company, status, job title, telephone)."""
    out: dict[str, Any] = {}
    if values.get("company") not in (None, ""):
        out["company_id"] = int(str(values["company"]))
    if values.get("status") is not None:
        out["status"] = int(values["status"])
    for name in ("job_title", "telephone"):
        if values.get(name):
            out[name] = values[name]
    return out


def _same_customer(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    if any(before.get(api) != after.get(api) for api in NAMES.values()):
        return False
    old = company_attributes(before)
    new = company_attributes(after)
    return all(old.get(k) == v for k, v in new.items())

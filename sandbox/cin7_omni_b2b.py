"""The Cin7 Omni B2B online store's customer list (the B2B Dashboard), which has no API.

A store customer is a CRM contact that was invited: it sits on the Pending Customers tab until it
accepts the invitation, then on Current Customers; a deactivated customer is on Deactivated
Customers until re-enabled; a customer whose sync failed is on the Error tab. The customer logs in
with the email the store holds, which follows the CRM contact's email after a delay (one hour, the
setting `email_sync_delay_seconds`), or at once when someone clicks "Update emails from CRM" in the
dashboard's three-dot menu; that action leaves Error-tab customers alone. When the store's email
changes it writes to the old and the new address, except that a deactivated customer gets no email
and a pending one gets another invitation instead. Emails sent are kept in an outbox.

The admin-only view `GET /_sandbox/cin7_omni/b2b` shows the tabs, and the `POST` paths beside it
change them the way a person's click would (tests and the provider's store-view reading use them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .cin7_omni_wire import email_key
from .http import BadRequestBody, Request, Response
from .store import Record, Store

SYSTEM = "cin7_omni"
CONTACT = "contact"
CUSTOMER = "b2b_customer"
OUTBOX = "b2b_email"
TABS = ("current", "pending", "deactivated", "error")
VIEW = "/_sandbox/cin7_omni/b2b"


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class B2BStore:
    """The dashboard's state in the sandbox store, and the clicks that change it."""

    def __init__(self, store: Store, settings: Callable[[], dict[str, Any]]) -> None:
        self.store = store
        self._settings = settings
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ time and settings

    def now(self) -> float:
        return time.time() + float(self._settings()["clock_offset_seconds"])

    # ------------------------------------------------------------------ what the CRM tells it

    def crm_email_changed(self, contact_id: int, new_email: str | None) -> None:
        """The CRM contact's email changed: the store picks it up after the sync delay."""
        with self.lock:
            customer = self.store.get(SYSTEM, CUSTOMER, str(contact_id))
            if customer is None:
                return
            if new_email is None or email_key(new_email) == email_key(customer["Email"]):
                customer["PendingEmail"] = None
                customer["EmailChangedAt"] = None
            else:
                customer["PendingEmail"] = new_email
                customer["EmailChangedAt"] = self.now()
            self.store.update(SYSTEM, CUSTOMER, str(contact_id), customer)

    def sync_due(self) -> None:
        """Apply every email change whose delay has passed (the store's own periodic sync)."""
        delay = float(self._settings()["email_sync_delay_seconds"])
        skip_errors = not self._settings()["periodic_sync_updates_error_tab"]
        now = self.now()
        with self.lock, self.store.transaction():
            for customer in self.store.list(SYSTEM, CUSTOMER):
                changed = customer.get("EmailChangedAt")
                if changed is None or now < float(changed) + delay:
                    continue
                if skip_errors and customer["Tab"] == "error":
                    continue
                self._take_new_email(customer)

    def update_emails_from_crm(self) -> int:
        """The dashboard's "Update emails from CRM": every waiting change now, except the Error
        tab's. Returns how many customers changed."""
        changed = 0
        with self.lock, self.store.transaction():
            for customer in self.store.list(SYSTEM, CUSTOMER):
                if customer.get("PendingEmail") and customer["Tab"] != "error":
                    self._take_new_email(customer)
                    changed += 1
        return changed

    def _take_new_email(self, customer: Record) -> None:
        old, new = customer["Email"], customer["PendingEmail"]
        customer.update({"Email": new, "PendingEmail": None, "EmailChangedAt": None})
        self.store.update(SYSTEM, CUSTOMER, str(customer["ContactId"]), customer)
        if customer["Tab"] == "pending":
            self._send(customer, new, "invitation")
        elif customer["Tab"] != "deactivated":
            self._send(customer, old, "email_changed")
            self._send(customer, new, "email_changed")

    def _send(self, customer: Record, to: str, kind: str) -> None:
        number = self.store.next_id(SYSTEM, OUTBOX)
        message = {"id": number, "to": to, "kind": kind, "contactId": customer["ContactId"]}
        message["at"] = _iso(self.now())
        self.store.update(SYSTEM, OUTBOX, str(number), message)

    # ------------------------------------------------------------------ the clicks

    def invite(self, contact: Record) -> Record:
        """Invite New Customers → choose the customer → Invite."""
        email = contact.get("Email")
        if contact.get("Type") != "Customer":
            raise ClickError(409, "only CRM contacts of type Customer can be invited")
        if not contact.get("IsActive"):
            raise ClickError(409, "an inactive CRM contact cannot be invited")
        if not email:
            raise ClickError(409, "the CRM contact has no email address to invite")
        with self.lock:
            if self.store.get(SYSTEM, CUSTOMER, str(contact["Id"])) is not None:
                raise ClickError(409, f"{email} is already a customer of this store")
            if self.by_login_email(email) is not None:
                raise ClickError(409, f"another store customer already logs in as {email}")
            customer = {
                "ContactId": contact["Id"],
                "Email": email,
                "Tab": "pending",
                "PreviousTab": None,
                "Error": None,
                "InvitedAt": _iso(self.now()),
                "PendingEmail": None,
                "EmailChangedAt": None,
            }
            self.store.update(SYSTEM, CUSTOMER, str(contact["Id"]), customer)
            self._send(customer, email, "invitation")
        return customer

    def move(self, customer: Record, action: str, message: str | None = None) -> Record:
        """A row's three-dot action (or the customer's own acceptance of the invitation)."""
        tab = customer["Tab"]
        with self.lock:
            if action == "accept":
                self._require(tab, "pending", "accept an invitation")
                customer["Tab"] = "current"
            elif action == "deactivate":
                self._require(tab, "current", "Deactivate customer")
                customer["Tab"] = "deactivated"
            elif action == "reenable":
                self._require(tab, "deactivated", "Re-enable customer")
                customer["Tab"] = "current"
            elif action == "resend-invitation":
                self._require(tab, "pending", "Resend invitation")
                self._send(customer, customer["Email"], "invitation")
            elif action == "cancel-invitation":
                self._require(tab, "pending", "Cancel invitation")
                self.store.delete(SYSTEM, CUSTOMER, str(customer["ContactId"]))
                return {**customer, "Tab": "cancelled"}
            elif action == "error":
                if tab != "error":
                    customer["PreviousTab"] = tab
                customer["Tab"] = "error"
                customer["Error"] = message or "the store could not sync this customer"
            else:
                raise ClickError(404, f"no action {action!r}")
            self.store.update(SYSTEM, CUSTOMER, str(customer["ContactId"]), customer)
        return customer

    def clear_errors(self) -> int:
        """The dashboard's "Clear errors": Error-tab customers go back where they were."""
        cleared = 0
        with self.lock, self.store.transaction():
            for customer in self.store.list(SYSTEM, CUSTOMER, lambda c: c["Tab"] == "error"):
                customer.update({"Tab": customer.get("PreviousTab") or "current", "Error": None})
                customer["PreviousTab"] = None
                self.store.update(SYSTEM, CUSTOMER, str(customer["ContactId"]), customer)
                cleared += 1
        return cleared

    @staticmethod
    def _require(tab: str, wanted: str, what: str) -> None:
        if tab != wanted:
            raise ClickError(
                409, f"{what} is only offered on the {wanted} tab; the customer is {tab}"
            )

    # ------------------------------------------------------------------ lookups and the view

    def by_login_email(self, email: str) -> Record | None:
        key = email_key(email)
        found = self.store.list(SYSTEM, CUSTOMER, lambda c: email_key(c["Email"]) == key)
        return found[0] if found else None

    def find(self, body: Any) -> Record:
        """The customer a click names: by `contactId`, or by `email` (login email or CRM email)."""
        if not isinstance(body, dict):
            raise BadRequestBody('name the customer: {"email": ...} or {"contactId": ...}')
        if body.get("contactId") is not None:
            customer = self.store.get(SYSTEM, CUSTOMER, str(body["contactId"]))
        elif isinstance(body.get("email"), str):
            customer = self.by_login_email(body["email"])
            if customer is None:
                contact = self.crm_by_email(body["email"])
                if contact is not None:
                    customer = self.store.get(SYSTEM, CUSTOMER, str(contact["Id"]))
        else:
            raise BadRequestBody('name the customer: {"email": ...} or {"contactId": ...}')
        if customer is None:
            raise ClickError(404, f"no store customer {body.get('email') or body.get('contactId')}")
        return customer

    def crm_by_email(self, email: str) -> Record | None:
        key = email_key(email)
        found = self.store.list(SYSTEM, CONTACT, lambda c: email_key(c.get("Email") or "") == key)
        return found[0] if found else None

    def view(self) -> dict[str, Any]:
        self.sync_due()
        contacts = self.store.get_many(
            SYSTEM, CONTACT, (str(c["ContactId"]) for c in self.store.list(SYSTEM, CUSTOMER))
        )
        tabs: dict[str, list[dict[str, Any]]] = {tab: [] for tab in TABS}
        for customer in sorted(self.store.list(SYSTEM, CUSTOMER), key=lambda c: c["ContactId"]):
            contact = contacts.get(str(customer["ContactId"]), {})
            tabs[customer["Tab"]].append(
                {
                    "contactId": customer["ContactId"],
                    "email": customer["Email"],
                    "firstName": contact.get("FirstName"),
                    "lastName": contact.get("LastName"),
                    "company": contact.get("Company"),
                    "invitedAt": customer["InvitedAt"],
                    "error": customer["Error"],
                }
            )
        return {"store": self._settings()["store_name"], "tabs": tabs}

    def outbox(self) -> list[Record]:
        return sorted(self.store.list(SYSTEM, OUTBOX), key=lambda m: int(m["id"]))


class ClickError(Exception):
    """A click the dashboard does not offer for this customer (answered 404 or 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def register_admin(sandbox: Any, b2b: B2BStore) -> None:
    """The admin paths of the store view (no auth, not counted)."""

    def guarded(action: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            try:
                return action(request)
            except ClickError as exc:
                return Response(exc.status, {"error": exc.message})

        return handle

    def view(_: Request) -> Response:
        return Response(200, b2b.view())

    def invite(request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise BadRequestBody('name the CRM contact: {"email": ...} or {"contactId": ...}')
        if body.get("contactId") is not None:
            contact = b2b.store.get(SYSTEM, CONTACT, str(body["contactId"]))
        elif isinstance(body.get("email"), str):
            contact = b2b.crm_by_email(body["email"])
        else:
            raise BadRequestBody('name the CRM contact: {"email": ...} or {"contactId": ...}')
        if contact is None:
            raise ClickError(404, "customers must be created in the CRM before they are invited")
        return Response(200, _row(b2b.invite(contact)))

    def row_action(request: Request) -> Response:
        body = request.json()
        customer = b2b.find(body)
        message = body.get("message") if isinstance(body, dict) else None
        return Response(200, _row(b2b.move(customer, request.params["action"], message)))

    def update_emails(_: Request) -> Response:
        return Response(200, {"updated": b2b.update_emails_from_crm()})

    def clear_errors(_: Request) -> Response:
        return Response(200, {"cleared": b2b.clear_errors()})

    def outbox(_: Request) -> Response:
        return Response(200, b2b.outbox())

    sandbox.add_admin("GET", VIEW, guarded(view))
    sandbox.add_admin("POST", f"{VIEW}/invite", guarded(invite))
    sandbox.add_admin("POST", f"{VIEW}/update-emails", guarded(update_emails))
    sandbox.add_admin("POST", f"{VIEW}/clear-errors", guarded(clear_errors))
    sandbox.add_admin("GET", f"{VIEW}/emails", guarded(outbox))
    sandbox.add_admin("POST", f"{VIEW}/customers/{{action}}", guarded(row_action))


def _row(customer: Record) -> dict[str, Any]:
    return {
        "contactId": customer["ContactId"],
        "email": customer["Email"],
        "tab": customer["Tab"],
        "error": customer.get("Error"),
    }

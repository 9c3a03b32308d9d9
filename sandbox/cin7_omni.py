"""Cin7 Omni emulator: the Contacts API (the CRM behind the B2B online store) under /api/v1/, and
the B2B store's customer list as an admin-only view (see `cin7_omni_b2b`).

- Auth: HTTP Basic with the API connection's username and key (DIR/env: CIN7_API_USERNAME,
  CIN7_API_KEY); anything else answers 401.
- `GET /api/v1/Contacts?where=&fields=&order=&page=&rows=`: a bare JSON array, `rows` per page
  (default `default_rows`, at most `max_rows`: more is clamped, or refused when `rows_above_max` is
  "error"); `GET /api/v1/Contacts/{id}`.
- `POST` / `PUT /api/v1/Contacts`: a JSON array (at most `max_batch` items); the answer lists one
  result per item, `{index, success, id, code, errors}`, so one bad item never fails the others.
  Keys are matched case-insensitively; answers use `response_case` ("camel" as the API sends,
  or "pascal" as the help pages spell the fields). A null value leaves a field unchanged on PUT.
- Unverified facts are settings: page and batch sizes, the rate limits (per second, minute and day;
  0 switches one off; a spent window answers 429 with Retry-After), the error body (`error_body`:
  "json" `{"message": ...}` or "text"), the valid price column names, and whether the store's
  periodic email sync also updates Error-tab customers. `email_sync_delay_seconds` (one hour, as
  the help centre says) and `clock_offset_seconds` (moves the store's clock) drive the delayed
  email sync; `drop_after_create: N` creates the next N POSTed batches, then drops the connection.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
import time
from collections import deque
from typing import Any

from ..sandbox import cin7_omni_wire as wire
from .cin7_omni_b2b import (
    CONTACT,
    CUSTOMER,
    SYSTEM,
    B2BStore,
    ClickError,
    register_admin,
)
from .cin7_omni_where import (
    WhereError,
    matches,
    parse_order,
    parse_where,
    sort_records,
)
from .http import Request, Response
from .seed import SeedError
from .server import DROP
from .store import Record, Store

EMAIL_INDEX = "contact_email"
BASE = "/api/v1"
LIST = "GET Contacts"
CREATE = "POST Contacts"
UPDATE = "PUT Contacts"
SETTINGS: dict[str, Any] = {
    "store_name": "B2B online store",
    "response_case": "camel",
    "error_body": "json",
    "default_rows": 50,
    "max_rows": 250,
    "rows_above_max": "clamp",
    "max_batch": 250,
    "rate_limit_per_second": 3,
    "rate_limit_per_minute": 60,
    "rate_limit_per_day": 5000,
    "price_columns": ["RetailPrice", "WholesalePrice", "VIPPrice", "SpecialPrice"],
    "email_sync_delay_seconds": 3600,
    "periodic_sync_updates_error_tab": False,
    "clock_offset_seconds": 0,
    "drop_after_create": 0,
}
WINDOWS = (
    ("rate_limit_per_second", 1.0),
    ("rate_limit_per_minute", 60.0),
    ("rate_limit_per_day", 86400.0),
)


def register(sandbox: Any) -> None:
    Cin7OmniEmulator(sandbox).register()


class RateWindows:
    """Sliding windows of call times; a call is allowed while every window has room."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: deque[float] = deque()

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def take(self, limits: list[tuple[int, float]]) -> float | None:
        """None when the call may go (and is counted); else the seconds until it may."""
        now = time.monotonic()
        longest = max((span for limit, span in limits if limit > 0), default=0.0)
        with self._lock:
            while self._calls and self._calls[0] <= now - longest:
                self._calls.popleft()
            wait = 0.0
            for limit, span in limits:
                if limit <= 0:
                    continue
                inside = [t for t in self._calls if t > now - span]
                if len(inside) >= limit:
                    wait = max(wait, inside[-limit] + span - now)
            if wait > 0:
                return wait
            self._calls.append(now)
            return None


def seed(store: Store, data: Any) -> dict[str, int]:
    """Load `{"contacts": [...], "b2b_customers": [{"email": ..., "tab": "current"}]}`."""
    if not isinstance(data, dict) or set(data) - {"contacts", "b2b_customers"}:
        raise SeedError("cin7_omni: expected a mapping with 'contacts' and/or 'b2b_customers'")
    contacts, customers = data.get("contacts", []), data.get("b2b_customers", [])
    for name, records in (("contacts", contacts), ("b2b_customers", customers)):
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SeedError(f"cin7_omni.{name}: expected a list of records")
    b2b = B2BStore(store, lambda: SETTINGS)
    with store.transaction():
        for index, item in enumerate(contacts):
            values, errors = wire.normalise(item)
            where = f"cin7_omni.contacts[{index}]"
            if errors:
                raise SeedError(f"{where}: {'; '.join(errors)}")
            if values.get("Type") is None:
                raise SeedError(f"{where}: Type is required (Customer or Supplier)")
            email = values.get("Email")
            if email and store.get(SYSTEM, EMAIL_INDEX, wire.email_key(email)) is not None:
                raise SeedError(f"{where}: the email {email} is already a contact")
            _save(store, wire.new_contact(store.next_id(SYSTEM, CONTACT), values, wire.now_iso()))
        for index, item in enumerate(customers):
            where = f"cin7_omni.b2b_customers[{index}]"
            contact = b2b.crm_by_email(str(item.get("email", "")))
            if contact is None:
                raise SeedError(f"{where}: no CRM contact has the email {item.get('email')!r}")
            tab = item.get("tab", "current")
            if tab not in ("current", "pending", "deactivated", "error"):
                raise SeedError(f"{where}: tab must be current, pending, deactivated or error")
            customer = b2b.invite(contact)
            customer["Tab"] = tab
            if tab == "error":
                customer["Error"] = str(item.get("error", "the store could not sync this customer"))
            store.update(SYSTEM, CUSTOMER, str(contact["Id"]), customer)
    return {"contacts": len(contacts), "b2b_customers": len(customers)}


def _save(store: Store, contact: Record) -> None:
    store.update(SYSTEM, CONTACT, str(contact["Id"]), contact)
    if contact.get("Email"):
        store.update(SYSTEM, EMAIL_INDEX, wire.email_key(contact["Email"]), {"Id": contact["Id"]})


def _positive(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


class Cin7OmniEmulator:
    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.store: Store = sandbox.store
        self.windows = RateWindows()
        self.b2b = B2BStore(self.store, lambda: self.settings)
        self._write_lock = self.b2b.lock

    @property
    def settings(self) -> dict[str, Any]:
        return self.sandbox.settings[SYSTEM]  # type: ignore[no-any-return]

    @property
    def case(self) -> str:
        return str(self.settings["response_case"])

    def register(self) -> None:
        sb = self.sandbox
        sb.register_settings(SYSTEM, SETTINGS)
        sb.set_error_format(SYSTEM, self.error)
        sb.set_limit_response(SYSTEM, lambda _request: self._too_many(1.0))
        sb.add_hook(SYSTEM, before=self._before)
        sb.on_reset(self.windows.reset)
        sb.add_env("CIN7_API_USERNAME", self._username())
        sb.add_env("CIN7_API_KEY", self._key())
        sb.add_env("CIN7_B2B_VIEW_URL", lambda running: f"{running.url}/_sandbox/cin7_omni/b2b")
        sb.emulators[SYSTEM] = self
        for resource in ("Contacts", "contacts"):
            path = f"{BASE}/{resource}"
            sb.router.add(SYSTEM, "GET", path, self.list_contacts, LIST)
            sb.router.add(SYSTEM, "GET", f"{path}/{{id}}", self.get_contact, "GET Contacts/{id}")
            sb.router.add(SYSTEM, "POST", path, self.create_contacts, CREATE)
            sb.router.add(SYSTEM, "PUT", path, self.update_contacts, UPDATE)
        register_admin(sb, self.b2b)
        sb.on_manual_step(SYSTEM, self.do_step)

    def do_step(self, kind: str, key: str, after: dict[str, Any]) -> bool:
        """A person's click in the B2B Dashboard for a manual step storegate recorded: invite or
        re-enable a customer, deactivate one or cancel their invitation, or Update emails from
        CRM. False when the step is not one the dashboard offers for that customer."""
        if kind == "store_email":
            self.b2b.update_emails_from_crm()
            return True
        contact = self.b2b.crm_by_email(key)
        if kind != "customer" or contact is None:
            return False
        customer = self.store.get(SYSTEM, CUSTOMER, str(contact["Id"]))
        tab = customer["Tab"] if customer is not None else None
        try:
            if after.get("status") in ("current", "pending"):
                if customer is None:
                    self.b2b.invite(contact)
                elif tab == "deactivated":
                    self.b2b.move(customer, "reenable")
            elif customer is not None and tab in ("current", "pending"):
                action = "deactivate" if tab == "current" else "cancel-invitation"
                self.b2b.move(customer, action)
        except ClickError:
            return False
        return True

    def _username(self) -> str:
        return str(self.sandbox.secret("cin7_omni_api_username", lambda: "StoregateSandbox"))

    def _key(self) -> str:
        return str(self.sandbox.secret("cin7_omni_api_key"))

    # ------------------------------------------------------------------ errors, auth, limits

    def error(self, status: int, message: str) -> Response:
        if self.settings["error_body"] == "text":
            return Response(status, message.encode(), {"Content-Type": "text/plain; charset=utf-8"})
        return Response(status, {"message" if self.case == "camel" else "Message": message})

    def _too_many(self, wait: float) -> Response:
        response = self.error(429, "API rate limit exceeded; retry after the Retry-After seconds")
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response

    def _before(self, request: Request) -> Response | None:
        if not self._authorised(request.headers.get("Authorization", "")):
            response = self.error(401, "Authorization has been denied for this request.")
            response.headers["WWW-Authenticate"] = 'Basic realm="api.cin7.com"'
            return response
        limits = [(int(self.settings[name]), span) for name, span in WINDOWS]
        wait = self.windows.take(limits)
        if wait is not None:
            return self._too_many(wait)
        if request.endpoint == CREATE and self._lose_response():
            # The contacts are created, then the connection drops before the answer: the
            # uncertain create a client must look up before sending again.
            self.create_contacts(request)
            return Response(DROP)
        return None

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, _, key = decoded.partition(":")
        return username == self._username() and key == self._key()

    def _lose_response(self) -> bool:
        with self._write_lock:
            pending = int(self.settings["drop_after_create"])
            if pending > 0:
                self.settings["drop_after_create"] = pending - 1
            return pending > 0

    # ------------------------------------------------------------------ reads

    def list_contacts(self, request: Request) -> Response:
        maximum = int(self.settings["max_rows"])
        page = _positive(request.arg("page"), 1)
        rows = _positive(request.arg("rows"), min(int(self.settings["default_rows"]), maximum))
        if page is None or rows is None:
            return self.error(400, "page and rows must be positive integers")
        if rows > maximum:
            if self.settings["rows_above_max"] == "error":
                return self.error(400, f"rows must be at most {maximum}")
            rows = maximum
        try:
            where = request.arg("where")
            condition = parse_where(where, wire.LOWER) if where else None
            order = parse_order(request.arg("order") or "Id", wire.LOWER)
            fields = self._fields(request.arg("fields"))
        except WhereError as exc:
            return self.error(400, str(exc))
        contacts = self.store.list(SYSTEM, CONTACT)
        if condition is not None:
            contacts = [c for c in contacts if matches(condition, c)]
        contacts.sort(key=lambda c: int(c["Id"]))
        sort_records(contacts, order)
        chosen = contacts[(page - 1) * rows : page * rows]
        return Response(200, [wire.render(c, self.case, fields) for c in chosen])

    @staticmethod
    def _fields(raw: str | None) -> list[str] | None:
        if not raw:
            return None
        names = []
        for part in raw.split(","):
            name = wire.LOWER.get(part.strip().lower())
            if name is None:
                raise WhereError(f"invalid fields: unknown field {part.strip()!r}")
            names.append(name)
        return names

    def get_contact(self, request: Request) -> Response:
        raw = request.params["id"]
        contact = self.store.get(SYSTEM, CONTACT, raw) if raw.isdigit() else None
        if contact is None:
            return self.error(404, f"No Contact found with Id {raw}")
        return Response(200, wire.render(contact, self.case))

    # ------------------------------------------------------------------ writes

    def _batch(self, request: Request) -> list[Any] | Response:
        body = request.json()
        if not isinstance(body, list):
            return self.error(400, "The request body must be a JSON array of contacts.")
        if len(body) > int(self.settings["max_batch"]):
            return self.error(
                400, f"At most {self.settings['max_batch']} contacts per request; got {len(body)}."
            )
        return body

    def create_contacts(self, request: Request) -> Response:
        batch = self._batch(request)
        if isinstance(batch, Response):
            return batch
        results: list[dict[str, Any]] = []
        with self._write_lock, self.store.transaction():
            for index, item in enumerate(batch):
                values, errors = self._checked(item, request, existing=None)
                if not errors and values.get("Type") is None:
                    errors.append("Type is required (Customer or Supplier)")
                if errors:
                    results.append(wire.result(index, self.case, errors=errors))
                    continue
                contact = wire.new_contact(
                    self.store.next_id(SYSTEM, CONTACT), values, self._stamp()
                )
                _save(self.store, contact)
                results.append(wire.result(index, self.case, contact_id=contact["Id"]))
        return Response(200, results)

    def update_contacts(self, request: Request) -> Response:
        batch = self._batch(request)
        if isinstance(batch, Response):
            return batch
        results: list[dict[str, Any]] = []
        with self._write_lock, self.store.transaction():
            for index, item in enumerate(batch):
                contact_id = _item_id(item)
                existing = self.store.get(SYSTEM, CONTACT, str(contact_id)) if contact_id else None
                if existing is None:
                    message = "Id is required" if contact_id is None else f"No Contact {contact_id}"
                    results.append(
                        wire.result(index, self.case, contact_id=contact_id, errors=[message])
                    )
                    continue
                values, errors = self._checked(item, request, existing=existing)
                if errors:
                    results.append(
                        wire.result(index, self.case, contact_id=contact_id, errors=errors)
                    )
                    continue
                self._update(existing, values)
                results.append(wire.result(index, self.case, contact_id=contact_id))
        return Response(200, results)

    def _update(self, contact: Record, values: dict[str, Any]) -> None:
        old_email = contact.get("Email")
        changes = wire.writable(values)
        contact.update(changes)
        contact["ModifiedDate"] = self._stamp()
        new_email = contact.get("Email")
        if old_email and (not new_email or wire.email_key(old_email) != wire.email_key(new_email)):
            self.store.delete(SYSTEM, EMAIL_INDEX, wire.email_key(old_email))
        _save(self.store, contact)
        if "Email" in changes:
            self.b2b.crm_email_changed(int(contact["Id"]), new_email or None)

    def _checked(
        self, item: Any, request: Request, existing: Record | None
    ) -> tuple[dict[str, Any], list[str]]:
        if not isinstance(item, dict):
            return {}, ["a contact must be a JSON object"]
        values, errors = wire.normalise(item)
        email = values.get("Email")
        if isinstance(email, str) and email:
            owner = self.store.get(SYSTEM, EMAIL_INDEX, wire.email_key(email))
            if owner is not None and (existing is None or owner["Id"] != existing["Id"]):
                errors.append(f"Email {email} is already used by another contact")
        column = values.get("PriceColumn")
        if column and column not in self.settings["price_columns"]:
            known = ", ".join(self.settings["price_columns"])
            errors.append(f"PriceColumn {column!r} is not a price column; valid: {known}")
        text = str(email or values.get("FirstName") or "")
        if text and self.sandbox.faults.take_record_error(
            SYSTEM, request.method, request.path, text
        ):
            errors.append("injected record error")
        return values, errors

    def _stamp(self) -> str:
        return wire.now_iso(float(self.settings["clock_offset_seconds"]))


def _item_id(item: Any) -> int | None:
    if not isinstance(item, dict):
        return None
    for key, value in item.items():
        if str(key).lower() == "id" and isinstance(value, int) and not isinstance(value, bool):
            return value
    return None

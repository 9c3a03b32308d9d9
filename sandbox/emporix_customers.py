"""Emporix customer service (tenant-managed): `/customer/{tenant}/customers...`.

List and search with `q`, `sort`, `pageNumber`/`pageSize`, `expand` (a bare JSON array and a `Count`
header); create (POST, optional custom id); upsert (PUT: 201 with `{id}` when it creates, 204 when
it updates); PATCH (200); DELETE (202); addresses. A customer's `b2b.legalEntities` and
`businessModel` come from its contact assignments. The emails seed 004 describes (account being
prepared, account active, password link) are recorded as notifications, readable at
`GET /_sandbox/emporix/notifications`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any

from .emporix_wire import (
    CURRENCY,
    CUSTOM_ID,
    SYSTEM,
    PageError,
    QueryError,
    address_not_found,
    bad_field,
    customer_not_found,
    duplicate_account,
    error,
    matches_all,
    now_iso,
    page_params,
    paged,
    parse_q,
    sort_records,
)
from .http import Request, Response
from .store import Record, Store

CUSTOMER = "customer"
EMAIL_INDEX = "customer_email"
ASSIGNMENT = "contact_assignment"
ENTITY = "legal_entity"
NOTIFICATION = "notification"
DEFAULT_PAGE_SIZE = 60  # (V) pageSize default of GET /customers

STRING_FIELDS = (
    "contactEmail",
    "title",
    "firstName",
    "middleName",
    "lastName",
    "contactPhone",
    "company",
    "preferredLanguage",
    "preferredCurrency",
    "preferredSite",
    "type",
    "photoUrl",
    "restriction",
)
BOOLEAN_FIELDS = ("active", "onHold")
OBJECT_FIELDS = ("b2b", "mixins", "metadata")
DEFAULTS: dict[str, Any] = {
    "preferredLanguage": "en_US",
    "preferredCurrency": "USD",
    "preferredSite": "main",
}
ADDRESS_STRINGS = (
    "contactName",
    "companyName",
    "street",
    "streetNumber",
    "streetAppendix",
    "extraLine1",
    "extraLine2",
    "extraLine3",
    "extraLine4",
    "zipCode",
    "city",
    "country",
    "state",
    "contactPhone",
)
CASEFOLD_FIELDS = frozenset({"contactEmail", "email"})


def email_key(email: str) -> str:
    return email.strip().casefold()


def access_of(customer: Record) -> tuple[bool, bool]:
    return bool(customer.get("active")), bool(customer.get("onHold"))


class CustomerService:
    def __init__(
        self,
        store: Store,
        settings: Callable[[], dict[str, Any]],
        record_error: Callable[[str, str, str], bool],
    ) -> None:
        self.store = store
        self._settings = settings
        self._record_error = record_error
        self.lock = threading.RLock()

    @property
    def settings(self) -> dict[str, Any]:
        return self._settings()

    # ------------------------------------------------------------------ views

    def view(self, customer: Record, expand: set[str], links: dict[str, list[Record]]) -> Record:
        """CustomerForSellerDto: the stored profile with its companies; addresses, accounts and
        mixins only when `expand` asks for them."""
        shown = {k: v for k, v in customer.items() if k not in ("addresses", "mixins")}
        entities = links.get(str(customer["id"]), [])
        b2b = dict(customer.get("b2b") or {})
        if entities:
            b2b["legalEntities"] = entities
        if b2b:
            shown["b2b"] = b2b
        shown["businessModel"] = "B2B" if entities else "B2C"
        if "addresses" in expand:
            addresses = list(customer.get("addresses") or [])
            shown["addresses"] = addresses
            default = next((a for a in addresses if a.get("isDefault")), None)
            if default is not None:
                shown["defaultAddress"] = default
        if "accounts" in expand and customer.get("email"):
            shown["accounts"] = [{"id": customer["email"]}]
        if any(e.startswith("mixin") for e in expand):
            shown["mixins"] = dict(customer.get("mixins") or {})
        return shown

    def company_links(self) -> dict[str, list[Record]]:
        """Per customer id: its legal entities as `b2b.legalEntities` lists them."""
        entities = {e["id"]: e for e in self.store.list(SYSTEM, ENTITY)}
        links: dict[str, list[Record]] = {}
        for assignment in self.store.list(SYSTEM, ASSIGNMENT):
            entity = entities.get(assignment["legalEntity"]["id"])
            if entity is None:
                continue
            links.setdefault(str(assignment["customer"]["id"]), []).append(
                {
                    "id": entity["id"],
                    "name": entity.get("name", ""),
                    "contactAssignmentId": assignment["id"],
                }
            )
        return links

    # ------------------------------------------------------------------ list and search

    def list_customers(self, request: Request) -> Response:
        return self._list(request, request.arg("q"))

    def search_customers(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("q", ""), str):
            return error(400, 'The search body is {"q": "..."}.')
        return self._list(request, body.get("q"))

    def _list(self, request: Request, q: str | None) -> Response:
        settings = self.settings
        try:
            terms = parse_q(q, CASEFOLD_FIELDS)
            page, size = page_params(
                request.arg("pageNumber"),
                request.arg("pageSize"),
                DEFAULT_PAGE_SIZE,
                int(settings["max_page_size"]),
                str(settings["oversized_page"]),
            )
        except (QueryError, PageError) as exc:
            return error(
                400,
                str(exc),
                [bad_field("q" if isinstance(exc, QueryError) else "pageSize", str(exc))],
            )
        expand = {e.strip() for e in (request.arg("expand") or "").split(",") if e.strip()}
        links = self.company_links()
        customers = [self.view(c, expand | {"addresses"}, links) for c in self._all()]
        found = [c for c in customers if matches_all(c, terms)]
        found = sort_records(found, request.arg("sort") or "metadataCreatedAt:asc,id:asc")
        data = [self._trim(c, expand) for c in paged(found, page, size)]
        count = len(found) if settings["count_header_is_total"] else len(data)
        headers = {"Count": str(count)}
        if settings["x_total_count"] and request.headers.get("X-Total-Count", "").lower() == "true":
            headers["X-Total-Count"] = str(len(found))
        return Response(200, data, headers)

    @staticmethod
    def _trim(view: Record, expand: set[str]) -> Record:
        if "addresses" in expand:
            return view
        return {k: v for k, v in view.items() if k not in ("addresses", "defaultAddress")}

    def _all(self) -> list[Record]:
        return self.store.list(SYSTEM, CUSTOMER)

    # ------------------------------------------------------------------ one customer

    def get_customer(self, request: Request) -> Response:
        number = request.params["customerNumber"]
        customer = self.store.get(SYSTEM, CUSTOMER, number)
        if customer is None:
            return customer_not_found(number)
        expand = {e.strip() for e in (request.arg("expand") or "").split(",") if e.strip()}
        return Response(200, self.view(customer, expand, self.company_links()))

    def create_customer(self, request: Request) -> Response:
        body = request.json()
        problems = self._check_body(body, creating=True, with_id=True)
        if problems:
            return error(400, "Validation failed.", problems)
        with self.lock:
            given = body.get("id")
            number = str(given) if given else str(self.store.next_id(SYSTEM, CUSTOMER) + 34751074)
            if self.store.get(SYSTEM, CUSTOMER, number) is not None:
                return error(409, f"Customer with id '{number}' already exists.")
            refused = self._email_taken(body["contactEmail"], None, request)
            if refused is not None:
                return refused
            self._insert(number, body, request)
        return Response(201, {"id": number})

    def upsert_customer(self, request: Request) -> Response:
        number = request.params["customerNumber"]
        body = request.json()
        if not CUSTOM_ID.match(number):
            return error(
                400, "Validation failed.", [bad_field("id", "must match ^[A-Za-z0-9_-]{1,66}$")]
            )
        with self.lock:
            existing = self.store.get(SYSTEM, CUSTOMER, number)
            problems = self._check_body(body, creating=existing is None, with_id=False)
            if problems:
                return error(400, "Validation failed.", problems)
            email = body.get("contactEmail")
            if isinstance(email, str):
                refused = self._email_taken(email, number, request)
                if refused is not None:
                    return refused
            if existing is None:
                self._insert(number, body, request)
                return Response(201, {"id": number})
            if self.settings["put_replaces"]:
                kept = {
                    k: existing[k]
                    for k in ("id", "customerNumber", "email", "metadataCreatedAt", "addresses")
                    if k in existing
                }
                replaced = {
                    **DEFAULTS,
                    **kept,
                    "active": existing.get("active"),
                    "onHold": existing.get("onHold"),
                    "metadata": existing.get("metadata", {}),
                }
                self._update(existing, replaced, body)
            else:
                self._update(existing, dict(existing), body)
        return Response(204)

    def patch_customer(self, request: Request) -> Response:
        number = request.params["customerNumber"]
        body = request.json()
        with self.lock:
            existing = self.store.get(SYSTEM, CUSTOMER, number)
            if existing is None:
                return customer_not_found(number)
            problems = self._check_body(body, creating=False, with_id=False)
            if isinstance(body, dict) and "contactEmail" in body and body["contactEmail"] is None:
                problems.append(
                    bad_field("contactEmail", "Cannot be unset once a value is present.")
                )
            if problems:
                return error(400, "Validation failed.", problems)
            email = body.get("contactEmail")
            if isinstance(email, str):
                refused = self._email_taken(email, number, request)
                if refused is not None:
                    return refused
            self._update(existing, dict(existing), body)
        return Response(200)

    def delete_customer(self, request: Request) -> Response:
        number = request.params["customerNumber"]
        with self.lock, self.store.transaction():
            customer = self.store.get(SYSTEM, CUSTOMER, number)
            if customer is None:
                return customer_not_found(number)
            self.store.delete(SYSTEM, CUSTOMER, number)
            for email in {customer.get("contactEmail"), customer.get("email")}:
                if isinstance(email, str):
                    owner = self.store.get(SYSTEM, EMAIL_INDEX, email_key(email))
                    if owner is not None and owner["id"] == number:
                        self.store.delete(SYSTEM, EMAIL_INDEX, email_key(email))
            if self.settings["delete_removes_assignments"]:
                for assignment in self.store.list(SYSTEM, ASSIGNMENT):
                    if str(assignment["customer"]["id"]) == number:
                        self.store.delete(SYSTEM, ASSIGNMENT, assignment["id"])
        return Response(202)

    # ------------------------------------------------------------------ writes

    def _check_body(self, body: Any, *, creating: bool, with_id: bool) -> list[dict[str, str]]:
        if not isinstance(body, dict):
            return [bad_field("body", "The body must be a JSON object.")]
        problems: list[dict[str, str]] = []
        for name in STRING_FIELDS:
            if name in body and body[name] is not None and not isinstance(body[name], str):
                problems.append(bad_field(name, f"{name} must be a string"))
        for name in BOOLEAN_FIELDS:
            if name in body and body[name] is not None and not isinstance(body[name], bool):
                problems.append(bad_field(name, f"{name} must be a boolean"))
        for name in OBJECT_FIELDS:
            if name in body and body[name] is not None and not isinstance(body[name], dict):
                problems.append(bad_field(name, f"{name} must be an object"))
        email = body.get("contactEmail")
        if creating and (not isinstance(email, str) or not email.strip()):
            problems.append(
                bad_field("contactEmail", "Contact email is mandatory.", "missing_value")
            )
        elif isinstance(email, str) and "@" not in email:
            problems.append(bad_field("contactEmail", f"{email!r} is not a valid email address."))
        currency = body.get("preferredCurrency")
        if isinstance(currency, str) and not CURRENCY.match(currency):
            problems.append(bad_field("preferredCurrency", "ISO 4217: three capital letters."))
        if (
            with_id
            and body.get("id") is not None
            and (not isinstance(body["id"], str) or not CUSTOM_ID.match(body["id"]))
        ):
            problems.append(bad_field("id", "must match ^[A-Za-z0-9_-]{1,66}$"))
        return problems

    def _email_taken(self, email: str, number: str | None, request: Request) -> Response | None:
        owner = self.store.get(SYSTEM, EMAIL_INDEX, email_key(email))
        if owner is not None and owner["id"] != number:
            return duplicate_account(email, str(self.settings["tenant"]))
        if self._record_error(request.method, request.path, email):
            return error(
                400, "Validation failed.", [bad_field("contactEmail", "injected record error")]
            )
        return None

    def _insert(self, number: str, body: Record, request: Request) -> None:
        settings = self.settings
        customer: Record = {
            **DEFAULTS,
            "id": number,
            "customerNumber": number,
            "active": bool(settings["created_active"]),
            "onHold": bool(settings["created_on_hold"]),
            "metadata": {"version": 1},
            "metadataCreatedAt": now_iso(),
            "addresses": [],
        }
        for name, value in body.items():
            if name in (*STRING_FIELDS, *BOOLEAN_FIELDS, "b2b", "mixins") and value is not None:
                customer[name] = value
        customer["email"] = customer["contactEmail"]
        with self.store.transaction():
            self._save(customer)
            active, on_hold = access_of(customer)
            if not active and on_hold:
                self.notify(customer, "account_being_prepared")
            elif active and not on_hold:
                self.notify(customer, "account_created")
            if (request.arg("sendPasswordResetNotifications") or "true").lower() != "false":
                self.notify(customer, "password_reset_link")

    def _update(self, existing: Record, base: Record, body: Record) -> None:
        before = access_of(existing)
        old_emails = {existing.get("contactEmail"), existing.get("email")}
        customer = dict(base)
        for name, value in body.items():
            if name in (*STRING_FIELDS, *BOOLEAN_FIELDS, "b2b", "mixins"):
                if value is None:
                    customer.pop(name, None)
                else:
                    customer[name] = value
        if existing.get("email") == existing.get("contactEmail"):
            customer["email"] = customer.get(
                "contactEmail"
            )  # (U) the login follows the contact email
        metadata = dict(existing.get("metadata") or {})
        metadata["version"] = int(metadata.get("version", 0)) + 1
        customer["metadata"] = metadata
        with self.store.transaction():
            for email in old_emails - {customer.get("contactEmail"), customer.get("email")}:
                if isinstance(email, str):
                    self.store.delete(SYSTEM, EMAIL_INDEX, email_key(email))
            self._save(customer)
            after = access_of(customer)
            if after == (True, False) and before != (True, False):
                self.notify(customer, "account_activated")

    def _save(self, customer: Record) -> None:
        number = str(customer["id"])
        self.store.update(SYSTEM, CUSTOMER, number, customer)
        for email in {customer.get("contactEmail"), customer.get("email")}:
            if isinstance(email, str):
                self.store.update(SYSTEM, EMAIL_INDEX, email_key(email), {"id": number})

    def notify(self, customer: Record, kind: str) -> None:
        seq = self.store.next_id(SYSTEM, NOTIFICATION)
        self.store.insert(
            SYSTEM,
            NOTIFICATION,
            f"{seq:012d}",
            {
                "seq": seq,
                "customer": customer["id"],
                "email": customer.get("contactEmail"),
                "kind": kind,
                "at": now_iso(),
            },
        )

    def notifications(self, _: Request) -> Response:
        return Response(200, self.store.list(SYSTEM, NOTIFICATION))

    # ------------------------------------------------------------------ addresses

    def list_addresses(self, request: Request) -> Response:
        customer = self.store.get(SYSTEM, CUSTOMER, request.params["customerNumber"])
        if customer is None:
            return customer_not_found(request.params["customerNumber"])
        return Response(200, list(customer.get("addresses") or []))

    def get_address(self, request: Request) -> Response:
        number, address_id = request.params["customerNumber"], request.params["addressId"]
        customer = self.store.get(SYSTEM, CUSTOMER, number)
        if customer is None:
            return customer_not_found(number)
        found = next((a for a in customer.get("addresses") or [] if a["id"] == address_id), None)
        return Response(200, found) if found else address_not_found(address_id, number)

    def add_address(self, request: Request) -> Response:
        number = request.params["customerNumber"]
        body = request.json()
        with self.lock:
            customer = self.store.get(SYSTEM, CUSTOMER, number)
            if customer is None:
                return customer_not_found(number)
            problems = _check_address(body, creating=True)
            if problems:
                return error(400, "Validation failed.", problems)
            given = body.get("id")
            address_id = str(given) if given else secrets.token_hex(5)
            addresses = list(customer.get("addresses") or [])
            if any(a["id"] == address_id for a in addresses):
                return error(409, f"Address {address_id} of customer {number} already exists.")
            addresses.append(_new_address(address_id, body))
            self._save_addresses(customer, addresses, address_id)
        return Response(201, {"id": address_id})

    def upsert_address(self, request: Request) -> Response:
        return self._change_address(request, upsert=True)

    def patch_address(self, request: Request) -> Response:
        return self._change_address(request, upsert=False)

    def _change_address(self, request: Request, *, upsert: bool) -> Response:
        number, address_id = request.params["customerNumber"], request.params["addressId"]
        body = request.json()
        with self.lock:
            customer = self.store.get(SYSTEM, CUSTOMER, number)
            if customer is None:
                return customer_not_found(number)
            addresses = list(customer.get("addresses") or [])
            index = next((i for i, a in enumerate(addresses) if a["id"] == address_id), None)
            if index is None and not upsert:
                return address_not_found(address_id, number)
            problems = _check_address(body, creating=index is None)
            if problems:
                return error(400, "Validation failed.", problems)
            if index is None:
                addresses.append(_new_address(address_id, body))
            else:
                updated = dict(addresses[index])
                updated.update({k: v for k, v in body.items() if k != "id"})
                updated["metadata"] = {
                    "version": int(updated.get("metadata", {}).get("version", 1)) + 1
                }
                addresses[index] = updated
            self._save_addresses(customer, addresses, address_id)
        if upsert:
            return Response(201, {"id": address_id}) if index is None else Response(204)
        return Response(200)

    def delete_address(self, request: Request) -> Response:
        number, address_id = request.params["customerNumber"], request.params["addressId"]
        with self.lock:
            customer = self.store.get(SYSTEM, CUSTOMER, number)
            if customer is None:
                return customer_not_found(number)
            addresses = [a for a in customer.get("addresses") or [] if a["id"] != address_id]
            if len(addresses) == len(customer.get("addresses") or []):
                return address_not_found(address_id, number)
            customer["addresses"] = addresses
            self.store.update(SYSTEM, CUSTOMER, number, customer)
        return Response(204)

    def _save_addresses(self, customer: Record, addresses: list[Record], changed: str) -> None:
        if any(a["id"] == changed and a.get("isDefault") for a in addresses):
            for address in addresses:
                address["isDefault"] = address["id"] == changed
        customer["addresses"] = addresses
        self.store.update(SYSTEM, CUSTOMER, str(customer["id"]), customer)


def _check_address(body: Any, *, creating: bool) -> list[dict[str, str]]:
    if not isinstance(body, dict):
        return [bad_field("body", "The body must be a JSON object.")]
    problems = [
        bad_field(name, f"{name} must be a string")
        for name in ADDRESS_STRINGS
        if name in body and body[name] is not None and not isinstance(body[name], str)
    ]
    if creating and not (isinstance(body.get("contactName"), str) and body["contactName"].strip()):
        problems.append(bad_field("contactName", "contactName is required.", "missing_value"))
    country = body.get("country")
    if isinstance(country, str) and len(country) != 2:
        problems.append(bad_field("country", "ISO 3166-1 alpha-2: two letters."))
    if "tags" in body and not (
        isinstance(body["tags"], list) and all(isinstance(t, str) for t in body["tags"])
    ):
        problems.append(bad_field("tags", "tags must be a list of strings"))
    return problems


def _new_address(address_id: str, body: Record) -> Record:
    address: Record = {"id": address_id, "isDefault": False, "tags": [], "metadata": {"version": 1}}
    address.update({k: v for k, v in body.items() if k not in ("id", "metadata")})
    return address

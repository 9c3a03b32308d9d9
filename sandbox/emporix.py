"""Emporix Commerce Engine emulator: the OAuth service, the customer service and the
customer-management service (legal entities, contact assignments), paths as on api.emporix.io.

    POST /oauth/token                                        client_credentials, no refresh
    /customer/{tenant}/customers[/search|/{customerNumber}[/addresses[/{addressId}]]]
    /customer-management/{tenant}/legal-entities[/search|/{legalEntityId}]
    /customer-management/{tenant}/contact-assignments[/{contactAssignmentId}]

Every service call needs `Authorization: Bearer <token>` (the gateway's `fault` 401 otherwise, "Access
Token expired" once it has), the tenant of the token in the path (400 otherwise) and the endpoint's
scope (403). Unverified facts are settings (see `emporix_wire.SETTINGS`); DIR/env gains
EMPORIX_TENANT, EMPORIX_CLIENT_ID and EMPORIX_CLIENT_SECRET.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .emporix_auth import RateWindow, Token, TokenBook, token_endpoint
from .emporix_companies import CompanyService
from .emporix_customers import (
    ASSIGNMENT,
    CUSTOMER,
    EMAIL_INDEX,
    ENTITY,
    CustomerService,
    email_key,
)
from .emporix_wire import (
    CURRENCY,
    CUSTOM_ID,
    MANAGE_ASSIGNMENTS,
    MANAGE_CUSTOMERS,
    MANAGE_ENTITIES,
    READ_ASSIGNMENTS,
    READ_CUSTOMERS,
    READ_ENTITIES,
    SETTINGS,
    SYSTEM,
    forbidden,
    generic_error,
    invalid_tenant,
    management_error,
    now_iso,
    rate_limited,
)
from .http import Request, Response
from .seed import SeedError
from .server import DROP
from .store import Store

TOKEN = "POST /oauth/token"
CUSTOMERS = "/customer/{tenant}/customers"
ONE_CUSTOMER = f"{CUSTOMERS}/{{customerNumber}}"
ADDRESSES = f"{ONE_CUSTOMER}/addresses"
ENTITIES = "/customer-management/{tenant}/legal-entities"
ASSIGNMENTS = "/customer-management/{tenant}/contact-assignments"


def register(sandbox: Any) -> None:
    emulator = EmporixEmulator(sandbox)
    emulator.register()
    sandbox.emulators[SYSTEM] = emulator


class EmporixEmulator:
    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.store: Store = sandbox.store
        self.tokens = TokenBook()
        self.window = RateWindow()
        self.client_id = sandbox.secret("emporix_client_id")
        self.client_secret = sandbox.secret("emporix_client_secret")
        self.customers = CustomerService(self.store, self._settings, self._record_error)
        self.companies = CompanyService(self.store, self._settings)
        self._scopes: dict[str, tuple[str, ...]] = {}
        self._drop_lock = threading.Lock()

    def _settings(self) -> dict[str, Any]:
        return self.sandbox.settings[SYSTEM]  # type: ignore[no-any-return]

    @property
    def settings(self) -> dict[str, Any]:
        return self._settings()

    def _record_error(self, method: str, path: str, text: str) -> bool:
        return bool(self.sandbox.faults.take_record_error(SYSTEM, method, path, text))

    def register(self) -> None:
        sb = self.sandbox
        sb.register_settings(SYSTEM, SETTINGS)
        sb.set_error_format(SYSTEM, generic_error)
        sb.set_limit_response(SYSTEM, lambda _r: rate_limited(self.settings["retry_after_seconds"]))
        sb.add_hook(SYSTEM, before=self._before)
        sb.on_reset(self._reset)
        sb.on_expire_tokens(self.tokens.expire_all)
        sb.add_env("EMPORIX_TENANT", lambda s: str(s.settings[SYSTEM]["tenant"]))
        sb.add_env("EMPORIX_CLIENT_ID", self.client_id)
        sb.add_env("EMPORIX_CLIENT_SECRET", self.client_secret)
        sb.add_admin("GET", "/_sandbox/emporix/notifications", self.customers.notifications)

        c, m = self.customers, self.companies
        routes: list[tuple[str, str, Callable[[Request], Response], tuple[str, ...]]] = [
            ("POST", "/oauth/token", self._token, ()),
            ("GET", CUSTOMERS, c.list_customers, READ_CUSTOMERS),
            ("POST", CUSTOMERS, c.create_customer, MANAGE_CUSTOMERS),
            ("POST", f"{CUSTOMERS}/search", c.search_customers, READ_CUSTOMERS),
            ("GET", ONE_CUSTOMER, c.get_customer, READ_CUSTOMERS),
            ("PUT", ONE_CUSTOMER, c.upsert_customer, MANAGE_CUSTOMERS),
            ("PATCH", ONE_CUSTOMER, c.patch_customer, MANAGE_CUSTOMERS),
            ("DELETE", ONE_CUSTOMER, c.delete_customer, MANAGE_CUSTOMERS),
            ("GET", ADDRESSES, c.list_addresses, READ_CUSTOMERS),
            ("POST", ADDRESSES, c.add_address, MANAGE_CUSTOMERS),
            ("GET", f"{ADDRESSES}/{{addressId}}", c.get_address, READ_CUSTOMERS),
            ("PUT", f"{ADDRESSES}/{{addressId}}", c.upsert_address, MANAGE_CUSTOMERS),
            ("PATCH", f"{ADDRESSES}/{{addressId}}", c.patch_address, MANAGE_CUSTOMERS),
            ("DELETE", f"{ADDRESSES}/{{addressId}}", c.delete_address, MANAGE_CUSTOMERS),
            ("GET", ENTITIES, m.list_entities, READ_ENTITIES),
            ("POST", ENTITIES, m.create_entity, MANAGE_ENTITIES),
            ("POST", f"{ENTITIES}/search", m.search_entities, READ_ENTITIES),
            ("GET", f"{ENTITIES}/{{legalEntityId}}", m.get_entity, READ_ENTITIES),
            ("PUT", f"{ENTITIES}/{{legalEntityId}}", m.upsert_entity, MANAGE_ENTITIES),
            ("DELETE", f"{ENTITIES}/{{legalEntityId}}", m.delete_entity, MANAGE_ENTITIES),
            ("GET", ASSIGNMENTS, m.list_assignments, READ_ASSIGNMENTS),
            ("POST", ASSIGNMENTS, m.create_assignment, MANAGE_ASSIGNMENTS),
            ("GET", f"{ASSIGNMENTS}/{{contactAssignmentId}}", m.get_assignment, READ_ASSIGNMENTS),
            (
                "PUT",
                f"{ASSIGNMENTS}/{{contactAssignmentId}}",
                m.upsert_assignment,
                MANAGE_ASSIGNMENTS,
            ),
            (
                "DELETE",
                f"{ASSIGNMENTS}/{{contactAssignmentId}}",
                m.delete_assignment,
                MANAGE_ASSIGNMENTS,
            ),
        ]
        for method, pattern, handler, scopes in routes:
            endpoint = f"{method} {_short(pattern)}"
            self._scopes[endpoint] = scopes
            sb.router.add(SYSTEM, method, pattern, handler, endpoint)

    def _reset(self) -> None:
        self.tokens.clear()
        self.window.reset()

    def _token(self, request: Request) -> Response:
        return token_endpoint(
            request,
            settings=self.settings,
            client_id=self.client_id,
            client_secret=self.client_secret,
            book=self.tokens,
        )

    # ------------------------------------------------------------------ the gateway

    def _before(self, request: Request) -> Response | None:
        settings = self.settings
        limited = self.window.take(
            int(settings["rate_limit_requests"]),
            int(settings["rate_limit_window_ms"]),
            settings["retry_after_seconds"],
        )
        if limited is not None:
            return limited
        if request.endpoint == TOKEN:
            return None
        token = self.tokens.check(request.headers.get("Authorization"))
        if isinstance(token, Response):
            return token
        refused = self._tenant_and_scope(request, token)
        if refused is not None:
            return refused
        if self._drop_answer(request):
            handler = self.sandbox.router.match(request.method, request.path)[0].handler
            handler(request)  # the call takes effect; its answer never arrives
            return Response(DROP)
        return None

    def _tenant_and_scope(self, request: Request, token: Token) -> Response | None:
        tenant = request.params.get("tenant", "")
        if tenant != token.tenant or tenant != str(self.settings["tenant"]):
            if request.path.startswith("/customer-management/"):
                return management_error(
                    400, "Tenant in the header is not matching with the one provided in the URI."
                )
            return invalid_tenant()
        needed = self._scopes.get(request.endpoint, ())
        if needed and not token.scopes.intersection(needed):
            return forbidden()
        return None

    def _drop_answer(self, request: Request) -> bool:
        with self._drop_lock:
            settings = self.settings
            left = int(settings["drop_answer_count"])
            if left <= 0 or settings["drop_answer_endpoint"] != request.endpoint:
                return False
            settings["drop_answer_count"] = left - 1
            return True


def _short(pattern: str) -> str:
    """The counter's endpoint name: the path after the tenant (`/customers/{customerNumber}`)."""
    parts = pattern.split("/")
    if "{tenant}" in parts:
        parts = parts[parts.index("{tenant}") + 1 :]
        return "/" + "/".join(parts)
    return pattern


# ---------------------------------------------------------------- seeding


def seed(store: Store, data: Any) -> dict[str, int]:
    """Load `{"legal_entities": [...], "customers": [...]}`.

    A legal entity: `{name, id?, type?}`. A customer: Emporix field names (`contactEmail`,
    `firstName`, `lastName`, `company`, `preferredCurrency`, `preferredSite`, `active`, `onHold`,
    `id?`) plus `legal_entity: <name or id>`, which assigns it to that company (type CONTACT).
    """
    if not isinstance(data, dict) or set(data) - {"legal_entities", "customers"}:
        raise SeedError("emporix: expected a mapping with 'legal_entities' and/or 'customers'")
    entities, customers = data.get("legal_entities", []), data.get("customers", [])
    for name, records in (("legal_entities", entities), ("customers", customers)):
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SeedError(f"emporix.{name}: expected a list of records")
    stamp = now_iso()
    by_name: dict[str, str] = {}
    with store.transaction():
        for index, fields in enumerate(entities):
            entity_id = _seed_entity(store, index, fields, stamp)
            by_name[str(fields["name"]).casefold()] = entity_id
        for index, fields in enumerate(customers):
            _seed_customer(store, index, dict(fields), by_name, stamp)
    return {"legal_entities": len(entities), "customers": len(customers)}


def _seed_entity(store: Store, index: int, fields: dict[str, Any], stamp: str) -> str:
    where = f"emporix.legal_entities[{index}]"
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SeedError(f"{where}: name is required")
    entity_id = str(fields.get("id") or f"{store.next_id(SYSTEM, ENTITY):024x}")
    if not CUSTOM_ID.match(entity_id):
        raise SeedError(f"{where}: id {entity_id!r} must match [A-Za-z0-9_-]{{1,66}}")
    if store.get(SYSTEM, ENTITY, entity_id) is not None:
        raise SeedError(f"{where}: the legal entity {entity_id} already exists")
    store.insert(
        SYSTEM,
        ENTITY,
        entity_id,
        {
            "id": entity_id,
            "name": name,
            "type": fields.get("type", "COMPANY"),
            "metadata": {"version": 1, "createdAt": stamp, "modifiedAt": stamp},
        },
    )
    return entity_id


def _seed_customer(
    store: Store, index: int, fields: dict[str, Any], by_name: dict[str, str], stamp: str
) -> None:
    where = f"emporix.customers[{index}]"
    email = fields.get("contactEmail")
    if not isinstance(email, str) or "@" not in email:
        raise SeedError(f"{where}: contactEmail is required (Emporix needs a contact email)")
    if store.get(SYSTEM, EMAIL_INDEX, email_key(email)) is not None:
        raise SeedError(f"{where}: Duplicate account '{email}'")
    currency = fields.get("preferredCurrency", "USD")
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        raise SeedError(f"{where}: preferredCurrency {currency!r} is not ISO 4217")
    entity = fields.pop("legal_entity", None)
    number = str(fields.pop("id", None) or store.next_id(SYSTEM, CUSTOMER) + 34751074)
    if not CUSTOM_ID.match(number) or store.get(SYSTEM, CUSTOMER, number) is not None:
        raise SeedError(f"{where}: id {number!r} is taken or not [A-Za-z0-9_-]{{1,66}}")
    customer = {
        "preferredLanguage": "en_US",
        "preferredSite": "main",
        "active": True,
        "onHold": False,
        **fields,
        "preferredCurrency": currency,
        "id": number,
        "customerNumber": number,
        "email": email,
        "metadata": {"version": 1},
        "metadataCreatedAt": stamp,
        "addresses": [],
    }
    store.insert(SYSTEM, CUSTOMER, number, customer)
    store.update(SYSTEM, EMAIL_INDEX, email_key(email), {"id": number})
    if entity is None:
        return
    entity_id = by_name.get(str(entity).casefold()) or str(entity)
    if store.get(SYSTEM, ENTITY, entity_id) is None:
        raise SeedError(f"{where}: legal_entity {entity!r} names no legal entity of this seed")
    assignment_id = f"{store.next_id(SYSTEM, ASSIGNMENT):024x}"
    store.insert(
        SYSTEM,
        ASSIGNMENT,
        assignment_id,
        {
            "id": assignment_id,
            "legalEntity": {"id": entity_id},
            "customer": {"id": number},
            "type": "CONTACT",
            "primary": False,
            "mixins": {},
            "metadata": {"version": 1, "createdAt": stamp, "modifiedAt": stamp},
        },
    )

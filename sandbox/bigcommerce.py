"""BigCommerce emulator: v3 customers and v2 customer groups under /stores/{hash}/.

Every call needs `X-Auth-Token`; a wrong store hash is 404. Authenticated calls spend the store's
quota (settings `quota` per `window_ms`) and carry the four X-Rate-Limit headers; a spent window
answers 429. `max_concurrency_seen` (a setting, readable over the admin paths) records the most
calls the emulator served at once; `latency_ms` holds each call inside it so overlaps are visible.
`ignore_deletes` makes DELETE answer 204 but keep the customers (a misbehaving store);
`drop_after_create: N` creates the next N POSTed batches, then drops the connection unanswered.
Listings run in SQL over the store's column table of customers (see `bigcommerce_listing`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .bigcommerce_listing import (
    CUSTOMER,
    SYSTEM,
    CustomerListing,
    Selection,
    company_key,
    define_customer_columns,
)
from .bigcommerce_wire import (
    STRING_FIELDS,
    WRITABLE,
    InFlight,
    RateWindow,
    cursor_meta,
    decode_cursor,
    error,
    new_customer,
    now_iso,
    page_meta,
)
from .http import Request, Response
from .seed import SeedError
from .server import DROP
from .store import Record, Store

EMAIL_INDEX = "customer_email"
GROUP = "customer_group"
V3 = "/stores/{hash}/v3"
V2 = "/stores/{hash}/v2"
MAX_BATCH = 10
CREATE = "POST /v3/customers"
V2_MAX_PAGE = 250
QUERY_PARAMS = frozenset(
    {
        "page",
        "limit",
        "id:in",
        "email:in",
        "customer_group_id:in",
        "company:in",
        "include",
        "sort",
        "before",
        "after",
    }
)
SORTS = {
    "date_created:asc": ("date_created", False),
    "date_created:desc": ("date_created", True),
    "date_modified:asc": ("date_modified", False),
    "date_modified:desc": ("date_modified", True),
    "last_name:asc": ("last_name", False),
    "last_name:desc": ("last_name", True),
}
SETTINGS: dict[str, Any] = {
    "store_hash": "sandbox",
    "quota": 150,
    "window_ms": 30000,
    "max_page_size": 250,
    "ignore_deletes": False,
    "latency_ms": 0,
    "limit_reset_ms": 100,
    "max_concurrency_seen": 0,
    "drop_after_create": 0,
}


def register(sandbox: Any) -> None:
    BigCommerceEmulator(sandbox).register()


def seed(store: Store, data: Any) -> dict[str, int]:
    """Load `{"customer_groups": [...], "customers": [...]}` (ids optional); returns the counts."""
    if not isinstance(data, dict) or set(data) - {"customer_groups", "customers"}:
        raise SeedError("bigcommerce: expected a mapping with 'customer_groups' and/or 'customers'")
    groups, customers = data.get("customer_groups", []), data.get("customers", [])
    for name, records in (("customer_groups", groups), ("customers", customers)):
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SeedError(f"bigcommerce.{name}: expected a list of records")
    with store.transaction():
        define_customer_columns(store)
        for group in groups:
            group_id = _seed_id(store, GROUP, group.get("id"), "customer_groups")
            store.update(SYSTEM, GROUP, str(group_id), _new_group(group_id, group))
        for index, fields in enumerate(customers):
            _check_seed_customer(store, index, fields)
            customer_id = _seed_id(store, CUSTOMER, fields.get("id"), "customers")
            customer = new_customer(customer_id, fields)
            store.update(SYSTEM, CUSTOMER, str(customer_id), customer)
            store.update(SYSTEM, EMAIL_INDEX, _email_key(customer["email"]), {"id": customer_id})
    return {"customer_groups": len(groups), "customers": len(customers)}


def _check_seed_customer(store: Store, index: int, fields: dict[str, Any]) -> None:
    where = f"bigcommerce.customers[{index}]"
    for name in ("email", "first_name", "last_name"):
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise SeedError(f"{where}: {name} is required (BigCommerce needs email and names)")
    if store.get(SYSTEM, EMAIL_INDEX, _email_key(fields["email"])) is not None:
        raise SeedError(f"{where}: the email {fields['email']} is already a customer")


def _seed_id(store: Store, type_: str, given: Any, section: str) -> int:
    """The seeded id, moving the counter past it so later records never collide; or a fresh one."""
    fresh = store.next_id(SYSTEM, type_)
    if given is None:
        return fresh
    if not isinstance(given, int) or isinstance(given, bool) or given < 1:
        raise SeedError(f"bigcommerce.{section}: id {given!r} must be a positive integer")
    if given > fresh:
        store.next_id(SYSTEM, type_, int(given) - fresh)
    return int(given)


def _new_group(group_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": group_id,
        "name": str(fields.get("name", f"Group {group_id}")),
        "is_default": bool(fields.get("is_default", False)),
        "category_access": fields.get("category_access", {"type": "all"}),
        "discount_rules": list(fields.get("discount_rules", [])),
    }


def _email_key(email: str) -> str:
    return email.strip().lower()


def _int_list(raw: str) -> list[int] | None:
    """`1,2,3` as ints; None when any part is not an integer."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


def _positive_int(raw: str | None, default: int) -> int | None:
    if raw is None:
        return default
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


class BigCommerceEmulator:
    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.store: Store = sandbox.store
        self.window = RateWindow()
        self.in_flight = InFlight()
        self._local = threading.local()
        self._write_lock = threading.Lock()

    @property
    def settings(self) -> dict[str, Any]:
        return self.sandbox.settings[SYSTEM]  # type: ignore[no-any-return]

    def register(self) -> None:
        sb = self.sandbox
        sb.register_settings(SYSTEM, SETTINGS)
        define_customer_columns(self.store)
        sb.set_error_format(SYSTEM, lambda status, message: error(status, message))
        sb.set_limit_response(SYSTEM, self._limit_response)
        sb.add_hook(SYSTEM, before=self._before, after=self._after)
        sb.on_reset(self._reset)
        add = sb.router.add
        add(SYSTEM, "GET", f"{V3}/customers", self.list_customers, "GET /v3/customers")
        add(SYSTEM, "POST", f"{V3}/customers", self.create_customers, CREATE)
        add(SYSTEM, "PUT", f"{V3}/customers", self.update_customers, "PUT /v3/customers")
        add(SYSTEM, "DELETE", f"{V3}/customers", self.delete_customers, "DELETE /v3/customers")
        add(SYSTEM, "GET", f"{V2}/customer_groups", self.list_groups, "GET /v2/customer_groups")
        add(SYSTEM, "POST", f"{V2}/customer_groups", self.create_group, "POST /v2/customer_groups")

    # ------------------------------------------------------------------ auth, quota, concurrency

    def _reset(self) -> None:
        self.window.reset()
        self.in_flight.reset()

    def _before(self, request: Request) -> Response | None:
        self._local.rate_headers = None
        self._local.entered = False
        if request.params.get("hash") != self.settings["store_hash"]:
            return error(404, "Store not found")
        token = request.headers.get("X-Auth-Token")
        if not token or token != self.settings["access_token"]:
            return error(401, "Unauthorized: the X-Auth-Token header is missing or invalid")
        allowed, headers = self.window.take(
            int(self.settings["quota"]), int(self.settings["window_ms"])
        )
        self._local.rate_headers = headers
        if not allowed:
            return error(429, "Too many requests: the store's API quota for this window is spent")
        if request.method == "POST" and request.endpoint == CREATE and self._lose_response():
            # The customers are created, then the connection drops before the answer: the
            # uncertain create a client must look up before sending again.
            self.create_customers(request)
            return Response(DROP)
        self._local.entered = True
        peak = self.in_flight.enter()
        self.settings["max_concurrency_seen"] = max(
            int(self.settings["max_concurrency_seen"]), peak
        )
        latency = int(self.settings["latency_ms"])
        if latency > 0:
            time.sleep(latency / 1000)
        return None

    def _lose_response(self) -> bool:
        with self._write_lock:
            pending = int(self.settings["drop_after_create"])
            if pending > 0:
                self.settings["drop_after_create"] = pending - 1
            return pending > 0

    def _after(self, request: Request, response: Response) -> None:
        del request
        headers = getattr(self._local, "rate_headers", None)
        if headers:
            response.headers.update(headers)
        if getattr(self._local, "entered", False):
            self.in_flight.leave()
        self._local.rate_headers = None
        self._local.entered = False

    def _limit_response(self, request: Request) -> Response:
        """The injected "limit" fault: a spent quota, with its headers and a short reset."""
        del request
        response = error(429, "Too many requests: the store's API quota for this window is spent")
        quota = str(self.settings["quota"])
        response.headers.update(
            {
                "X-Rate-Limit-Time-Window-Ms": str(self.settings["window_ms"]),
                "X-Rate-Limit-Time-Reset-Ms": str(self.settings["limit_reset_ms"]),
                "X-Rate-Limit-Requests-Quota": quota,
                "X-Rate-Limit-Requests-Left": "0",
            }
        )
        return response

    # ------------------------------------------------------------------ GET /v3/customers

    def list_customers(self, request: Request) -> Response:
        unknown = sorted(set(request.query) - QUERY_PARAMS)
        if unknown:
            return error(
                422, "The filter(s) are not valid.", {k: "unknown filter" for k in unknown}
            )
        limit = _positive_int(request.arg("limit"), 50)
        page = _positive_int(request.arg("page"), 1)
        if limit is None or page is None:
            return error(422, "page and limit must be positive integers", {"limit": "invalid"})
        maximum = int(self.settings["max_page_size"])
        if limit > maximum:
            return error(413, f"The limit {limit} exceeds the maximum page size of {maximum}.")
        selection = self._selection(request)
        if isinstance(selection, Response):
            return selection
        listing = CustomerListing(self.store, selection)
        before, after = request.arg("before"), request.arg("after")
        if before is not None or after is not None:
            return self._cursor_page(listing, limit, before, after)
        filters = {k: v[-1] for k, v in request.query.items() if k not in ("page", "limit")}
        total = listing.count()
        data = listing.page((page - 1) * limit, limit) if (page - 1) * limit < total else []
        meta: dict[str, Any] = {"pagination": page_meta(total, len(data), limit, page, filters)}
        if page == 1:
            meta["cursor_pagination"] = cursor_meta(data, limit, False, total > len(data))
        return Response(200, {"data": data, "meta": meta})

    def _selection(self, request: Request) -> Selection | Response:
        """The listing's filters and sort, or the 422 that names a bad one."""
        int_filters: dict[str, list[int]] = {}
        for name in ("id:in", "customer_group_id:in"):
            raw = request.arg(name)
            if raw is not None:
                values = _int_list(raw)
                if values is None:
                    return error(422, f"The filter {name} is not valid.", {name: "integers only"})
                int_filters[name] = values
        ids: set[int] | None = None
        if "id:in" in int_filters:
            ids = set(int_filters["id:in"])
        emails = request.arg("email:in")
        if emails is not None:
            keys = {_email_key(e) for e in emails.split(",") if e.strip()}
            owners = {int(v["id"]) for v in self.store.get_many(SYSTEM, EMAIL_INDEX, keys).values()}
            ids = owners if ids is None else ids & owners
        companies = request.arg("company:in")
        sort = request.arg("sort")
        if sort is not None and sort not in SORTS:
            return error(422, "The sort is not valid.", {"sort": f"unknown sort {sort!r}"})
        sort_key, descending = SORTS[sort] if sort is not None else (None, False)
        return Selection(
            ids=ids,
            groups=int_filters.get("customer_group_id:in"),
            companies=None if companies is None else [company_key(c) for c in companies.split(",")],
            sort_key=sort_key,
            descending=descending,
        )

    def _cursor_page(
        self, listing: CustomerListing, limit: int, before: str | None, after: str | None
    ) -> Response:
        if after is not None:
            bound = decode_cursor(after)
            if bound is None:
                return error(422, "The cursor is not valid.", {"after": "invalid cursor"})
            found = listing.after(bound, limit)
            more_after, more_before = found.more, True
        else:
            bound = decode_cursor(before or "")
            if bound is None:
                return error(422, "The cursor is not valid.", {"before": "invalid cursor"})
            found = listing.before(bound, limit)
            more_after, more_before = True, found.more
        meta = {"cursor_pagination": cursor_meta(found.records, limit, more_before, more_after)}
        return Response(200, {"data": found.records, "meta": meta})

    # ------------------------------------------------------------------ POST/PUT/DELETE

    def create_customers(self, request: Request) -> Response:
        batch = self._batch(request)
        if isinstance(batch, Response):
            return batch
        with self._write_lock:
            errors: dict[str, str] = {}
            claimed: set[str] = set()
            for index, record in enumerate(batch):
                self._check_create(index, record, claimed, errors, request.path)
            if errors:
                body = {".customer_create": "Error creating customers", **errors}
                return error(422, "Create customers failed.", body)
            first = self.store.next_id(SYSTEM, CUSTOMER, len(batch))
            created = [new_customer(first + i, record) for i, record in enumerate(batch)]
            with self.store.transaction():
                for customer in created:
                    self._save(customer)
        return Response(200, {"data": created, "meta": {}})

    def _check_create(
        self, index: int, record: Any, claimed: set[str], errors: dict[str, str], path: str
    ) -> None:
        if not isinstance(record, dict):
            errors[str(index)] = "a customer must be a JSON object"
            return
        for name in ("email", "first_name", "last_name"):
            if not isinstance(record.get(name), str) or not record[name].strip():
                errors[f"{index}.{name}"] = f"{name} is required"
        self._check_values(index, record, errors)
        email = record.get("email")
        if isinstance(email, str) and email.strip():
            key = _email_key(email)
            if key in claimed or self.store.get(SYSTEM, EMAIL_INDEX, key) is not None:
                errors[f"{index}.email"] = f"The email address {email} is already in use."
            claimed.add(key)
            if self.sandbox.faults.take_record_error(SYSTEM, "POST", path, email):
                errors[f"{index}"] = "injected record error"

    def _check_values(self, index: int, record: dict[str, Any], errors: dict[str, str]) -> None:
        for name in STRING_FIELDS:
            if name in record and not isinstance(record[name], str):
                errors[f"{index}.{name}"] = f"{name} must be a string"
        email = record.get("email")
        if isinstance(email, str) and email.strip() and "@" not in email:
            errors[f"{index}.email"] = f"{email!r} is not a valid email address"
        group = record.get("customer_group_id")
        if group is not None and group != 0:
            if not isinstance(group, int) or isinstance(group, bool):
                errors[f"{index}.customer_group_id"] = "customer_group_id must be an integer"
            elif self.store.get(SYSTEM, GROUP, str(group)) is None:
                errors[f"{index}.customer_group_id"] = f"customer group {group} does not exist"

    def update_customers(self, request: Request) -> Response:
        batch = self._batch(request)
        if isinstance(batch, Response):
            return batch
        with self._write_lock:
            errors: dict[str, str] = {}
            current: dict[int, Record] = {}
            claimed: set[str] = set()
            for index, record in enumerate(batch):
                existing = self._check_update(index, record, claimed, errors, request.path)
                if existing is not None:
                    current[index] = existing
            if errors:
                return error(422, "Update customers failed.", errors)
            updated = []
            with self.store.transaction():
                for index, record in enumerate(batch):
                    customer = current[index]
                    old_key = _email_key(customer["email"])
                    customer.update({k: v for k, v in record.items() if k in WRITABLE})
                    customer["date_modified"] = now_iso()
                    if _email_key(customer["email"]) != old_key:
                        self.store.delete(SYSTEM, EMAIL_INDEX, old_key)
                    self._save(customer)
                    updated.append(customer)
        return Response(200, {"data": updated, "meta": {}})

    def _check_update(
        self, index: int, record: Any, claimed: set[str], errors: dict[str, str], path: str
    ) -> Record | None:
        if not isinstance(record, dict):
            errors[str(index)] = "a customer must be a JSON object"
            return None
        customer_id = record.get("id")
        if not isinstance(customer_id, int) or isinstance(customer_id, bool):
            errors[f"{index}.id"] = "id is required and must be an integer"
            return None
        existing = self.store.get(SYSTEM, CUSTOMER, str(customer_id))
        if existing is None:
            errors[f"{index}.id"] = f"customer {customer_id} does not exist"
            return None
        for name in ("email", "first_name", "last_name"):
            if name in record and (not isinstance(record[name], str) or not record[name].strip()):
                errors[f"{index}.{name}"] = f"{name} cannot be empty"
        self._check_values(index, record, errors)
        email = record.get("email", existing["email"])
        if isinstance(email, str):
            key = _email_key(email)
            owner = self.store.get(SYSTEM, EMAIL_INDEX, key)
            if key in claimed or (owner is not None and owner["id"] != customer_id):
                errors[f"{index}.email"] = f"The email address {email} is already in use."
            claimed.add(key)
            if self.sandbox.faults.take_record_error(SYSTEM, "PUT", path, email):
                errors[f"{index}"] = "injected record error"
        return existing

    def delete_customers(self, request: Request) -> Response:
        raw = request.arg("id:in")
        if raw is None:
            return Response(204)
        ids = _int_list(raw)
        if ids is None:
            return error(422, "The filter id:in is not valid.", {"id:in": "integers only"})
        if self.settings["ignore_deletes"]:
            return Response(204)
        with self._write_lock, self.store.transaction():
            for customer in self.store.get_many(SYSTEM, CUSTOMER, map(str, ids)).values():
                self.store.delete(SYSTEM, CUSTOMER, str(customer["id"]))
                self.store.delete(SYSTEM, EMAIL_INDEX, _email_key(customer["email"]))
        return Response(204)

    def _batch(self, request: Request) -> list[Any] | Response:
        body = request.json()
        if not isinstance(body, list) or not body:
            return error(422, "The request body must be a non-empty JSON array.", {"body": "array"})
        if len(body) > MAX_BATCH:
            return error(413, f"At most {MAX_BATCH} customers per request; got {len(body)}.")
        return body

    def _save(self, customer: Record) -> None:
        self.store.update(SYSTEM, CUSTOMER, str(customer["id"]), customer)
        self.store.update(
            SYSTEM, EMAIL_INDEX, _email_key(customer["email"]), {"id": customer["id"]}
        )

    # ------------------------------------------------------------------ v2 customer groups

    def list_groups(self, request: Request) -> Response:
        limit = _positive_int(request.arg("limit"), 50)
        page = _positive_int(request.arg("page"), 1)
        if limit is None or page is None:
            return Response(400, [{"status": 400, "message": "page and limit must be positive"}])
        if limit > V2_MAX_PAGE:
            return Response(413, [{"status": 413, "message": f"limit is at most {V2_MAX_PAGE}"}])
        groups = sorted(self.store.list(SYSTEM, GROUP), key=lambda g: int(g["id"]))
        data = groups[(page - 1) * limit : page * limit]
        return Response(200, data) if data else Response(204)

    def create_group(self, request: Request) -> Response:
        body = request.json()
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip():
            return Response(400, [{"status": 400, "message": "The field 'name' is required."}])
        with self._write_lock:
            taken = {g["name"].lower() for g in self.store.list(SYSTEM, GROUP)}
            if name.lower() in taken:
                message = f"A customer group named {name!r} already exists."
                return Response(409, [{"status": 409, "message": message}])
            group_id = self.store.next_id(SYSTEM, GROUP)
            group = _new_group(group_id, body)
            self.store.insert(SYSTEM, GROUP, str(group_id), group)
        return Response(201, group)

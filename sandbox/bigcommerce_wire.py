"""BigCommerce's wire shapes: error bodies, the customer object, paging meta, cursors, rate windows."""

from __future__ import annotations

import base64
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from .http import Response

ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
RATE_HEADERS = (
    "X-Rate-Limit-Time-Window-Ms",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Requests-Left",
)


def error(status: int, title: str, errors: dict[str, str] | None = None) -> Response:
    """The v3 error body: {"status", "title", "type", "errors"}."""
    body = {"status": status, "title": title, "type": ERROR_TYPE, "errors": errors or {}}
    return Response(status, body)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_customer(customer_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """A customer_Full object with BigCommerce's defaults for everything not given."""
    stamp = now_iso()
    customer: dict[str, Any] = {
        "id": customer_id,
        "email": "",
        "first_name": "",
        "last_name": "",
        "company": "",
        "phone": "",
        "registration_ip_address": "",
        "notes": "",
        "tax_exempt_category": "",
        "customer_group_id": 0,
        "date_created": stamp,
        "date_modified": stamp,
        "address_count": 0,
        "attribute_count": 0,
        "authentication": {"force_password_reset": False},
        "addresses": [],
        "attributes": [],
        "form_fields": [],
        "store_credit_amounts": [{"amount": 0}],
        "accepts_product_review_abandoned_cart_emails": False,
        "origin_channel_id": 1,
        "channel_ids": None,
    }
    customer.update({k: v for k, v in fields.items() if k in WRITABLE})
    return customer


WRITABLE = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "company",
        "phone",
        "notes",
        "tax_exempt_category",
        "customer_group_id",
        "accepts_product_review_abandoned_cart_emails",
        "channel_ids",
    }
)
STRING_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "phone",
    "notes",
    "tax_exempt_category",
)


def encode_cursor(customer_id: int) -> str:
    return base64.urlsafe_b64encode(str(customer_id).encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except ValueError:
        return None


def page_meta(
    total: int, count: int, limit: int, page: int, filters: dict[str, str]
) -> dict[str, Any]:
    total_pages = max((total + limit - 1) // limit, 1) if total else 0

    def link(number: int) -> str:
        return "?" + urlencode({**filters, "page": number, "limit": limit})

    links = {"current": link(page)}
    if page > 1:
        links["previous"] = link(page - 1)
    if page < total_pages:
        links["next"] = link(page + 1)
    return {
        "total": total,
        "count": count,
        "per_page": limit,
        "current_page": page,
        "total_pages": total_pages,
        "links": links,
    }


def cursor_meta(
    data: list[dict[str, Any]], limit: int, has_before: bool, has_after: bool
) -> dict[str, Any]:
    start = encode_cursor(data[0]["id"]) if data else None
    end = encode_cursor(data[-1]["id"]) if data else None
    links: dict[str, str] = {}
    if has_before and start:
        links["previous"] = f"?limit={limit}&before={start}"
    if has_after and end:
        links["next"] = f"?limit={limit}&after={end}"
    return {
        "count": len(data),
        "per_page": limit,
        "start_cursor": start,
        "end_cursor": end,
        "links": links,
    }


class RateWindow:
    """A fixed window per store: `quota` requests, refreshed `window_ms` after its first request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = 0.0
        self._used = 0

    def reset(self) -> None:
        with self._lock:
            self._started, self._used = 0.0, 0

    def take(self, quota: int, window_ms: int) -> tuple[bool, dict[str, str]]:
        """Spend one request if the window allows: (allowed, the rate headers to send)."""
        with self._lock:
            now = time.monotonic()
            if now - self._started >= window_ms / 1000:
                self._started, self._used = now, 0
            allowed = self._used < quota
            if allowed:
                self._used += 1
            reset_ms = max(int((self._started + window_ms / 1000 - now) * 1000), 0)
            headers = {
                "X-Rate-Limit-Time-Window-Ms": str(window_ms),
                "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
                "X-Rate-Limit-Requests-Quota": str(quota),
                "X-Rate-Limit-Requests-Left": str(max(quota - self._used, 0)),
            }
            return allowed, headers


class InFlight:
    """Counts requests inside the emulator at once, and the most seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = 0
        self.peak = 0

    def enter(self) -> int:
        with self._lock:
            self.current += 1
            self.peak = max(self.peak, self.current)
            return self.peak

    def leave(self) -> None:
        with self._lock:
            self.current = max(self.current - 1, 0)

    def reset(self) -> None:
        with self._lock:
            self.current = self.peak = 0

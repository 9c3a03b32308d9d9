"""What every Adobe Commerce handler shares: settings, storage, searches, input limits, tokens."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .adobe_commerce_data import AdobeData
from .adobe_commerce_search import (
    CriteriaError,
    PageLimits,
    page,
    parse_criteria,
    select,
)
from .adobe_commerce_wire import ARRAY_LIMIT, SYSTEM, error
from .http import Request, Response

SETTINGS: dict[str, Any] = {
    "store_codes": ["default", "all"],
    "token_lifetime_seconds": 14400,
    "salesforce_id_attribute": "salesforce_id",
    "salesforce_id_searchable": False,
    "default_company_status": 0,
    "default_role_name": "Default User",
    "create_sets_company_attributes": True,
    "update_requires_all_fields": True,
    "require_index_resource": True,
    "input_limits_enabled": False,
    "max_page_size": 300,
    "default_page_size": 20,
    "input_list_limit": 20,
    "clamp_current_page": True,
    "base_currency": "USD",
    "b2b_payment_methods": "checkmo,banktransfer,purchaseorder,companycredit",
}
"""Every fact about the store that Adobe's reference leaves open is one of these (see README)."""

Getter = Callable[[Mapping[str, Any], str], Any]


class Tokens:
    """Admin bearer tokens with their expiry (the admin token lasts 4 hours by default)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self, lifetime_seconds: float) -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._expiry[token] = time.monotonic() + lifetime_seconds
        return token

    def valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(token)
            if expiry is None:
                return False
            if time.monotonic() >= expiry:
                del self._expiry[token]
                return False
            return True

    def expire_all(self) -> None:
        with self._lock:
            self._expiry.clear()


class Api:
    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.data = AdobeData(sandbox.store)
        self.tokens = Tokens()

    @property
    def settings(self) -> dict[str, Any]:
        return self.sandbox.settings[SYSTEM]  # type: ignore[no-any-return]

    @property
    def salesforce_attribute(self) -> str:
        return str(self.settings["salesforce_id_attribute"])

    def limits(self) -> PageLimits:
        return PageLimits(
            enabled=bool(self.settings["input_limits_enabled"]),
            max_page_size=int(self.settings["max_page_size"]),
            default_page_size=int(self.settings["default_page_size"]),
            clamp_current_page=bool(self.settings["clamp_current_page"]),
        )

    def search(
        self,
        request: Request,
        records: Sequence[Mapping[str, Any]],
        get: Getter,
        known_fields: frozenset[str],
        *,
        prefix: str = "searchCriteria",
        shape: Callable[[Mapping[str, Any]], Any] = dict,
    ) -> Response:
        """`{"items", "search_criteria", "total_count"}` for the request's criteria."""
        try:
            criteria = parse_criteria(request.query, prefix)
            kept = select(records, criteria, get, known_fields)
            items = page(kept, criteria, self.limits())
        except CriteriaError as exc:
            return error(400, exc.message, exc.parameters)
        body = {
            "items": [shape(item) for item in items],
            "search_criteria": criteria.echo(),
            "total_count": len(kept),
        }
        return Response(200, body)

    def list_limit(self, name: str, items: Sequence[Any]) -> Response | None:
        """The "Input List Limit" of the optional Web API input limits, for an array of objects."""
        if not self.settings["input_limits_enabled"]:
            return None
        limit = int(self.settings["input_list_limit"])
        if len(items) > limit:
            return error(400, ARRAY_LIMIT, {"type": name, "max": limit})
        return None

    def record_error(self, request: Request, text: str) -> Response | None:
        """The `record_error` fault: this record is refused as a store-side validation would."""
        if self.sandbox.faults.take_record_error(SYSTEM, request.method, request.path, text):
            return error(400, 'The record "%1" was refused by a store-side validation.', [text])
        return None


def body_object(request: Request, name: str) -> dict[str, Any] | Response:
    """The `{"<name>": {...}}` envelope of a write, or the 400 Magento gives without it."""
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get(name), dict):
        return error(400, '"%fieldName" is required. Enter and try again.', {"fieldName": name})
    return body[name]  # type: ignore[no-any-return]


def path_id(request: Request, name: str) -> int | None:
    raw = request.params.get(name, "")
    return int(raw) if raw.isdigit() else None

"""Reading the B2B Dashboard's customer tabs, where a URL shows them.

Cin7 Omni has no API for the B2B online store's customers. When `store_view_url` is set (the
sandbox's admin view `/_sandbox/cin7_omni/b2b` is one), the provider reads the tabs from it, as
JSON `{"tabs": {"current": [{"contactId", "email", ...}], "pending": [...], "deactivated": [...],
"error": [...]}}`, and sees manual steps done; without it, they stay pending until confirmed.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from ..contract import ProviderError, TransientError
from ..http_client import Client

TABS = ("current", "pending", "deactivated", "error")


@dataclass(frozen=True)
class StoreCustomer:
    contact_id: int
    email: str
    tab: str
    error: str | None = None


class StoreView:
    def __init__(self, name: str, url: str, tls: ssl.SSLContext, timeout_seconds: float) -> None:
        self._name = name
        self._url = url
        self._http = Client(verify=tls, timeout=timeout_seconds)

    def close(self) -> None:
        self._http.close()

    def customers(self) -> dict[int, StoreCustomer]:
        """Every store customer, by CRM contact id."""
        try:
            response = self._http.get(self._url, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise TransientError(
                f"{self._name}: the store view did not answer ({type(exc).__name__})"
            ) from None
        if response.status_code != 200:
            raise ProviderError(
                f"{self._name}: the store view answered HTTP {response.status_code}; check "
                f"systems.{self._name}.store_view_url"
            )
        try:
            tabs = response.json().get("tabs")
        except (ValueError, AttributeError):
            tabs = None
        if not isinstance(tabs, dict):
            raise ProviderError(
                f"{self._name}: the store view is not JSON with 'tabs'; check "
                f"systems.{self._name}.store_view_url"
            )
        found: dict[int, StoreCustomer] = {}
        for tab in TABS:
            for row in tabs.get(tab) or []:
                contact_id, email = row.get("contactId"), row.get("email")
                if isinstance(contact_id, int) and isinstance(email, str):
                    found[contact_id] = StoreCustomer(contact_id, email, tab, row.get("error"))
        return found

"""The one place every BigCommerce call goes through: counting, rate limits, bounded retries.

BigCommerce shares a request quota per store and window and reports it on every response. A 429
that carries the rate headers means "quota spent, nothing was done": wait exactly the reset time
and send again (even a create). A 429 without them, a 5xx, a timeout or a dropped connection is
transient and uncertain: idempotent calls back off and retry; a create is sent once and the caller
looks the records up before trying again. When the answer never came (a read timeout, a connection
cut after sending, a gateway timeout) the request may still land: that failure is a NoAnswer, and
the caller waits out the uncertainty window (`wait_out_uncertainty`) before its look-up.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ..contract import (
    ApiLimitExceeded,
    AuthError,
    ConfigError,
    ProviderError,
)
from ..http_client import Client
from ..net_errors import shown_url
from ..retrying import Retryable, transport_failure, with_retries

RESET_HEADER = "X-Rate-Limit-Time-Reset-Ms"
LEFT_HEADER = "X-Rate-Limit-Requests-Left"
RATE_LIMIT_WAITS = 50
"""Consecutive quota waits one request may sit through before the apply gives up."""


class RateGate:
    """Shared view of the store's quota: holds requests back while the window is spent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left: int | None = None
        self._resume_at = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                if self._left is not None and self._left <= 0 and now < self._resume_at:
                    delay = self._resume_at - now
                else:
                    if self._left is not None:
                        # A new window starts unknown; within one, count our own sends down.
                        self._left = None if self._left <= 0 else self._left - 1
                    return
            time.sleep(delay)

    def observe(self, headers: httpx.Headers) -> bool:
        """Record the quota a response reports; False when it carries no rate headers."""
        reset, left = headers.get(RESET_HEADER), headers.get(LEFT_HEADER)
        if reset is None:
            return False
        try:
            reset_s = max(int(reset), 0) / 1000
            remaining = int(left) if left is not None else 0
        except ValueError:
            return False
        with self._lock:
            self._left = remaining
            self._resume_at = time.monotonic() + reset_s
        return True

    def spent(self) -> None:
        """A 429 with rate headers: nothing may go until the reported reset."""
        with self._lock:
            self._left = 0


class BigCommerceClient:
    """An httpx client bound to one store, e.g. `request("GET", "/v3/customers")`."""

    def __init__(
        self,
        *,
        base_url: str,
        store_hash: str,
        access_token: str,
        ca_bundle: Path | None,
        timeout_seconds: float,
        max_retries: int,
        max_concurrency: int,
        uncertainty_margin_seconds: float = 0.0,
    ) -> None:
        self._http = Client(
            base_url=f"{base_url.rstrip('/')}/stores/{store_hash}",
            headers={
                "X-Auth-Token": access_token,
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
            verify=_tls_context(ca_bundle),
            timeout=timeout_seconds,
            limits=httpx.Limits(max_connections=max_concurrency + 1),
        )
        self._max_retries = max(max_retries, 1)
        self._timeout = timeout_seconds
        self._ca_file = str(ca_bundle) if ca_bundle is not None else None
        self._uncertainty_window = timeout_seconds + uncertainty_margin_seconds
        self._gate = RateGate()
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def calls(self) -> int:
        return self._calls

    def close(self) -> None:
        self._http.close()

    @property
    def uncertainty_window(self) -> float:
        """Seconds after an unanswered request until what it did is taken to be visible."""
        return self._uncertainty_window

    def wait_out_uncertainty(self) -> None:
        """Sleep through the uncertainty window (before the look-up that precedes a resend)."""
        time.sleep(self._uncertainty_window)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        retry: bool = True,
    ) -> httpx.Response:
        """Send one call; the response is 2xx or 422, anything else raises a ProviderError.

        `retry=False` (creates) sends once: a transient failure raises TransientError at once so
        the caller can look up what landed before sending again.
        """
        return with_retries(
            lambda: self._send_until_quota(method, path, params, body),
            f"bigcommerce: {method} {self._url(path)}",
            attempts=self._max_retries,
            retry=retry,
        )

    def _send_until_quota(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: Any
    ) -> httpx.Response:
        for _ in range(RATE_LIMIT_WAITS):
            self._gate.acquire()
            response = self._send_once(method, path, params, body)
            has_rate_headers = self._gate.observe(response.headers)
            if response.status_code == 429 and has_rate_headers:
                self._gate.spent()
                continue
            return self._classify(method, path, response)
        raise ApiLimitExceeded(
            f"bigcommerce: the store's API quota stayed spent through {RATE_LIMIT_WAITS} windows; "
            "re-run later or lower systems.bigcommerce.max_concurrency"
        )

    def _send_once(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: Any
    ) -> httpx.Response:
        with self._lock:
            self._calls += 1
        try:
            return self._http.request(method, path, params=params, json=body)
        except httpx.TransportError as exc:
            where = f"bigcommerce: {method} {self._url(path)}"
            raise transport_failure(
                exc, where, timeout=self._timeout, ca_file=self._ca_file
            ) from None

    def _url(self, path: str) -> str:
        return shown_url(f"{str(self._http.base_url).rstrip('/')}{path}")

    @staticmethod
    def _classify(method: str, path: str, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 300 or status == 422:
            return response
        if status == 429 or status >= 500:
            raise Retryable(f"HTTP {status}", unanswered=status == 504)
        if status == 401:
            raise AuthError(
                "bigcommerce: the access token was refused (401); check the variable "
                "systems.bigcommerce.access_token names"
            )
        if status == 403:
            raise AuthError(
                "bigcommerce: the access token lacks a scope (403); grant it store_v2_customers"
            )
        if status == 404:
            raise ConfigError(
                f"bigcommerce: {method} {path} answered 404; check systems.bigcommerce.store_hash "
                "and base_url"
            )
        raise ProviderError(
            f"bigcommerce: {method} {path} answered HTTP {status}: {error_text(response)}"
        )


def _tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    if ca_bundle is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"systems.bigcommerce.ca_bundle: cannot load {ca_bundle} ({exc.__class__.__name__}); "
            "point it at a PEM file"
        ) from None


def error_text(response: httpx.Response) -> str:
    """One line from a BigCommerce error body: its title and the per-field messages."""
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(data, dict):
        return f"HTTP {response.status_code}"
    title = str(data.get("title") or f"HTTP {response.status_code}")
    errors = data.get("errors")
    if isinstance(errors, dict) and errors:
        details = "; ".join(f"{key}: {value}" for key, value in errors.items())
        return f"{title} ({details})"
    return title

"""The one place every Cin7 Omni API call goes through: Basic auth, pacing, counting, retries.

Cin7 Omni limits calls per second, minute and day and answers a spent window with 429 and a
Retry-After: nothing was done, so the call is sent again (even a create) after the wait, unless the
wait is longer than the configured maximum (the daily quota). Calls are paced to the configured
rate so that a run rarely meets a 429 at all. A 5xx, a timeout or a dropped connection is transient
and uncertain: reads and updates back off and retry; a create is sent once and the caller looks the
contacts up before trying again.
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
from ..retrying import Retryable, transport_failure, with_retries

API_PATH = "/api/v1"
RATE_LIMIT_WAITS = 20
"""Consecutive 429 answers one call may sit through before the run gives up."""


class Pace:
    """Spaces call starts at least 1/rate seconds apart."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)

    def hold(self, seconds: float) -> None:
        """Nothing goes before `seconds` from now (a 429's Retry-After)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


def tls_context(ca_bundle: Path | None, where: str) -> ssl.SSLContext:
    if ca_bundle is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"{where}.ca_bundle: cannot load {ca_bundle} ({exc.__class__.__name__}); "
            "point it at a PEM file"
        ) from None


def error_text(response: httpx.Response) -> str:
    """One line from a Cin7 Omni error body: `{"message": ...}` in either casing, or plain text."""
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return text[0][:300] if text else f"HTTP {response.status_code}"
    if isinstance(data, dict):
        for key, value in data.items():
            if key.lower() in ("message", "error", "errors") and value:
                return str(value)[:300]
    return f"HTTP {response.status_code}"


class Cin7Client:
    """An httpx client bound to one API connection, e.g. `request("GET", "/Contacts")`."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        username: str,
        api_key: str,
        ca_bundle: Path | None,
        timeout_seconds: float,
        max_retries: int,
        requests_per_second: float,
        max_rate_limit_wait: float,
    ) -> None:
        self.name = name
        self._timeout_seconds = timeout_seconds
        self._ca_file = None if ca_bundle is None else str(ca_bundle)
        self._http = Client(
            base_url=f"{base_url.rstrip('/')}{API_PATH}",
            auth=httpx.BasicAuth(username, api_key),
            headers={"Accept": "application/json"},
            verify=tls_context(ca_bundle, f"systems.{name}"),
            timeout=timeout_seconds,
        )
        self._max_retries = max(max_retries, 1)
        self._pace = Pace(requests_per_second)
        self._max_wait = max_rate_limit_wait
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def calls(self) -> int:
        return self._calls

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        retry: bool = True,
    ) -> httpx.Response:
        """Send one call; the answer is 2xx, anything else raises a ProviderError.

        `retry=False` (creates) sends once: a transient failure raises TransientError at once so
        the caller can look up what landed before sending again.
        """
        return with_retries(
            lambda: self._send_until_allowed(method, path, params, body),
            f"{self.name}: {method} {path}",
            attempts=self._max_retries,
            retry=retry,
        )

    def _send_until_allowed(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: Any
    ) -> httpx.Response:
        for _ in range(RATE_LIMIT_WAITS):
            self._pace.wait()
            response = self._send_once(method, path, params, body)
            if response.status_code != 429:
                return self._classify(method, path, response)
            wait = _retry_after(response)
            if wait > self._max_wait:
                raise ApiLimitExceeded(
                    f"{self.name}: Cin7 Omni's API limit is spent for {wait:.0f} s (Retry-After); "
                    "re-run later (the daily limit resets after 24 hours)"
                )
            self._pace.hold(wait)
        raise ApiLimitExceeded(
            f"{self.name}: Cin7 Omni answered 429 to {RATE_LIMIT_WAITS} attempts in a row; "
            f"re-run later or lower systems.{self.name}.requests_per_second"
        )

    def _send_once(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: Any
    ) -> httpx.Response:
        with self._lock:
            self._calls += 1
        try:
            return self._http.request(method, path, params=params, json=body)
        except httpx.TransportError as exc:
            where = f"{self.name}: {method} {path}"
            raise transport_failure(
                exc, where, timeout=self._timeout_seconds, ca_file=self._ca_file
            ) from None

    def _classify(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 300:
            return response
        if status >= 500:
            raise Retryable(f"HTTP {status}: {error_text(response)}")
        if status in (401, 403):
            raise AuthError(
                f"{self.name}: the API connection was refused ({status}); check the variables "
                f"systems.{self.name}.api_username and api_key name, and that the connection "
                "may read and write Contacts"
            )
        if status == 404 and path.rstrip("/").endswith("Contacts"):
            raise ConfigError(
                f"{self.name}: {method} {path} answered 404; check systems.{self.name}.base_url "
                "(the API host, e.g. https://api.cin7.com)"
            )
        raise ProviderError(
            f"{self.name}: {method} {path} answered HTTP {status}: {error_text(response)}"
        )


def _retry_after(response: httpx.Response) -> float:
    raw = response.headers.get("Retry-After", "")
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 1.0

"""The one place every Emporix call goes through: the service token, counting, bounded retries.

Service tokens come from `POST /oauth/token` (client_credentials) and cannot be refreshed: a new one
is requested shortly before `expires_in` runs out, and again when the gateway answers 401 with its
`fault` body ("Access Token expired" or "Invalid access token", e.g. after a restart of the
gateway), once per call. A 429 waits for `Retry-After` (or backs off) and a 5xx, a timeout or a lost
answer backs off exponentially, `max_retries` attempts in all. storegate only sends idempotent calls
(GET, PUT upserts with chosen ids, PATCH, DELETE, POST searches), so every call may be retried.
"""

from __future__ import annotations

import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from ..contract import AuthError, ConfigError, ProviderError, TransientError
from ..http_client import Client
from ..settings import remember_secret

RETRY_AFTER_CAP_SECONDS = 30.0
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 5.0
ANSWERED = frozenset({400, 404, 409})
"""Statuses handed back to the caller, which knows what they mean for its record."""


@dataclass(frozen=True)
class Target:
    """Where and as whom: the API host, the tenant and the OAuth client."""

    name: str
    """The system's name in storegate.yaml, for messages."""
    base_url: str
    tenant: str
    client_id: str
    client_secret: str
    scope: str | None
    ca_bundle: Path | None
    timeout_seconds: float
    max_retries: int


class _Retry(Exception):
    def __init__(self, detail: str, wait: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.wait = wait


class EmporixClient:
    def __init__(self, target: Target) -> None:
        self.target = target
        self._http = Client(
            base_url=target.base_url.rstrip("/"),
            verify=_tls_context(target),
            timeout=target.timeout_seconds,
            headers={"Accept": "application/json"},
        )
        self._lock = threading.Lock()
        self._calls = 0
        self._token: str | None = None
        self._renew_at = 0.0
        self.scopes: frozenset[str] = frozenset()
        self.token_tenant: str | None = None

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def customers(self) -> str:
        return f"/customer/{self.target.tenant}/customers"

    @property
    def management(self) -> str:
        return f"/customer-management/{self.target.tenant}"

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ the service token

    def token(self) -> str:
        with self._lock:
            if self._token is not None and time.monotonic() < self._renew_at:
                return self._token
        return self._new_token()

    def _new_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.target.client_id,
            "client_secret": self.target.client_secret,
        }
        if self.target.scope:
            form["scope"] = f"tenant={self.target.tenant} {self.target.scope}"
        response = self._attempts("POST", "/oauth/token", partial(self._post_form, form))
        if response.status_code in (400, 401, 403):
            raise AuthError(
                f"{self.target.name}: the OAuth service refused the client credentials "
                f"(HTTP {response.status_code}: {_oauth_error(response)}); check the variables "
                f"systems.{self.target.name}.client_id and client_secret name"
            )
        if response.status_code >= 300:
            raise ProviderError(
                f"{self.target.name}: POST /oauth/token answered HTTP {response.status_code}"
            )
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ProviderError(f"{self.target.name}: the OAuth service answered no access_token")
        remember_secret(token)
        lifetime = float(body.get("expires_in") or 0)
        scope = str(body.get("scope") or "")
        with self._lock:
            self._token = token
            self._renew_at = time.monotonic() + lifetime - min(60.0, lifetime * 0.1)
            words = scope.split()
            self.scopes = frozenset(w for w in words if not w.startswith("tenant="))
            self.token_tenant = next((w[7:] for w in words if w.startswith("tenant=")), None)
        return token

    def _post_form(self, form: Mapping[str, str]) -> httpx.Response:
        return self._http.post("/oauth/token", data=dict(form))

    def forget_token(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    # ------------------------------------------------------------------ calls

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call: 2xx, 400, 404 or 409 come back; anything else raises a ProviderError."""
        renewed = False
        while True:
            token = self.token()
            sent = {"Authorization": f"Bearer {token}", **(headers or {})}
            send = partial(self._http.request, method, path, params=params, json=body, headers=sent)
            response = self._attempts(method, path, send)
            if response.status_code == 401 and not renewed and _is_gateway_fault(response):
                self.forget_token(token)
                renewed = True
                continue
            return self._classify(method, path, response)

    def _attempts(
        self, method: str, path: str, send: Callable[[], httpx.Response]
    ) -> httpx.Response:
        attempts = self.target.max_retries
        last = ""
        for attempt in range(attempts):
            try:
                with self._lock:
                    self._calls += 1
                try:
                    response = send()
                except httpx.TransportError as exc:
                    raise _Retry(f"{type(exc).__name__}: {exc}") from None
                if response.status_code == 429:
                    raise _Retry("HTTP 429 (rate limited)", _retry_after(response))
                if response.status_code >= 500:
                    raise _Retry(f"HTTP {response.status_code}")
                return response
            except _Retry as retry:
                last = retry.detail
                if attempt + 1 < attempts:
                    time.sleep(retry.wait if retry.wait is not None else _backoff(attempt))
        raise TransientError(
            f"{self.target.name}: {method} {path} failed after {attempts} attempts: {last}"
        )

    def _classify(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 300 or status in ANSWERED:
            return response
        name = self.target.name
        if status == 401:
            raise AuthError(
                f"{name}: a fresh service token was refused too ({fault_text(response)}); check "
                f"that the OAuth client of systems.{name}.client_id belongs to tenant "
                f"{self.target.tenant}"
            )
        if status == 403:
            raise AuthError(
                f"{name}: {method} {path} is not allowed for this OAuth client (403); grant it "
                "customer.customer_read, customer.customer_manage, customermanagement."
                "legalentity_read/_manage and customermanagement.contactassignment_read/_manage"
            )
        raise ProviderError(
            f"{name}: {method} {path} answered HTTP {status}: {error_text(response)}"
        )


# ---------------------------------------------------------------- helpers


def _tls_context(target: Target) -> ssl.SSLContext:
    if target.ca_bundle is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(target.ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"systems.{target.name}.ca_bundle: cannot load {target.ca_bundle} "
            f"({exc.__class__.__name__}); point it at a PEM file"
        ) from None


def _backoff(attempt: int) -> float:
    return float(
        min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt) + random.uniform(0, 0.05)
    )


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return min(max(float(raw), 0.0), RETRY_AFTER_CAP_SECONDS)
    except ValueError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _is_gateway_fault(response: httpx.Response) -> bool:
    body = _json(response)
    return isinstance(body, dict) and isinstance(body.get("fault"), dict)


def fault_text(response: httpx.Response) -> str:
    body = _json(response)
    fault = body.get("fault") if isinstance(body, dict) else None
    if isinstance(fault, dict):
        return str(fault.get("faultstring") or "401")
    return f"HTTP {response.status_code}"


def _oauth_error(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict):
        for key in ("Error", "error_description", "message", "error", "ErrorCode"):
            if body.get(key):
                return str(body[key])
    return "no detail"


def error_text(response: httpx.Response) -> str:
    """One line from either service's error body: the message and each detail."""
    body = _json(response)
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    message = str(body.get("message") or f"HTTP {response.status_code}")
    details = body.get("details")
    parts: list[str] = []
    if isinstance(details, list):
        for detail in details:
            if isinstance(detail, dict):
                field = detail.get("field")
                text = str(detail.get("message") or "")
                parts.append(f"{field}: {text}" if field else text)
            else:
                parts.append(str(detail))
    shown = "; ".join(p for p in parts if p)
    return f"{message} ({shown})" if shown else message

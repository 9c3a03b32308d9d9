"""The one place every Adobe Commerce call goes through: the admin token, counting, retries.

The admin token (`POST /V1/integration/admin/token`, a bare JSON string) is fetched on first use
and again when a call answers 401 (it expires after 4 hours by default); a second 401 is an
AuthError. 5xx, 429 (a CDN in front of the store), timeouts and dropped connections are retried
with bounded exponential backoff; a create is sent once (`retry=False`) so that the caller can look
up what landed before sending it again. 400 and 404 come back to the caller, whose message is
`error_text(response)`: Magento's `%name` / `%1` placeholders filled from `parameters`.
"""

from __future__ import annotations

import re
import ssl
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from ..contract import AuthError, ConfigError, ProviderError
from ..http_client import Client
from ..retrying import Retryable, transport_failure, with_retries
from ..settings import remember_secret

TOKEN_PATH = "/integration/admin/token"
Params = Sequence[tuple[str, str | int]]
_PLACEHOLDER = re.compile(r"%(\w+)")


def fill(message: str, parameters: Any) -> str:
    """Magento's message with `%name` (a mapping) or `%1`, `%2` (a list) replaced."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if isinstance(parameters, Mapping) and name in parameters:
            return str(parameters[name])
        if isinstance(parameters, list) and name.isdigit() and 0 < int(name) <= len(parameters):
            return str(parameters[int(name) - 1])
        return found.group(0)

    return _PLACEHOLDER.sub(value, message)


def error_text(response: httpx.Response) -> str:
    """One line from an error body: the filled message, then each filled entry of `errors`."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return f"HTTP {response.status_code}"
    text = fill(body["message"], body.get("parameters"))
    details = [
        fill(str(e.get("message", "")), e.get("parameters"))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    return f"{text} ({'; '.join(details)})" if details else text


def error_parameters(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("parameters") if isinstance(body, dict) else None


class AdobeClient:
    """An httpx client bound to `<base>/rest/<store_code>/V1`, e.g. `request("GET", "/company")`."""

    def __init__(
        self,
        *,
        system: str,
        base_url: str,
        store_code: str,
        username: str,
        password: str,
        ca_bundle: Path | None,
        timeout_seconds: float,
        max_retries: int,
        max_concurrency: int,
    ) -> None:
        self._system = system
        self._timeout_seconds = timeout_seconds
        self._ca_file = None if ca_bundle is None else str(ca_bundle)
        self._http = Client(
            base_url=f"{base_url.rstrip('/')}/rest/{store_code}/V1",
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            verify=_tls_context(system, ca_bundle),
            timeout=timeout_seconds,
            limits=httpx.Limits(max_connections=max_concurrency + 1),
        )
        self._credentials = {"username": username, "password": password}
        self._max_retries = max(max_retries, 1)
        self._lock = threading.Lock()
        self._token_lock = threading.Lock()
        self._token: str | None = None
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
        params: Params | None = None,
        body: Any = None,
        retry: bool = True,
    ) -> httpx.Response:
        """One call; the response is 2xx, 400 or 404, anything else raises a ProviderError."""
        return with_retries(
            lambda: self._authorized(method, path, params, body),
            f"{self._system}: {method} {path}",
            attempts=self._max_retries,
            retry=retry,
        )

    def token(self) -> str:
        """The current admin token, fetched when there is none."""
        with self._token_lock:
            if self._token is None:
                self._token = self._new_token()
            return self._token

    def _authorized(
        self, method: str, path: str, params: Params | None, body: Any
    ) -> httpx.Response:
        token = self.token()
        response = self._send(method, path, params, body, token)
        if response.status_code == 401:
            with self._token_lock:
                if self._token == token:  # not renewed by another thread meanwhile
                    self._token = self._new_token()
                token = self._token or self._new_token()
            response = self._send(method, path, params, body, token)
            if response.status_code == 401:
                raise AuthError(
                    f"{self._system}: {method} {path} was refused with a fresh admin token: "
                    f"{error_text(response)}; give the admin user that role resource"
                )
        return self._classify(method, path, response)

    def _new_token(self) -> str:
        response = self._send("POST", TOKEN_PATH, None, self._credentials, None)
        if response.status_code >= 500 or response.status_code == 429:
            raise Retryable(f"HTTP {response.status_code} from the token endpoint")
        if response.status_code == 401:
            raise AuthError(
                f"{self._system}: the admin token was refused ({error_text(response)}); check "
                f"systems.{self._system}.username and the variable its password names"
            )
        if response.status_code != 200:
            raise ConfigError(
                f"{self._system}: the token endpoint answered {response.status_code} "
                f"({error_text(response)}); check systems.{self._system}.base_url and store_code"
            )
        token = response.json()
        if not isinstance(token, str) or not token:
            raise ProviderError(f"{self._system}: the token endpoint answered no token")
        remember_secret(token)
        return token

    def _send(
        self, method: str, path: str, params: Params | None, body: Any, token: str | None
    ) -> httpx.Response:
        with self._lock:
            self._calls += 1
        headers = {"Authorization": f"Bearer {token}"} if token else None
        query: list[tuple[str, str | int | float | bool | None]] = list(params or ())
        try:
            return self._http.request(method, path, params=query, json=body, headers=headers)
        except httpx.TransportError as exc:
            where = f"{self._system}: {method} {path}"
            raise transport_failure(
                exc, where, timeout=self._timeout_seconds, ca_file=self._ca_file
            ) from None

    def _classify(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 300 or status in (400, 404):
            return response
        if status == 429 or status >= 500:
            raise Retryable(f"HTTP {status}: {error_text(response)}")
        if status == 403:
            raise AuthError(f"{self._system}: {method} {path} is forbidden: {error_text(response)}")
        raise ProviderError(
            f"{self._system}: {method} {path} answered HTTP {status}: {error_text(response)}"
        )


def _tls_context(system: str, ca_bundle: Path | None) -> ssl.SSLContext:
    if ca_bundle is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"systems.{system}.ca_bundle: cannot load {ca_bundle} ({exc.__class__.__name__}); "
            "point it at a PEM file"
        ) from None


def json_of(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ProviderError(
            f"{what}: HTTP {response.status_code} with a body that is not JSON"
        ) from None

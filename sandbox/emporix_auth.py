"""Emporix's OAuth service (`POST /oauth/token`, client_credentials) and the gateway in front of the
services: bearer tokens with an expiry and no refresh, per-endpoint scopes, an optional rate limit.

Tokens live in memory: a restarted sandbox answers "Invalid access token" to an old one, as a
gateway that no longer knows it would; `POST /_sandbox/expire-tokens` makes every issued token
answer "Access Token expired".
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from .emporix_wire import gateway_401, rate_limited
from .http import Request, Response


@dataclass
class Token:
    tenant: str
    scopes: frozenset[str]
    expires_at: float
    uses_left: int | None  # None: no call budget
    expired: bool = False


class TokenBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()

    def expire_all(self) -> None:
        with self._lock:
            for token in self._tokens.values():
                token.expired = True

    def issue(self, tenant: str, scopes: frozenset[str], lifetime: int, budget: int) -> str:
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[value] = Token(
                tenant, scopes, time.time() + lifetime, budget if budget > 0 else None
            )
        return value

    def check(self, header: str | None) -> Token | Response:
        """The token a request carries, or the gateway's 401."""
        if not header or not header.startswith("Bearer "):
            return gateway_401(expired=False)
        with self._lock:
            token = self._tokens.get(header[len("Bearer ") :].strip())
            if token is None:
                return gateway_401(expired=False)
            if token.expired or time.time() >= token.expires_at:
                token.expired = True
                return gateway_401(expired=True)
            if token.uses_left is not None:
                if token.uses_left <= 0:
                    token.expired = True
                    return gateway_401(expired=True)
                token.uses_left -= 1
            return token


class RateWindow:
    """A fixed window: `limit` requests per `window_ms`, then 429 until the window ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = 0.0
        self._used = 0

    def reset(self) -> None:
        with self._lock:
            self._started, self._used = 0.0, 0

    def take(self, limit: int, window_ms: int, retry_after: Any) -> Response | None:
        if limit <= 0:
            return None
        with self._lock:
            now = time.monotonic()
            if now - self._started >= window_ms / 1000:
                self._started, self._used = now, 0
            if self._used >= limit:
                return rate_limited(retry_after)
            self._used += 1
        return None


def _form(request: Request) -> dict[str, str]:
    try:
        parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {name: values[-1] for name, values in parsed.items()}


def token_endpoint(
    request: Request,
    *,
    settings: dict[str, Any],
    client_id: str,
    client_secret: str,
    book: TokenBook,
) -> Response:
    """POST /oauth/token. Error bodies of this endpoint are not documented (U): the gateway's
    OAuth policy shape `{"ErrorCode", "Error"}` is used."""
    content_type = request.headers.get("Content-Type", "")
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        return Response(
            400,
            {"ErrorCode": "invalid_request", "Error": "Content-Type must be form-urlencoded"},
        )
    form = _form(request)
    if form.get("grant_type") != "client_credentials":
        return Response(
            400,
            {
                "ErrorCode": "invalid_request",
                "Error": f"Unsupported grant type : {form.get('grant_type', '')}",
            },
        )
    given_id, given_secret = form.get("client_id", ""), form.get("client_secret", "")
    if not secrets.compare_digest(given_id, client_id) or not secrets.compare_digest(
        given_secret, client_secret
    ):
        return Response(401, {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"})
    tenant = str(settings["tenant"])
    allowed = frozenset(str(s) for s in settings["client_scopes"])
    asked = {s for s in form.get("scope", "").split() if s and not s.startswith("tenant=")}
    granted = allowed & asked if asked else allowed
    lifetime = int(settings["token_lifetime_seconds"])
    value = book.issue(tenant, granted, lifetime, int(settings["expire_token_after_calls"]))
    return Response(
        200,
        {
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "session_idle_time": int(settings["session_idle_time"]),
            "refresh_token": "",
            "refresh_token_expires_in": 0,
            "scope": " ".join([f"tenant={tenant}", *sorted(granted)]),
        },
    )

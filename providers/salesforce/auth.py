"""Getting a Salesforce session from `systems.salesforce.auth`.

`session` takes the session id from the environment. The three OAuth flows (password grant, JWT
bearer, client credentials) POST the form to `{login_url}/services/oauth2/token` themselves, so they
work against My Domain hosts and the sandbox alike; simple-salesforce is then built with the token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests

from ..contract import AuthError, ConfigError
from ..net_errors import network_failure
from ..settings import resolve, resolve_path
from .config import (
    ClientCredentialsAuth,
    JwtAuth,
    PasswordAuth,
    SalesforceSystem,
    SessionAuth,
)

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
WHERE = "systems.salesforce.auth"


@dataclass(frozen=True)
class Session:
    access_token: str
    instance_url: str


def session_env_name(auth: SessionAuth) -> str:
    return auth.session_id.removeprefix("env:")


def login_url(settings: SalesforceSystem) -> str:
    if settings.login_url is None:
        return DEFAULT_LOGIN_URL
    return resolve(settings.login_url, "systems.salesforce.login_url").rstrip("/")


def authenticate(
    settings: SalesforceSystem, root: Path, http: requests.Session, verify: str | bool
) -> Session:
    """A session for the configured flow; AuthError/ConfigError in one line, no secret in it.

    `verify` is passed per request: a session-level CA would lose to REQUESTS_CA_BUNDLE.
    """
    auth = settings.auth
    if isinstance(auth, SessionAuth):
        token = resolve(auth.session_id, f"{WHERE}.session_id", secret=True)
        instance = resolve(settings.instance_url, "systems.salesforce.instance_url")
        return Session(token, instance)
    if isinstance(auth, PasswordAuth):
        return _token(settings, http, verify, "password grant", _password_form(auth))
    if isinstance(auth, JwtAuth):
        return _token(settings, http, verify, "JWT bearer", _jwt_form(auth, settings, root))
    return _client_credentials(settings, http, verify, auth)


def _password_form(auth: PasswordAuth) -> dict[str, str]:
    if auth.consumer_key is None or auth.consumer_secret is None:
        raise ConfigError(
            f"{WHERE}: the password flow is an OAuth password grant and needs consumer_key and "
            f"consumer_secret (env:NAME references to the connected app's key and secret)"
        )
    password = resolve(auth.password, f"{WHERE}.password", secret=True)
    if auth.security_token is not None:
        password += resolve(auth.security_token, f"{WHERE}.security_token", secret=True)
    return {
        "grant_type": "password",
        "client_id": resolve(auth.consumer_key, f"{WHERE}.consumer_key", secret=True),
        "client_secret": resolve(auth.consumer_secret, f"{WHERE}.consumer_secret", secret=True),
        "username": resolve(auth.username, f"{WHERE}.username"),
        "password": password,
    }


def _private_key(auth: JwtAuth, root: Path) -> str:
    if auth.private_key is not None:
        return resolve(auth.private_key, f"{WHERE}.private_key", secret=True)
    path = resolve_path(auth.private_key_file, f"{WHERE}.private_key_file", root)
    if path is None:
        raise ConfigError(f"{WHERE}: the jwt flow needs private_key (env:NAME) or private_key_file")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{WHERE}.private_key_file: cannot read {path} ({exc.__class__.__name__}); point it at "
            f"the connected app's PEM private key"
        ) from None


def _jwt_form(auth: JwtAuth, settings: SalesforceSystem, root: Path) -> dict[str, str]:
    host = urlsplit(login_url(settings))
    claims = {
        "iss": resolve(auth.consumer_key, f"{WHERE}.consumer_key", secret=True),
        "sub": resolve(auth.username, f"{WHERE}.username"),
        "aud": f"{host.scheme}://{host.netloc}",
        "exp": int(time.time()) + 180,
    }
    try:
        assertion = jwt.encode(claims, _private_key(auth, root), algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise ConfigError(
            f"{WHERE}: the jwt private key is not a usable RSA private key in PEM form; check "
            f"private_key / private_key_file"
        ) from None
    return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}


def _client_credentials(
    settings: SalesforceSystem,
    http: requests.Session,
    verify: str | bool,
    auth: ClientCredentialsAuth,
) -> Session:
    key = resolve(auth.consumer_key, f"{WHERE}.consumer_key", secret=True)
    secret = resolve(auth.consumer_secret, f"{WHERE}.consumer_secret", secret=True)
    form = {"grant_type": "client_credentials"}
    return _token(settings, http, verify, "client credentials", form, (key, secret))


def _token(
    settings: SalesforceSystem,
    http: requests.Session,
    verify: str | bool,
    flow: str,
    form: dict[str, str],
    basic: tuple[str, str] | None = None,
) -> Session:
    url = f"{login_url(settings)}/services/oauth2/token"
    try:
        response = http.post(
            url, data=form, auth=basic, timeout=settings.timeout_seconds, verify=verify
        )
    except requests.RequestException as exc:
        ca = verify if isinstance(verify, str) else None
        cause = network_failure(exc, timeout=settings.timeout_seconds, ca_file=ca).cause
        raise AuthError(
            f"Salesforce login ({flow}) could not reach {url}: {cause}; check "
            f"systems.salesforce.login_url and the network"
        ) from None
    body = _json(response)
    if response.status_code != 200:
        error = str(body.get("error", f"HTTP {response.status_code}"))
        detail = body.get("error_description")
        reason = f"{error}: {detail}" if detail else error
        raise AuthError(
            f"Salesforce login ({flow}) at {url} failed: {reason}; check the credentials in "
            f"{WHERE} and the connected app"
        )
    token, instance = body.get("access_token"), body.get("instance_url")
    if not isinstance(token, str) or not isinstance(instance, str):
        raise AuthError(f"Salesforce login ({flow}) at {url} returned no access_token/instance_url")
    return Session(token, instance)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

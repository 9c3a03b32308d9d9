"""Salesforce sessions: Bearer token check, the daily API budget, the OAuth token endpoint
(client_credentials, JWT bearer, password) and the identity URL the token response hands out."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..sandbox import salesforce_wire as wire
from .http import Request, Response

if TYPE_CHECKING:
    from .server import Sandbox

ORG_ID = "00DSB0000000001EAA"
USER_ID = "005SB0000000001AAA"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
IDENTITY_PATH = f"/id/{ORG_ID}/{USER_ID}"


def _load_or_make_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return key


class SalesforceAuth:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        creds = sandbox.credentials
        self.static_token = creds["sf_access_token"]
        self.consumer_key = creds["sf_consumer_key"]
        self.consumer_secret = creds["sf_consumer_secret"]
        self.username = creds["sf_username"]
        self.password = creds["sf_password"]
        self.key_path = sandbox.directory / "sf_jwt_key.pem"
        self.public_key = _load_or_make_key(self.key_path).public_key()
        self._lock = threading.Lock()
        self._tokens: set[str] = {self.static_token}
        self.used = 0

    def reset(self) -> None:
        with self._lock:
            self._tokens = {self.static_token}
            self.used = 0

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    @property
    def daily_limit(self) -> int:
        return int(self.sandbox.settings[wire.SYSTEM]["daily_limit"])

    # --- hooks on every REST call under /services/data/vXX.X/ -----------------------------------

    @staticmethod
    def _is_rest(request: Request) -> bool:
        """A call under /services/data/{version}/ (the version list itself needs no session)."""
        rest = request.path[len(wire.DATA_PREFIX) :].strip("/")
        return request.path.startswith(wire.DATA_PREFIX) and bool(rest)

    def _bearer_ok(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() in ("bearer", "oauth") and token.strip() in self._tokens

    def before(self, request: Request) -> Response | None:
        if not self._is_rest(request):
            return None
        with self._lock:
            if not self._bearer_ok(request):
                return wire.error(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if self.used >= self.daily_limit:
                return wire.error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            self.used += 1
        return None

    def after(self, request: Request, response: Response) -> None:
        if self._is_rest(request):
            response.headers["Sforce-Limit-Info"] = f"api-usage={self.used}/{self.daily_limit}"

    def limits(self, request: Request) -> Response:
        del request
        return Response(
            200,
            {
                "DailyApiRequests": {"Max": self.daily_limit, "Remaining": self.remaining()},
                "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
                "DataStorageMB": {"Max": 1024, "Remaining": 1000},
            },
        )

    def remaining(self) -> int:
        return max(self.daily_limit - self.used, 0)

    def limit_exceeded(self, request: Request) -> Response:
        del request
        return wire.error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    # --- OAuth 2.0 token endpoint ---------------------------------------------------------------

    def token(self, request: Request) -> Response:
        try:
            form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        except UnicodeDecodeError:
            form = {}
        for key, values in request.query.items():
            form.setdefault(key, values[-1])
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return self._client_credentials(request, form)
        if grant == JWT_GRANT:
            return self._jwt_bearer(form.get("assertion", ""))
        if grant == "password":
            return self._password(form)
        return _oauth_error("unsupported_grant_type", "grant type not supported")

    def _client_credentials(self, request: Request, form: dict[str, str]) -> Response:
        """The client authenticates with HTTP Basic (key:secret) or, as RFC 6749 2.3.1 also
        allows and Salesforce accepts, with client_id and client_secret in the form body."""
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            key, _, secret = decoded.partition(":")
        else:
            key, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not self._client_ok(key, secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        return self._issue()

    def _password(self, form: dict[str, str]) -> Response:
        if not self._client_ok(form.get("client_id", ""), form.get("client_secret", "")):
            return _oauth_error("invalid_client", "invalid client credentials")
        user_ok = hmac.compare_digest(form.get("username", ""), self.username)
        password_ok = hmac.compare_digest(form.get("password", ""), self.password)
        if not (user_ok and password_ok):
            return _oauth_error("invalid_grant", "authentication failure")
        return self._issue()

    def _jwt_bearer(self, assertion: str) -> Response:
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                self.public_key,
                algorithms=["RS256"],
                options={"verify_aud": False, "require": ["iss", "sub", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            return _oauth_error("invalid_grant", "expired authorization code")
        except jwt.PyJWTError:
            return _oauth_error("invalid_grant", "invalid assertion")
        if claims.get("iss") != self.consumer_key:
            return _oauth_error("invalid_client", "client identifier invalid")
        if claims.get("sub") != self.username:
            return _oauth_error("invalid_grant", "user hasn't approved this consumer")
        return self._issue()

    def _client_ok(self, key: str, secret: str) -> bool:
        return hmac.compare_digest(key, self.consumer_key) and hmac.compare_digest(
            secret, self.consumer_secret
        )

    def _issue(self) -> Response:
        token = f"{ORG_ID[:15]}!" + secrets.token_urlsafe(40)
        with self._lock:
            self._tokens.add(token)
        issued_at = str(int(time.time() * 1000))
        instance_url = self.sandbox.url
        identity = instance_url + IDENTITY_PATH
        digest = hmac.new(
            self.consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        return Response(
            200,
            {
                "access_token": token,
                "instance_url": instance_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": base64.b64encode(digest).decode(),
                "scope": "api",
            },
        )

    # --- the identity URL -----------------------------------------------------------------------

    def identity(self, request: Request) -> Response:
        """GET /id/{orgId}/{userId} with the access token as Bearer header or `oauth_token`
        parameter: who the session is. API URLs carry `{version}` unless `version` is given."""
        with self._lock:
            token = request.arg("oauth_token") or request.arg("access_token")
            valid = self._bearer_ok(request) or (token is not None and token in self._tokens)
        if not valid:
            return Response(403, b"Bad_OAuth_Token", {"Content-Type": "text/plain"})
        if (request.params["org"], request.params["user"]) != (ORG_ID, USER_ID):
            return Response(404, b"Bad_Id", {"Content-Type": "text/plain"})
        url = self.sandbox.url
        version = request.arg("version") or "{version}"
        if version == "latest":
            version = str(self.sandbox.settings[wire.SYSTEM]["latest_api_version"])
        rest = f"{url}{wire.DATA_PREFIX}v{version}/"
        return Response(
            200,
            {
                "id": url + IDENTITY_PATH,
                "asserted_user": True,
                "user_id": USER_ID,
                "organization_id": ORG_ID,
                "username": self.username,
                "nick_name": self.username.partition("@")[0],
                "display_name": "Integration User",
                "email": self.username,
                "email_verified": True,
                "first_name": "Integration",
                "last_name": "User",
                "timezone": "GMT",
                "active": True,
                "user_type": "STANDARD",
                "language": "en_US",
                "locale": "en_US",
                "utcOffset": 0,
                "is_app_installed": True,
                "urls": {
                    "rest": rest,
                    "sobjects": f"{rest}sobjects/",
                    "query": f"{rest}query/",
                    "profile": f"{url}/{USER_ID}",
                    "custom_domain": url,
                },
            },
        )


def _oauth_error(code: str, description: str) -> Response:
    return Response(400, {"error": code, "error_description": description})

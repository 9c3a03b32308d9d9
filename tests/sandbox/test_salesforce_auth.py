"""Sessions, the API budget and the OAuth token endpoint, via simple-salesforce and raw httpx."""

from __future__ import annotations

import ssl
import time
from typing import Any

import httpx
import jwt
import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.sandbox.conftest import requests_session


class ToSandbox(HTTPAdapter):
    """Sends simple-salesforce's login calls (always https://{domain}.salesforce.com) to the sandbox."""

    def __init__(self, sandbox_url: str) -> None:
        super().__init__()
        self.sandbox_url = sandbox_url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        path = request.url.split(".salesforce.com", 1)[1]
        request.url = self.sandbox_url + path
        return super().send(request, **kwargs)


def login_session(sandbox: Sandbox, domain: str) -> requests.Session:
    session = requests_session(sandbox)
    session.mount(f"https://{domain}.salesforce.com", ToSandbox(sandbox.url))
    return session


def token_client(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.url, verify=ssl.create_default_context(cafile=str(sandbox.ca_path))
    )


def test_unknown_token_is_401_with_an_array_body(sandbox: Sandbox) -> None:
    sf = Salesforce(
        session_id="not-a-token", instance_url=sandbox.url, session=requests_session(sandbox)
    )
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Contact")
    assert caught.value.status == 401
    assert caught.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_expire_tokens_then_reset_restores_the_env_token(
    sandbox: Sandbox, sf: Salesforce, admin: SandboxAdmin
) -> None:
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    admin.expire_tokens()
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Contact")
    admin.reset()
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0


def test_limit_header_feeds_api_usage_and_limits(sf: Salesforce) -> None:
    sf.query("SELECT Id FROM Contact")
    sf.query("SELECT Id FROM Contact")
    usage = sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (2, 15000)
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - 3}


def test_daily_limit_spent_gives_403_request_limit_exceeded(
    sf: Salesforce, admin: SandboxAdmin
) -> None:
    admin.setting("salesforce", "daily_limit", 2)
    sf.query("SELECT Id FROM Contact")
    sf.query("SELECT Id FROM Contact")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Contact")
    assert caught.value.status == 403
    assert caught.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


def test_limit_fault_answers_like_the_org_limit(sf: Salesforce, admin: SandboxAdmin) -> None:
    admin.fault(system="salesforce", kind="limit")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Contact")
    assert caught.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0


def test_password_flow_through_simple_salesforce(sandbox: Sandbox) -> None:
    env = sandbox.env
    sf = Salesforce(
        username=env["SF_USERNAME"],
        password=env["SF_PASSWORD"],
        consumer_key=env["SF_CONSUMER_KEY"],
        consumer_secret=env["SF_CONSUMER_SECRET"],
        session=login_session(sandbox, "login"),
    )
    assert sf.sf_instance == sandbox.url.removeprefix("https://")
    assert sf.session_id != env["SF_ACCESS_TOKEN"]
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0


def test_wrong_password_fails(sandbox: Sandbox) -> None:
    env = sandbox.env
    with pytest.raises(SalesforceAuthenticationFailed, match="authentication failure"):
        Salesforce(
            username=env["SF_USERNAME"],
            password="wrong",
            consumer_key=env["SF_CONSUMER_KEY"],
            consumer_secret=env["SF_CONSUMER_SECRET"],
            session=login_session(sandbox, "login"),
        )


def test_jwt_bearer_flow_through_simple_salesforce(sandbox: Sandbox) -> None:
    env = sandbox.env
    sf = Salesforce(
        username=env["SF_USERNAME"],
        consumer_key=env["SF_CONSUMER_KEY"],
        privatekey_file=env["SF_JWT_KEY_FILE"],
        session=login_session(sandbox, "login"),
    )
    assert sf.query("SELECT Id FROM Contact")["done"] is True


def test_client_credentials_flow_through_simple_salesforce(sandbox: Sandbox) -> None:
    env = sandbox.env
    sf = Salesforce(
        consumer_key=env["SF_CONSUMER_KEY"],
        consumer_secret=env["SF_CONSUMER_SECRET"],
        domain="storegate.my",
        session=login_session(sandbox, "storegate.my"),
    )
    assert sf.query("SELECT Id FROM Contact")["done"] is True


def test_token_endpoint_success_shape(sandbox: Sandbox) -> None:
    env = sandbox.env
    with token_client(sandbox) as client:
        response = client.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(env["SF_CONSUMER_KEY"], env["SF_CONSUMER_SECRET"]),
        )
    body = response.json()
    assert response.status_code == 200
    assert set(body) >= {
        "access_token",
        "instance_url",
        "token_type",
        "issued_at",
        "id",
        "signature",
    }
    assert body["instance_url"] == sandbox.url and body["token_type"] == "Bearer"


def _assertion(sandbox: Sandbox, **claims: Any) -> str:
    env = sandbox.env
    payload = {
        "iss": env["SF_CONSUMER_KEY"],
        "sub": env["SF_USERNAME"],
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
        **claims,
    }
    with open(env["SF_JWT_KEY_FILE"], "rb") as key:
        return jwt.encode(payload, key.read(), algorithm="RS256")


@pytest.mark.parametrize(
    ("form", "basic", "error"),
    [
        ({"grant_type": "client_credentials"}, ("wrong", "key"), "invalid_client"),
        ({"grant_type": "client_credentials"}, None, "invalid_client"),
        (
            {"grant_type": "password", "client_id": "x", "client_secret": "y"},
            None,
            "invalid_client",
        ),
        ({"grant_type": "authorization_code"}, None, "unsupported_grant_type"),
        (
            {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "abc"},
            None,
            "invalid_grant",
        ),
    ],
)
def test_token_endpoint_errors(
    sandbox: Sandbox, form: dict[str, str], basic: tuple[str, str] | None, error: str
) -> None:
    with token_client(sandbox) as client:
        response = client.post("/services/oauth2/token", data=form, auth=basic)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"exp": int(time.time()) - 60}, "invalid_grant"),
        ({"iss": "someone-else"}, "invalid_client"),
        ({"sub": "intruder@example.com"}, "invalid_grant"),
    ],
)
def test_jwt_claims_are_checked(sandbox: Sandbox, claims: dict[str, Any], error: str) -> None:
    with token_client(sandbox) as client:
        response = client.post(
            "/services/oauth2/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": _assertion(sandbox, **claims),
            },
        )
    assert response.status_code == 400 and response.json()["error"] == error


def test_jwt_signed_by_another_key_is_refused(sandbox: Sandbox) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    env = sandbox.env
    forged = jwt.encode(
        {"iss": env["SF_CONSUMER_KEY"], "sub": env["SF_USERNAME"], "exp": int(time.time()) + 60},
        pem,
        algorithm="RS256",
    )
    with token_client(sandbox) as client:
        response = client.post(
            "/services/oauth2/token",
            data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": forged},
        )
    assert response.json()["error"] == "invalid_grant"


def test_issued_tokens_expire_with_the_rest(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    env = sandbox.env
    with token_client(sandbox) as client:
        token = client.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(env["SF_CONSUMER_KEY"], env["SF_CONSUMER_SECRET"]),
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/services/data/v59.0/limits", headers=headers).status_code == 200
        admin.expire_tokens()
        assert client.get("/services/data/v59.0/limits", headers=headers).status_code == 401

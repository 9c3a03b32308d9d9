"""The one call path: auth flows, renewal, retries, API limit, over HTTPS against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storegate.engine.errors import ApiLimitExceeded, AuthError, ConfigError, TransientError
from storegate.providers.salesforce.connection import Connection
from storegate.sandbox.admin import SandboxAdmin
from tests.providers.test_salesforce_support import FAST_RETRY, sf_settings


def _connection(tmp_path: Path, auth: str = "session", **overrides: Any) -> Connection:
    return Connection(sf_settings(auth, **overrides), tmp_path, retry_base_delay=FAST_RETRY)


def _limits(connection: Connection) -> Any:
    return connection.rest("limits read", "GET", "limits/")


@pytest.mark.parametrize("auth", ["session", "password", "jwt", "client_credentials"])
def test_each_auth_flow_reaches_the_rest_api(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin, auth: str
) -> None:
    connection = _connection(tmp_path, auth)
    assert "DailyApiRequests" in _limits(connection)
    assert connection.calls() == 1
    endpoints = admin.calls()["salesforce"]
    assert endpoints.get("POST oauth2/token", 0) == (0 if auth == "session" else 1)


@pytest.mark.parametrize("auth", ["password", "jwt", "client_credentials"])
def test_expired_token_is_renewed_once(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin, auth: str
) -> None:
    connection = _connection(tmp_path, auth)
    _limits(connection)
    admin.expire_tokens()
    assert "DailyApiRequests" in _limits(connection)
    assert connection.calls() == 3  # the call, the refused one, the one after renewal
    assert admin.calls()["salesforce"]["POST oauth2/token"] == 2


def test_expired_session_id_asks_for_a_fresh_one(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    connection = _connection(tmp_path)
    admin.expire_tokens()
    with pytest.raises(AuthError) as caught:
        _limits(connection)
    assert str(caught.value) == "Salesforce session expired or invalid; refresh SF_ACCESS_TOKEN"


def test_wrong_password_is_one_line_without_the_secret(
    tmp_path: Path, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SF_PASSWORD", "wrong-password-value")
    with pytest.raises(AuthError) as caught:
        _limits(_connection(tmp_path, "password"))
    message = str(caught.value)
    assert "\n" not in message
    assert "invalid_grant" in message and "systems.salesforce.auth" in message
    assert "wrong-password-value" not in message
    assert sandbox_env["SF_CONSUMER_SECRET"] not in message


def test_missing_env_variable_is_a_config_error(
    tmp_path: Path, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SF_CONSUMER_SECRET")
    with pytest.raises(ConfigError, match=r"systems\.salesforce\.auth\.consumer_secret"):
        _limits(_connection(tmp_path, "client_credentials"))


def test_unusable_jwt_key_is_a_config_error(
    tmp_path: Path, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "key.pem"
    bad.write_text("not a key", encoding="utf-8")
    monkeypatch.setenv("SF_JWT_KEY_FILE", str(bad))
    with pytest.raises(ConfigError, match="not a usable RSA private key"):
        _limits(_connection(tmp_path, "jwt"))


def test_server_errors_are_retried(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    admin.fault(system="salesforce", kind="status", status=503, count=2, path_contains="limits")
    connection = _connection(tmp_path)
    assert "DailyApiRequests" in _limits(connection)
    assert connection.calls() == 3
    assert admin.calls()["salesforce"]["GET limits"] == 3


def test_dropped_connections_are_retried(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    admin.fault(system="salesforce", kind="drop", count=2, path_contains="limits")
    connection = _connection(tmp_path)
    assert "DailyApiRequests" in _limits(connection)
    assert connection.calls() == 3


def test_retries_are_bounded(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    admin.fault(system="salesforce", kind="status", status=500, count=-1, path_contains="limits")
    connection = _connection(tmp_path, max_retries=2)
    with pytest.raises(TransientError, match="after 3 attempts: HTTP 500"):
        _limits(connection)
    assert connection.calls() == 3


def test_api_limit_says_how_many_calls_were_used(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    admin.setting("salesforce", "daily_limit", 2)
    connection = _connection(tmp_path)
    _limits(connection)
    _limits(connection)
    with pytest.raises(ApiLimitExceeded) as caught:
        _limits(connection)
    message = str(caught.value)
    assert "REQUEST_LIMIT_EXCEEDED" in message
    assert "2 of 2 API requests used, 0 remaining" in message
    assert connection.calls() == 3  # never retried


def test_missing_ca_bundle_is_a_config_error(tmp_path: Path, sandbox_env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"systems\.salesforce\.ca_bundle"):
        _limits(_connection(tmp_path, ca_bundle="no-such-ca.pem"))

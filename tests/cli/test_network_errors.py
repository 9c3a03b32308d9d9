"""A live system out of reach reads as one line: the system, the URL, the cause. Certificate and DNS
failures are not retried (they fail the same way every time); refusals and timeouts are."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml

from storegate.engine.errors import ProviderError, TransientError
from storegate.providers.bigcommerce.client import BigCommerceClient
from storegate.providers.salesforce.config import SalesforceSystem
from storegate.providers.salesforce.connection import Connection
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox

UNRESOLVABLE = "storegate-test.invalid"  # RFC 2606: never resolves


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def other_ca(tmp_path: Path) -> Path:
    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


def salesforce(url: str, tmp_path: Path, **overrides: Any) -> Connection:
    settings = {
        "instance_url": url,
        "ca_bundle": "env:STOREGATE_SANDBOX_CA",
        "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
        "max_retries": 2,
        **overrides,
    }
    return Connection(SalesforceSystem.model_validate(settings), tmp_path, retry_base_delay=0.001)


def limits(connection: Connection) -> Any:
    return connection.rest("limits read", "GET", "limits/")


def bigcommerce(url: str, ca: Path | None, **overrides: Any) -> BigCommerceClient:
    options: dict[str, Any] = {
        "base_url": url,
        "store_hash": "abc123",
        "access_token": "not-a-real-token",
        "ca_bundle": ca,
        "timeout_seconds": 5.0,
        "max_retries": 3,
        "max_concurrency": 1,
        **overrides,
    }
    return BigCommerceClient(**options)


def test_salesforce_refused_names_the_url_and_is_retried(
    tmp_path: Path, sandbox_env: dict[str, str]
) -> None:
    url = f"https://127.0.0.1:{free_port()}"
    connection = salesforce(url, tmp_path)
    with pytest.raises(TransientError) as caught:
        limits(connection)
    message = str(caught.value)
    assert message.startswith(f"Salesforce limits read at {url}/services/data/")
    assert "failed after 3 attempts: connection refused" in message
    assert "\n" not in message
    assert connection.calls() == 3


def test_salesforce_wrong_ca_names_the_ca_file_and_is_not_retried(
    tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str], other_ca: Path
) -> None:
    connection = salesforce(sandbox.url, tmp_path, ca_bundle=str(other_ca))
    with pytest.raises(ProviderError) as caught:
        limits(connection)
    message = str(caught.value)
    assert not isinstance(caught.value, TransientError)
    assert f"at {sandbox.url}/services/data/" in message
    assert "TLS certificate verification failed" in message
    assert f"against the CA file {other_ca}" in message
    assert connection.calls() == 1


def test_salesforce_dns_failure_is_not_retried(tmp_path: Path, sandbox_env: dict[str, str]) -> None:
    connection = salesforce(f"https://{UNRESOLVABLE}", tmp_path)
    with pytest.raises(ProviderError) as caught:
        limits(connection)
    assert f"at https://{UNRESOLVABLE}/services/data/" in str(caught.value)
    assert "DNS lookup failed" in str(caught.value)
    assert connection.calls() == 1


def test_salesforce_timeout_says_after_how_long(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin, sandbox: Sandbox
) -> None:
    admin.fault(system="salesforce", kind="latency", ms=2000, count=5)
    connection = salesforce(sandbox.url, tmp_path, timeout_seconds=0.3, max_retries=1)
    with pytest.raises(TransientError) as caught:
        limits(connection)
    assert "failed after 2 attempts: timed out after 0.3 s with no answer" in str(caught.value)


def test_bigcommerce_refused_wrong_ca_and_dns(sandbox: Sandbox, other_ca: Path) -> None:
    port = free_port()
    refused = bigcommerce(f"https://127.0.0.1:{port}", None)
    with pytest.raises(TransientError) as caught:
        refused.request("GET", "/v3/customers")
    assert str(caught.value) == (
        f"bigcommerce: GET https://127.0.0.1:{port}/stores/abc123/v3/customers failed after 3 "
        "attempts: connection refused (nothing is listening there)"
    )
    assert refused.calls == 3

    wrong_ca = bigcommerce(sandbox.url, other_ca)
    with pytest.raises(ProviderError) as tls:
        wrong_ca.request("GET", "/v3/customers")
    assert "TLS certificate verification failed" in str(tls.value)
    assert f"against the CA file {other_ca}" in str(tls.value)
    assert not isinstance(tls.value, TransientError) and wrong_ca.calls == 1

    nowhere = bigcommerce(f"https://{UNRESOLVABLE}", None)
    with pytest.raises(ProviderError) as dns:
        nowhere.request("GET", "/v3/customers")
    assert "DNS lookup failed" in str(dns.value) and nowhere.calls == 1


def test_the_cli_prints_the_failure_as_one_line(
    tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str], other_ca: Path
) -> None:
    root = tmp_path / "repo"
    (root / "accounts").mkdir(parents=True)
    config = {
        "version": 1,
        "systems": {
            "salesforce": {
                "instance_url": "env:SF_INSTANCE_URL",
                "ca_bundle": str(other_ca),
                "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
            }
        },
    }
    (root / "storegate.yaml").write_text(yaml.safe_dump(config))
    (root / "accounts" / "acme.yaml").write_text(
        yaml.safe_dump({"account": {"name": "Acme"}, "contacts": []})
    )
    done = subprocess.run(
        [sys.executable, "-m", "storegate.engine", "plan", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: Salesforce ")
    assert f"at {sandbox.url}/services/data/" in lines[0]
    assert "TLS certificate verification failed" in lines[0] and str(other_ca) in lines[0]


def test_salesforce_login_names_the_token_url_and_the_cause(
    tmp_path: Path, sandbox_env: dict[str, str], other_ca: Path, sandbox: Sandbox
) -> None:
    from storegate.engine.errors import AuthError
    from tests.providers.test_salesforce_support import AUTH

    connection = salesforce(
        sandbox.url, tmp_path, auth=AUTH["password"], login_url=sandbox.url, ca_bundle=str(other_ca)
    )
    with pytest.raises(AuthError) as caught:
        limits(connection)
    message = str(caught.value)
    assert f"could not reach {sandbox.url}/services/oauth2/token: TLS certificate verification" in (
        message
    )
    assert str(other_ca) in message and "\n" not in message

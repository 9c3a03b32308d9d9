"""Which failed creates may still land: NoAnswer (sent, no answer came) against a plain transient
failure (the server answered, or the request was never sent), for both providers' call paths."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storegate.providers.bigcommerce.client import BigCommerceClient
from storegate.providers.contract import TransientError
from storegate.providers.retrying import NoAnswer
from storegate.providers.salesforce.connection import Connection
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.providers.test_salesforce_support import FAST_RETRY, sf_settings

TIMEOUT = 0.5
MARGIN = 0.25

FAULTS: list[tuple[dict[str, Any], bool]] = [
    ({"kind": "latency", "ms": 1500}, True),
    ({"kind": "drop"}, True),
    ({"kind": "status", "status": 504}, True),
    ({"kind": "status", "status": 500}, False),
    ({"kind": "status", "status": 503}, False),
]
"""A fault on the create, and whether the create may still land."""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def bigcommerce_client(base_url: str, token: str, ca: Path) -> BigCommerceClient:
    return BigCommerceClient(
        base_url=base_url,
        store_hash="sandbox",
        access_token=token,
        ca_bundle=ca,
        timeout_seconds=TIMEOUT,
        max_retries=1,
        max_concurrency=1,
        uncertainty_margin_seconds=MARGIN,
    )


@pytest.fixture
def bigcommerce(sandbox: Sandbox) -> Iterator[BigCommerceClient]:
    client = bigcommerce_client(
        sandbox.url, sandbox.env["BIGCOMMERCE_ACCESS_TOKEN"], Path(sandbox.ca_path)
    )
    yield client
    client.close()


def salesforce(tmp_path: Path, **overrides: Any) -> Connection:
    settings = sf_settings(
        "session", timeout_seconds=TIMEOUT, uncertainty_margin_seconds=MARGIN, **overrides
    )
    return Connection(settings, tmp_path, retry_base_delay=FAST_RETRY)


def create_nothing(connection: Connection) -> Any:
    """A create call that writes nothing even when it lands (no records)."""
    body = {"allOrNone": False, "records": []}
    return connection.rest(
        "contact create", "POST", "composite/sobjects", body=body, retry_transient=False
    )


@pytest.mark.parametrize(("fault", "unanswered"), FAULTS)
def test_bigcommerce_create_failure_says_whether_it_may_still_land(
    bigcommerce: BigCommerceClient, admin: SandboxAdmin, fault: dict[str, Any], unanswered: bool
) -> None:
    admin.fault(system="bigcommerce", method="POST", **fault)
    with pytest.raises(TransientError) as raised:
        bigcommerce.request("POST", "/v3/customers", body=[], retry=False)
    assert isinstance(raised.value, NoAnswer) is unanswered
    assert "(not retried: a create)" in str(raised.value)


@pytest.mark.parametrize(("fault", "unanswered"), FAULTS)
def test_salesforce_create_failure_says_whether_it_may_still_land(
    tmp_path: Path,
    sandbox_env: dict[str, str],
    admin: SandboxAdmin,
    fault: dict[str, Any],
    unanswered: bool,
) -> None:
    connection = salesforce(tmp_path)
    connection.connect()
    admin.fault(system="salesforce", method="POST", path_contains="composite/sobjects", **fault)
    with pytest.raises(TransientError) as raised:
        create_nothing(connection)
    assert isinstance(raised.value, NoAnswer) is unanswered
    assert "creates are not resent blindly" in str(raised.value)


def test_a_create_to_a_closed_port_was_never_sent(tmp_path: Path, sandbox: Sandbox) -> None:
    url = f"https://127.0.0.1:{closed_port()}"
    client = bigcommerce_client(url, "token", Path(sandbox.ca_path))
    try:
        with pytest.raises(TransientError) as raised:
            client.request("POST", "/v3/customers", body=[], retry=False)
    finally:
        client.close()
    assert not isinstance(raised.value, NoAnswer)


def test_a_salesforce_create_to_a_closed_port_was_never_sent(
    tmp_path: Path, sandbox_env: dict[str, str]
) -> None:
    connection = salesforce(tmp_path, instance_url=f"https://127.0.0.1:{closed_port()}")
    with pytest.raises(TransientError) as raised:
        create_nothing(connection)
    assert not isinstance(raised.value, NoAnswer)


def test_the_uncertainty_window_is_the_timeout_plus_the_margin(
    tmp_path: Path, bigcommerce: BigCommerceClient, sandbox_env: dict[str, str]
) -> None:
    assert bigcommerce.uncertainty_window == TIMEOUT + MARGIN
    connection = salesforce(tmp_path, external_id_field="Storegate_Key__c")
    assert connection.uncertainty_window == TIMEOUT + MARGIN
    assert connection.external_id_field == "Storegate_Key__c"


def test_external_id_field_must_be_a_custom_field_name(sandbox_env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="external_id_field"):
        sf_settings("session", external_id_field="Email; DROP")

"""Salesforce and BigCommerce pass the provider conformance suite over the sandbox."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.providers.conformance import Harness, ProviderConformance

pytestmark = pytest.mark.e2e

SALESFORCE: dict[str, Any] = {
    "type": "salesforce",
    "instance_url": "env:STOREGATE_SANDBOX_URL",
    "ca_bundle": "env:STOREGATE_SANDBOX_CA",
    "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
    "profile": "storeconnect",
}
BIGCOMMERCE: dict[str, Any] = {
    "type": "bigcommerce",
    "base_url": "env:STOREGATE_SANDBOX_URL",
    "store_hash": "env:BIGCOMMERCE_STORE_HASH",
    "access_token": "env:BIGCOMMERCE_ACCESS_TOKEN",
    "ca_bundle": "env:STOREGATE_SANDBOX_CA",
}


def client(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.url, verify=ssl.create_default_context(cafile=str(sandbox.ca_path))
    )


class TestSalesforceConformance(ProviderConformance):
    @pytest.fixture
    def harness(
        self, sandbox: Sandbox, sandbox_env: dict[str, str], admin: SandboxAdmin
    ) -> Harness:
        headers = {"Authorization": f"Bearer {sandbox_env['SF_ACCESS_TOKEN']}"}
        api = "/services/data/v59.0"

        def put_back(key: str) -> None:
            with client(sandbox) as http:
                found = http.get(
                    f"{api}/query/",
                    params={"q": f"SELECT Id FROM Contact WHERE Email = '{key}'"},
                    headers=headers,
                ).json()["records"]
                http.patch(
                    f"{api}/sobjects/Contact/{found[0]['Id']}",
                    json={"s_c__Can_Purchase_For_Account__c": True},
                    headers=headers,
                ).raise_for_status()

        def fail_next_write(key: str) -> None:
            admin.fault(system="salesforce", kind="record_error", match=key)

        return Harness({"salesforce": SALESFORCE}, "salesforce", put_back, fail_next_write)


class TestBigCommerceConformance(ProviderConformance):
    @pytest.fixture
    def harness(
        self, sandbox: Sandbox, sandbox_env: dict[str, str], admin: SandboxAdmin
    ) -> Harness:
        headers = {"X-Auth-Token": sandbox_env["BIGCOMMERCE_ACCESS_TOKEN"]}

        def put_back(key: str) -> None:
            with client(sandbox) as http:
                http.post(
                    "/stores/sandbox/v3/customers",
                    json=[{"email": key, "first_name": "By", "last_name": "Hand"}],
                    headers=headers,
                ).raise_for_status()

        def fail_next_write(key: str) -> None:
            admin.fault(system="bigcommerce", kind="record_error", match=key, count=-1)

        systems = {"salesforce": SALESFORCE, "bigcommerce": BIGCOMMERCE}
        return Harness(systems, "bigcommerce", put_back, fail_next_write)

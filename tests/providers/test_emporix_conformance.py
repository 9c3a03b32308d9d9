"""Emporix passes the provider conformance suite over the sandbox, beside Salesforce as the CRM."""

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
EMPORIX: dict[str, Any] = {
    "type": "emporix",
    "base_url": "env:STOREGATE_SANDBOX_URL",
    "tenant": "env:EMPORIX_TENANT",
    "client_id": "env:EMPORIX_CLIENT_ID",
    "client_secret": "env:EMPORIX_CLIENT_SECRET",
    "ca_bundle": "env:STOREGATE_SANDBOX_CA",
}


class TestEmporixConformance(ProviderConformance):
    @pytest.fixture
    def harness(
        self, sandbox: Sandbox, sandbox_env: dict[str, str], admin: SandboxAdmin
    ) -> Harness:
        tenant = sandbox_env["EMPORIX_TENANT"]

        def put_back(key: str) -> None:
            """An admin switches the customer back on in the Emporix Management Dashboard."""
            with httpx.Client(
                base_url=sandbox.url,
                verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
            ) as http:
                token = http.post(
                    "/oauth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": sandbox_env["EMPORIX_CLIENT_ID"],
                        "client_secret": sandbox_env["EMPORIX_CLIENT_SECRET"],
                    },
                ).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                found = http.post(
                    f"/customer/{tenant}/customers/search",
                    json={"q": f"contactEmail:{key}"},
                    headers=headers,
                ).json()
                http.patch(
                    f"/customer/{tenant}/customers/{found[0]['id']}",
                    json={"active": True, "onHold": False},
                    headers=headers,
                ).raise_for_status()

        def fail_next_write(key: str) -> None:
            admin.fault(system="emporix", kind="record_error", match=key, count=-1)

        return Harness(
            {"salesforce": SALESFORCE, "emporix": EMPORIX},
            "emporix",
            put_back,
            fail_next_write,
            account_extra={"stores": {"emporix": {"currency": "EUR"}}},
        )

"""Adobe Commerce passes the provider conformance suite over the sandbox, beside Salesforce as the
CRM: its company, roles and company users are what the suite plans, applies, reads and verifies."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from storegate.sandbox import adobe_commerce
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
ADOBE_COMMERCE: dict[str, Any] = {
    "type": "adobe_commerce",
    "base_url": "env:STOREGATE_SANDBOX_URL",
    "username": "env:ADOBE_COMMERCE_ADMIN_USERNAME",
    "password": "env:ADOBE_COMMERCE_ADMIN_PASSWORD",
    "ca_bundle": "env:STOREGATE_SANDBOX_CA",
}
COMPANY_DETAILS = {
    "company_email": "buying@conform.example",
    "street": ["1 Conformance Way"],
    "city": "Austin",
    "country_id": "US",
    "region": "Texas",
    "postcode": "78701",
    "telephone": "5125550100",
}


class TestAdobeCommerceConformance(ProviderConformance):
    @pytest.fixture
    def harness(
        self, sandbox: Sandbox, sandbox_env: dict[str, str], admin: SandboxAdmin
    ) -> Harness:
        adobe_commerce.seed(sandbox.store, {"customer_groups": [{"id": 4, "code": "Wholesale"}]})

        def put_back(key: str) -> None:
            """An admin sets the company user active again in Customers > All Customers."""
            with httpx.Client(
                base_url=f"{sandbox.url}/rest/default/V1",
                verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
            ) as http:
                token = http.post(
                    "/integration/admin/token",
                    json={
                        "username": sandbox_env["ADOBE_COMMERCE_ADMIN_USERNAME"],
                        "password": sandbox_env["ADOBE_COMMERCE_ADMIN_PASSWORD"],
                    },
                ).json()
                http.headers["Authorization"] = f"Bearer {token}"
                params = {
                    "searchCriteria[filter_groups][0][filters][0][field]": "email",
                    "searchCriteria[filter_groups][0][filters][0][value]": key,
                }
                [customer] = http.get("/customers/search", params=params).json()["items"]
                attributes = customer["extension_attributes"]["company_attributes"]
                body = {
                    **customer,
                    "extension_attributes": {"company_attributes": {**attributes, "status": 1}},
                }
                http.put(f"/customers/{customer['id']}", json={"customer": body}).raise_for_status()

        def fail_next_write(key: str) -> None:
            admin.fault(system="adobe_commerce", kind="record_error", match=key, count=-1)

        return Harness(
            {"salesforce": SALESFORCE, "adobe_commerce": ADOBE_COMMERCE},
            "adobe_commerce",
            put_back,
            fail_next_write,
            account_extra={"stores": {"adobe_commerce": COMPANY_DETAILS}},
        )

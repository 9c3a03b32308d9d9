"""Cin7 Omni passes the provider conformance suite over the sandbox: its CRM contacts by API, and
its B2B store customers by the clicks a person makes in the dashboard after each apply."""

from __future__ import annotations

import ssl
import time
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from storegate.providers.contract import Change
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.providers.conformance import Harness, ProviderConformance

pytestmark = pytest.mark.e2e

CIN7_OMNI: dict[str, Any] = {
    "type": "cin7_omni",
    "accounts": "all",
    "base_url": "env:STOREGATE_SANDBOX_URL",
    "api_username": "env:CIN7_API_USERNAME",
    "api_key": "env:CIN7_API_KEY",
    "ca_bundle": "env:STOREGATE_SANDBOX_CA",
    "store_view_url": "env:CIN7_B2B_VIEW_URL",
}


def client(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.url, verify=ssl.create_default_context(cafile=str(sandbox.ca_path))
    )


def api(sandbox: Sandbox, method: str, path: str, **kwargs: Any) -> Any:
    """One Contacts API call by another client of the same API connection: it shares the rate
    limit, so it waits out a 429 as any client must."""
    auth = (sandbox.env["CIN7_API_USERNAME"], sandbox.env["CIN7_API_KEY"])
    with client(sandbox) as http:
        while True:
            answer = http.request(method, f"/api/v1{path}", auth=auth, **kwargs)
            if answer.status_code != 429:
                answer.raise_for_status()
                return answer.json()
            time.sleep(float(answer.headers.get("Retry-After", "1")))


def click_through(sandbox: Sandbox, pending: Sequence[Change]) -> None:
    """What a person does in the B2B Dashboard for each pending step."""
    view = "/_sandbox/cin7_omni/b2b"
    with client(sandbox) as http:
        tabs = http.get(view).json()["tabs"]
        tab_of = {row["email"]: tab for tab, rows in tabs.items() for row in rows}
        for change in pending:
            if change.kind == "store_email":
                http.post(f"{view}/update-emails").raise_for_status()
                continue
            target, tab = change.after().get("status"), tab_of.get(change.key)
            if target in ("current", "pending"):
                action = "customers/reenable" if tab == "deactivated" else "invite"
            else:
                action = (
                    "customers/cancel-invitation" if tab == "pending" else "customers/deactivate"
                )
            http.post(f"{view}/{action}", json={"email": change.key}).raise_for_status()


class TestCin7OmniConformance(ProviderConformance):
    @pytest.fixture
    def harness(
        self, sandbox: Sandbox, sandbox_env: dict[str, str], admin: SandboxAdmin
    ) -> Harness:
        sandbox.settings["cin7_omni"]["rate_limit_per_minute"] = 0  # the suite runs back to back

        def put_back(key: str) -> None:
            found = api(sandbox, "GET", "/Contacts", params={"where": f"email='{key}'"})
            answer = api(
                sandbox, "PUT", "/Contacts", json=[{"id": found[0]["id"], "isActive": True}]
            )
            assert answer[0]["success"], answer

        def fail_next_write(key: str) -> None:
            admin.fault(system="cin7_omni", kind="record_error", match=key, count=-1)

        return Harness(
            {"cin7_omni": CIN7_OMNI},
            "cin7_omni",
            put_back,
            fail_next_write,
            contact_kind="customer",
            do_manual=lambda pending: click_through(sandbox, pending),
        )

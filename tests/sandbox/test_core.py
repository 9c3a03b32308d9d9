"""The sandbox core over real HTTPS: routing, admin paths, faults, counters, settings, env file."""

from __future__ import annotations

import ssl

import httpx
import pytest

from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.http import Request, Response, Router
from storegate.sandbox.server import Sandbox


def sf_client(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.url,
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
        headers={"Authorization": f"Bearer {sandbox.env['SF_ACCESS_TOKEN']}"},
    )


def test_router_prefers_literal_segments_and_ignores_trailing_slash() -> None:
    router = Router()

    def by_id(r: Request) -> Response:
        return Response(200, "id")

    def describe(r: Request) -> Response:
        return Response(200, "describe")

    router.add("x", "GET", "/o/{type}/{id}", by_id)
    router.add("x", "GET", "/o/{type}/describe", describe)
    matched = router.match("GET", "/o/Contact/describe/")
    assert matched is not None and matched[0].handler is describe
    matched = router.match("GET", "/o/Contact/003")
    assert matched is not None and matched[1] == {"type": "Contact", "id": "003"}
    assert router.match("POST", "/o/Contact/003") is None
    assert router.allowed_methods("/o/Contact/003") == ("x", ["GET"])


def test_env_file_lists_every_variable(sandbox: Sandbox) -> None:
    text = (sandbox.directory / "env").read_text()
    for name in (
        "STOREGATE_SANDBOX_URL",
        "STOREGATE_SANDBOX_CA",
        "SF_ACCESS_TOKEN",
        "SF_CONSUMER_KEY",
        "SF_CONSUMER_SECRET",
        "SF_USERNAME",
        "SF_PASSWORD",
        "SF_JWT_KEY_FILE",
        "BIGCOMMERCE_STORE_HASH",
        "BIGCOMMERCE_ACCESS_TOKEN",
    ):
        assert f"export {name}=" in text
        assert name in sandbox.env
    assert sandbox.env["STOREGATE_SANDBOX_URL"] == sandbox.url
    assert sandbox.env["BIGCOMMERCE_STORE_HASH"] == "sandbox"
    assert (
        sandbox.settings["bigcommerce"]["access_token"] == sandbox.env["BIGCOMMERCE_ACCESS_TOKEN"]
    )


def test_calls_are_counted_per_system_and_endpoint(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    with sf_client(sandbox) as client:
        for _ in range(3):
            assert client.get("/services/data/v59.0/limits/").status_code == 200
    assert admin.calls() == {"salesforce": {"GET limits": 3}}
    admin.reset_calls()
    assert admin.calls() == {}


def test_status_fault_then_recovers_and_counts_as_a_call(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    admin.fault(system="salesforce", kind="status", status=503, count=2, path_contains="limits")
    with sf_client(sandbox) as client:
        codes = [client.get("/services/data/v59.0/limits").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert admin.calls()["salesforce"]["GET limits"] == 3


def test_fault_filters_by_method(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    admin.fault(system="salesforce", kind="status", status=500, method="POST", count=-1)
    with sf_client(sandbox) as client:
        assert client.get("/services/data/v59.0/limits").status_code == 200
    assert admin.faults()[0]["count"] == -1
    admin.clear_faults()
    assert admin.faults() == []


def test_latency_fault_delays_and_is_spent(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    admin.fault(system="salesforce", kind="latency", ms=300)
    with sf_client(sandbox) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/services/data/v59.0/limits", timeout=0.05)
        assert client.get("/services/data/v59.0/limits", timeout=5).status_code == 200


def test_drop_fault_closes_the_connection_without_a_response(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    admin.fault(system="salesforce", kind="drop")
    with sf_client(sandbox) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/services/data/v59.0/limits")
        assert client.get("/services/data/v59.0/limits").status_code == 200
    assert admin.calls()["salesforce"]["GET limits"] == 2


def test_bad_fault_spec_is_refused(admin: SandboxAdmin) -> None:
    with pytest.raises(RuntimeError, match="kind"):
        admin.fault(system="salesforce", kind="meteor")
    with pytest.raises(RuntimeError, match="match"):
        admin.fault(system="salesforce", kind="record_error")


def test_settings_change_and_reset_to_defaults(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    admin.setting("salesforce", "daily_limit", 7)
    assert sandbox.settings["salesforce"]["daily_limit"] == 7
    with pytest.raises(RuntimeError, match="unknown setting"):
        admin.setting("salesforce", "daly_limit", 7)
    admin.reset()
    assert admin.settings()["salesforce"]["daily_limit"] == 15000


def test_unknown_path_is_404_in_the_system_shape(sandbox: Sandbox) -> None:
    with sf_client(sandbox) as client:
        response = client.get("/services/data/v59.0/nothing/here")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_store_survives_a_restart_on_the_same_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with Sandbox(tmp_path) as first:
        first.store.insert("demo", "Thing", "1", {"name": "kept"})
        token = first.env["SF_ACCESS_TOKEN"]
        assert first.store.next_id("demo", "Thing") == 1
    with Sandbox(tmp_path) as second:
        assert second.store.get("demo", "Thing", "1") == {"name": "kept"}
        assert second.env["SF_ACCESS_TOKEN"] == token
        assert second.store.next_id("demo", "Thing") == 2

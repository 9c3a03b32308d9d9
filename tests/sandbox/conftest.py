"""Clients for the Salesforce emulator: simple-salesforce itself, and raw httpx."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest
import requests
from simple_salesforce import Salesforce

from storegate.sandbox.server import Sandbox

API = "/services/data/v59.0"


def requests_session(sandbox: Sandbox) -> requests.Session:
    session = requests.Session()
    session.verify = str(sandbox.ca_path)
    # REQUESTS_CA_BUNDLE in the environment would otherwise override session.verify.
    session.trust_env = False
    return session


@pytest.fixture
def sf(sandbox: Sandbox) -> Salesforce:
    return Salesforce(
        session_id=sandbox.env["SF_ACCESS_TOKEN"],
        instance_url=sandbox.url,
        session=requests_session(sandbox),
    )


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.url + API,
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
        headers={"Authorization": f"Bearer {sandbox.env['SF_ACCESS_TOKEN']}"},
    ) as client:
        yield client


def bigcommerce_client(sandbox: Sandbox, under: str = "") -> httpx.Client:
    """An authenticated client of the BigCommerce emulator at /stores/sandbox{under}."""
    return httpx.Client(
        base_url=f"{sandbox.url}/stores/sandbox{under}",
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
        headers={
            "X-Auth-Token": sandbox.settings["bigcommerce"]["access_token"],
            "Accept": "application/json",
        },
    )

"""Helpers shared by the Salesforce provider tests (no tests here)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from storegate.engine.load import load_repo
from storegate.engine.model import DesiredState
from storegate.engine.view import desired_view
from storegate.providers.contract import (
    Action,
    Address,
    Change,
    DesiredContext,
    FieldChange,
    ManagedResource,
    SystemInfo,
)
from storegate.providers.salesforce import SalesforceProvider
from storegate.providers.salesforce.config import SalesforceSystem

FAST_RETRY = 0.001

AUTH: dict[str, dict[str, Any]] = {
    "session": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
    "password": {
        "type": "password",
        "username": "env:SF_USERNAME",
        "password": "env:SF_PASSWORD",
        "consumer_key": "env:SF_CONSUMER_KEY",
        "consumer_secret": "env:SF_CONSUMER_SECRET",
    },
    "jwt": {
        "type": "jwt",
        "username": "env:SF_USERNAME",
        "consumer_key": "env:SF_CONSUMER_KEY",
        "private_key_file": "env:SF_JWT_KEY_FILE",
    },
    "client_credentials": {
        "type": "client_credentials",
        "consumer_key": "env:SF_CONSUMER_KEY",
        "consumer_secret": "env:SF_CONSUMER_SECRET",
    },
}


def sf_settings(auth: str = "session", **overrides: Any) -> SalesforceSystem:
    data: dict[str, Any] = {
        "instance_url": "env:SF_INSTANCE_URL",
        "login_url": "env:SF_INSTANCE_URL",
        "ca_bundle": "env:STOREGATE_SANDBOX_CA",
        "auth": AUTH[auth],
        "max_retries": 3,
    }
    data.update(overrides)
    return SalesforceSystem.model_validate(data)


def sf_provider(tmp_path: Path, auth: str = "session", **overrides: Any) -> SalesforceProvider:
    return SalesforceProvider(
        "salesforce", sf_settings(auth, **overrides), tmp_path, retry_base_delay=FAST_RETRY
    )


def load_desired(
    root: Path, accounts: dict[str, str], *, profile: str = "storeconnect", fields: str = ""
) -> DesiredState:
    """An access repo written to `root` and loaded the way the CLI loads it."""
    (root / "accounts").mkdir(parents=True, exist_ok=True)
    config = f"""\
        version: 1
        systems:
          salesforce:
            instance_url: env:SF_INSTANCE_URL
            auth: {{type: session, session_id: env:SF_ACCESS_TOKEN}}
            profile: {profile}
        """
    (root / "storegate.yaml").write_text(textwrap.dedent(config) + fields, encoding="utf-8")
    for name, text in accounts.items():
        (root / "accounts" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    result = load_repo(root)
    assert result.desired is not None, [p.format() for p in result.errors]
    return result.desired


SALESFORCE = SystemInfo("salesforce", "salesforce", "contact", holds_ids_of_stores=True)


def context(
    desired: DesiredState,
    managed: tuple[ManagedResource, ...] = (),
    store: str | None = None,
) -> DesiredContext:
    """The context the engine builds: the desired view, state's managed resources, and the systems
    configured (Salesforce, plus a BigCommerce store named `store` when given)."""
    systems = {"salesforce": SALESFORCE}
    if store is not None:
        systems[store] = SystemInfo(store, "bigcommerce", "customer")
    return DesiredContext(desired=desired_view(desired), managed=managed, systems=systems)


def managed(kind: str, key: str, remote_id: str | None, account: str) -> ManagedResource:
    return ManagedResource(Address("salesforce", kind, key), remote_id, account)


def seed_records(tmp_path: Path, sobject: str, rows: list[dict[str, Any]]) -> list[str]:
    """Create records through the REST API (sObject Collections, 200 a call); their ids."""
    from storegate.providers.salesforce.connection import Connection

    connection = Connection(sf_settings(), tmp_path, retry_base_delay=FAST_RETRY)
    ids: list[str] = []
    try:
        for start in range(0, len(rows), 200):
            records = [{"attributes": {"type": sobject}, **r} for r in rows[start : start + 200]]
            results = connection.rest(
                "seed", "POST", "composite/sobjects", body={"allOrNone": True, "records": records}
            )
            assert all(r["success"] for r in results), results[:3]
            ids.extend(r["id"] for r in results)
    finally:
        connection.close()
    return ids


def calls_to(admin: Any, prefix: str) -> int:
    """Sandbox-counted Salesforce calls whose endpoint starts with `prefix` (e.g. "GET query")."""
    return sum(n for e, n in admin.calls().get("salesforce", {}).items() if e.startswith(prefix))


def change(
    kind: str,
    key: str,
    action: str,
    fields: dict[str, Any],
    *,
    remote_id: str | None = None,
    create_fields: dict[str, Any] | None = None,
    account: str = "",
) -> Change:
    return Change(
        address=Address("salesforce", kind, key),
        account=account,
        action=Action(action),
        fields=tuple(FieldChange(n, None, v) for n, v in fields.items()),
        reason="test",
        remote_id=remote_id,
        create_fields=tuple(FieldChange(n, None, v) for n, v in (create_fields or {}).items()),
    )

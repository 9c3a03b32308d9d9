"""Helpers for the Emporix provider tests: the desired view built by hand, the provider pointed at the
sandbox, a plan made with the engine's own diff, and an on_batch that keeps every result."""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from storegate.engine.diff import diff
from storegate.providers.contract import (
    AccessLevel,
    AccountSpec,
    Address,
    Change,
    ChangeResult,
    ContactSpec,
    DesiredContext,
    DesiredRecord,
    DesiredView,
    LiveRecord,
    Location,
    ManagedResource,
    Scope,
    StoreRemoval,
    SystemInfo,
)
from storegate.providers.emporix import EmporixProvider
from storegate.providers.emporix.config import EmporixSystem
from storegate.sandbox.server import Sandbox

NAME = "emporix"
CRM = SystemInfo(
    "salesforce", "salesforce", "contact", holds_ids_of_stores=True, account_kind="account"
)


def settings(**overrides: Any) -> EmporixSystem:
    return EmporixSystem.model_validate(
        {
            "base_url": "env:STOREGATE_SANDBOX_URL",
            "tenant": "env:EMPORIX_TENANT",
            "client_id": "env:EMPORIX_CLIENT_ID",
            "client_secret": "env:EMPORIX_CLIENT_SECRET",
            "ca_bundle": "env:STOREGATE_SANDBOX_CA",
            "max_retries": 4,
            **overrides,
        }
    )


def contact(email: str, access: AccessLevel = "active", **extra: Any) -> ContactSpec:
    previously = tuple(extra.pop("previously", ()))
    fields = {"first_name": "Jane", "last_name": "Doe", **extra}
    return ContactSpec(email=email, access=access, fields=fields, previously=previously)


def account(
    name: str,
    contacts: Iterable[ContactSpec],
    *,
    options: dict[str, Any] | None = None,
    stores: tuple[str, ...] | None = (NAME,),
    store_removal: StoreRemoval = "deactivate",
    settings: dict[str, Any] | None = None,
    salesforce_id: str | None = None,
) -> AccountSpec:
    chosen = {"currency": "EUR"} if options is None else options
    return AccountSpec(
        name=name,
        path=f"accounts/{name.lower().replace(' ', '-')}.yaml",
        settings=settings or {},
        contacts=tuple(contacts),
        salesforce_id=salesforce_id,
        options={NAME: chosen} if stores and NAME in stores else {},
        stores=stores,
        store_removal=store_removal,
    )


def located(path: str, keys: tuple[str | int, ...]) -> Location:
    """Every YAML node is at line 7 + its depth, column 3: enough to check errors carry them."""
    return Location(path, 7 + len(keys), 3)


def context(
    accounts: Sequence[AccountSpec],
    managed: Sequence[ManagedResource] = (),
    *,
    crm: bool = False,
) -> DesiredContext:
    systems = {NAME: SystemInfo(NAME, "emporix", "customer")}
    if crm:
        systems = {"salesforce": CRM, **systems}
    return DesiredContext(DesiredView(tuple(accounts), located), list(managed), systems)


def managed(
    kind: str, key: str, record_id: str, account_name: str, system: str = NAME
) -> ManagedResource:
    return ManagedResource(Address(system, kind, key), record_id, account_name)


@dataclass
class Plan:
    desired: list[DesiredRecord]
    live: list[LiveRecord]
    changes: list[Change]

    def by_key(self) -> dict[str, Change]:
        return {c.key: c for c in self.changes}


def make_plan(provider: EmporixProvider, ctx: DesiredContext) -> Plan:
    """What the engine does for one system: desired, a full read, the diff, the provider's hooks."""
    desired = provider.desired(ctx)
    live = provider.read(Scope(accounts=frozenset(a.name for a in ctx.desired.accounts)))

    def compare(system: str, name: str, want: Any, have: Any) -> bool:
        del system
        return provider.same_value(name, want, have)

    changes = [c for c in diff(desired, live, compare=compare) if provider.include_change(c)]
    return Plan(desired, live, changes)


@dataclass
class Results:
    batches: list[list[ChangeResult]] = field(default_factory=list)

    def __call__(self, batch: Sequence[ChangeResult]) -> None:
        self.batches.append(list(batch))

    @property
    def all(self) -> list[ChangeResult]:
        return [r for batch in self.batches for r in batch]

    def failed(self) -> list[ChangeResult]:
        return [r for r in self.all if not r.ok]

    def by_id(self) -> dict[str, ChangeResult]:
        return {r.change_id: r for r in self.all}


def apply(provider: EmporixProvider, changes: Sequence[Change]) -> Results:
    results = Results()
    provider.apply(changes, results)
    return results


def converge(provider: EmporixProvider, ctx: DesiredContext) -> Results:
    """Plan and apply; the next plan must be empty."""
    results = apply(provider, make_plan(provider, ctx).changes)
    assert results.failed() == []
    again = make_plan(provider, ctx)
    assert again.changes == [], [str(c.address) for c in again.changes]
    return results


class Raw:
    """Plain httpx against the emulator, to look at what the provider did."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.tenant = sandbox.env["EMPORIX_TENANT"]
        self.http = httpx.Client(
            base_url=sandbox.url, verify=ssl.create_default_context(cafile=str(sandbox.ca_path))
        )
        token = self.http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.env["EMPORIX_CLIENT_ID"],
                "client_secret": sandbox.env["EMPORIX_CLIENT_SECRET"],
            },
        ).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def customers(self) -> list[dict[str, Any]]:
        response = self.http.get(
            f"/customer/{self.tenant}/customers", params={"pageSize": 1000, "sort": "contactEmail"}
        )
        return list(response.json())

    def customer(self, email: str) -> dict[str, Any] | None:
        return next((c for c in self.customers() if c["contactEmail"] == email), None)

    def companies(self) -> list[dict[str, Any]]:
        response = self.http.get(
            f"/customer-management/{self.tenant}/legal-entities", params={"pageSize": 1000}
        )
        return list(response.json())

    def notifications(self) -> list[tuple[str, str]]:
        sent = self.http.get("/_sandbox/emporix/notifications").json()
        return [(n["email"], n["kind"]) for n in sent]

    def close(self) -> None:
        self.http.close()

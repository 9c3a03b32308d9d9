"""An in-memory store system for engine tests: the contract exercised with no network.

It models what the real stores have, so the engine's generic paths are all reached:
- a `company` per account and a `user` per contact on it (an intra-system dependency: a user is
  created after its company, removed before it);
- users depend on the CRM contact when a CRM is configured (a cross-system dependency);
- with `manual_access: true`, store access is a dashboard action: an `access` record per contact
  whose changes are manual steps, seen done once a test "clicks" (`World.click`);
- `fail` lists user keys whose writes fail, so failure isolation can be checked.

Records live in a `World`: a JSON file when `path` is set (so a CLI subprocess and the test share
it), else a dict in this process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from storegate.providers.contract import (
    REMOVING_ACTIONS,
    AccountSpec,
    Action,
    Address,
    BaseProvider,
    BatchCallback,
    Change,
    ChangeResult,
    Check,
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    ManualStep,
    Scope,
    SystemInfo,
    email_key,
)
from storegate.providers.settings import Strict

COMPANY, USER, ACCESS = "company", "user", "access"
_WORLDS: dict[str, dict[str, dict[str, Any]]] = {}


class MemorySettings(Strict):
    type: Literal["memory"] = "memory"
    world: str = Field("default", description="name of the in-process world")
    path: str | None = Field(None, description="JSON file holding the world (shared by processes)")
    accounts: Literal["all", "listed"] = "all"
    manual_access: bool = False
    fail: list[str] = Field(default_factory=list, description="user keys whose writes fail")
    batch_size: int = 2
    batch_seconds: float = Field(0.0, description="how long each write batch takes (slow stores)")
    read_seconds: float = Field(0.0, description="how long a read takes (slow stores)")
    full_read_needs_keys: bool = Field(
        True, description="False: the plan reads this store while it projects the repo"
    )


class MemoryOptions(Strict):
    tier: str | None = None


class World:
    """The store's records by kind and id; every call counted."""

    def __init__(self, settings: MemorySettings, root: Path) -> None:
        self._path = None if settings.path is None else root / settings.path
        self._name = settings.world
        self.calls = 0

    def load(self) -> dict[str, dict[str, Any]]:
        if self._path is None:
            return _WORLDS.setdefault(self._name, {COMPANY: {}, USER: {}, ACCESS: {}, "_next": {}})
        if not self._path.exists():
            return {COMPANY: {}, USER: {}, ACCESS: {}, "_next": {}}
        data: dict[str, dict[str, Any]] = json.loads(self._path.read_text())
        return data

    def save(self, data: dict[str, dict[str, Any]]) -> None:
        if self._path is not None:  # atomically: a kill -9 mid-save leaves the last world whole
            partial = self._path.with_suffix(".tmp")
            partial.write_text(json.dumps(data, indent=1, sort_keys=True))
            partial.replace(self._path)

    @staticmethod
    def click(data: dict[str, dict[str, Any]], key: str, status: str) -> None:
        """What a person does in the store's dashboard: set a customer's store access."""
        data[ACCESS][key] = {"key": key, "status": status}


def reset_world(name: str = "default") -> dict[str, dict[str, Any]]:
    _WORLDS[name] = {COMPANY: {}, USER: {}, ACCESS: {}, "_next": {}}
    return _WORLDS[name]


class MemoryProvider(BaseProvider):
    TYPE: ClassVar[str] = "memory"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({COMPANY, USER, ACCESS})
    settings_model: ClassVar[type[MemorySettings]] = MemorySettings
    account_options_model: ClassVar[type[MemoryOptions]] = MemoryOptions
    CONTACT_KIND: ClassVar[str | None] = USER
    ACCOUNT_KIND: ClassVar[str | None] = COMPANY

    def __init__(self, name: str, settings: MemorySettings, root: Path) -> None:
        super().__init__(name)
        self.settings = settings
        self.world = World(settings, root)

    def info(self) -> SystemInfo:
        return replace(super().info(), full_read_needs_keys=self.settings.full_read_needs_keys)

    def check(self) -> None:
        self.world.calls += 1

    # ------------------------------------------------------------------ desired

    def desired(self, context: DesiredContext) -> list[DesiredRecord]:
        records: list[DesiredRecord] = []
        crm = context.crm()
        managed = {m.address: m for m in context.managed_in(self.name)}
        declared: set[Address] = set()
        renamed = {old for _, contact in context.desired.contacts() for old in contact.previously}
        for account in context.desired.accounts:
            if not self.serves(account, unlisted=self.settings.accounts == "all"):
                continue
            company = self.address(COMPANY, account.name)
            declared.add(company)
            records.append(self._company(account, company, managed))
            for contact in account.contacts:
                user = self.address(USER, contact.key)
                declared.add(user)
                depends = [company]
                if crm is not None:
                    depends.append(Address(crm.name, crm.contact_kind or "contact", contact.key))
                fields: dict[str, Any] = {"email": contact.email, "company": account.name}
                fields["status"] = {"active": 1, "pending": 0, "revoked": 0}[contact.access]
                for name in ("first_name", "last_name"):
                    if name in contact.fields:
                        fields[name] = contact.fields[name]
                records.append(
                    DesiredRecord(
                        address=user,
                        account=account.name,
                        intent="present",
                        fields=fields,
                        access=contact.access,
                        person=contact.key,
                        aliases=contact.previously,
                        remote_id=managed[user].id if user in managed else None,
                        depends_on=tuple(depends),
                    )
                )
                if self.settings.manual_access:
                    records.append(self._access(account, contact.key, contact.access, user))
        for address, resource in managed.items():
            if address in declared or address.kind != USER or address.key in renamed:
                continue
            records.append(
                DesiredRecord(
                    address=address,
                    account=resource.account,
                    intent="present",
                    fields={"status": 0},
                    access="revoked",
                    person=address.key,
                    remote_id=resource.id,
                )
            )
        return records

    def _company(
        self, account: AccountSpec, company: Address, managed: dict[Address, Any]
    ) -> DesiredRecord:
        fields: dict[str, Any] = {"name": account.name}
        tier = account.options.get(self.name, {}).get("tier")
        if tier is not None:
            fields["tier"] = tier
        return DesiredRecord(
            address=company,
            account=account.name,
            intent="present",
            fields=fields,
            remote_id=managed[company].id if company in managed else None,
        )

    def _access(self, account: AccountSpec, key: str, access: str, user: Address) -> DesiredRecord:
        status = {"active": "current", "pending": "pending", "revoked": "deactivated"}[access]
        verb = {"current": "Invite", "pending": "Invite", "deactivated": "Deactivate"}[status]
        return DesiredRecord(
            address=self.address(ACCESS, key),
            account=account.name,
            intent="present",
            fields={"status": status},
            access=access,  # type: ignore[arg-type]
            person=key,
            depends_on=(user,),
            manual=ManualStep(
                title=f"{verb} {key} in the memory store",
                where="Memory store dashboard → Customers",
                steps=(f"Find {key}", f"Click {verb.lower()}"),
                done_when=f"the dashboard shows {key} as {status}",
            ),
        )

    # ------------------------------------------------------------------ read / apply

    def read(self, scope: Scope) -> list[LiveRecord]:
        self.world.calls += 1
        if self.settings.read_seconds:
            time.sleep(self.settings.read_seconds)
        data = self.world.load()
        out: list[LiveRecord] = []
        for raw in data[COMPANY].values():
            out.append(LiveRecord(self.address(COMPANY, raw["name"]), raw["id"], _fields(raw)))
        for raw in data[USER].values():
            access = "active" if raw.get("status") == 1 else "revoked"
            out.append(
                LiveRecord(
                    self.address(USER, email_key(raw["email"])),
                    raw["id"],
                    _fields(raw),
                    account=raw.get("company", ""),
                    access=access,
                )
            )
        for raw in data[ACCESS].values():
            out.append(LiveRecord(self.address(ACCESS, raw["key"]), raw["key"], _fields(raw)))
        if not scope.full:
            wanted = scope.keys | scope.ids
            out = [r for r in out if r.key in wanted or r.id in wanted]
        return out

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        for start in range(0, len(changes), self.settings.batch_size):
            batch = changes[start : start + self.settings.batch_size]
            self.world.calls += 1
            data = self.world.load()
            results = [self._write(data, change) for change in batch]
            if self.settings.batch_seconds:
                time.sleep(self.settings.batch_seconds)
            self.world.save(data)
            on_batch(results)

    def _write(self, data: dict[str, dict[str, Any]], change: Change) -> ChangeResult:
        if change.kind == USER and change.key in self.settings.fail:
            return ChangeResult(change.id, False, error=f"{change.key}: rejected by the store")
        table = data[change.kind]
        if change.action is Action.DELETE:
            table.pop(change.remote_id or "", None)
            return ChangeResult(change.id, True, remote_id=change.remote_id)
        if change.remote_id is None:
            counter = data["_next"].get(change.kind, 0) + 1
            data["_next"][change.kind] = counter
            record_id = f"{change.kind[0]}{counter}"
            table[record_id] = {"id": record_id, **change.after()}
            return ChangeResult(change.id, True, remote_id=record_id, attributes={"id": record_id})
        record = table.get(change.remote_id)
        if record is None:
            return ChangeResult(change.id, False, error=f"{change.address} no longer exists")
        record.update({f.name: f.after for f in change.fields})
        return ChangeResult(change.id, True, remote_id=change.remote_id)

    def verify(self, changes: Sequence[Change], revoked: frozenset[str]) -> list[Check]:
        live = {r.key: r for r in self.read(Scope()) if r.kind == USER}
        keys = {c.key for c in changes if c.kind == USER and c.action in REMOVING_ACTIONS}
        checks: list[Check] = []
        for key in sorted(keys | revoked):
            found = live.get(key)
            seen = "absent" if found is None else f"status {found.fields.get('status')}"
            ok = found is None or found.fields.get("status") == 0
            checks.append(
                Check(self.name, str(self.address(USER, key)), "user", "inactive", seen, ok)
            )
        return checks

    def step_done(self, change: Change, live: LiveRecord | None) -> bool:
        wanted = change.after().get("status")
        return live is not None and live.fields.get("status") == wanted

    def calls(self) -> int:
        return self.world.calls


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in ("id", "key")}

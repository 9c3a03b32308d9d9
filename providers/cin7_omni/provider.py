"""Cin7OmniProvider: CRM contacts over the Contacts API; B2B store access as tracked manual steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..cin7_omni import steps
from ..contract import (
    Action,
    BaseProvider,
    BatchCallback,
    Change,
    Check,
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    PlanWarning,
    Scope,
    email_key,
    same_value,
)
from ..settings import resolve, resolve_path
from .client import Cin7Client, tls_context
from .config import Cin7OmniAccountOptions, Cin7OmniSystem
from .contacts import PATH, ContactReader
from .desired import (
    CONTACT,
    CUSTOMER,
    STORE_EMAIL,
    DesiredProjection,
    Projection,
)
from .live import LiveBuilder
from .store_view import StoreView
from .warnings import plan_warnings
from .writer import ContactWriter


class Cin7OmniProvider(BaseProvider):
    TYPE = "cin7_omni"
    SUPPORTS = frozenset({CONTACT, CUSTOMER, STORE_EMAIL})
    settings_model = Cin7OmniSystem
    account_options_model = Cin7OmniAccountOptions
    CONTACT_KIND = CUSTOMER

    def __init__(self, name: str, settings: Cin7OmniSystem, root: Path) -> None:
        super().__init__(name)
        where = f"systems.{name}"
        self._settings = settings
        ca_bundle = resolve_path(settings.ca_bundle, f"{where}.ca_bundle", root)
        self._client = Cin7Client(
            name=name,
            base_url=resolve(settings.base_url, f"{where}.base_url"),
            username=resolve(settings.api_username, f"{where}.api_username"),
            api_key=resolve(settings.api_key, f"{where}.api_key", secret=True),
            ca_bundle=ca_bundle,
            timeout_seconds=settings.timeout_seconds,
            max_retries=settings.max_retries,
            requests_per_second=settings.requests_per_second,
            max_rate_limit_wait=settings.max_rate_limit_wait_seconds,
        )
        self._view: StoreView | None = None
        if settings.store_view_url is not None:
            url = resolve(settings.store_view_url, f"{where}.store_view_url")
            tls = tls_context(ca_bundle, where)
            self._view = StoreView(name, url, tls, settings.timeout_seconds)
        self._reader = ContactReader(self._client, settings.page_size, settings.contact_filter)
        self._writer = ContactWriter(
            self._client,
            self._reader,
            kind=CONTACT,
            batch_size=settings.batch_size,
            create_attempts=settings.max_retries,
        )
        self._projection = Projection()
        self._refined: list[Change] = []

    @property
    def reads_store(self) -> bool:
        """Whether a store view shows the B2B Dashboard (else manual steps need confirming)."""
        return self._view is not None

    # ------------------------------------------------------------------ the contract

    def check(self) -> None:
        """Authenticates with one one-row read; reads the store view once when one is set."""
        self._client.request("GET", PATH, params={"fields": "id", "rows": 1})
        if self._view is not None:
            self._view.customers()

    def desired(self, context: DesiredContext) -> list[DesiredRecord]:
        projection = DesiredProjection(
            self.name,
            self._settings,
            lambda account: self.serves(account, unlisted=self._settings.accounts == "all"),
            self.reads_store,
        ).project(context)
        self._projection = projection
        self._refined = []
        return projection.records

    def read(self, scope: Scope) -> list[LiveRecord]:
        kinds = scope.kinds & self.SUPPORTS if scope.kinds else self.SUPPORTS
        if not kinds:
            return []
        build = LiveBuilder(
            self.name, self._projection.account_of_key, self._projection.account_of_company
        )
        if scope.full:
            found = self._reader.all()
        else:
            found = self._reader.by_ids(scope.ids) + self._reader.by_emails(scope.keys)
        contacts = {r.id: r for r in (build.contact(c) for c in found) if r is not None}
        records: list[LiveRecord] = list(contacts.values()) if CONTACT in kinds else []
        if self._view is not None and kinds & {CUSTOMER, STORE_EMAIL}:
            for store in self._view.customers().values():
                contact = contacts.get(str(store.contact_id))
                wanted = (
                    scope.full
                    or contact is not None
                    or str(store.contact_id) in scope.ids
                    or email_key(store.email) in scope.keys
                )
                if wanted:
                    records.extend(r for r in build.customer(store, contact) if r.kind in kinds)
        return records

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        self._writer.apply(changes, on_batch)

    def verify(self, changes: Sequence[Change], revoked: frozenset[str]) -> list[Check]:
        """A revoked contact's CRM contact must be inactive. Its store access is closed by a manual
        step, which storegate tracks as pending until it is seen done or confirmed."""
        keys = {k for k in revoked if k in self._projection.account_of_key} | {
            c.key
            for c in changes
            if c.system == self.name and c.kind == CONTACT and c.key in revoked
        }
        if not keys:
            return []
        live = {
            r.key: r
            for r in self.read(Scope(keys=frozenset(keys), kinds=frozenset({CONTACT}), full=False))
        }
        checks: list[Check] = []
        for key in sorted(keys):
            found = live.get(key)
            address = str(self.address(CONTACT, key))
            if found is None:
                checks.append(
                    Check(self.name, address, "CRM contact", "inactive or absent", "absent", True)
                )
                continue
            active = found.fields.get("is_active")
            checks.append(
                Check(self.name, address, "CRM contact is_active", False, active, active is False)
            )
        return checks

    def same_value(self, name: str, desired: Any, live: Any) -> bool:
        if name == "status":
            return desired == live or (desired in steps.GRANTED and live in steps.GRANTED)
        if name == "email" and isinstance(desired, str) and isinstance(live, str):
            return email_key(desired) == email_key(live)
        if name == "credit_limit" and desired is not None and live is not None:
            return float(desired) == float(live)
        return same_value(desired, live)

    def plan_warnings(
        self, desired: Sequence[DesiredRecord], live: Sequence[LiveRecord]
    ) -> list[PlanWarning]:
        return plan_warnings(self.name, self._settings.store_name, desired, live, self.reads_store)

    def include_change(self, change: Change) -> bool:
        """Drops what Cin7 Omni would ignore anyway: creating the CRM contact of a revoked person
        who was never in the CRM, and, where the store view shows the dashboard, a step for
        someone who is no store customer (nothing to deactivate, no login to update).

        A store customer's step is chosen before anything is read, so it names both ways to the
        target when the tab is unknown; once the diff shows the tab, the step is replaced by the
        one click that tab needs (re-enable a deactivated customer, cancel a pending invitation),
        given back by `extra_changes`."""
        if change.system != self.name:
            return True
        after = change.after()
        if change.kind == CONTACT:
            return not (change.action == Action.CREATE and after.get("is_active") is False)
        absent = all(f.before is None for f in change.fields)
        if self._view is not None:
            if change.kind == CUSTOMER and absent and after.get("status") == "deactivated":
                return False
            if change.kind == STORE_EMAIL and absent:
                return False
        if change.kind == CUSTOMER and change.manual is not None:
            refined = self._refine(change, absent)
            if refined is not None:
                self._refined.append(refined)
                return False
        return True

    def _refine(self, change: Change, absent: bool) -> Change | None:
        """The change with the step its live tab needs, or None when it has that step already."""
        before = next((f.before for f in change.fields if f.name == "status"), None)
        if before is None and not (absent and self._view is not None):
            return None
        who = self._projection.customers.get(change.address) or steps.Customer(change.key)
        target = str(change.after().get("status"))
        step = steps.access_step(who, target, self._settings.store_name, before or "none")
        return None if step == change.manual else replace(change, manual=step)

    def extra_changes(
        self,
        changes: Sequence[Change],
        desired: Sequence[DesiredRecord],
        live: Sequence[LiveRecord],
    ) -> list[Change]:
        """The store customer steps `include_change` took out, each with its tab's one click."""
        del changes, desired, live
        refined, self._refined = self._refined, []
        return refined

    def step_done(self, change: Change, live: LiveRecord | None) -> bool:
        """Seen in the store view: the customer is on a tab that meets the target, or the store's
        login email is the new one. Without a store view nothing can be seen."""
        if self._view is None or change.system != self.name:
            return False
        after = change.after()
        if change.kind == CUSTOMER:
            target = str(after.get("status"))
            if live is None:
                return target == "deactivated"
            return steps.satisfied(target, str(live.fields.get("status")))
        if change.kind == STORE_EMAIL:
            wanted, seen = after.get("email"), live.fields.get("email") if live else None
            return (
                isinstance(wanted, str)
                and isinstance(seen, str)
                and (email_key(wanted) == email_key(seen))
            )
        return False

    def calls(self) -> int:
        return self._client.calls

    def close(self) -> None:
        self._client.close()
        if self._view is not None:
            self._view.close()

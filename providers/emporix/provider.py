"""EmporixProvider: B2B customers on their companies, over the Emporix customer service and the
customer-management service (httpx, OAuth service token)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..contract import (
    Action,
    AuthError,
    BaseProvider,
    BatchCallback,
    Change,
    Check,
    ConfigError,
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    PlanWarning,
    Scope,
    email_key,
    same_value,
)
from ..settings import resolve, resolve_path
from .client import EmporixClient, Target
from .config import EmporixAccountOptions, EmporixSystem
from .desired import DesiredBuilder
from .reader import Reader
from .records import (
    COMPANY,
    COMPANY_FIELD,
    CUSTOMER,
    AccountNames,
    company_record,
    customer_record,
)
from .writer import Writer

TENANT = re.compile(r"^[a-z][a-z0-9]{2,15}$")
NEEDED_SCOPES = (
    ("customer.customer_read", "customer.customer_read_own"),
    ("customer.customer_manage", "customer.customer_manage_own"),
    ("customermanagement.legalentity_read", "customermanagement.legalentity_read_own"),
    ("customermanagement.legalentity_manage",),
    ("customermanagement.contactassignment_read",),
    ("customermanagement.contactassignment_manage",),
)
SELF_REGISTRATION = "emporix-self-registration"


class EmporixProvider(BaseProvider):
    TYPE = "emporix"
    SUPPORTS = frozenset({CUSTOMER, COMPANY})
    settings_model = EmporixSystem
    account_options_model = EmporixAccountOptions
    CONTACT_KIND = CUSTOMER
    ACCOUNT_KIND = COMPANY

    def __init__(self, name: str, settings: EmporixSystem, root: Path) -> None:
        super().__init__(name)
        self.settings = settings
        where = f"systems.{name}"
        tenant = resolve(settings.tenant, f"{where}.tenant")
        if not TENANT.match(tenant):
            raise ConfigError(
                f"{where}.tenant: {tenant!r} is not an Emporix tenant (3-16 lowercase letters and "
                "digits, starting with a letter)"
            )
        self._client = EmporixClient(
            Target(
                name=name,
                base_url=resolve(settings.base_url, f"{where}.base_url"),
                tenant=tenant,
                client_id=resolve(settings.client_id, f"{where}.client_id", secret=True),
                client_secret=resolve(
                    settings.client_secret, f"{where}.client_secret", secret=True
                ),
                scope=settings.scope,
                ca_bundle=resolve_path(settings.ca_bundle, f"{where}.ca_bundle", root),
                timeout_seconds=settings.timeout_seconds,
                max_retries=settings.max_retries,
            )
        )
        self._names = AccountNames()
        self._company_ids: dict[str, str] = {}
        self._reader = Reader(self._client, settings.page_size)
        self._writer = Writer(name, self._client, settings, self._company_ids)

    # ------------------------------------------------------------------ check

    def check(self) -> None:
        """Gets a service token; refuses one for another tenant or without the scopes needed
        (when the token lists its scopes)."""
        self._client.token()
        tenant = self._client.token_tenant
        if tenant is not None and tenant != self._client.target.tenant:
            raise ConfigError(
                f"systems.{self.name}.tenant is {self._client.target.tenant!r} but the OAuth "
                f"client belongs to tenant {tenant!r}"
            )
        scopes = self._client.scopes
        missing = [" or ".join(s) for s in NEEDED_SCOPES if scopes and not scopes.intersection(s)]
        if missing:
            raise AuthError(
                f"{self.name}: the service token lacks the scopes {'; '.join(missing)}; grant "
                f"them to the OAuth client (or widen systems.{self.name}.scope)"
            )

    # ------------------------------------------------------------------ desired

    def desired(self, context: DesiredContext) -> list[DesiredRecord]:
        builder = DesiredBuilder(self.name, self.settings, context)
        self._names.learn(a.name for a in context.desired.accounts if builder.serves(a))
        return builder.build()

    # ------------------------------------------------------------------ read

    def read(self, scope: Scope) -> list[LiveRecord]:
        wanted = scope.kinds or self.SUPPORTS
        if not wanted & self.SUPPORTS:
            return []
        self._names.learn(k for k in scope.keys if "@" not in k)
        self._names.learn(scope.accounts)
        records: list[LiveRecord] = []
        if COMPANY in wanted or CUSTOMER in wanted:
            companies = self._reader.companies()
            for entity in companies:
                self._company_ids.setdefault(
                    str(entity.get("name", "")).casefold(), str(entity["id"])
                )
            if COMPANY in wanted:
                records.extend(company_record(self.name, e, self._names) for e in companies)
        if CUSTOMER in wanted:
            if scope.full:
                customers = self._reader.customers()
            else:
                emails = [k for k in scope.keys if "@" in k]
                customers = self._reader.customers_by(scope.ids, emails)
            records.extend(customer_record(self.name, c, self._names) for c in customers)
        return records

    # ------------------------------------------------------------------ apply and verify

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        self._writer.apply(changes, on_batch)

    def verify(self, changes: Sequence[Change], revoked: frozenset[str]) -> list[Check]:
        """A revoked customer must be inactive (or gone); a deleted one gone; and no customer with
        a revoked contact's email may be able to log in."""
        removed = [c for c in changes if c.kind == CUSTOMER and c.removing]
        if not removed and not revoked:
            return []
        live = self._reader.customers_by(
            (c.remote_id for c in removed if c.remote_id), [*(c.key for c in removed), *revoked]
        )
        by_id = {str(c["id"]): c for c in live}
        by_email: dict[str, list[dict[str, Any]]] = {}
        for customer in live:
            by_email.setdefault(email_key(str(customer.get("contactEmail") or "")), []).append(
                customer
            )
        checks: list[Check] = []
        for change in removed:
            found = by_id.get(change.remote_id or "")
            if change.action is Action.DELETE:
                seen = "absent" if found is None else f"customer {found['id']}"
                checks.append(
                    Check(
                        self.name,
                        str(change.address),
                        "customer deleted",
                        "absent",
                        seen,
                        found is None,
                    )
                )
            else:
                active = bool(found and found.get("active"))
                seen = "absent" if found is None else f"active={active}"
                checks.append(
                    Check(
                        self.name,
                        str(change.address),
                        "customer deactivated",
                        "active=False or absent",
                        seen,
                        not active,
                    )
                )
        for key in sorted(revoked):
            open_ = [
                str(c["id"])
                for c in by_email.get(key, [])
                if c.get("active") and not c.get("onHold")
            ]
            checks.append(
                Check(
                    self.name,
                    str(self.address(CUSTOMER, key)),
                    "no customer with this email can log in",
                    [],
                    open_,
                    not open_,
                )
            )
        return checks

    # ------------------------------------------------------------------ hooks

    def same_value(self, name: str, desired: Any, live: Any) -> bool:
        if name == "email" and isinstance(desired, str) and isinstance(live, str):
            return email_key(desired) == email_key(live)
        if name == "name" and isinstance(desired, str) and isinstance(live, str):
            return desired.casefold() == live.casefold()
        if name == COMPANY_FIELD and isinstance(desired, str):
            companies = live if isinstance(live, list) else [live] if live else []
            return desired.casefold() in {str(c).casefold() for c in companies}
        return same_value(desired, live)

    def include_change(self, change: Change) -> bool:
        """A revoked contact without a customer gets none (the diff would create it inactive)."""
        return not (
            change.kind == CUSTOMER
            and change.action is Action.CREATE
            and change.access == "revoked"
        )

    def plan_warnings(
        self, desired: Sequence[DesiredRecord], live: Sequence[LiveRecord]
    ) -> list[PlanWarning]:
        """Seed 000's trap, Emporix's way: a deleted customer frees its email, and a storefront that
        lets visitors register lets the person sign up again. A deactivated one keeps it taken."""
        if not self.settings.storefront_registration:
            return []
        present = {r.key for r in live if r.system == self.name and r.kind == CUSTOMER}
        present.update(r.id for r in live if r.system == self.name and r.kind == CUSTOMER)
        warnings: list[PlanWarning] = []
        for record in desired:
            if record.system != self.name or record.kind != CUSTOMER or record.intent != "absent":
                continue
            if record.key not in present and (record.remote_id or "") not in present:
                continue
            warnings.append(
                PlanWarning(
                    SELF_REGISTRATION,
                    f"{record.key} is deleted from {self.name} (store_removal: delete) and the "
                    "storefront lets visitors register: the same email can sign up again as a new "
                    "customer. Deactivating instead (store_removal: deactivate) keeps the email "
                    f"taken; or set systems.{self.name}.storefront_registration: false if "
                    "registration is off.",
                    str(record.address),
                )
            )
        return warnings

    def calls(self) -> int:
        return self._client.calls

    def close(self) -> None:
        self._client.close()

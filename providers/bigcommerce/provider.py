"""BigCommerceProvider: store customers over the v3 Customers API (groups over v2)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar

from ..contract import (
    REMOVING_ACTIONS,
    BaseProvider,
    BatchCallback,
    Change,
    Check,
    ConfigError,
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    ProviderError,
    Scope,
    email_key,
)
from ..settings import resolve, resolve_path
from .client import BigCommerceClient, error_text
from .config import BigCommerceSystem
from .customers import CustomerReader, live_record
from .desired import KIND, desired_customers
from .writer import CustomerWriter

GROUPS_PATH = "/v2/customer_groups"
GROUPS_PAGE = 250


class BigCommerceProvider(BaseProvider):
    TYPE: ClassVar[str] = "bigcommerce"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({KIND})
    settings_model: ClassVar[type[BigCommerceSystem]] = BigCommerceSystem
    CONTACT_KIND: ClassVar[str | None] = KIND
    # A full read pages through every customer of the store: no key or id to be told.
    FULL_READ_NEEDS_KEYS: ClassVar[bool] = False

    def __init__(self, name: str, settings: BigCommerceSystem, root: Path) -> None:
        super().__init__(name)
        self._where = where = f"systems.{name}"
        self._settings = settings
        self._client = BigCommerceClient(
            base_url=resolve(settings.base_url, f"{where}.base_url"),
            store_hash=resolve(settings.store_hash, f"{where}.store_hash"),
            access_token=resolve(settings.access_token, f"{where}.access_token", secret=True),
            ca_bundle=resolve_path(settings.ca_bundle, f"{where}.ca_bundle", root),
            timeout_seconds=settings.timeout_seconds,
            uncertainty_margin_seconds=settings.uncertainty_margin_seconds,
            max_retries=settings.max_retries,
            max_concurrency=settings.max_concurrency,
        )
        self._reader = CustomerReader(self._client, settings.page_size)
        self._writer = CustomerWriter(
            self._client,
            self._reader,
            batch_size=settings.batch_size,
            max_concurrency=settings.max_concurrency,
            create_attempts=settings.max_retries,
        )

    def check(self) -> None:
        """Validates the token with one groups read and that every mapped group exists."""
        groups = {int(g["id"]): str(g.get("name", "")) for g in self._customer_groups()}
        missing = [
            f"price book {book!r} maps to customer group {group_id}, which the store does not have"
            for book, group_id in self._settings.customer_groups.items()
            if group_id not in groups
        ]
        if missing:
            known = ", ".join(f"{i} ({n})" for i, n in sorted(groups.items())) or "none"
            raise ConfigError(
                f"{self._where}.customer_groups: {'; '.join(missing)}; the store's groups: {known}"
            )

    def _customer_groups(self) -> list[dict[str, Any]]:
        groups: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {"limit": GROUPS_PAGE, "page": page}
            response = self._client.request("GET", GROUPS_PATH, params=params)
            if response.status_code == 204:
                return groups
            if response.status_code == 422:
                raise ProviderError(
                    f"bigcommerce: reading customer groups failed: {error_text(response)}"
                )
            batch = response.json()
            if not isinstance(batch, list):
                raise ProviderError(
                    "bigcommerce: customer groups answered something other than a list"
                )
            groups.extend(g for g in batch if isinstance(g, dict))
            if len(batch) < GROUPS_PAGE:
                return groups
            page += 1

    def desired(self, context: DesiredContext) -> list[DesiredRecord]:
        return desired_customers(self.name, self._settings, context)

    def read(self, scope: Scope) -> list[LiveRecord]:
        if scope.kinds and KIND not in scope.kinds:
            return []
        if scope.full:
            customers = self._reader.all()
        else:
            customers = chain(self._reader.by_ids(scope.ids), self._reader.by_emails(scope.keys))
        unique = {str(c["id"]): live_record(self.name, c) for c in customers}
        return list(unique.values())

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        self._writer.apply(changes, on_batch)

    def verify(self, changes: Sequence[Change], revoked: frozenset[str]) -> list[Check]:
        """A removed customer is gone only when neither its id nor its email finds it; a contact
        revoked anywhere must have no customer here either, even where none was deleted."""
        removed = [c for c in changes if c.action in REMOVING_ACTIONS]
        keys = {c.key for c in removed} | set(revoked)
        if not keys:
            return []
        ids = {c.remote_id for c in removed if c.remote_id}
        live = self.read(Scope(keys=frozenset(keys), ids=frozenset(ids), full=False))
        by_id = {r.id: r for r in live}
        by_key = {r.key: r for r in live}
        checks = []
        for key in sorted(keys):
            change = next((c for c in removed if c.key == key), None)
            found = by_id.get(change.remote_id or "") if change is not None else None
            found = found or by_key.get(key)
            seen = "absent" if found is None else f"customer {found.id}"
            address = str(self.address(KIND, key))
            checks.append(Check(self.name, address, KIND, "absent", seen, found is None))
        return checks

    def same_value(self, name: str, desired: Any, live: Any) -> bool:
        if name == "email" and isinstance(desired, str) and isinstance(live, str):
            return email_key(desired) == email_key(live)
        return super().same_value(name, desired, live)

    def calls(self) -> int:
        return self._client.calls

    def close(self) -> None:
        self._client.close()

"""BigCommerceProvider: store customers over the v3 Customers API (groups over v2)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from storegate.engine.errors import ConfigError, ProviderError
from storegate.engine.model import BigCommerceSystem
from storegate.engine.plan import REMOVING_ACTIONS, Change
from storegate.engine.secrets import resolve, resolve_path
from storegate.providers.base import (
    BatchCallback,
    Check,
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    Scope,
)
from storegate.providers.bigcommerce.client import BigCommerceClient, error_text
from storegate.providers.bigcommerce.customers import CustomerReader, live_record
from storegate.providers.bigcommerce.desired import KIND, SYSTEM, desired_customers
from storegate.providers.bigcommerce.writer import CustomerWriter

GROUPS_PATH = "/v2/customer_groups"
GROUPS_PAGE = 250
SETTING = "systems.bigcommerce"


class BigCommerceProvider:
    name: ClassVar[str] = SYSTEM
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({KIND})

    def __init__(self, settings: BigCommerceSystem, root: Path) -> None:
        self._settings = settings
        self._client = BigCommerceClient(
            base_url=resolve(settings.base_url, f"{SETTING}.base_url"),
            store_hash=resolve(settings.store_hash, f"{SETTING}.store_hash"),
            access_token=resolve(settings.access_token, f"{SETTING}.access_token", secret=True),
            ca_bundle=resolve_path(settings.ca_bundle, f"{SETTING}.ca_bundle", root),
            timeout_seconds=settings.timeout_seconds,
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
                f"{SETTING}.customer_groups: {'; '.join(missing)}; the store's groups: {known}"
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
        return desired_customers(self._settings, context)

    def read(self, scope: Scope) -> list[LiveRecord]:
        if scope.kinds and KIND not in scope.kinds:
            return []
        if scope.full:
            customers = self._reader.all()
        else:
            customers = self._reader.by_ids(scope.ids) + self._reader.by_emails(scope.keys)
        unique = {str(c["id"]): c for c in customers}
        return [live_record(c) for c in unique.values()]

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        self._writer.apply(changes, on_batch)

    def verify(self, changes: Sequence[Change]) -> list[Check]:
        """A removed customer is gone only when neither its id nor its email finds it."""
        removed = [c for c in changes if c.system == SYSTEM and c.action in REMOVING_ACTIONS]
        if not removed:
            return []
        live = self.read(
            Scope(
                keys=frozenset(c.key for c in removed),
                ids=frozenset(c.remote_id for c in removed if c.remote_id),
                full=False,
            )
        )
        by_id = {r.id: r for r in live}
        by_key = {r.key: r for r in live}
        checks = []
        for change in removed:
            found = by_id.get(change.remote_id or "") or by_key.get(change.key)
            seen = "absent" if found is None else f"customer {found.id}"
            checks.append(Check(SYSTEM, change.address, "customer", "absent", seen, found is None))
        return checks

    def calls(self) -> int:
        return self._client.calls

    def close(self) -> None:
        self._client.close()

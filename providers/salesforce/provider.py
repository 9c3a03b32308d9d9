"""The Salesforce provider: accounts and contacts, in storegate's field names."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..contract import (
    BaseProvider,
    BatchCallback,
    Change,
    Check,
    DesiredContext,
    DesiredRecord,
    Journal,
    LiveRecord,
    PlanWarning,
    Scope,
    email_key,
)
from .bulk import (
    BulkClient,
    BulkSettings,
    JobJournal,
    MemoryJournal,
    Sleep,
    StateJobJournal,
)
from .bulk_ingest import BulkIngest, Existing
from .bulk_query import BulkQuery
from .config import SalesforceSystem
from .connection import DEFAULT_RETRY_BASE_DELAY, Connection
from .lookups import NameIndex
from .mapping import DesiredBuilder
from .profiles import (
    LOOKUPS,
    SOBJECT,
    FieldMap,
    Kind,
    build_field_map,
    raise_schema_problems,
    schema_problems,
)
from .records import select_fields, to_live
from .soql import chunked_selects, select
from .upserts import external_id_problems
from .verify import recreation_risk, verify_revocations
from .writes import Writer

LOOKUP_LABELS = {"price_book": "price book", "membership": "membership"}


class SalesforceProvider(BaseProvider):
    TYPE: ClassVar[str] = "salesforce"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({"account", "contact"})
    settings_model: ClassVar[type[SalesforceSystem]] = SalesforceSystem
    CONTACT_KIND: ClassVar[str | None] = "contact"
    HOLDS_IDS_OF_STORES: ClassVar[bool] = True
    # A full read queries every contact and account in the filter: no key or id to be told.
    FULL_READ_NEEDS_KEYS: ClassVar[bool] = False
    ACCOUNT_KIND: ClassVar[str | None] = "account"

    def __init__(
        self,
        name: str,
        settings: SalesforceSystem,
        root: Path,
        *,
        retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY,
        job_journal: JobJournal | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(name)
        self._settings = settings
        self.fields: FieldMap = build_field_map(settings)
        self._connection = Connection(settings, root, retry_base_delay=retry_base_delay)
        self._lookups: dict[str, NameIndex] = {}
        self._bulk_settings = BulkSettings.of(settings)
        self._bulk_client = BulkClient(self._connection)
        self._journal: JobJournal = job_journal or MemoryJournal()
        self._sleep = sleep

    def use_journal(self, journal: Journal) -> None:
        """The engine's state journal keeps the ingest jobs in flight."""
        self.use_job_journal(StateJobJournal(journal))

    def use_job_journal(self, journal: JobJournal) -> None:
        """Keep Bulk API ingest job ids in `journal` (the engine's state), so a run killed mid-job
        is resumed by the next apply instead of uploading the records again."""
        self._journal = journal

    # ------------------------------------------------------------------ Provider

    def check(self) -> None:
        describes: dict[Kind, Any] = {
            kind: self._connection.rest(
                f"{SOBJECT[kind]} describe", "GET", f"sobjects/{SOBJECT[kind]}/describe"
            )
            for kind in ("account", "contact")
        }
        raise_schema_problems(
            schema_problems(self.fields, describes)
            + external_id_problems(
                self.name, self._settings.external_id_field, describes["contact"]
            )
        )
        self._load_lookups(reload=True)

    def desired(self, context: DesiredContext) -> list[DesiredRecord]:
        needs_lookups = any(
            account.settings.get(name) is not None
            for account in context.desired.accounts
            for name in LOOKUPS
            if self.fields.is_mapped("account", name)
        )
        lookups = self._load_lookups() if needs_lookups else {}
        builder = DesiredBuilder(self.name, context, self.fields, lookups, self._settings.writeback)
        return builder.build()

    def read(self, scope: Scope) -> list[LiveRecord]:
        kinds = scope.kinds or self.SUPPORTS
        records: dict[str, LiveRecord] = {}
        for kind in ("account", "contact"):
            if kind not in kinds:
                continue
            lookups = self._load_lookups() if kind == "account" else {}
            for soql in self._read_queries(kind, scope):
                pages = (
                    self._bulk_query().pages(soql, kind)
                    if scope.full
                    else self._connection.query_pages(soql)
                )
                for page in pages:
                    for raw in page:
                        live = to_live(self.name, kind, raw, self.fields, lookups)
                        records[live.id] = live
        return list(records.values())

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        needs_lookups = any(
            f.name in LOOKUPS for c in changes for f in (*c.fields, *c.create_fields)
        )
        lookups = self._load_lookups() if needs_lookups else {}
        Writer(self._connection, self.fields, lookups, self._bulk_ingest).apply(changes, on_batch)

    def verify(self, changes: Sequence[Change], revoked: frozenset[str]) -> list[Check]:
        del revoked  # every revoked contact has its own change here
        return verify_revocations(self.name, self._connection, self.fields, self._lookups, changes)

    def same_value(self, name: str, desired: Any, live: Any) -> bool:
        if name == "email" and isinstance(desired, str) and isinstance(live, str):
            return email_key(desired) == email_key(live)
        return super().same_value(name, desired, live)

    def plan_warnings(
        self, desired: Sequence[DesiredRecord], live: Sequence[LiveRecord]
    ) -> list[PlanWarning]:
        """Seed 000's trap: a revoked contact left Active with an email gets its store account back."""
        revoked = [
            record
            for record in desired
            if record.access == "revoked"
            and record.system == self.name
            and record.kind == "contact"
            and record.fields.get("contact_status") != "Deactivated"
        ]
        if not revoked:
            return []
        wanted = {record.address for record in revoked}
        contacts = {r.address: r for r in live if r.address in wanted}
        out: list[PlanWarning] = []
        for record in revoked:
            found = contacts.get(record.address)
            advice = recreation_risk(found, self.fields) if found is not None else None
            if advice:
                out.append(PlanWarning("SG-RECREATE", advice, str(record.address)))
        return out

    def calls(self) -> int:
        return self._connection.calls()

    def close(self) -> None:
        self._connection.close()

    # ------------------------------------------------------------------ internals

    def _bulk_ingest(self, existing: Existing) -> BulkIngest:
        settings, journal = self._bulk_settings, self._journal
        return BulkIngest(self._bulk_client, settings, journal, existing, self._sleep)

    def _bulk_query(self) -> BulkQuery:
        settings, client = self._bulk_settings, self._bulk_client
        return BulkQuery(self._connection, client, settings, self.fields, self._sleep)

    def _read_queries(self, kind: Kind, scope: Scope) -> Iterator[str]:
        sobject = SOBJECT[kind]
        columns = select_fields(self.fields, kind)
        where: list[str] = []
        if kind == "contact":
            where.append("Email != null")
            if self._settings.contact_filter:
                where.append(self._settings.contact_filter)
        elif self._settings.account_filter:
            where.append(self._settings.account_filter)
        if scope.full:
            yield select(sobject, columns, where)
            return
        # Account names rarely hold "@": only keys that do are worth an Email lookup.
        keys = [k for k in scope.keys if kind == "account" or "@" in k]
        key_field = "Name" if kind == "account" else "Email"
        yield from chunked_selects(sobject, columns, key_field, keys, where)
        yield from chunked_selects(sobject, columns, "Id", scope.ids, where)

    def _load_lookups(self, *, reload: bool = False) -> dict[str, NameIndex]:
        for name, sobject in LOOKUPS.items():
            if not self.fields.is_mapped("account", name) or (name in self._lookups and not reload):
                continue
            rows: list[dict[str, Any]] = self._connection.query(select(sobject, ["Id", "Name"]))
            self._lookups[name] = NameIndex.of(LOOKUP_LABELS[name], rows)
        return self._lookups

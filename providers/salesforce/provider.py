"""The Salesforce provider: accounts and contacts, in storegate's field names."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from storegate.engine.model import SalesforceSystem
from storegate.engine.plan import Change
from storegate.providers.base import (
    BatchCallback,
    Check,
    DesiredContext,
    DesiredRecord,
    LiveRecord,
    Scope,
)
from storegate.providers.salesforce.connection import DEFAULT_RETRY_BASE_DELAY, Connection
from storegate.providers.salesforce.lookups import NameIndex
from storegate.providers.salesforce.mapping import DesiredBuilder
from storegate.providers.salesforce.profiles import (
    LOOKUPS,
    SOBJECT,
    FieldMap,
    Kind,
    build_field_map,
    raise_schema_problems,
    schema_problems,
)
from storegate.providers.salesforce.records import select_fields, to_live
from storegate.providers.salesforce.soql import chunked_selects, select
from storegate.providers.salesforce.verify import recreation_risk, verify_revocations
from storegate.providers.salesforce.writes import Writer

LOOKUP_LABELS = {"price_book": "price book", "membership": "membership"}


class SalesforceProvider:
    name: ClassVar[str] = "salesforce"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({"account", "contact"})

    def __init__(
        self,
        settings: SalesforceSystem,
        root: Path,
        *,
        retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY,
    ) -> None:
        self._settings = settings
        self.fields: FieldMap = build_field_map(settings)
        self._connection = Connection(settings, root, retry_base_delay=retry_base_delay)
        self._lookups: dict[str, NameIndex] = {}

    # ------------------------------------------------------------------ Provider

    def check(self) -> None:
        describes: dict[Kind, Any] = {
            kind: self._connection.rest(
                f"{SOBJECT[kind]} describe", "GET", f"sobjects/{SOBJECT[kind]}/describe"
            )
            for kind in ("account", "contact")
        }
        raise_schema_problems(schema_problems(self.fields, describes))
        self._load_lookups(reload=True)

    def desired(self, context: DesiredContext) -> list[DesiredRecord]:
        needs_lookups = any(
            getattr(loaded.file.account, name) is not None
            for loaded in context.desired.accounts
            for name in LOOKUPS
            if self.fields.is_mapped("account", name)
        )
        lookups = self._load_lookups() if needs_lookups else {}
        return DesiredBuilder(context, self.fields, lookups).build()

    def read(self, scope: Scope) -> list[LiveRecord]:
        kinds = scope.kinds or self.SUPPORTS
        records: dict[str, LiveRecord] = {}
        for kind in ("account", "contact"):
            if kind not in kinds:
                continue
            lookups = self._load_lookups() if kind == "account" else {}
            for soql in self._read_queries(kind, scope):
                for page in self._connection.query_pages(soql):
                    for raw in page:
                        live = to_live(kind, raw, self.fields, lookups)
                        records[live.id] = live
        return list(records.values())

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        needs_lookups = any(
            f.name in LOOKUPS for c in changes for f in (*c.fields, *c.create_fields)
        )
        lookups = self._load_lookups() if needs_lookups else {}
        Writer(self._connection, self.fields, lookups).apply(changes, on_batch)

    def verify(self, changes: Sequence[Change]) -> list[Check]:
        return verify_revocations(self._connection, self.fields, self._lookups, changes)

    def calls(self) -> int:
        return self._connection.calls()

    def close(self) -> None:
        self._connection.close()

    # ------------------------------------------------------------------ extras for the engine

    def recreation_risk(self, live: LiveRecord) -> str | None:
        """Advice text when revoking `live` leaves it open to recreation (seed 000), else None."""
        return recreation_risk(live, self.fields)

    # ------------------------------------------------------------------ internals

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

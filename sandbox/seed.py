"""Bulk-load a sandbox's data from a seed document (whether or not its server runs).

    {"salesforce": {"Pricebook2": [{"Name": "Wholesale 2026"}],
                    "s_c__Membership__c": [{"Name": "Gold"}],
                    "Account": [{"Name": "Acme", "s_c__Pricebook_Id__c": "Wholesale 2026"}],
                    "Contact": [{"LastName": "Doe", "Email": "jane@acme.example",
                                 "Account": "Acme"}]},
     "bigcommerce": {...}}

Records are validated exactly as the REST API validates a create. A lookup field may name its
target by Name instead of Id; a Contact's "Account" names its account.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..sandbox import salesforce_wire as wire
from .salesforce_meta import REFERENCE, ObjectSpec, Schema
from .salesforce_records import BodyError, WriteError, Writer
from .store import Record, Store

# Sections handed to the emulator module of the same name (`seed(store, part)`).
EMULATOR_SECTIONS = ("emporix", "adobe_commerce", "cin7_omni")
# Parents before children, so lookups by name find what this seed creates.
SALESFORCE_ORDER = ("Pricebook2", "s_c__Membership__c", "Account", "Contact")


class SeedError(ValueError):
    """The seed document is invalid; the message names the record and the fix."""


def load_seed(store_or_dir: Store | Path, data: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Insert the seed's records; returns how many were created per system and type."""
    if not isinstance(data, dict):
        raise SeedError("a seed is a mapping with the keys 'salesforce' and/or 'bigcommerce'")
    unknown = set(data) - {"salesforce", "bigcommerce", *EMULATOR_SECTIONS}
    if unknown:
        known = ", ".join(("salesforce", "bigcommerce", *EMULATOR_SECTIONS))
        raise SeedError(f"unknown seed section(s) {', '.join(sorted(unknown))}; use {known}")
    owned = not isinstance(store_or_dir, Store)
    store = store_or_dir if isinstance(store_or_dir, Store) else Store(store_or_dir / "sandbox.db")
    try:
        counts: dict[str, dict[str, int]] = {}
        with store.transaction():
            if "salesforce" in data:
                counts["salesforce"] = _seed_salesforce(store, data["salesforce"])
            if "bigcommerce" in data:
                counts["bigcommerce"] = _seed_bigcommerce(store, data["bigcommerce"])
            for name in EMULATOR_SECTIONS:
                if name in data:
                    counts[name] = _seed_emulator(store, name, data[name])
        return counts
    finally:
        if owned:
            store.close()


def _seed_bigcommerce(store: Store, part: Any) -> dict[str, int]:
    try:
        module = importlib.import_module("storegate.sandbox.bigcommerce")
    except ModuleNotFoundError as exc:
        if exc.name != "storegate.sandbox.bigcommerce":
            raise
        raise SeedError("the seed has a 'bigcommerce' section but no BigCommerce emulator") from exc
    result = module.seed(store, part)
    return dict(result) if isinstance(result, dict) else {}


def _seed_emulator(store: Store, name: str, part: Any) -> dict[str, int]:
    """A section handed to `storegate.sandbox.<name>.seed(store, part)`."""
    qualified = f"storegate.sandbox.{name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise
        raise SeedError(f"the seed has a '{name}' section but no {name} emulator") from exc
    result = module.seed(store, part)
    return dict(result) if isinstance(result, dict) else {}


def _seed_salesforce(store: Store, part: Any) -> dict[str, int]:
    if not isinstance(part, dict):
        raise SeedError("salesforce: expected a mapping of object name to a list of records")
    schema = Schema()
    specs: list[tuple[ObjectSpec, list[Any]]] = []
    for name, records in part.items():
        spec = schema.object(str(name))
        if spec is None:
            raise SeedError(
                f"salesforce.{name}: unknown object; known: {', '.join(schema.objects)}"
            )
        if not isinstance(records, list):
            raise SeedError(f"salesforce.{name}: expected a list of records")
        specs.append((spec, records))
    rank = {name: i for i, name in enumerate(SALESFORCE_ORDER)}
    specs.sort(key=lambda pair: rank.get(pair[0].name, len(rank)))

    seeder = _SalesforceSeeder(store, schema)
    return {spec.name: seeder.seed(spec, records) for spec, records in specs}


class _SalesforceSeeder:
    def __init__(self, store: Store, schema: Schema) -> None:
        self.store = store
        self.schema = schema
        self.writer = Writer(store)
        self.ids: dict[str, set[str]] = {}
        self.names: dict[str, dict[str, str]] = {}

    def _index(self, type_: str) -> None:
        if type_ in self.ids:
            return
        live = self.store.list(wire.SYSTEM, type_, lambda r: not r.get("IsDeleted"))
        self.ids[type_] = {r["Id"] for r in live}
        self.names[type_] = {}
        for record in live:
            if record.get("Name"):
                self.names[type_].setdefault(str(record["Name"]).casefold(), record["Id"])

    def _exists(self, type_: str, record_id: str) -> bool:
        self._index(type_)
        return record_id in self.ids[type_]

    def _resolve_lookups(self, spec: ObjectSpec, body: dict[str, Any], where: str) -> None:
        if spec.name == "Contact":
            account = next((k for k in body if k.lower() == "account"), None)
            if account is not None:
                body["AccountId"] = body.pop(account)
        for key, value in list(body.items()):
            field = spec.field(key)
            if field is None or field.type != REFERENCE or not isinstance(value, str):
                continue
            target = field.reference_to[0]
            if self._exists(target, wire.to_id18(value)):
                continue
            found = self.names[target].get(value.casefold())
            if found is None:
                raise SeedError(f"{where}: {field.name} {value!r} names no {target} record")
            body[key] = found

    def seed(self, spec: ObjectSpec, records: list[Any]) -> int:
        prepared: list[Record] = []
        for index, item in enumerate(records):
            where = f"salesforce.{spec.name}[{index}]"
            if not isinstance(item, dict):
                raise SeedError(f"{where}: expected a mapping of field names to values")
            body = dict(item)
            self._resolve_lookups(spec, body, where)
            try:
                prepared.append(
                    self.writer.prepare_create(spec, body, self._exists, lambda _text: False)
                )
            except (WriteError, BodyError) as exc:
                raise SeedError(f"{where}: {exc.code}: {exc.message}") from exc
        ids = self.writer.insert(spec, prepared)
        self._index(spec.name)
        self.ids[spec.name].update(ids)
        for record in prepared:
            if record.get("Name"):
                self.names[spec.name].setdefault(str(record["Name"]).casefold(), record["Id"])
        return len(ids)

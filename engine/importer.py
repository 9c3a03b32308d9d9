"""`storegate import`: account files written from what the live systems hold, so an existing org is
adopted with a plan that changes nothing.

The CRM (the system that holds the contacts and the stores' ids) says which accounts exist, their
settings, their contacts and each contact's access; a store is listed under `account.stores` when
every contact with access there has a record in it. Each value carries a comment naming where it
came from.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ..providers.contract import (
    ACCOUNT_SETTINGS,
    PERMISSIONS,
    PERSON_FIELDS,
    LiveRecord,
    SystemInfo,
)


@dataclass
class ImportedAccount:
    account: LiveRecord
    contacts: list[LiveRecord]
    stores: dict[str, str] = field(default_factory=dict)
    """Listed store -> why (the comment)."""
    left_out: dict[str, str] = field(default_factory=dict)
    """Store not listed -> why."""


def gather(
    live: Iterable[LiveRecord],
    systems: Mapping[str, SystemInfo],
    declared: set[str],
    wanted: set[str] | None,
) -> list[ImportedAccount]:
    """The accounts to import: every CRM account no file declares (or only `wanted` ones)."""
    crm = next((s for s in systems.values() if s.holds_ids_of_stores), None)
    if crm is None or crm.account_kind is None:
        return []
    records = list(live)
    accounts = [
        r
        for r in records
        if r.system == crm.name
        and r.kind == crm.account_kind
        and r.key not in declared
        and (wanted is None or r.key in wanted)
    ]
    people: dict[str, list[LiveRecord]] = defaultdict(list)
    for r in records:
        if (
            r.system == crm.name
            and r.kind == crm.contact_kind
            and r.access in ("active", "pending")
        ):
            people[r.account].append(r)
    store_keys: dict[str, set[str]] = defaultdict(set)
    for r in records:
        info = systems.get(r.system)
        if info is not None and not info.holds_ids_of_stores and r.kind == info.contact_kind:
            store_keys[r.system].add(r.key)
    out: list[ImportedAccount] = []
    for account in sorted(accounts, key=lambda r: r.key.casefold()):
        contacts = sorted(people.get(account.key, []), key=lambda r: r.key)
        imported = ImportedAccount(account, contacts)
        active = [c.key for c in contacts if c.access == "active"]
        for store, keys in sorted(store_keys.items()):
            have = [k for k in active if k in keys]
            if active and len(have) == len(active):
                imported.stores[store] = f"all {len(active)} active contacts have a {store} record"
            elif have:
                imported.left_out[store] = f"only {len(have)} of {len(active)} active contacts"
        out.append(imported)
    return out


def account_yaml(imported: ImportedAccount, crm: str, when: str | None = None) -> str:
    """One account file in the project's YAML style, values commented with their source."""
    stamp = when or datetime.now(UTC).date().isoformat()
    record = imported.account
    lines = [
        "# yaml-language-server: $schema=../schemas/account.schema.json",
        f"# Imported by `storegate import` on {stamp} from {crm} {record.kind} {record.id}.",
        "account:",
        f"  name: {_scalar(record.key)}",
        f"  salesforce_id: {_scalar(record.id)}   # {crm} {record.kind} id",
    ]
    for name in ACCOUNT_SETTINGS:
        value = record.fields.get(name)
        if value is not None:
            lines.append(f"  {name}: {_scalar(value)}")
    if not imported.stores:
        lines.append("  stores: {}   # no store holds a record for every contact with access")
    else:
        lines.append("  stores:")
    if imported.stores or imported.left_out:
        for store, why in imported.stores.items():
            lines.append(f"    {store}: {{}}   # {why}")
        for store, why in imported.left_out.items():
            lines.append(f"    # {store} not listed: {why} have a record there")
    if not imported.contacts:
        lines.append("contacts: []")
        return "\n".join(lines) + "\n"
    lines.append("contacts:")
    for contact in imported.contacts:
        email = contact.fields.get("email") or contact.key
        lines.append(f"  - email: {_scalar(email)}   # {crm} {contact.kind} {contact.id}")
        for name in PERSON_FIELDS:
            value = contact.fields.get(name)
            if value not in (None, ""):
                lines.append(f"    {name}: {_scalar(value)}")
        lines.append(f"    access: {contact.access}")
        for name in PERMISSIONS:
            value = contact.fields.get(name)
            if value is not None:
                lines.append(f"    {name}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def file_name(account: str, taken: Sequence[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", account.casefold()).strip("-") or "account"
    name, n = f"{slug}.yaml", 2
    while name in taken:
        name, n = f"{slug}-{n}.yaml", n + 1
    return name


def write_files(
    directory: Path, accounts: Sequence[ImportedAccount], crm: str
) -> list[tuple[str, Path]]:
    directory.mkdir(parents=True, exist_ok=True)
    taken = [p.name for p in directory.iterdir()]
    written: list[tuple[str, Path]] = []
    for imported in accounts:
        name = file_name(imported.account.key, taken)
        taken.append(name)
        path = directory / name
        path.write_text(account_yaml(imported, crm), encoding="utf-8")
        written.append((imported.account.key, path))
    return written


def _scalar(value: Any) -> str:
    text: str = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()

"""Name <-> Id resolution for the lookup fields the YAML names (price book, membership)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class NameIndex:
    """Records of one sObject by Name and by Id (names are compared exactly, as Salesforce shows them)."""

    label: str
    by_name: dict[str, list[str]] = field(default_factory=dict)
    by_id: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, label: str, records: Iterable[Mapping[str, Any]]) -> NameIndex:
        index = cls(label)
        for record in records:
            record_id, name = str(record["Id"]), str(record.get("Name") or "")
            index.by_id[record_id] = name
            index.by_name.setdefault(name, []).append(record_id)
        return index

    def names(self) -> list[str]:
        return sorted(self.by_name)

    def problem(self, name: str) -> str | None:
        """Why `name` cannot be resolved to one record, or None when it can."""
        ids = self.by_name.get(name)
        if ids is None:
            valid = ", ".join(repr(n) for n in self.names()) or "none exist in the org"
            hint = [n for n in self.names() if n.lower() == name.lower()]
            did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            return f"unknown {self.label} {name!r}{did_you_mean}; valid names: {valid}"
        if len(ids) > 1:
            return (
                f"{len(ids)} {self.label}s are named {name!r} ({', '.join(ids)}); rename all but "
                f"one in Salesforce"
            )
        return None

    def id_of(self, name: str) -> str | None:
        ids = self.by_name.get(name)
        return ids[0] if ids and len(ids) == 1 else None

    def name_of(self, record_id: str) -> str:
        """The record's Name; an id this index does not know is returned as is."""
        return self.by_id.get(record_id, record_id)

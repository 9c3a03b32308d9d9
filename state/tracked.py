"""The resources of a document the local backend handed out, with the addresses touched since.

`LocalStateBackend.read` and `write` return documents whose `resources` is a TrackedResources: it
records every address set, deleted, popped, or fetched by key (`resources[a]`, `.get(a)`: the
object handed out may be changed in place, as `storegate confirm` does). The next write of that
document then journals only those addresses instead of rewriting the whole state. A resource
reached only by iterating (`.values()`, `.items()`) and changed in place is not seen: put it back
(`resources[a] = r`) or fetch it by key to change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import ResourceState


class TrackedResources(dict[str, ResourceState]):
    __slots__ = ("lineage", "origin", "serial", "touched")

    def __init__(
        self, resources: Mapping[str, ResourceState], origin: str, lineage: str, serial: int
    ) -> None:
        super().__init__(resources)
        self.origin = origin
        """The state file these resources were read from or written to."""
        self.lineage = lineage
        self.serial = serial
        """The stored serial these resources equal, apart from `touched`."""
        self.touched: set[str] = set()

    def rebase(self, serial: int) -> None:
        """The resources are now stored as they are, at `serial`."""
        self.serial = serial
        self.touched = set()

    def based_on(self, origin: str, lineage: str, serial: int) -> bool:
        return (self.origin, self.lineage, self.serial) == (origin, lineage, serial)

    def __setitem__(self, key: str, value: ResourceState) -> None:
        self.touched.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.touched.add(key)
        super().__delitem__(key)

    def __getitem__(self, key: str) -> ResourceState:
        self.touched.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        found = super().get(key, default)
        if found is not default:
            self.touched.add(key)
        return found

    def pop(self, key: str, *default: Any) -> Any:
        self.touched.add(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, ResourceState]:
        key, value = super().popitem()
        self.touched.add(key)
        return key, value

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.touched.add(key)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: ResourceState) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> TrackedResources:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        self.touched.update(self.keys())
        super().clear()

    def touched_split(self) -> tuple[list[str], list[str]]:
        """(addresses to store as they are now, addresses to drop), each sorted."""
        present = sorted(a for a in self.touched if a in self)
        gone = sorted(a for a in self.touched if a not in self)
        return present, gone


def peek(resources: Mapping[str, ResourceState], address: str) -> ResourceState | None:
    """The resource at `address`, looked at and not taken: a TrackedResources does not count it
    touched (a plan reads the target of every record; only what is changed should be journalled)."""
    if isinstance(resources, dict):
        return dict.get(resources, address)
    return resources.get(address)

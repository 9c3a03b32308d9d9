"""Fault injection and the per-endpoint call counter, both switched over the admin paths."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

KINDS = ("latency", "status", "drop", "limit", "record_error")


class FaultSpecError(ValueError):
    """A fault spec the admin endpoint cannot accept."""


@dataclass
class Fault:
    system: str
    kind: str
    count: int = 1  # -1: until cleared
    status: int = 500
    ms: int = 0
    method: str | None = None
    path_contains: str | None = None
    match: str | None = None

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Fault:
        unknown = set(spec) - {
            "system",
            "kind",
            "count",
            "status",
            "ms",
            "method",
            "path_contains",
            "match",
        }
        if unknown:
            raise FaultSpecError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        if not isinstance(spec.get("system"), str):
            raise FaultSpecError("a fault needs 'system' (e.g. salesforce)")
        if spec.get("kind") not in KINDS:
            raise FaultSpecError(f"a fault needs 'kind', one of {', '.join(KINDS)}")
        if spec["kind"] == "record_error" and not isinstance(spec.get("match"), str):
            raise FaultSpecError("a record_error fault needs 'match' (a substring of email/name)")
        try:
            return cls(
                system=spec["system"],
                kind=spec["kind"],
                count=int(spec.get("count", 1)),
                status=int(spec.get("status", 500)),
                ms=int(spec.get("ms", 0)),
                method=spec["method"].upper() if spec.get("method") else None,
                path_contains=spec.get("path_contains"),
                match=spec.get("match"),
            )
        except (TypeError, ValueError) as exc:
            raise FaultSpecError(f"bad fault value: {exc}") from exc

    def applies_to(self, system: str, method: str, path: str) -> bool:
        return (
            self.system == system
            and (self.method is None or self.method == method.upper())
            and (self.path_contains is None or self.path_contains in path)
        )


class FaultBook:
    """Active faults; each trigger spends one of its count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def _spend(self, fault: Fault) -> None:
        if fault.count > 0:
            fault.count -= 1
            if fault.count == 0:
                self._faults.remove(fault)

    def take_request_faults(self, system: str, method: str, path: str) -> list[Fault]:
        """The request-level faults (not record_error) this request triggers, spent."""
        taken: list[Fault] = []
        with self._lock:
            for fault in list(self._faults):
                if fault.kind != "record_error" and fault.applies_to(system, method, path):
                    self._spend(fault)
                    taken.append(fault)
        return taken

    def take_record_error(self, system: str, method: str, path: str, text: str) -> bool:
        """Whether a record whose email/name is `text` must fail (spends the fault when it does)."""
        lowered = text.lower()
        with self._lock:
            for fault in self._faults:
                if (
                    fault.kind == "record_error"
                    and fault.match is not None
                    and fault.match.lower() in lowered
                    and fault.applies_to(system, method, path)
                ):
                    self._spend(fault)
                    return True
        return False


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, dict[str, int]] = {}

    def count(self, system: str, endpoint: str) -> None:
        with self._lock:
            per_system = self._calls.setdefault(system, {})
            per_system[endpoint] = per_system.get(endpoint, 0) + 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {system: dict(calls) for system, calls in self._calls.items()}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

"""The providers' full reads, run while the engine projects the repo.

A plan spends most of its time waiting on the live systems, and most of the rest projecting the
repo onto desired records. A system whose full read needs nothing from that projection (no keys,
no ids: `SystemInfo.full_read_needs_keys` False) is read on one worker thread while the projection
runs; the other systems are read after it, on the caller's thread, as before. Reads still run one
at a time and in provider order within each group, so the progress lines and the calls are the
same as a plan that reads everything after projecting.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping

from ..providers.contract import LiveRecord, Provider, Scope
from .malloc import use_one_malloc_arena

ReadProgress = Callable[[str, int | None], None]
"""Told (system, None) as a system's read starts and (system, records read) as it ends."""


def read_one(
    name: str, provider: Provider, scope: Scope, progress: ReadProgress | None
) -> list[LiveRecord]:
    if progress is not None:
        progress(name, None)
    records = provider.read(scope)
    if progress is not None:
        progress(name, len(records))
    return records


class EarlyReads:
    """Reads `scopes` (system -> scope) on a daemon thread, in the order given, each system's
    records handed over as its read ends (`landed`). A daemon, and never waited for once
    abandoned: a plan that fails or is stopped by a signal ends at once, and a read left in flight
    changes nothing (its result and its progress are dropped)."""

    def __init__(
        self,
        providers: Mapping[str, Provider],
        scopes: dict[str, Scope],
        progress: ReadProgress | None,
    ) -> None:
        self._providers = providers
        self._scopes = scopes
        self._progress = progress
        self._landed: queue.SimpleQueue[tuple[str, list[LiveRecord]] | BaseException | None] = (
            queue.SimpleQueue()
        )
        self._abandoned = False
        self._reporting = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="storegate-read", daemon=True)

    def start(self) -> EarlyReads:
        if self._scopes:
            use_one_malloc_arena()
            self._thread.start()
        else:
            self._landed.put(None)
        return self

    def _run(self) -> None:
        try:
            for name in list(self._scopes):
                if self._abandoned:
                    return
                # Each scope is dropped once its system is read.
                scope = self._scopes.pop(name)
                self._landed.put((name, read_one(name, self._providers[name], scope, self._report)))
        except BaseException as failure:  # raised on the caller's thread by `landed`
            self._landed.put(failure)
        finally:
            self._landed.put(None)

    def _report(self, name: str, records: int | None) -> None:
        with self._reporting:
            if self._progress is not None and not self._abandoned:
                self._progress(name, records)

    def landed(self) -> Iterator[tuple[str, list[LiveRecord]]]:
        """Each system's records as its read ends, in order: the caller works on one while the
        next is read. A read's error is raised here; a signal still stops the plan while this
        waits."""
        while (item := self._landed.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def abandon(self) -> None:
        """The plan stops before it used the reads: no read starts or reports any more."""
        with self._reporting:
            self._abandoned = True

"""What storegate prints while it works, on stderr (stdout carries the plan).

Reading the live systems can take a while under latency: on a terminal a status line per system
says what is being read, how many API calls (pages) so far and for how long; in CI (`CI=true`, no
terminal to redraw) a plain line is printed when a system's read starts, every `interval` seconds
while it lasts, and when it ends. Apply prints a progress bar on a terminal and one line per batch in
CI. Elsewhere (a pipe, a test) nothing is printed.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import Progress
from rich.status import Status

from ..providers.contract import Provider
from .redact import redact

CI_INTERVAL = 10.0
"""Seconds between CI's "still reading" lines (STOREGATE_PROGRESS_INTERVAL overrides it)."""

ReadCallback = Callable[[str, int | None], None]
ApplyCallback = Callable[[int], None]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def _interval() -> float:
    try:
        return max(float(os.environ.get("STOREGATE_PROGRESS_INTERVAL", CI_INTERVAL)), 0.05)
    except ValueError:
        return CI_INTERVAL


def _line(stream: TextIO, text: str) -> None:
    stream.write(redact(text) + "\n")
    stream.flush()


def _calls(provider: Provider | None) -> int | None:
    if provider is None:
        return None
    try:
        return provider.calls()
    except Exception:  # a provider's counter is a nicety; never let it break a plan
        return None


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"


class ReadReporter:
    """The callback make_plan calls with (system, None) as a read starts and (system, records)
    as it ends; a ticker thread reports the read in between."""

    def __init__(
        self, providers: Mapping[str, Provider], *, tty: bool, ci: bool, stream: TextIO
    ) -> None:
        self._providers = providers
        self._tty = tty
        self._ci = ci
        self._stream = stream
        self._console = Console(file=stream, highlight=False) if tty else None
        self._status: Status | None = None
        self._system: str | None = None
        self._started = 0.0
        self._calls_before = 0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __call__(self, system: str, records: int | None) -> None:
        if records is None:
            self._begin(system)
        else:
            self._end(system, records)

    def _progress_text(self) -> str:
        system = self._system or "?"
        elapsed = time.monotonic() - self._started
        calls = _calls(self._providers.get(system))
        made = f"{_plural(calls - self._calls_before, 'API call')}, " if calls is not None else ""
        return f"Reading {system}: {made}{elapsed:.0f} s"

    def _begin(self, system: str) -> None:
        self._system = system
        self._started = time.monotonic()
        self._calls_before = _calls(self._providers.get(system)) or 0
        if self._console is not None:
            self._status = self._console.status(self._progress_text())
            self._status.start()
        elif self._ci:
            _line(self._stream, f"Reading {system}...")
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, name="storegate-progress", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        every = 0.25 if self._tty else _interval()
        while not self._stop.wait(every):
            if self._status is not None:
                self._status.update(self._progress_text())
            elif self._ci:
                _line(self._stream, f"Still r{self._progress_text()[1:]} so far")

    def _end(self, system: str, records: int) -> None:
        self.close()
        elapsed = time.monotonic() - self._started
        calls = _calls(self._providers.get(system))
        made = f" in {_plural(calls - self._calls_before, 'API call')}" if calls is not None else ""
        text = f"Read {system}: {_plural(records, 'record')}{made}, {elapsed:.1f} s"
        if self._console is not None:
            self._console.print(text, markup=False)
        elif self._ci:
            _line(self._stream, text)

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._status is not None:
            self._status.stop()
            self._status = None


@contextmanager
def read_progress(
    providers: Mapping[str, Provider], stream: TextIO | None = None
) -> Iterator[ReadCallback | None]:
    """A read callback for make_plan when someone is watching (a terminal, or CI), else None."""
    out = stream or sys.stderr
    tty, ci = out.isatty(), in_ci()
    if not tty and not ci:
        yield None
        return
    reporter = ReadReporter(providers, tty=tty, ci=ci, stream=out)
    try:
        yield reporter
    finally:
        reporter.close()


@contextmanager
def apply_progress(
    total: int, *, color: bool, stream: TextIO | None = None
) -> Iterator[ApplyCallback | None]:
    """A progress bar on a terminal (for 20 changes and more); one line per batch in CI."""
    out = stream or sys.stderr
    if in_ci() and not out.isatty():
        yield _BatchLines(total, out)
        return
    if not color or total < 20:
        yield None
        return
    with Progress(transient=True, console=Console(file=out)) as bar:
        task = bar.add_task("Applying", total=total)
        yield lambda n: bar.advance(task, n)


class _BatchLines:
    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = total
        self._done = 0
        self._stream = stream
        self._started = time.monotonic()

    def __call__(self, finished: int) -> None:
        self._done += finished
        elapsed = time.monotonic() - self._started
        _line(
            self._stream,
            f"Applied a batch of {_plural(finished, 'change')}: {self._done:,} of "
            f"{self._total:,} done, {elapsed:.1f} s",
        )

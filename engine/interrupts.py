"""SIGINT and SIGTERM: a clean stop, never a half-written state.

Outside an apply's writes, a signal stops at once (nothing is being changed). While an apply
writes, the first signal asks it to stop after the batch in flight: that batch's results are saved
to state, the lock is released, and apply says what was applied and what was not. A second signal
stops at once; the state is still the one saved after the last finished batch, as after a crash,
and the next plan shows exactly what is left.

The exit code is 128 + the signal's number, as a shell reports a process killed by it: 130 for
SIGINT (Ctrl-C), 143 for SIGTERM (a cancelled CI job).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Stop now: raised in the main thread by a signal that finds nothing to finish first."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code(signum: int) -> int:
    return 128 + signum


class Interrupts:
    """Installed by the CLI for the life of a command; `graceful()` marks the span in which the
    first signal only asks for a stop."""

    def __init__(self, notify: Callable[[str], None] | None = None) -> None:
        self._graceful = 0
        self._requested: int | None = None
        self._notify = notify or (lambda text: print(text, file=sys.stderr, flush=True))
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> int | None:
        """The signal that asked for a stop, if one did."""
        return self._requested

    def stop_requested(self) -> bool:
        return self._requested is not None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals are delivered to the main thread only
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def uninstall(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextmanager
    def graceful(self) -> Iterator[None]:
        self._graceful += 1
        try:
            yield
        finally:
            self._graceful -= 1

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        del frame
        name = signal.Signals(signum).name
        if self._graceful and self._requested is None:
            self._requested = signum
            self._notify(
                f"{name} received: stopping after the batch in flight (its results are saved); "
                f"send it again to stop at once"
            )
            return
        self._requested = self._requested or signum
        raise Interrupted(signum)


_CURRENT: Interrupts | None = None


@contextmanager
def handling_interrupts(notify: Callable[[str], None] | None = None) -> Iterator[Interrupts]:
    """Install the handlers for the duration of a command; `current()` finds them."""
    global _CURRENT
    handlers = Interrupts(notify)
    handlers.install()
    previous, _CURRENT = _CURRENT, handlers
    try:
        yield handlers
    finally:
        _CURRENT = previous
        handlers.uninstall()


def current() -> Interrupts:
    """The installed handlers, or a fresh, uninstalled set (a command run in-process by a test)."""
    return _CURRENT if _CURRENT is not None else Interrupts()

"""One retrying call path for the providers' httpx clients: which failures earn another attempt,
the bounded backoff between attempts, and the one-line error when they run out.

A client raises `Retryable` for a failure worth another attempt (a 5xx, a dropped connection),
marked `unanswered` when the request was sent and no answer came (it may still land, so the caller
looks up what happened before sending a create again); `transport_failure` turns an httpx
transport error into that, or into a ProviderError at once when retrying cannot help (a
certificate or DNS problem).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from .contract import ProviderError, TransientError
from .net_errors import network_failure

T = TypeVar("T")

NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)
"""Transport errors raised before the request left: it cannot have landed."""


class NoAnswer(TransientError):
    """The request was sent and no answer came: the system may still commit it."""


class Retryable(Exception):
    """A transient failure worth another attempt (never raised past a client)."""

    def __init__(self, detail: str, *, unanswered: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.unanswered = unanswered
        """Sent, and no answer came: it may still land."""


def transport_failure(
    exc: httpx.TransportError,
    where: str,
    *,
    timeout: float | None = None,
    ca_file: str | None = None,
) -> Retryable:
    """The Retryable for a request that got no HTTP answer; raises ProviderError at once for a
    failure that is the same on every attempt. `where` is "system: METHOD URL"."""
    failure = network_failure(exc, timeout=timeout, ca_file=ca_file)
    if failure.permanent:
        raise ProviderError(f"{where} failed: {failure.cause}") from None
    return Retryable(failure.cause, unanswered=not isinstance(exc, NEVER_SENT))


def with_retries(
    send: Callable[[], T],
    where: str,
    *,
    attempts: int,
    retry: bool = True,
    first_wait: float = 0.05,
    max_wait: float = 2.0,
) -> T:
    """`send()`, again after each Retryable with bounded exponential backoff and jitter, up to
    `attempts` times (once when `retry` is False: a create, which its caller looks up before
    sending again). Runs out as NoAnswer when the last attempt may have landed, else as
    TransientError, naming `where` ("system: METHOD URL") and the last cause."""
    tries = attempts if retry else 1
    retrying = Retrying(
        retry=retry_if_exception_type(Retryable),
        stop=stop_after_attempt(max(tries, 1)),
        wait=wait_exponential(multiplier=first_wait, max=max_wait) + wait_random(0, first_wait),
    )
    try:
        for attempt in retrying:
            with attempt:
                return send()
    except RetryError as exc:
        last = exc.last_attempt.exception()
        detail = last.detail if isinstance(last, Retryable) else str(last)
        how = f"after {tries} attempts" if retry else "(not retried: a create)"
        error = NoAnswer if isinstance(last, Retryable) and last.unanswered else TransientError
        raise error(f"{where} failed {how}: {detail}") from None
    raise TransientError(f"{where} was never sent")

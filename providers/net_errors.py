"""Network failures in one line a person can act on: which system, which URL, and why.

`requests` (through urllib3) and `httpx` both wrap the operating system's error several layers
deep; `network_failure` digs out the cause that matters:

- connection refused (nothing listens at host:port),
- TLS verification failed, naming the CA file the client trusted (or the system's CA store),
- DNS: the host name does not resolve,
- timeout after N seconds,
- anything else as the connection dropping, with the library's own words.

Certificate and DNS failures are `permanent`: the same request fails the same way until a person
fixes a setting, so a client does not retry them.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

MAX_DEPTH = 12


@dataclass(frozen=True)
class NetworkFailure:
    cause: str
    """One clause: "connection refused", "TLS certificate verification failed (...)", ..."""
    permanent: bool
    """Retrying cannot help (a certificate or DNS problem)."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception it wraps: causes, contexts, urllib3's `reason`, and the
    exceptions in `args` (requests puts urllib3's MaxRetryError there)."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < MAX_DEPTH * 4:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        todo += [e for e in linked if isinstance(e, BaseException)]


def _is_timeout(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"Timeout", "TimeoutException", "TimeoutError", "ReadTimeoutError"})


def network_failure(
    exc: BaseException, *, timeout: float | None = None, ca_file: str | None = None
) -> NetworkFailure:
    """What went wrong with a request that got no HTTP answer, as one clause."""
    chain = list(_chain(exc))
    for link in chain:
        if isinstance(link, ssl.SSLCertVerificationError):
            reason = link.verify_message or link.reason or str(link)
            trusted = f"the CA file {ca_file}" if ca_file else "the system's CA certificates"
            return NetworkFailure(
                f"TLS certificate verification failed ({reason}) against {trusted}", True
            )
    for link in chain:
        if isinstance(link, socket.gaierror):
            return NetworkFailure(
                f"DNS lookup failed ({link.strerror or link}): the host name does not resolve",
                True,
            )
        if isinstance(link, ssl.SSLError):
            return NetworkFailure(f"TLS handshake failed ({link.reason or link})", False)
    for link in chain:
        if isinstance(link, ConnectionRefusedError) or (
            isinstance(link, OSError) and link.errno == errno.ECONNREFUSED
        ):
            return NetworkFailure("connection refused (nothing is listening there)", False)
    text = " ".join(str(link) for link in chain)
    if "Name or service not known" in text or "nodename nor servname" in text:
        return NetworkFailure("DNS lookup failed: the host name does not resolve", True)
    if "certificate verify failed" in text.lower():
        trusted = f"the CA file {ca_file}" if ca_file else "the system's CA certificates"
        return NetworkFailure(f"TLS certificate verification failed against {trusted}", True)
    if "Connection refused" in text:
        return NetworkFailure("connection refused (nothing is listening there)", False)
    if any(_is_timeout(link) for link in chain):
        after = f" after {timeout:g} s" if timeout is not None else ""
        return NetworkFailure(f"timed out{after} with no answer", False)
    return NetworkFailure(f"connection dropped ({type(exc).__name__})", False)


def shown_url(url: object) -> str:
    """A request URL without its query string (long, and the place a token could sit)."""
    text = str(url or "")
    if not text:
        return "(unknown URL)"
    parts = urlsplit(text)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def request_url(exc: BaseException) -> str | None:
    """The URL of the request that failed, when the exception carries it (requests, httpx)."""
    for link in _chain(exc):
        request = getattr(link, "_request", None) or _safe_request(link)
        url = getattr(request, "url", None)
        if url:
            return str(url)
    return None


def _safe_request(exc: BaseException) -> object:
    try:
        return getattr(exc, "request", None)
    except RuntimeError:  # httpx raises when an exception carries no request
        return None

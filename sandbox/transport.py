"""HTTPS transport of the sandbox: cheroot (the CherryPy team's HTTP/1.1 server) on 127.0.0.1.

cheroot does the protocol: keep-alive, request bodies by Content-Length or chunked transfer coding,
`Expect: 100-continue`, pipelined requests read in order, TCP_NODELAY on every connection, a worker
thread pool. This module only turns a parsed request into a `Request`, hands it to the sandbox and
writes the `Response` back (no body for HEAD, none for 1xx/204/304), or closes the connection without
an answer when the sandbox says so (the `drop` fault).
"""

from __future__ import annotations

import logging
import socket
import ssl
import sys
import tempfile
import threading
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import trustme
from cheroot import server as cheroot_server
from cheroot.ssl.builtin import BuiltinSSLAdapter

from .http import Headers, Request, Response

log = logging.getLogger("sandbox")

Handle = Callable[[Request], Response | None]  # None: close the connection without answering

SERVER_NAME = "storegate-sandbox"
WORKER_THREADS = 16  # requests answered at once (a latency fault holds one while it sleeps)
IDLE_TIMEOUT = 60  # seconds a keep-alive connection may stay idle
_NO_BODY_STATUSES = frozenset({204, 304})


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _to_request(req: cheroot_server.HTTPRequest, body: bytes) -> Request:
    target = urlsplit(req.uri.decode("latin-1"))
    return Request(
        method=req.method.decode("ascii"),
        path=unquote(target.path),
        query=parse_qs(req.qs.decode("utf-8", "replace"), keep_blank_values=True),
        headers=Headers(
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in req.inheaders.items()]
        ),
        body=body,
    )


def _write(req: cheroot_server.HTTPRequest, response: Response) -> None:
    payload, content_type = response.encode()
    status = response.status
    # cheroot keeps the status line as bytes (its type stub says str).
    req.status = f"{status} {_reason(status)}".encode("latin-1")  # type: ignore[assignment]
    headers = [
        (name.encode("latin-1"), value.encode("utf-8"))
        for name, value in response.headers.items()
        if name.lower() not in ("content-type", "content-length")
    ]
    if content_type is not None:
        headers.append((b"Content-Type", content_type.encode("latin-1")))
    if status >= 200 and status not in _NO_BODY_STATUSES:
        headers.append((b"Content-Length", str(len(payload)).encode("ascii")))
    else:
        payload = b""
    req.outheaders.extend(headers)
    req.ensure_headers_sent()
    if payload and req.method != b"HEAD":
        req.write(payload)


def _gateway(handle: Handle) -> type[cheroot_server.Gateway]:
    class SandboxGateway(cheroot_server.Gateway):
        """Answers one parsed request through the sandbox."""

        def respond(self) -> None:
            req = self.req
            try:
                body = req.rfile.read()
            except ValueError as exc:  # a malformed chunked body
                req.simple_response("400 Bad Request", f"unreadable request body: {exc}")
                req.close_connection = True
                req.ready = False
                return
            response = handle(_to_request(req, body))
            if response is None:
                # The drop fault: cheroot closes a connection whose request is not `ready`
                # without writing anything to it.
                req.close_connection = True
                req.ready = False
                return
            _write(req, response)

    return SandboxGateway


class _Server(cheroot_server.HTTPServer):
    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        """cheroot's diagnostics into the `sandbox` logger. Socket and TLS errors (a handshake a
        client refuses, plain HTTP on the HTTPS port, a connection reset mid-request) are routine
        here and logged at DEBUG; anything else keeps cheroot's level."""
        failure = sys.exc_info()[1]
        if failure is None or isinstance(failure, OSError):
            level = logging.DEBUG
        log.log(level, "%s", msg, exc_info=traceback)


class _LazyHandshakeAdapter(BuiltinSSLAdapter):
    """cheroot's adapter shakes hands in the thread that accepts connections, so one client that
    connects and says nothing would hold up every other for the socket timeout. Here the handshake
    happens on the connection's first read, in its worker thread; a failed one ends only that
    connection. (The WSGI `SSL_*` environ this skips is not used: the sandbox is no WSGI app.)"""

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), {}


def _tls_adapter(ca: trustme.CA) -> BuiltinSSLAdapter:
    """The server certificate for 127.0.0.1 and localhost, signed by the sandbox CA. cheroot's
    adapter loads it from files: they live in a private temporary folder only while it loads."""
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    with tempfile.TemporaryDirectory(prefix="storegate-sandbox-tls-") as folder:
        pem = Path(folder) / "server.pem"
        leaf.private_key_and_cert_chain_pem.write_to_path(str(pem))
        adapter = _LazyHandshakeAdapter(str(pem), str(pem))
    adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
    return adapter


class HttpsServer:
    """One HTTPS server on 127.0.0.1:`port` (0 picks a free port) running in a background thread."""

    def __init__(self, handle: Handle, ca: trustme.CA, port: int = 0) -> None:
        server = _Server(
            ("127.0.0.1", port),
            _gateway(handle),
            minthreads=WORKER_THREADS,
            maxthreads=WORKER_THREADS,
            server_name=SERVER_NAME,
        )
        server.ssl_adapter = _tls_adapter(ca)
        server.timeout = IDLE_TIMEOUT
        server.nodelay = True
        server.keep_alive_conn_limit = sys.maxsize  # every client may keep its connections open
        self._server = server
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        address = self._server.bind_addr
        assert isinstance(address, tuple)
        return int(address[1])

    @property
    def nodelay(self) -> bool:
        """Whether the listening socket has TCP_NODELAY, which Linux hands to every connection it
        accepts (without it each small answer waits for the client's delayed ACK, ~40 ms)."""
        listening = self._server.socket
        if listening is None:
            return False
        return bool(listening.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def start(self) -> None:
        """Listen (raises OSError when the port is taken), then serve in a daemon thread."""
        self._server.prepare()
        self._thread = threading.Thread(
            target=self._server.serve, name="sandbox-https", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

"""HTTP/1.1 conformance of the sandbox transport, byte by byte over one TLS connection: chunked
request bodies, Expect: 100-continue, HEAD, pipelined requests and keep-alive after each."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
import trustme

from storegate.sandbox.http import Request, Response
from storegate.sandbox.server import Sandbox
from storegate.sandbox.transport import HttpsServer


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class Wire:
    """One raw TLS connection to the sandbox, read through one buffer (so pipelined answers are
    read in order and nothing is lost between them)."""

    def __init__(self, sandbox: Sandbox) -> None:
        context = ssl.create_default_context(cafile=str(sandbox.ca_path))
        port = int(sandbox.url.rsplit(":", 1)[1])
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.reader: BinaryIO = self.tls.makefile("rb")

    def send(self, data: bytes) -> None:
        self.tls.sendall(data)

    def answer(self, head: bool = False) -> Answer:
        status_line = self.reader.readline().decode("latin-1")
        assert status_line.startswith("HTTP/1.1 "), status_line
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := self.reader.readline().decode("latin-1").rstrip("\r\n")) != "":
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = b"" if head or status < 200 else self.reader.read(length)
        return Answer(status, headers, body)

    def close(self) -> None:
        self.reader.close()
        self.tls.close()


@pytest.fixture
def wire(sandbox: Sandbox) -> Iterator[Wire]:
    connection = Wire(sandbox)
    yield connection
    connection.close()


def _chunked(body: bytes, size: int) -> bytes:
    out = b""
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


FAULT = json.dumps({"system": "salesforce", "kind": "latency", "ms": 1, "count": 5}).encode()


def test_a_chunked_body_is_read_whole_and_the_connection_stays_usable(wire: Wire) -> None:
    wire.send(
        b"POST /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + _chunked(FAULT, 7)
    )
    created = wire.answer()
    assert created.status == 201, created.body
    wire.send(b"GET /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    listed = wire.answer()
    assert listed.status == 200
    assert listed.json() == [
        {
            "system": "salesforce",
            "kind": "latency",
            "count": 5,
            "status": 500,
            "ms": 1,
            "method": None,
            "path_contains": None,
            "match": None,
        }
    ]


def test_expect_100_continue_is_answered_before_the_body_is_sent(wire: Wire) -> None:
    wire.send(
        b"POST /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(FAULT)).encode()
        + b"\r\n\r\n"
    )
    interim = wire.answer()
    assert interim.status == 100
    wire.send(FAULT)
    assert wire.answer().status == 201


def test_head_answers_the_get_headers_without_a_body(wire: Wire, sandbox: Sandbox) -> None:
    token = sandbox.env["SF_ACCESS_TOKEN"].encode()
    request = b"%s /services/data/v59.0/limits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n"
    wire.send(request % (b"GET", token))
    got = wire.answer()
    wire.send(request % (b"HEAD", token))
    head = wire.answer(head=True)
    assert head.status == got.status == 200
    assert head.headers["content-length"] == got.headers["content-length"] != "0"
    assert head.headers["content-type"] == got.headers["content-type"]
    # Nothing of a body followed the HEAD answer: the next answer on the wire is the next request's.
    wire.send(b"GET /_sandbox/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    calls = wire.answer()
    assert calls.status == 200
    assert calls.json() == {"salesforce": {"GET limits": 2}}


def test_pipelined_requests_are_answered_in_order(wire: Wire) -> None:
    wire.send(
        b"POST /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
        + str(len(FAULT)).encode()
        + b"\r\n\r\n"
        + FAULT
        + b"GET /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        + b"DELETE /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        + b"GET /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    statuses = []
    bodies = []
    for _ in range(4):
        answer = wire.answer()
        statuses.append(answer.status)
        bodies.append(answer.body)
    assert statuses == [201, 200, 204, 200]
    assert len(json.loads(bodies[1])) == 1
    assert json.loads(bodies[3]) == []


def test_204_has_neither_body_nor_length(wire: Wire) -> None:
    wire.send(
        b"POST /_sandbox/calls/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )
    answer = wire.answer()
    assert answer.status == 204
    assert "content-length" not in answer.headers
    wire.send(b"GET /_sandbox/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert wire.answer().json() == {}


def test_a_malformed_chunked_body_is_a_400_and_closes(wire: Wire) -> None:
    wire.send(
        b"POST /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\nnot hex\r\n0\r\n\r\n"
    )
    answer = wire.answer()
    assert answer.status == 400
    assert wire.reader.read() == b""  # the server closed the connection


def test_connection_close_is_honoured(wire: Wire) -> None:
    wire.send(b"GET /_sandbox/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    answer = wire.answer()
    assert answer.status == 200
    assert answer.headers.get("connection") == "close"
    assert wire.reader.read() == b""


def test_the_transport_sets_tcp_nodelay_and_answers_through_its_handler(tmp_path: Path) -> None:
    """Without TCP_NODELAY every small answer waited for the client's delayed ACK (~40 ms)."""
    seen: list[Request] = []

    def handle(request: Request) -> Response:
        seen.append(request)
        return Response(200, {"path": request.path, "q": request.arg("q")})

    ca = trustme.CA()
    server = HttpsServer(handle, ca)
    server.start()
    try:
        assert server.nodelay is True
        ca_file = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        context = ssl.create_default_context(cafile=str(ca_file))
        with httpx.Client(verify=context) as client:
            response = client.post(
                f"https://127.0.0.1:{server.port}/a%20b/c", params={"q": "x y"}, content=b"data"
            )
        assert response.json() == {"path": "/a b/c", "q": "x y"}
        assert seen[0].method == "POST" and seen[0].body == b"data"
    finally:
        server.stop()


def test_a_client_that_never_starts_tls_does_not_hold_up_others(sandbox: Sandbox) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as silent:
        context = ssl.create_default_context(cafile=str(sandbox.ca_path))
        with httpx.Client(verify=context, timeout=5) as client:
            assert client.get(sandbox.url + "/_sandbox/calls").status_code == 200
        assert silent.fileno() >= 0


def test_a_client_refusing_the_certificate_does_not_hurt_the_server(sandbox: Sandbox) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(sandbox.url + "/_sandbox/calls")  # the system CAs do not trust the sandbox's
    context = ssl.create_default_context(cafile=str(sandbox.ca_path))
    assert httpx.get(sandbox.url + "/_sandbox/calls", verify=context).status_code == 200


def test_plain_http_on_the_https_port_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(sandbox.url.replace("https://", "http://") + "/_sandbox/calls", timeout=5)
    context = ssl.create_default_context(cafile=str(sandbox.ca_path))
    assert httpx.get(sandbox.url + "/_sandbox/calls", verify=context).status_code == 200

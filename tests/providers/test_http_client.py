"""The store providers' httpx client: a response read whole is freed by reference counting, not
left to the cyclic collector, which a plan pauses (every page of a 100,000-customer read would
otherwise stay in memory until the plan ends)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import httpx
import pytest

from storegate.providers.http_client import Client


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"data": [1, 2, 3], "path": request.url.path})


def test_a_response_read_whole_is_freed_when_its_caller_lets_go(collector_paused: None) -> None:
    with Client(transport=httpx.MockTransport(_answer), base_url="http://store.test") as client:
        response = client.get("/v3/customers")
        assert response.json() == {"data": [1, 2, 3], "path": "/v3/customers"}
        assert response.read() == response.content  # still readable as before
        freed = weakref.ref(response)
        del response
        assert freed() is None


def test_a_streamed_response_is_left_to_its_caller(collector_paused: None) -> None:
    with (
        Client(transport=httpx.MockTransport(_answer), base_url="http://store.test") as client,
        client.stream("GET", "/v3/customers") as response,
    ):
        assert b"".join(response.iter_bytes()).startswith(b'{"data"')

"""The httpx client every store provider talks through.

httpx ties each response to its body stream in a reference cycle (the stream holds the response),
so a response is freed only by the cyclic collector. A plan pauses that collector while it builds
(engine/commands/plan_cmd.py): a read of 100,000 customers would keep every page's body until the
plan ends, about 60 MB. Here a response read whole gets a stream of its own bytes instead, with no
way back to the response, and reference counting frees it as soon as its caller lets go.
"""

from __future__ import annotations

from typing import Any

import httpx


class Client(httpx.Client):
    def send(
        self, request: httpx.Request, *, stream: bool = False, **options: Any
    ) -> httpx.Response:
        response = super().send(request, stream=stream, **options)
        if not stream:
            response.stream = httpx.ByteStream(response.content)
        return response

"""The Salesforce REST emulator: routes under /services/data/vXX.X/ and the OAuth token endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox import salesforce_wire as wire
from sandbox.http import Request, Response
from sandbox.salesforce_auth import SalesforceAuth

if TYPE_CHECKING:
    from sandbox.server import Sandbox

API_VERSIONS = ("57.0", "58.0", "59.0", "60.0", "61.0", "62.0")
V = "/services/data/{version}"


def register(sandbox: Sandbox) -> None:
    auth = SalesforceAuth(sandbox)
    sandbox.register_settings(wire.SYSTEM, {"daily_limit": 15000})
    sandbox.add_hook(wire.SYSTEM, before=auth.before, after=auth.after)
    sandbox.set_error_format(wire.SYSTEM, wire.generic_error)
    sandbox.set_limit_response(wire.SYSTEM, auth.limit_exceeded)
    sandbox.on_reset(auth.reset)
    sandbox.on_expire_tokens(auth.expire_tokens)
    sandbox.add_env("SF_INSTANCE_URL", lambda sb: sb.url)
    sandbox.add_env("SF_ACCESS_TOKEN", auth.static_token)
    sandbox.add_env("SF_CONSUMER_KEY", auth.consumer_key)
    sandbox.add_env("SF_CONSUMER_SECRET", auth.consumer_secret)
    sandbox.add_env("SF_USERNAME", auth.username)
    sandbox.add_env("SF_PASSWORD", auth.password)
    sandbox.add_env("SF_JWT_KEY_FILE", str(auth.key_path))

    add = sandbox.router.add
    add(wire.SYSTEM, "POST", "/services/oauth2/token", auth.token, "POST oauth2/token")
    add(wire.SYSTEM, "GET", "/services/data", versions, "GET versions")
    add(wire.SYSTEM, "GET", f"{V}/limits", auth.limits, "GET limits")


def versions(request: Request) -> Response:
    del request
    return Response(
        200,
        [{"label": f"API {v}", "url": f"/services/data/v{v}", "version": v} for v in API_VERSIONS],
    )

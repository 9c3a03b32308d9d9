"""The sandbox: one HTTPS server on 127.0.0.1 hosting every emulated system.

Per request: admin paths (`/_sandbox/...`, no auth, not counted) are answered directly; otherwise the
route is matched, the call counted under (system, endpoint), faults applied (latency, status, drop,
limit), the system's `before` hooks run (auth, budgets), then the handler, then `after` hooks
(headers such as Sforce-Limit-Info).

An emulator module `sandbox.<name>` exposes `register(sandbox)` and uses: `sandbox.router.add(...)`,
`add_hook`, `set_error_format`, `set_limit_response`, `register_settings`, `on_reset`,
`on_expire_tokens`, `add_admin`, `add_env`, `secret`, `on_manual_step`, `faults.take_record_error`,
`store`.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import re
import secrets
import shlex
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme

from .faults import CallCounter, Fault, FaultBook, FaultSpecError
from .http import BadRequestBody, Request, Response, Router
from .store import Store
from .transport import HttpsServer

log = logging.getLogger("sandbox")

BeforeHook = Callable[[Request], Response | None]
AfterHook = Callable[[Request, Response], None]
ErrorFormat = Callable[[int, str], Response]
LimitResponse = Callable[[Request], Response]
EnvValue = str | Callable[["Sandbox"], str]
ManualStepHandler = Callable[[str, str, dict[str, Any]], bool]
_ADDRESS = re.compile(r'^(?P<system>[a-z][a-z0-9_]*)\.(?P<kind>[a-z][a-z0-9_]*)\["(?P<key>.*)"\]$')

REQUIRED_MODULES = ("salesforce",)
OPTIONAL_MODULES = ("bigcommerce", "emporix", "adobe_commerce", "cin7_omni")
ADMIN = "_sandbox"


def _default_error(status: int, message: str) -> Response:
    return Response(status, {"status": status, "title": message})


def _default_limit(request: Request) -> Response:
    del request
    return Response(429, {"status": 429, "title": "Too many requests"}, {"Retry-After": "1"})


class _Credentials:
    """Secrets of the sandbox, kept in DIR so a restart on the same DIR keeps the env file valid."""

    FIELDS = (
        "sf_access_token",
        "sf_consumer_key",
        "sf_consumer_secret",
        "sf_username",
        "sf_password",
        "bigcommerce_access_token",
    )

    def __init__(self, directory: Path) -> None:
        path = directory / "credentials.json"
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        fresh = {
            "sf_access_token": "00DSB0000000001!" + secrets.token_urlsafe(40),
            "sf_consumer_key": "3MVG9SB" + secrets.token_urlsafe(30),
            "sf_consumer_secret": secrets.token_hex(32),
            "sf_username": "integration@storegate.sandbox",
            "sf_password": secrets.token_urlsafe(16),
            "bigcommerce_access_token": secrets.token_hex(16),
        }
        self._path = path
        self.values = {name: stored.get(name) or fresh[name] for name in self.FIELDS}
        self.values.update({k: v for k, v in stored.items() if k not in self.values})
        if self.values != stored:
            self._save()

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def get_or_make(self, name: str, make: Callable[[], str]) -> str:
        """A credential of an emulator module, made once and kept across restarts."""
        if name not in self.values:
            self.values[name] = make()
            self._save()
        return self.values[name]

    def _save(self) -> None:
        self._path.write_text(json.dumps(self.values, indent=2))
        self._path.chmod(0o600)


class Sandbox:
    def __init__(self, directory: Path, port: int = 0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.store = Store(self.directory / "sandbox.db")
        self.router = Router()
        self.admin_router = Router()
        self.faults = FaultBook()
        self.calls = CallCounter()
        self.credentials = _Credentials(self.directory)
        self.ca_path = self.directory / "ca.pem"
        self.env_path = self.directory / "env"
        self.settings: dict[str, dict[str, Any]] = {}
        self._setting_defaults: dict[str, dict[str, Any]] = {}
        self._before: dict[str, list[BeforeHook]] = {}
        self._after: dict[str, list[AfterHook]] = {}
        self._error_formats: dict[str, ErrorFormat] = {}
        self._limit_responses: dict[str, LimitResponse] = {}
        self._reset_callbacks: list[Callable[[], None]] = []
        self._expire_callbacks: list[Callable[[], None]] = []
        self._env_values: dict[str, EnvValue] = {}
        self._manual_steps: dict[str, ManualStepHandler] = {}
        self._server: HttpsServer | None = None
        self.env: dict[str, str] = {}
        self.systems: list[str] = []
        self.emulators: dict[str, Any] = {}  # per system, the module's emulator object

        self.register_settings(
            "bigcommerce", {"access_token": self.credentials["bigcommerce_access_token"]}
        )
        self.add_env("STOREGATE_SANDBOX_URL", lambda sb: sb.url)
        self.add_env("STOREGATE_SANDBOX_CA", str(self.ca_path))
        self.add_env("BIGCOMMERCE_STORE_HASH", "sandbox")
        self.add_env("BIGCOMMERCE_ACCESS_TOKEN", self.credentials["bigcommerce_access_token"])
        self._register_admin()
        self._register_modules()

    # --- the extension surface used by emulator modules -------------------------------------

    def add_hook(
        self, system: str, before: BeforeHook | None = None, after: AfterHook | None = None
    ) -> None:
        if before is not None:
            self._before.setdefault(system, []).append(before)
        if after is not None:
            self._after.setdefault(system, []).append(after)

    def set_error_format(self, system: str, fn: ErrorFormat) -> None:
        """How the system renders a generic error (bad JSON body, 404, 405, 500, injected status)."""
        self._error_formats[system] = fn

    def set_limit_response(self, system: str, fn: LimitResponse) -> None:
        """What the system answers when its rate limit is hit (the "limit" fault)."""
        self._limit_responses[system] = fn

    def register_settings(self, system: str, defaults: dict[str, Any]) -> None:
        self._setting_defaults.setdefault(system, {}).update(copy.deepcopy(defaults))
        self.settings.setdefault(system, {}).update(copy.deepcopy(defaults))

    def on_reset(self, fn: Callable[[], None]) -> None:
        self._reset_callbacks.append(fn)

    def on_expire_tokens(self, fn: Callable[[], None]) -> None:
        self._expire_callbacks.append(fn)

    def add_admin(self, method: str, pattern: str, handler: Callable[[Request], Response]) -> None:
        """An admin path under /_sandbox/ (no auth, not counted, no faults)."""
        self.admin_router.add(ADMIN, method, pattern, handler)

    def add_env(self, name: str, value: EnvValue) -> None:
        """A variable for DIR/env; a callable is evaluated at start (when the URL is known)."""
        self._env_values[name] = value

    def on_manual_step(self, system: str, fn: ManualStepHandler) -> None:
        """How a person does a manual step in this system's emulated UI: `fn(kind, key, after)`
        returns whether it did it (for the demo, which shows storegate seeing steps done)."""
        self._manual_steps[system] = fn

    def do_manual_step(self, address: str, after: Mapping[str, Any]) -> bool:
        """Do the manual step storegate recorded for `address` (`system.kind["key"]`), asking for
        `after`, as a person would; False when no emulator knows how."""
        found = _ADDRESS.match(address)
        handler = self._manual_steps.get(found["system"]) if found else None
        if found is None or handler is None:
            return False
        return handler(found["kind"], found["key"], dict(after))

    def secret(self, name: str, make: Callable[[], str] = lambda: secrets.token_urlsafe(24)) -> str:
        """A credential kept in DIR/credentials.json, so a restart on the same DIR keeps DIR/env valid."""
        return self.credentials.get_or_make(name, make)

    def error(self, system: str, status: int, message: str) -> Response:
        return self._error_formats.get(system, _default_error)(status, message)

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"https://127.0.0.1:{self._server.port}"

    def start(self) -> Sandbox:
        """Serve HTTPS on 127.0.0.1 (see `sandbox.transport`) with a fresh CA written to DIR/ca.pem,
        and write DIR/env. Raises OSError when the port is taken."""
        ca = trustme.CA(organization_name="storegate sandbox")
        ca.cert_pem.write_to_path(str(self.ca_path))
        server = HttpsServer(self.handle, ca, self.port)
        server.start()
        self._server = server
        self.env = {
            name: value(self) if callable(value) else value
            for name, value in self._env_values.items()
        }
        lines = [f"export {name}={shlex.quote(value)}" for name, value in self.env.items()]
        self.env_path.write_text("\n".join(lines) + "\n")
        self.env_path.chmod(0o600)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def close(self) -> None:
        self.stop()
        self.store.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def reset(self) -> None:
        """Wipe data, faults, counters; settings back to defaults; tokens valid again."""
        self.store.wipe()
        self.faults.clear()
        self.calls.reset()
        self.settings = copy.deepcopy(self._setting_defaults)
        for fn in self._reset_callbacks:
            fn()

    def expire_tokens(self) -> None:
        for fn in self._expire_callbacks:
            fn()

    # --- request handling ------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        """The response to send, or None to drop the connection without one."""
        if request.path == f"/{ADMIN}" or request.path.startswith(f"/{ADMIN}/"):
            return self._handle_admin(request)
        matched = self.router.match(request.method, request.path)
        if matched is None and request.method == "HEAD":
            # HEAD is GET without the body (RFC 9110 9.3.2); the transport leaves the body out.
            matched = self.router.match("GET", request.path)
        if matched is None:
            return self._unrouted(request)
        route, params = matched
        request.params = params
        request.system = route.system
        request.endpoint = route.endpoint
        self.calls.count(route.system, route.endpoint)
        response = self._apply_faults(request)
        if response is None:
            for before in self._before.get(route.system, []):
                response = before(request)
                if response is not None:
                    break
        if response is None:
            response = self._run_handler(route.handler, request)
        elif response.status == DROP:
            return None
        for after in self._after.get(route.system, []):
            after(request, response)
        return response

    def _apply_faults(self, request: Request) -> Response | None:
        for fault in self.faults.take_request_faults(request.system, request.method, request.path):
            if fault.kind == "latency":
                time.sleep(fault.ms / 1000)
            elif fault.kind == "drop":
                return Response(DROP)
            elif fault.kind == "status":
                return self.error(request.system, fault.status, "injected fault")
            elif fault.kind == "limit":
                return self._limit_responses.get(request.system, _default_limit)(request)
        return None

    def _run_handler(self, handler: Callable[[Request], Response], request: Request) -> Response:
        try:
            return handler(request)
        except BadRequestBody as exc:
            return self.error(request.system, 400, str(exc))
        except Exception:
            log.exception("sandbox handler failed: %s %s", request.method, request.path)
            return self.error(request.system, 500, "internal error in the sandbox emulator")

    def _unrouted(self, request: Request) -> Response:
        system, methods = self.router.allowed_methods(request.path)
        if methods and system is not None:
            response = self.error(system, 405, f"method {request.method} not allowed")
            response.headers["Allow"] = ", ".join(methods)
            return response
        owner = self.router.system_for(request.path)
        return self.error(owner or "", 404, "The requested resource does not exist")

    # --- admin paths ----------------------------------------------------------------------------

    def _handle_admin(self, request: Request) -> Response:
        matched = self.admin_router.match(request.method, request.path)
        if matched is None:
            return Response(404, {"error": f"no admin path {request.method} {request.path}"})
        route, params = matched
        request.params = params
        request.system = ADMIN
        try:
            return route.handler(request)
        except (BadRequestBody, FaultSpecError, KeyError, TypeError, ValueError) as exc:
            return Response(400, {"error": str(exc)})

    def _register_admin(self) -> None:
        def calls(_: Request) -> Response:
            return Response(200, self.calls.snapshot())

        def reset_calls(_: Request) -> Response:
            self.calls.reset()
            return Response(204)

        def add_fault(request: Request) -> Response:
            spec = request.json()
            if not isinstance(spec, dict):
                raise BadRequestBody("a fault is a JSON object")
            self.faults.add(Fault.from_spec(spec))
            return Response(201, {"faults": len(self.faults.active())})

        def list_faults(_: Request) -> Response:
            return Response(200, [vars(f) for f in self.faults.active()])

        def clear_faults(_: Request) -> Response:
            self.faults.clear()
            return Response(204)

        def set_setting(request: Request) -> Response:
            body = request.json()
            if not isinstance(body, dict):
                raise BadRequestBody("a setting is a JSON object {system, key, value}")
            system, key = body.get("system"), body.get("key")
            if system not in self.settings:
                raise ValueError(f"unknown system {system!r}; known: {sorted(self.settings)}")
            if key not in self.settings[system]:
                known = sorted(self.settings[system])
                raise ValueError(f"unknown setting {key!r} of {system}; known: {known}")
            self.settings[system][key] = body.get("value")
            return Response(204)

        def get_settings(_: Request) -> Response:
            return Response(200, self.settings)

        def reset(_: Request) -> Response:
            self.reset()
            return Response(204)

        def expire(_: Request) -> Response:
            self.expire_tokens()
            return Response(204)

        self.add_admin("GET", "/_sandbox/calls", calls)
        self.add_admin("POST", "/_sandbox/calls/reset", reset_calls)
        self.add_admin("POST", "/_sandbox/faults", add_fault)
        self.add_admin("GET", "/_sandbox/faults", list_faults)
        self.add_admin("DELETE", "/_sandbox/faults", clear_faults)
        self.add_admin("POST", "/_sandbox/settings", set_setting)
        self.add_admin("GET", "/_sandbox/settings", get_settings)
        self.add_admin("POST", "/_sandbox/reset", reset)
        self.add_admin("POST", "/_sandbox/expire-tokens", expire)

    def _register_modules(self) -> None:
        for name in (*REQUIRED_MODULES, *OPTIONAL_MODULES):
            qualified = f"storegate.sandbox.{name}"
            try:
                module = importlib.import_module(qualified)
            except ModuleNotFoundError as exc:
                if name in OPTIONAL_MODULES and exc.name == qualified:
                    continue
                raise
            module.register(self)
            self.systems.append(name)


DROP = -1  # internal marker status: close the connection without answering

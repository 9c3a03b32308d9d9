"""Request, Response and Router: the small HTTP vocabulary every emulator module is written in."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


class BadRequestBody(Exception):
    """The request body is not the JSON the endpoint needs; the server answers with the system's 400."""


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only header lookup (the last value wins for repeated headers)."""

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] | None = None) -> None:
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items or [])
        self._items: dict[str, tuple[str, str]] = {k.lower(): (k, v) for k, v in pairs}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    system: str = ""
    endpoint: str = ""

    def json(self) -> Any:
        if not self.body:
            raise BadRequestBody("the request body is empty; JSON is required")
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequestBody(f"the request body is not valid JSON: {exc}") from exc

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of query parameter `name`."""
        values = self.query.get(name)
        return values[-1] if values else default


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str | None]:
        """The wire body and its content type (None when there is no body)."""
        if self.body is None:
            return b"", None
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        return json.dumps(self.body).encode(), "application/json;charset=UTF-8"


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    system: str
    method: str
    segments: tuple[str, ...]
    handler: Handler
    endpoint: str

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if not _is_param(s))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for pattern, part in zip(self.segments, parts, strict=True):
            if _is_param(pattern):
                if not part:
                    return None
                params[pattern[1:-1]] = part
            elif pattern != part:
                return None
        return params


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def split_path(path: str) -> list[str]:
    """Path segments; a trailing slash is not significant (`/query` and `/query/` are one route)."""
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


class Router:
    """Routes by method and path pattern (`/stores/{hash}/v3/customers`); literal segments win over
    parameters, so `sobjects/{type}/describe` beats `sobjects/{type}/{id}`."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        system: str,
        method: str,
        pattern: str,
        handler: Handler,
        endpoint: str | None = None,
    ) -> None:
        method = method.upper()
        self.routes.append(
            Route(
                system=system,
                method=method,
                segments=tuple(split_path(pattern)),
                handler=handler,
                endpoint=endpoint or f"{method} {pattern}",
            )
        )

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The best route for the request, or None. A path known under another method still gives
        None here; `allowed_methods` tells the two apart."""
        parts = split_path(path)
        best: tuple[Route, dict[str, str]] | None = None
        for route in self.routes:
            if route.method != method.upper():
                continue
            params = route.match(parts)
            if params is not None and (best is None or route.literal_count > best[0].literal_count):
                best = (route, params)
        return best

    def allowed_methods(self, path: str) -> tuple[str | None, list[str]]:
        """The system owning a path and the methods routed for it (for 405 answers)."""
        parts = split_path(path)
        system: str | None = None
        methods: list[str] = []
        for route in self.routes:
            if route.match(parts) is not None:
                system = system or route.system
                methods.append(route.method)
        return system, sorted(set(methods))

    def system_for(self, path: str) -> str | None:
        """The system whose routes share the longest literal prefix with `path` (for 404 answers)."""
        parts = split_path(path)
        best: tuple[int, str] | None = None
        for route in self.routes:
            common = 0
            for pattern, part in zip(route.segments, parts, strict=False):
                if _is_param(pattern) or pattern == part:
                    common += 1
                else:
                    break
            if common and (best is None or common > best[0]):
                best = (common, route.system)
        return best[1] if best else None

"""Salesforce REST API versions: the list at `/services/data/`, the resources of one version at
`/services/data/vXX.X`, and the check every versioned call goes through first.

The supported range is two settings of the emulator (`oldest_api_version`, `latest_api_version`):
a version below it is retired (410, as Salesforce answers for retired versions), one above it or
not of the form `vNN.0` does not exist (404); `latest` names the newest version.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..sandbox import salesforce_wire as wire
from .http import Request, Response, split_path
from .salesforce_auth import IDENTITY_PATH

if TYPE_CHECKING:
    from .server import Sandbox

# Supported in 2026 per Salesforce's API end-of-life table: 31.0 and up (21.0-30.0 retired in
# Summer '25). The newest version moves three times a year; the emulator answers what is set.
SETTINGS = {"oldest_api_version": "31.0", "latest_api_version": "66.0"}
LATEST_ALIAS = "latest"
_VERSION = re.compile(r"v(\d{1,3})\.0")
_SEASONS = ("Winter", "Spring", "Summer")  # API 20.0 was Winter '11; one version per release


def release_label(major: int) -> str:
    """The release name of an API version: 59 -> "Winter '24", 60 -> "Spring '24"."""
    steps = major - 20
    year = 11 + steps // 3
    return f"{_SEASONS[steps % 3]} '{year:02d}"


class ApiVersions:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def _bound(self, key: str) -> int:
        return int(float(str(self.sandbox.settings[wire.SYSTEM][key])))

    @property
    def oldest(self) -> int:
        return self._bound("oldest_api_version")

    @property
    def latest(self) -> int:
        return self._bound("latest_api_version")

    def listing(self, request: Request) -> Response:
        """GET /services/data/: every supported version, oldest first (no auth needed)."""
        del request
        return Response(
            200,
            [
                {
                    "label": release_label(major),
                    "url": f"{wire.DATA_PREFIX}v{major}.0",
                    "version": f"{major}.0",
                }
                for major in range(self.oldest, self.latest + 1)
            ],
        )

    def check(self, request: Request) -> Response | None:
        """Before every call under /services/data/{version}: resolve `latest`, refuse retired
        (410) and unknown (404) versions."""
        version = request.params.get("version")
        if version is None or not request.path.startswith(wire.DATA_PREFIX):
            return None
        if version == LATEST_ALIAS:
            request.params["version"] = f"v{self.latest}.0"
            return None
        matched = _VERSION.fullmatch(version)
        if matched is None or int(matched.group(1)) > self.latest:
            return wire.error(404, "NOT_FOUND", "The requested resource does not exist")
        if int(matched.group(1)) < self.oldest:
            return wire.error(
                410,
                "GONE",
                f"API version {version[1:]} has been retired and is no longer available; "
                f"use v{self.oldest}.0 or later.",
            )
        return None

    def resources(self, request: Request) -> Response:
        """GET /services/data/vXX.X: the resources this version serves, by name, from the routes
        registered under it (so a module that adds `jobs/...` routes is listed too)."""
        version = request.params["version"]
        prefix = split_path(wire.DATA_PREFIX + "{version}")
        names: set[str] = set()
        for route in self.sandbox.router.routes:
            segments = route.segments
            if route.system != wire.SYSTEM or len(segments) <= len(prefix):
                continue
            first = segments[len(prefix)]
            if segments[: len(prefix)] == tuple(prefix) and not first.startswith("{"):
                names.add(first)
        body: dict[str, str] = {
            name: f"{wire.DATA_PREFIX}{version}/{name}" for name in sorted(names)
        }
        body["identity"] = self.sandbox.url + IDENTITY_PATH
        return Response(200, body)

"""A small client for the sandbox's admin paths (no auth; the CA is verified)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx


class SandboxAdmin:
    def __init__(self, url: str, ca_path: str | Path) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url, verify=ssl.create_default_context(cafile=str(ca_path)), timeout=30
        )

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._client.request(method, f"/_sandbox/{path}", json=body)
        if response.status_code >= 400:
            raise RuntimeError(
                f"sandbox admin {method} {path}: {response.status_code} {response.text}"
            )
        return response.json() if response.content else None

    def calls(self) -> dict[str, dict[str, int]]:
        """Calls per system and endpoint, e.g. {"salesforce": {"GET query": 3}}."""
        result: dict[str, dict[str, int]] = self._call("GET", "calls")
        return result

    def reset_calls(self) -> None:
        self._call("POST", "calls/reset")

    def fault(self, **spec: Any) -> None:
        """Inject a fault: system, kind (latency|status|drop|limit|record_error), count, status,
        ms, method, path_contains, match."""
        self._call("POST", "faults", spec)

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "faults")
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def setting(self, system: str, key: str, value: Any) -> None:
        self._call("POST", "settings", {"system": system, "key": key, "value": value})

    def settings(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = self._call("GET", "settings")
        return result

    def reset(self) -> None:
        self._call("POST", "reset")

    def expire_tokens(self) -> None:
        self._call("POST", "expire-tokens")

    def salesforce_describe(
        self,
        object: str,
        field: str,
        *,
        remove: bool = False,
        updateable: bool | None = None,
        add: dict[str, Any] | None = None,
    ) -> None:
        """Alter the Salesforce describe: drop a field, make it read-only, or add a custom field
        (`add={"type": "string", "externalId": True}`), until reset."""
        body: dict[str, Any] = {"object": object, "field": field}
        if add is not None:
            body["add"] = add
        if remove:
            body["remove"] = True
        if updateable is not None:
            body["updateable"] = updateable
        self._call("POST", "salesforce/describe", body)

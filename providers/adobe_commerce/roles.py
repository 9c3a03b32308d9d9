"""Company role writes: made when missing, their permissions set, as `role_resources` maps them.

The API names every resource individually and denies whatever a write leaves out, so a write sends
the allowed resources only (a list that stays under the store's optional input list limit). A create
first looks the role up by name in its company (a role a lost answer left behind is reused).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..contract import AuthError, Change, ChangeResult, ProviderError
from .client import AdobeClient, error_text, json_of
from .config import AdobeCommerceSystem
from .live import LiveReader
from .results import create_once, failed, ok


def role_name(change: Change) -> str:
    """The role's name: its key is "<account>/<role>"."""
    return change.key[len(change.account) + 1 :]


def permissions(resources: Sequence[str]) -> list[dict[str, str]]:
    return [{"resource_id": r, "permission": "allow"} for r in resources]


class RoleWriter:
    def __init__(
        self,
        system: str,
        client: AdobeClient,
        reader: LiveReader,
        settings: AdobeCommerceSystem,
    ) -> None:
        self.system = system
        self.client = client
        self.reader = reader
        self.settings = settings

    def write(self, change: Change) -> ChangeResult:
        try:
            return self._write(change)
        except AuthError:
            raise
        except ProviderError as exc:
            return failed(change, str(exc))

    def _write(self, change: Change) -> ChangeResult:
        name = role_name(change)
        after = change.after()
        resources = after.get("permissions") or self.settings.resources_of(name)
        if change.remote_id is not None:
            role = self._get(int(change.remote_id))
            if role is None:
                return failed(change, f"{self.system}: role {change.remote_id} no longer exists")
            return self._put(change, role, name, resources)
        company = after.get("company")
        if company in (None, ""):
            return failed(change, f"{self.system}: no company to make the role {name!r} in")
        company_id = int(str(company))
        existing = self._find(company_id, name)
        if existing is not None:
            return self._put(change, existing, name, resources)
        body = {
            "role": {
                "role_name": name,
                "company_id": company_id,
                "permissions": permissions(resources),
            }
        }

        def send() -> dict[str, Any]:
            response = self.client.request("POST", "/company/role", body=body, retry=False)
            if response.status_code != 200:
                raise ProviderError(
                    f"creating the role {name!r} was refused: {error_text(response)}"
                )
            return dict(json_of(response, f"{self.system}: POST /company/role"))

        created = create_once(send, lambda: self._find(company_id, name), self.settings.max_retries)
        return ok(change, created["id"])

    def _get(self, role_id: int) -> dict[str, Any] | None:
        response = self.client.request("GET", f"/company/role/{role_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ProviderError(f"reading role {role_id} failed: {error_text(response)}")
        return dict(json_of(response, f"{self.system}: GET /company/role/{role_id}"))

    def _find(self, company_id: int, name: str) -> dict[str, Any] | None:
        roles = self.reader.roles([company_id])
        return next((r for r in roles if str(r["role_name"]).casefold() == name.casefold()), None)

    def _put(
        self, change: Change, role: dict[str, Any], name: str, resources: Sequence[str]
    ) -> ChangeResult:
        role_id = int(role["id"])
        body = {
            "role": {
                "id": role_id,
                "role_name": name,
                "company_id": int(role["company_id"]),
                "permissions": permissions(resources),
            }
        }
        response = self.client.request("PUT", f"/company/role/{role_id}", body=body)
        if response.status_code != 200:
            return failed(change, f"updating the role {name!r} was refused: {error_text(response)}")
        return ok(change, role_id)

"""`/V1/company/role`, `/V1/company/role/{roleId}/users` and `/V1/company/assignRoles`.

A role holds one permission per company resource; the API names each resource and `allow` or
`deny` individually (no inheritance), and whatever a write leaves out is denied. Every write
replaces the permission rows (fresh ids). A company user has exactly one role; the company admin
(its super user) has none and all access.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .adobe_commerce_api import Api, body_object, path_id
from .adobe_commerce_data import AdobeData, company_of
from .adobe_commerce_wire import (
    INVALID_VALUE,
    ROLE_CLASS,
    ROLE_NAME_TAKEN,
    ROLE_RESOURCES,
    as_int,
    blank,
    error,
    invalid,
    no_accessor,
    no_such_entity,
    required,
)
from .http import Request, Response
from .store import Record

INDEX = "Magento_Company::index"
ROLE_KEYS = ("id", "role_name", "permissions", "company_id", "extension_attributes")
SEARCH_FIELDS = frozenset({"role_id", "id", "role_name", "company_id"})
ADMIN_ROLE = "You cannot assign a different role to a company admin."
ONE_ROLE = "You cannot assign multiple roles to a user."
ROLE_IN_USE = (
    "This role cannot be deleted because users are assigned to it. "
    "Reassign the users to another role to continue."
)
ONLY_ROLE = "You cannot delete a role that is the only role in the company."


class Roles:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.data: AdobeData = api.data

    # ------------------------------------------------------------------ reads

    def get(self, request: Request) -> Response:
        role = self._by_path(request)
        if role is None:
            return no_such_entity("id", request.params.get("roleId"))
        return Response(200, {**role, "extension_attributes": []})

    def search(self, request: Request) -> Response:
        return self.api.search(
            request,
            self.data.roles(),
            lambda r, name: r["id"] if name in ("role_id", "id") else r.get(name),
            SEARCH_FIELDS,
        )

    def users(self, request: Request) -> Response:
        role = self._by_path(request)
        if role is None:
            return no_such_entity("id", request.params.get("roleId"))
        found = self.data.customers_by_id(self.data.users_of(int(role["id"])))
        return Response(200, [found[i] for i in sorted(found)])

    def _by_path(self, request: Request) -> Record | None:
        role_id = path_id(request, "roleId") or path_id(request, "id")
        return self.data.role(role_id) if role_id is not None else None

    # ------------------------------------------------------------------ writes

    def create(self, request: Request) -> Response:
        given = body_object(request, "role")
        if isinstance(given, Response):
            return given
        with self.data.lock:
            missing = [n for n in ("role_name", "company_id") if blank(given.get(n))]
            if missing or "permissions" not in given:
                return required([*missing, *([] if "permissions" in given else ["permissions"])])
            company_id = as_int(given["company_id"])
            if company_id is None or self.data.company(company_id) is None:
                return no_such_entity("id", given["company_id"])
            allowed = self._check(given, company_id, None)
            if isinstance(allowed, Response):
                return allowed
            role = self.data.new_role(str(given["role_name"]).strip(), company_id, allowed)
        return Response(200, {**role, "extension_attributes": []})

    def update(self, request: Request) -> Response:
        given = body_object(request, "role")
        if isinstance(given, Response):
            return given
        with self.data.lock:
            existing = self._by_path(request)
            if existing is None:
                return no_such_entity("id", request.params.get("id"))
            if "permissions" not in given:
                return required(["permissions"])
            company_id = int(existing["company_id"])
            allowed = self._check(given, company_id, int(existing["id"]))
            if isinstance(allowed, Response):
                return allowed
            name = str(given.get("role_name") or existing["role_name"]).strip()
            role = self.data.save_role(int(existing["id"]), name, company_id, allowed)
        return Response(200, {**role, "extension_attributes": []})

    def delete(self, request: Request) -> Response:
        with self.data.lock:
            role = self._by_path(request)
            if role is None:
                return no_such_entity("id", request.params.get("roleId"))
            if self.data.users_of(int(role["id"])):
                return error(400, ROLE_IN_USE)
            if len(self.data.roles(int(role["company_id"]))) <= 1:
                return error(400, ONLY_ROLE)
            self.data.delete_role(int(role["id"]))
        return Response(200, True)

    def assign(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return required(["userId", "roles"])
        user_id = body.get("userId", body.get("user_id"))
        roles = body.get("roles")
        missing = [n for n, v in (("userId", user_id), ("roles", roles)) if v is None]
        if missing:
            return required(missing)
        with self.data.lock:
            customer_id = as_int(user_id)
            customer = self.data.customer(customer_id) if customer_id is not None else None
            if customer is None or customer_id is None:
                return no_such_entity("customerId", user_id)
            if not isinstance(roles, list) or not roles:
                return invalid("roles", roles)
            if len(roles) > 1:
                return error(400, ONE_ROLE)
            company_id = company_of(customer)
            company = self.data.company(company_id) if company_id else None
            if company is None:
                return invalid("userId", user_id)
            if int(company["super_user_id"]) == customer_id:
                return error(400, ADMIN_ROLE)
            wanted = roles[0].get("id") if isinstance(roles[0], dict) else None
            role_id = as_int(wanted)
            role = self.data.role(role_id) if role_id is not None else None
            if role is None or role_id is None:
                return no_such_entity("id", wanted)
            if int(role["company_id"]) != company_id:
                return invalid("roles", wanted)
            self.data.assign(customer_id, role_id)
        return Response(200, True)

    # ------------------------------------------------------------------ validation

    def _check(
        self, given: Mapping[str, Any], company_id: int, role_id: int | None
    ) -> set[str] | Response:
        for name in given:
            if name not in ROLE_KEYS:
                return no_accessor(name, ROLE_CLASS)
        permissions = given.get("permissions")
        if not isinstance(permissions, list):
            return invalid("permissions", permissions)
        too_many = self.api.list_limit("permissions", permissions)
        if too_many is not None:
            return too_many
        allowed: set[str] = set()
        for item in permissions:
            if not isinstance(item, dict):
                return invalid("permissions", item)
            resource, permission = item.get("resource_id"), item.get("permission")
            if resource not in ROLE_RESOURCES:
                return invalid("resource_id", resource)
            if permission not in ("allow", "deny"):
                return invalid("permission", permission)
            if permission == "allow":
                allowed.add(str(resource))
        if self.api.settings["require_index_resource"] and INDEX not in allowed:
            return error(400, INVALID_VALUE, {"value": INDEX, "fieldName": "permissions"})
        name = given.get("role_name")
        if name is not None:
            taken = {
                str(r["role_name"]).strip().lower()
                for r in self.data.roles(company_id)
                if int(r["id"]) != role_id
            }
            if str(name).strip().lower() in taken:
                return error(400, ROLE_NAME_TAKEN)
        return allowed

"""`/V1/customers`: customers with B2B's `extension_attributes.company_attributes`.

A company user is a customer whose `company_attributes.company_id` names a company; `status` 1 is
active, 0 inactive (the account is locked). Joining a company puts the customer in the company's
customer group and gives it the company's default role; leaving drops its role.
`/V1/customers/companies` lists the company attributes of every member (searchable by
`company_id`, one call for many companies), `/V1/customers/{id}/companies` a customer's companies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .adobe_commerce_api import Api, body_object, path_id
from .adobe_commerce_data import AdobeData, company_of
from .adobe_commerce_wire import (
    COMPANY_CUSTOMER_CLASS,
    COMPANY_CUSTOMER_FIELDS,
    CUSTOMER_CLASS,
    CUSTOMER_EXTENSIONS,
    CUSTOMER_FIELDS,
    EMAIL_TAKEN,
    as_int,
    blank,
    error,
    invalid,
    no_accessor,
    no_such_entity,
    now,
    required,
)
from .http import Request, Response
from .store import Record

CUSTOMER_EXTENSION_CLASS = "Magento\\Customer\\Api\\Data\\CustomerExtensionInterface"
SEARCH_FIELDS = frozenset(
    {
        "entity_id",
        "id",
        "email",
        "firstname",
        "lastname",
        "middlename",
        "group_id",
        "website_id",
        "store_id",
        "created_at",
        "updated_at",
        "dob",
        "gender",
        "taxvat",
    }
)
ATTRIBUTE_FIELDS = frozenset({"customer_id", "company_id", "status", "job_title", "telephone"})
NAMES = ("email", "firstname", "lastname")


def attributes_of(customer: Mapping[str, Any]) -> dict[str, Any]:
    found = (customer.get("extension_attributes") or {}).get("company_attributes") or {}
    return dict(found)


class Customers:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.data: AdobeData = api.data

    # ------------------------------------------------------------------ reads

    def get(self, request: Request) -> Response:
        customer = self._by_path(request)
        if customer is None:
            return no_such_entity("customerId", request.params.get("customerId"))
        return Response(200, customer)

    def search(self, request: Request) -> Response:
        return self.api.search(request, self.data.customers(), _field, SEARCH_FIELDS)

    def company_attributes(self, request: Request) -> Response:
        members = [c for c in self.data.customers() if company_of(c)]
        return self.api.search(
            request,
            [{"id": c["id"], **attributes_of(c)} for c in members],
            lambda a, name: a.get(name),
            ATTRIBUTE_FIELDS,
            prefix="criteria",
            shape=lambda a: {k: v for k, v in a.items() if k != "id"},
        )

    def companies_of(self, request: Request) -> Response:
        customer = self._by_path(request)
        if customer is None:
            return no_such_entity("customerId", request.params.get("customerId"))
        company = self.data.company(company_of(customer))
        return Response(200, [company] if company is not None else [])

    def _by_path(self, request: Request) -> Record | None:
        customer_id = path_id(request, "customerId")
        return self.data.customer(customer_id) if customer_id is not None else None

    # ------------------------------------------------------------------ writes

    def create(self, request: Request) -> Response:
        given = body_object(request, "customer")
        if isinstance(given, Response):
            return given
        with self.data.lock:
            refused = self._check(given, None, request)
            if refused is not None:
                return refused
            with self.data.store.transaction():
                customer = self._new(given)
        return Response(200, customer)

    def update(self, request: Request) -> Response:
        given = body_object(request, "customer")
        if isinstance(given, Response):
            return given
        with self.data.lock:
            existing = self._by_path(request)
            if existing is None:
                return no_such_entity("customerId", request.params.get("customerId"))
            refused = self._check(given, existing, request)
            if refused is not None:
                return refused
            with self.data.store.transaction():
                customer = self._apply(existing, given)
        return Response(200, customer)

    def delete(self, request: Request) -> Response:
        with self.data.lock:
            customer = self._by_path(request)
            if customer is None:
                return no_such_entity("customerId", request.params.get("customerId"))
            self.data.delete_customer(customer)
        return Response(200, True)

    # ------------------------------------------------------------------ validation

    def _check(
        self, given: Mapping[str, Any], existing: Record | None, request: Request
    ) -> Response | None:
        for name in given:
            if name not in CUSTOMER_FIELDS:
                return no_accessor(name, CUSTOMER_CLASS)
        missing = [n for n in NAMES if blank(given.get(n))]
        if missing:
            return required(missing)
        email = str(given["email"]).strip()
        if "@" not in email or " " in email:
            return invalid("email", email)
        owner = self.data.customer_by_email(email)
        if owner is not None and (existing is None or owner["id"] != existing["id"]):
            return error(400, EMAIL_TAKEN)
        extensions = given.get("extension_attributes")
        if extensions is not None:
            if not isinstance(extensions, dict):
                return invalid("extension_attributes", extensions)
            for name in extensions:
                if name not in CUSTOMER_EXTENSIONS:
                    return no_accessor(name, CUSTOMER_EXTENSION_CLASS)
            refused = self._check_company(extensions.get("company_attributes"))
            if refused is not None:
                return refused
        return self.api.record_error(request, email)

    def _check_company(self, attributes: Any) -> Response | None:
        if attributes is None:
            return None
        if not isinstance(attributes, dict):
            return invalid("company_attributes", attributes)
        for name in attributes:
            if name not in COMPANY_CUSTOMER_FIELDS:
                return no_accessor(name, COMPANY_CUSTOMER_CLASS)
        status = attributes.get("status")
        if status is not None and as_int(status) not in (0, 1):
            return invalid("status", status)
        company_id = attributes.get("company_id")
        if company_id is not None:
            wanted = as_int(company_id)
            if wanted is None:
                return invalid("company_id", company_id)
            if wanted and self.data.company(wanted) is None:
                return no_such_entity("id", company_id)
        return None

    # ------------------------------------------------------------------ records

    def _new(self, given: Mapping[str, Any]) -> Record:
        customer_id = self.data.next_customer_id()
        stamp = now()
        customer: Record = {
            "id": customer_id,
            "group_id": 1,
            "created_at": stamp,
            "updated_at": stamp,
            "created_in": "Default Store View",
            "email": "",
            "firstname": "",
            "lastname": "",
            "store_id": 1,
            "website_id": 1,
            "addresses": [],
            "disable_auto_group_change": 0,
            "extension_attributes": {
                "company_attributes": {"customer_id": customer_id, "company_id": 0},
                "is_subscribed": False,
            },
        }
        wanted = dict(given)
        if not self.api.settings["create_sets_company_attributes"]:
            extensions = dict(wanted.get("extension_attributes") or {})
            extensions.pop("company_attributes", None)
            wanted["extension_attributes"] = extensions
        return self._apply(customer, wanted)

    def _apply(self, existing: Record, given: Mapping[str, Any]) -> Record:
        customer = {**existing}
        old_email = str(existing["email"]) if existing["email"] else None
        for name, value in given.items():
            if name in ("id", "extension_attributes", "created_at", "updated_at"):
                continue
            customer[name] = value
        customer["email"] = str(customer["email"]).strip()
        extensions = dict(existing.get("extension_attributes") or {})
        for name, value in (given.get("extension_attributes") or {}).items():
            if name != "company_attributes":
                extensions[name] = value
        customer["extension_attributes"] = extensions
        before = attributes_of(existing)
        wanted = (given.get("extension_attributes") or {}).get("company_attributes")
        attributes = {**before, **(wanted or {}), "customer_id": customer["id"]}
        attributes["company_id"] = as_int(attributes.get("company_id")) or 0
        if attributes.get("status") is not None:
            attributes["status"] = as_int(attributes["status"])
        extensions["company_attributes"] = attributes
        self._membership(customer, int(before.get("company_id") or 0), attributes)
        self.data.save_customer(customer, old_email)
        return customer

    def _membership(self, customer: Record, before: int, attributes: dict[str, Any]) -> None:
        after = int(attributes["company_id"])
        if after == before:
            return
        if after == 0:
            self.data.assign(int(customer["id"]), None)
            attributes.pop("status", None)
            return
        company = self.data.company(after)
        if company is None:
            return
        attributes.setdefault("status", 1)
        if attributes["status"] is None:
            attributes["status"] = 1
        customer["group_id"] = company["customer_group_id"]
        is_admin = int(company["super_user_id"] or 0) == int(customer["id"])
        if is_admin:
            self.data.assign(int(customer["id"]), None)
        else:
            role = self.data.default_role(after, str(self.api.settings["default_role_name"]))
            self.data.assign(int(customer["id"]), int(role["id"]))


def _field(customer: Mapping[str, Any], name: str) -> Any:
    if name in ("entity_id", "id"):
        return customer["id"]
    return customer.get(name)

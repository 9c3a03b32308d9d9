"""`/V1/company/`: create, update, get, delete and search B2B companies.

A new company makes its super user (an existing customer) an active member with all access, gets
a "Default User" role for the members added later, and a company credit with a limit of 0. Its
`customer_group_id` (the shared catalog) is every member's customer group. Deleting a company makes
its members inactive and takes them out of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .adobe_commerce_api import Api, body_object, path_id
from .adobe_commerce_data import AdobeData
from .adobe_commerce_wire import (
    COMPANY_CLASS,
    COMPANY_EXTENSION_CLASS,
    COMPANY_EXTENSIONS,
    COMPANY_FIELDS,
    COMPANY_REQUIRED,
    COMPANY_STATUSES,
    STATUS_REJECTED,
    as_int,
    blank,
    invalid,
    no_accessor,
    no_such_entity,
    now,
    required,
)
from .http import Request, Response
from .store import Record

SEARCH_FIELDS = frozenset(
    {
        "entity_id",
        "id",
        "status",
        "company_name",
        "legal_name",
        "company_email",
        "vat_tax_id",
        "reseller_id",
        "city",
        "country_id",
        "region",
        "region_id",
        "postcode",
        "telephone",
        "customer_group_id",
        "sales_representative_id",
        "super_user_id",
    }
)
PAYMENT_METHOD_TYPES = (0, 1, 2)
"""applicable_payment_method: 0 B2B payment methods (config), 1 all enabled, 2 selected."""


def default_extensions(company_id: int) -> dict[str, Any]:
    return {
        "quote_config": {"company_id": str(company_id), "is_quote_enabled": False},
        "applicable_payment_method": 0,
        "available_payment_methods": "",
        "use_config_settings": 1,
        "is_purchase_order_enabled": False,
        "applicable_shipping_method": 0,
        "available_shipping_methods": "",
        "use_config_settings_shipping": 1,
    }


class Companies:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.data: AdobeData = api.data

    # ------------------------------------------------------------------ reads

    def get(self, request: Request) -> Response:
        company_id = path_id(request, "companyId")
        company = self.data.company(company_id) if company_id is not None else None
        if company is None:
            return no_such_entity("id", request.params.get("companyId"))
        return Response(200, company)

    def search(self, request: Request) -> Response:
        known = SEARCH_FIELDS
        if self.api.settings["salesforce_id_searchable"]:
            known = known | {self.api.salesforce_attribute}
        return self.api.search(request, self.data.companies(), self._field, known)

    def _field(self, company: Mapping[str, Any], name: str) -> Any:
        if name in ("entity_id", "id"):
            return company["id"]
        if name == self.api.salesforce_attribute:
            return (company.get("extension_attributes") or {}).get(name)
        return company.get(name)

    # ------------------------------------------------------------------ writes

    def create(self, request: Request) -> Response:
        given = body_object(request, "company")
        if isinstance(given, Response):
            return given
        with self.api.data.lock:
            refused = self._check(given, None, request)
            if refused is not None:
                return refused
            with self.data.store.transaction():
                company = self._new(given)
                self._join_super_user(company, None)
                self.data.default_role(company["id"], str(self.api.settings["default_role_name"]))
                self.data.new_credit(company["id"], str(self.api.settings["base_currency"]))
        return Response(200, company)

    def update(self, request: Request) -> Response:
        given = body_object(request, "company")
        if isinstance(given, Response):
            return given
        company_id = path_id(request, "companyId")
        with self.api.data.lock:
            existing = self.data.company(company_id) if company_id is not None else None
            if existing is None:
                return no_such_entity("id", request.params.get("companyId"))
            refused = self._check(given, existing, request)
            if refused is not None:
                return refused
            with self.data.store.transaction():
                company = self._updated(existing, given)
                self.data.save_company(company)
                self._join_super_user(company, existing)
                if company["customer_group_id"] != existing["customer_group_id"]:
                    self._regroup_members(company)
        return Response(200, company)

    def delete(self, request: Request) -> Response:
        company_id = path_id(request, "companyId")
        with self.api.data.lock:
            if company_id is None or self.data.company(company_id) is None:
                return no_such_entity("id", request.params.get("companyId"))
            self.data.delete_company(company_id)
        return Response(200, True)

    # ------------------------------------------------------------------ validation

    def _check(
        self, given: Mapping[str, Any], existing: Record | None, request: Request
    ) -> Response | None:
        for name in given:
            if name not in COMPANY_FIELDS:
                return no_accessor(name, COMPANY_CLASS)
        extensions = given.get("extension_attributes")
        if extensions is not None:
            if not isinstance(extensions, dict):
                return invalid("extension_attributes", extensions)
            allowed = {*COMPANY_EXTENSIONS, self.api.salesforce_attribute}
            for name in extensions:
                if name not in allowed:
                    return no_accessor(name, COMPANY_EXTENSION_CLASS)
            refused = self._check_payment(extensions)
            if refused is not None:
                return refused
        whole = existing is None or bool(self.api.settings["update_requires_all_fields"])
        merged = dict(given) if whole else {**(existing or {}), **given}
        missing = [n for n in COMPANY_REQUIRED if blank(merged.get(n))]
        if blank(merged.get("region")) and blank(merged.get("region_id")):
            missing.append("region")
        if missing:
            return required(missing)
        return self._check_values(merged, request)

    def _check_values(self, company: Mapping[str, Any], request: Request) -> Response | None:
        if "@" not in str(company["company_email"]):
            return invalid("company_email", company["company_email"])
        street = company["street"]
        if not isinstance(street, list) or not 1 <= len(street) <= 2:
            return invalid("street", street)
        status = company.get("status")
        if status is not None and as_int(status) not in COMPANY_STATUSES:
            return invalid("status", status)
        group = as_int(company["customer_group_id"])
        if group is None or self.data.group(group) is None:
            return no_such_entity("id", company["customer_group_id"])
        super_user = as_int(company["super_user_id"])
        if super_user is None or self.data.customer(super_user) is None:
            return no_such_entity("customerId", company["super_user_id"])
        return self.api.record_error(request, str(company["company_name"]))

    @staticmethod
    def _check_payment(extensions: Mapping[str, Any]) -> Response | None:
        kind = extensions.get("applicable_payment_method")
        if kind is not None and as_int(kind) not in PAYMENT_METHOD_TYPES:
            return invalid("applicable_payment_method", kind)
        methods = extensions.get("available_payment_methods")
        if methods is not None and not isinstance(methods, str):
            return invalid("available_payment_methods", methods)
        use_config = extensions.get("use_config_settings")
        if use_config is not None and as_int(use_config) not in (0, 1):
            return invalid("use_config_settings", use_config)
        return None

    # ------------------------------------------------------------------ records

    def _new(self, given: Mapping[str, Any]) -> Record:
        company_id = self.data.next_company_id()
        company: Record = {
            "id": company_id,
            "status": int(self.api.settings["default_company_status"]),
            "company_name": None,
            "legal_name": None,
            "company_email": None,
            "vat_tax_id": None,
            "reseller_id": None,
            "comment": None,
            "street": [],
            "city": None,
            "country_id": None,
            "region": None,
            "region_id": None,
            "postcode": None,
            "telephone": None,
            "customer_group_id": 1,
            "sales_representative_id": 1,
            "reject_reason": None,
            "rejected_at": None,
            "super_user_id": None,
            "extension_attributes": default_extensions(company_id),
        }
        company = self._updated(company, given)
        self.data.save_company(company)
        return company

    def _updated(self, existing: Record, given: Mapping[str, Any]) -> Record:
        company = {**existing}
        for name, value in given.items():
            if name in ("id", "extension_attributes"):
                continue
            company[name] = value
        for name in ("status", "customer_group_id", "super_user_id", "sales_representative_id"):
            if company.get(name) is not None:
                company[name] = as_int(company[name])
        if company.get("region_id") is not None:
            company["region_id"] = str(company["region_id"])
        extensions = dict(existing.get("extension_attributes") or {})
        extensions.update(given.get("extension_attributes") or {})
        for name in ("applicable_payment_method", "use_config_settings"):
            if extensions.get(name) is not None:
                extensions[name] = as_int(extensions[name])
        company["extension_attributes"] = extensions
        if company["status"] == STATUS_REJECTED and existing.get("status") != STATUS_REJECTED:
            company["rejected_at"] = now()
        return company

    def _join_super_user(self, company: Record, before: Record | None) -> None:
        """The super user is an active member with no role; a replaced one gets the default role."""
        previous = before["super_user_id"] if before is not None else None
        if previous == company["super_user_id"]:
            return
        admin = self.data.customer(int(company["super_user_id"]))
        if admin is not None:
            attributes = admin["extension_attributes"].setdefault("company_attributes", {})
            attributes.update(
                {"customer_id": admin["id"], "company_id": company["id"], "status": 1}
            )
            admin["group_id"] = company["customer_group_id"]
            self.data.assign(int(admin["id"]), None)
            self.data.save_customer(admin)
        if previous is not None:
            role = self.data.default_role(
                company["id"], str(self.api.settings["default_role_name"])
            )
            self.data.assign(int(previous), int(role["id"]))

    def _regroup_members(self, company: Record) -> None:
        for member in self.data.members(int(company["id"])):
            member["group_id"] = company["customer_group_id"]
            self.data.save_customer(member)

"""Adobe Commerce (Magento 2) with B2B: the REST API under `/rest/{store_code}/V1/`.

- `POST /V1/integration/admin/token` `{"username", "password"}` answers the bearer token as a bare
  JSON string; it expires after `token_lifetime_seconds` (4 hours) or at `expire-tokens`. Every
  other call needs `Authorization: Bearer <token>`, else 401 "The consumer isn't authorized to
  access %resources.".
- Store codes `default` and `all` (setting `store_codes`), or none (`/rest/V1/...`).
- Companies, customers with company attributes, company roles and their assignment, company
  credit, customer groups; searches with `searchCriteria` (see adobe_commerce_search.py).
- Errors are `{"message", "parameters"}` with `%name` / `%1` placeholders (adobe_commerce_wire.py).
- The optional "Web API input limits" are settings (`input_limits_enabled`, `max_page_size`,
  `default_page_size`, `input_list_limit`), off by default as in a fresh store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .adobe_commerce_api import SETTINGS, Api
from .adobe_commerce_companies import Companies
from .adobe_commerce_credit import Credits
from .adobe_commerce_customers import Customers
from .adobe_commerce_roles import Roles
from .adobe_commerce_seed import load
from .adobe_commerce_wire import (
    NO_ROUTE,
    NOT_AUTHORIZED,
    SIGN_IN,
    STORE_NOT_FOUND,
    SYSTEM,
    error,
    no_such_entity,
    required,
)
from .http import Request, Response
from .store import Store

TOKEN_ENDPOINT = "POST /V1/integration/admin/token"
Handler = Callable[[Request], Response]


def register(sandbox: Any) -> None:
    AdobeCommerceEmulator(sandbox).register()


def seed(store: Store, data: Any) -> dict[str, int]:
    """Load `{"customer_groups", "customers", "companies"}` (see adobe_commerce_seed.py)."""
    return load(store, data)


class AdobeCommerceEmulator:
    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.api = Api(sandbox)
        self.username = sandbox.secret(
            "adobe_commerce_admin_username", lambda: "storegate-integration"
        )
        self.password = sandbox.secret("adobe_commerce_admin_password")
        self.resources: dict[str, str] = {}

    def register(self) -> None:
        sb = self.sandbox
        sb.register_settings(SYSTEM, SETTINGS)
        sb.set_error_format(SYSTEM, self._error_format)
        sb.set_limit_response(SYSTEM, self._limit_response)
        sb.add_hook(SYSTEM, before=self._before)
        sb.on_expire_tokens(self.api.tokens.expire_all)
        sb.on_reset(self.api.tokens.expire_all)
        sb.add_env("ADOBE_COMMERCE_ADMIN_USERNAME", self.username)
        sb.add_env("ADOBE_COMMERCE_ADMIN_PASSWORD", self.password)
        companies = Companies(self.api)
        customers = Customers(self.api)
        roles = Roles(self.api)
        credits = Credits(self.api)
        company, customer, credit = (
            "Magento_Company::index",
            "Magento_Customer::customer",
            "Magento_CompanyCredit::management",
        )
        routes: list[tuple[str, str, Handler, str]] = [
            ("POST", "/integration/admin/token", self.admin_token, ""),
            ("GET", "/company", companies.search, company),
            ("POST", "/company", companies.create, company),
            ("GET", "/company/{companyId}", companies.get, company),
            ("PUT", "/company/{companyId}", companies.update, company),
            ("DELETE", "/company/{companyId}", companies.delete, company),
            ("GET", "/company/role", roles.search, "Magento_Company::roles_view"),
            ("POST", "/company/role", roles.create, "Magento_Company::roles_edit"),
            ("GET", "/company/role/{roleId}", roles.get, "Magento_Company::roles_view"),
            ("PUT", "/company/role/{id}", roles.update, "Magento_Company::roles_edit"),
            ("DELETE", "/company/role/{roleId}", roles.delete, "Magento_Company::roles_edit"),
            ("GET", "/company/role/{roleId}/users", roles.users, "Magento_Company::roles_view"),
            ("PUT", "/company/assignRoles", roles.assign, "Magento_Company::roles_edit"),
            ("GET", "/customers/search", customers.search, customer),
            ("POST", "/customers", customers.create, customer),
            ("GET", "/customers/companies", customers.company_attributes, company),
            ("GET", "/customers/{customerId}", customers.get, customer),
            ("PUT", "/customers/{customerId}", customers.update, customer),
            ("DELETE", "/customers/{customerId}", customers.delete, customer),
            ("GET", "/customers/{customerId}/companies", customers.companies_of, company),
            ("GET", "/customerGroups/search", self.search_groups, "Magento_Customer::group"),
            ("GET", "/customerGroups/{id}", self.get_group, "Magento_Customer::group"),
            ("GET", "/companyCredits", credits.search, credit),
            ("GET", "/companyCredits/history", credits.history, credit),
            ("GET", "/companyCredits/company/{companyId}", credits.of_company, credit),
            ("GET", "/companyCredits/{creditId}", credits.get, credit),
            ("PUT", "/companyCredits/{id}", credits.update, credit),
            ("POST", "/companyCredits/{creditId}/increaseBalance", credits.increase, credit),
            ("POST", "/companyCredits/{creditId}/decreaseBalance", credits.decrease, credit),
        ]
        for method, path, handler, resource in routes:
            endpoint = f"{method} /V1{path}"
            self.resources[endpoint] = resource
            sb.router.add(SYSTEM, method, f"/rest/{{store}}/V1{path}", handler, endpoint)
            sb.router.add(SYSTEM, method, f"/rest/V1{path}", handler, endpoint)

    # ------------------------------------------------------------------ auth

    def _before(self, request: Request) -> Response | None:
        store = request.params.get("store")
        if store is not None and store not in self.api.settings["store_codes"]:
            return error(400, STORE_NOT_FOUND)
        if request.endpoint == TOKEN_ENDPOINT:
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not self.api.tokens.valid(token.strip()):
            resource = self.resources.get(request.endpoint, "Magento_Backend::admin")
            return error(401, NOT_AUTHORIZED, {"resources": resource})
        return None

    def admin_token(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return required(["username", "password"])
        missing = [n for n in ("username", "password") if not body.get(n)]
        if missing:
            return required(missing)
        if body["username"] != self.username or body["password"] != self.password:
            return error(401, SIGN_IN)
        return Response(
            200, self.api.tokens.issue(float(self.api.settings["token_lifetime_seconds"]))
        )

    # ------------------------------------------------------------------ groups

    def search_groups(self, request: Request) -> Response:
        return self.api.search(
            request,
            self.api.data.groups(),
            lambda g, name: g["id"] if name in ("id", "customer_group_id") else g.get(name),
            frozenset({"id", "customer_group_id", "code", "tax_class_id"}),
        )

    def get_group(self, request: Request) -> Response:
        raw = request.params.get("id", "")
        group = self.api.data.group(int(raw)) if raw.isdigit() else None
        if group is None:
            return no_such_entity("id", raw)
        return Response(200, group)

    # ------------------------------------------------------------------ generic answers

    @staticmethod
    def _error_format(status: int, message: str) -> Response:
        if status in (404, 405):
            return error(404, NO_ROUTE)
        if status >= 500:
            return error(
                status,
                "Internal Error. Details are available in Magento log file. Report ID: %1",
                ["webapi-sandbox"],
            )
        return error(status, message)

    @staticmethod
    def _limit_response(request: Request) -> Response:
        """Adobe Commerce has no general REST rate limit; a CDN in front of it may answer 429."""
        del request
        response = error(429, "Too Many Requests")
        response.headers["Retry-After"] = "1"
        return response

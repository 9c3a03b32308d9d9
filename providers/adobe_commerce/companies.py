"""Company writes: create (with its admin), update (GET, then a PUT of the whole company, as the API
requires every mandatory field), delete.

A create first looks for the company (by the Salesforce Id it will carry, else by name), so a
company a lost answer left behind, or one the Salesforce integration made, is adopted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract import Action, AuthError, Change, ChangeResult, ProviderError
from .client import AdobeClient, error_text, json_of
from .config import PAY_ON_ACCOUNT, AdobeCommerceSystem
from .live import LiveReader, method_codes
from .results import create_once, failed, ok
from .users import find_or_create_customer

DETAILS = (
    "company_email",
    "legal_name",
    "vat_tax_id",
    "street",
    "city",
    "country_id",
    "region",
    "region_id",
    "postcode",
    "telephone",
)
SELECTED_METHODS = 2


class CompanyWriter:
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
            if change.action is Action.DELETE:
                return self._delete(change)
            if change.remote_id is None:
                return self._create(change)
            return self._update(change, int(change.remote_id))
        except AuthError:
            raise
        except ProviderError as exc:
            return failed(change, str(exc))

    # ------------------------------------------------------------------ create

    def _create(self, change: Change) -> ChangeResult:
        after = change.after()
        existing = self._find(after)
        if existing is not None:
            return self._update(change, int(existing["id"]), existing)
        admin = find_or_create_customer(
            self.client,
            self.reader,
            self.system,
            email=str(after["super_user_email"]),
            first_name=str(after.get("super_user_first_name") or ""),
            last_name=str(after.get("super_user_last_name") or ""),
            attempts=self.settings.max_retries,
        )
        company: dict[str, Any] = {name: after[name] for name in DETAILS if name in after}
        company.update(
            company_name=after["name"],
            status=after.get("status"),
            customer_group_id=after.get("customer_group_id"),
            super_user_id=int(admin["id"]),
        )
        company["extension_attributes"] = self._extensions({}, after)

        def send() -> dict[str, Any]:
            response = self.client.request(
                "POST", "/company", body={"company": company}, retry=False
            )
            if response.status_code != 200:
                raise ProviderError(f"creating the company was refused: {error_text(response)}")
            return dict(json_of(response, f"{self.system}: POST /company"))

        created = create_once(send, lambda: self._find(after), self.settings.max_retries)
        return ok(change, created["id"], company_id=created["id"])

    def _find(self, after: Mapping[str, Any]) -> dict[str, Any] | None:
        salesforce_id = after.get("salesforce_id")
        companies = self.reader.companies().companies.values()
        if isinstance(salesforce_id, str) and salesforce_id:
            for company in companies:
                if (self.reader.salesforce_id(company) or "")[:15] == salesforce_id[:15]:
                    return company
        name = str(after.get("name") or "").casefold()
        return next((c for c in companies if str(c.get("company_name")).casefold() == name), None)

    # ------------------------------------------------------------------ update and delete

    def _update(
        self, change: Change, company_id: int, current: dict[str, Any] | None = None
    ) -> ChangeResult:
        if current is None:
            response = self.client.request("GET", f"/company/{company_id}")
            if response.status_code == 404:
                return failed(change, f"{self.system}: company {company_id} no longer exists")
            if response.status_code != 200:
                return failed(
                    change, f"reading company {company_id} failed: {error_text(response)}"
                )
            current = dict(json_of(response, f"{self.system}: GET /company/{company_id}"))
        wanted = {f.name: f.after for f in change.fields}  # managed fields only, even on adoption
        company = {k: v for k, v in current.items() if k != "extension_attributes"}
        if "name" in wanted:
            company["company_name"] = wanted["name"]
        for name in ("status", "customer_group_id"):
            if name in wanted:
                company[name] = wanted[name]
        company["extension_attributes"] = self._extensions(current, wanted)
        response = self.client.request("PUT", f"/company/{company_id}", body={"company": company})
        if response.status_code != 200:
            return failed(
                change, f"updating company {company_id} was refused: {error_text(response)}"
            )
        return ok(change, company_id, company_id=company_id)

    def _extensions(self, current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
        extensions = dict(current.get("extension_attributes") or {})
        if wanted.get("salesforce_id") is not None:
            extensions[self.settings.salesforce_id_attribute] = wanted["salesforce_id"]
        payment = wanted.get("payment_on_account")
        if isinstance(payment, bool):
            pinned = (
                int(extensions.get("use_config_settings") or 0) == 0
                and int(extensions.get("applicable_payment_method") or 0) == SELECTED_METHODS
            )
            codes = method_codes(current) if pinned else list(self.settings.payment_methods)
            codes = [c for c in codes if c != PAY_ON_ACCOUNT] + (
                [PAY_ON_ACCOUNT] if payment else []
            )
            extensions.update(
                use_config_settings=0,
                applicable_payment_method=SELECTED_METHODS,
                available_payment_methods=",".join(codes),
            )
        return extensions

    def _delete(self, change: Change) -> ChangeResult:
        if change.remote_id is None:
            return failed(change, f"{self.system}: no company id to delete")
        response = self.client.request("DELETE", f"/company/{change.remote_id}")
        if response.status_code not in (200, 404):
            return failed(change, f"deleting the company was refused: {error_text(response)}")
        return ok(change, change.remote_id, company_id=change.remote_id)

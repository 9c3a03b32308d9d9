"""`systems.<name>` of type `emporix` in storegate.yaml, and `account.stores.<name>` in account files."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..settings import SecretRef, Setting, Strict

CURRENCY = r"^[A-Z]{3}$"


class EmporixSystem(Strict):
    type: Literal["emporix"] = "emporix"
    accounts: Literal["all", "listed"] = Field(
        "listed",
        description="serve every account file that lists no stores (all), or only those listing it",
    )
    base_url: Setting = Field("https://api.emporix.io", description="API host (paths are added)")
    tenant: Setting = Field(description="the Emporix tenant, lowercase (e.g. env:EMPORIX_TENANT)")
    client_id: SecretRef
    client_secret: SecretRef
    scope: str | None = Field(
        None,
        description="scopes asked for with the service token (space-separated); none: all the "
        "client's (storegate needs customer.customer_read/manage and customermanagement."
        "legalentity_read/manage and contactassignment_read/manage)",
    )
    ca_bundle: Setting | None = Field(None, description="CA file to trust (the sandbox's ca.pem)")
    timeout_seconds: float = Field(30.0, gt=0)
    max_retries: int = Field(5, ge=1, description="attempts per call on 429, 5xx and lost answers")
    page_size: int = Field(
        1000,
        ge=1,
        description="customers per list call; Emporix publishes no maximum, so keep it at or "
        "under the tenant's (a page shorter than asked ends the read unless X-Total-Count says more)",
    )
    default_currency: str | None = Field(
        None, pattern=CURRENCY, description="ISO 4217 preferredCurrency of accounts naming none"
    )
    default_site: str | None = Field(
        None, description="preferredSite of accounts whose options name none (none: unmanaged)"
    )
    send_password_reset_notifications: bool = Field(
        True, description="a new customer is emailed a link to set a password"
    )
    storefront_registration: bool = Field(
        True,
        description="the storefront lets visitors register; a deleted customer could then sign "
        "up again with the same email (plan warns)",
    )
    assignment_type: Literal["PRIMARY", "BILLING", "LOGISTICS", "CONTACT"] = Field(
        "CONTACT", description="type of the contact assignment tying a customer to its company"
    )


class EmporixAccountOptions(Strict):
    currency: str | None = Field(None, pattern=CURRENCY, description="preferredCurrency (ISO 4217)")
    site: str | None = Field(None, description="preferredSite (e.g. main)")
    company: str | None = Field(
        None,
        description="the customers' company (default: the display name, else the account name)",
    )

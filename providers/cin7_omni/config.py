"""`systems.<name>` of type `cin7_omni` in storegate.yaml, and `account.stores.<name>` in account files."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..settings import SecretRef, Setting, Strict


class Cin7OmniSystem(Strict):
    type: Literal["cin7_omni"] = "cin7_omni"
    accounts: Literal["all", "listed"] = Field(
        "listed",
        description="serve every account file that lists no stores (all), or only those listing it",
    )
    base_url: Setting = Field(
        "https://api.cin7.com", description="API host; the path /api/v1 is added"
    )
    api_username: Setting = Field(description="the API connection's username")
    api_key: SecretRef = Field(description="the API connection's key")
    ca_bundle: Setting | None = Field(None, description="CA file to trust (the sandbox's ca.pem)")
    store_name: str = Field(
        "B2B online store",
        description="the B2B online store's name under Integrations, as manual steps name it",
    )
    price_columns: dict[str, str] = Field(
        default_factory=dict,
        description="price book name -> Cin7 Omni price column (e.g. WholesalePrice)",
    )
    update_emails_at_once: bool = Field(
        False,
        description="after an email change, plan the B2B Dashboard's 'Update emails from CRM' "
        "(otherwise the store picks the new email up within an hour)",
    )
    store_view_url: Setting | None = Field(
        None,
        description="a URL that shows the B2B Dashboard's customer tabs as JSON (the sandbox's "
        "/_sandbox/cin7_omni/b2b); without it, manual steps stay pending until "
        "`storegate confirm`",
    )
    contact_filter: str | None = Field(
        None, description="a Cin7 `where` condition limiting full reads of CRM contacts"
    )
    page_size: int = Field(250, ge=1, description="rows per page of GET Contacts (API: up to 250)")
    batch_size: int = Field(
        250, ge=1, description="contacts per POST/PUT (unverified API maximum; sandbox: 250)"
    )
    requests_per_second: float = Field(
        3.0, gt=0, description="pace of API calls (Cin7 Omni allows 3 a second, 60 a minute)"
    )
    max_rate_limit_wait_seconds: float = Field(
        90.0, gt=0, description="longest Retry-After a 429 may ask for before the run stops"
    )
    timeout_seconds: float = 30.0
    max_retries: int = Field(4, ge=1)


class Cin7OmniAccountOptions(Strict):
    """`account.stores.cin7_omni` in an account file."""

    credit_limit: float | None = Field(
        None, ge=0, description="the CRM contacts' CreditLimit (left unmanaged when absent)"
    )
    update_emails_at_once: bool | None = Field(
        None, description="override systems.<name>.update_emails_at_once for this account"
    )

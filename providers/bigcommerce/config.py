"""`systems.<name>` of type `bigcommerce` in storegate.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..settings import SecretRef, Setting, Strict


class BigCommerceSystem(Strict):
    type: Literal["bigcommerce"] = "bigcommerce"
    accounts: Literal["all", "listed"] = Field(
        "all",
        description="serve every account file that lists no stores (all), or only those listing it",
    )
    base_url: Setting = Field(
        "https://api.bigcommerce.com", description="API host; the path /stores/{hash}/v3 is added"
    )
    store_hash: Setting
    access_token: SecretRef
    ca_bundle: Setting | None = None
    customer_groups: dict[str, int] = Field(
        default_factory=dict, description="price book name -> BigCommerce customer group id"
    )
    page_size: int = Field(250, ge=1, le=250)
    batch_size: int = Field(10, ge=1, le=10)
    max_concurrency: int = Field(3, ge=1, le=3)
    timeout_seconds: float = 30.0
    uncertainty_margin_seconds: float = Field(
        2.0,
        ge=0,
        description="a create that got no answer (timed out, connection cut) may still land: "
        "storegate waits timeout_seconds plus this before looking its emails up and sending "
        "only the missing customers again",
    )
    max_retries: int = 6

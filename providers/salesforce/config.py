"""`systems.<name>` of type `salesforce` in storegate.yaml: the org, how to log in, the field profile."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..settings import SecretRef, Setting, Strict


class SessionAuth(Strict):
    type: Literal["session"]
    session_id: SecretRef


class PasswordAuth(Strict):
    type: Literal["password"]
    username: Setting
    password: SecretRef
    security_token: SecretRef | None = None
    consumer_key: SecretRef | None = None
    consumer_secret: SecretRef | None = None


class JwtAuth(Strict):
    type: Literal["jwt"]
    username: Setting
    consumer_key: SecretRef
    private_key: SecretRef | None = Field(None, description="env var holding the PEM key")
    private_key_file: Setting | None = None


class ClientCredentialsAuth(Strict):
    type: Literal["client_credentials"]
    consumer_key: SecretRef
    consumer_secret: SecretRef


SalesforceAuth = Annotated[
    SessionAuth | PasswordAuth | JwtAuth | ClientCredentialsAuth, Field(discriminator="type")
]


class SalesforceSystem(Strict):
    type: Literal["salesforce"] = "salesforce"
    instance_url: Setting = Field(description="https base URL of the org, e.g. env:SF_INSTANCE_URL")
    auth: SalesforceAuth
    login_url: Setting | None = Field(
        None, description="OAuth token host for login flows (default https://login.salesforce.com)"
    )
    ca_bundle: Setting | None = Field(None, description="CA file to trust (the sandbox's ca.pem)")
    api_version: str = "59.0"
    profile: Literal["storeconnect", "cpq_ecommerce"] = "storeconnect"
    fields: dict[str, str | None] = Field(
        default_factory=dict,
        description="override a profile's field API name, by storegate field name (null: unmapped)",
    )
    account_filter: str | None = Field(None, description="SOQL condition limiting Account reads")
    contact_filter: str | None = Field(None, description="SOQL condition limiting Contact reads")
    timeout_seconds: float = 30.0
    uncertainty_margin_seconds: float = Field(
        2.0,
        ge=0,
        description="a create that got no answer (timed out, connection cut) may still land: "
        "storegate waits timeout_seconds plus this before looking up what landed and sending "
        "the rest again",
    )
    external_id_field: str | None = Field(
        None,
        pattern=r"^[A-Za-z][A-Za-z0-9_]*__c$",
        description="a text External ID field on Contact (e.g. Storegate_Key__c) storegate fills "
        "with the contact's email key; contacts are then created by upsert on it, which a retry "
        "or a late request cannot duplicate",
    )
    max_retries: int = 4
    bulk_read_threshold: int | None = Field(
        10_000,
        ge=1,
        description="a read whose first page reports at least this many records runs as a Bulk "
        "API 2.0 query job (null: never)",
    )
    bulk_query_max_records: int = Field(
        10_000,
        ge=1,
        description="records a Bulk API 2.0 query job hands back per results call (its "
        "maxRecords): each call's CSV is held in memory while it is read",
    )
    bulk_write_threshold: int | None = Field(
        2_000,
        ge=1,
        description="at least this many creates (or updates) of one kind in an apply go through "
        "one Bulk API 2.0 ingest job instead of sObject Collections (null: never)",
    )
    bulk_poll_seconds: float = Field(
        1.0, gt=0, description="first wait between polls of a Bulk API job (doubles each poll)"
    )
    bulk_poll_max_seconds: float = Field(15.0, gt=0, description="longest wait between polls")
    bulk_job_timeout_seconds: float = Field(
        3600.0,
        gt=0,
        description="how long apply waits for a Bulk API job; one still running is taken up by "
        "the next apply",
    )
    writeback: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="per store system name: storegate contact field -> the store attribute written "
        "into it (e.g. {bigcommerce: {ecommerce_customer_id: id, ecommerce_user_id: email}}); "
        "the cpq_ecommerce profile defaults to its eCommerce fields for the first store",
    )

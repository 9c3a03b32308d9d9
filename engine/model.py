"""Desired state: the models of the access repo users edit.

Two file kinds: `storegate.yaml` (Config) at the repo root and one `accounts/*.yaml` (AccountFile) per
account. A field left out of the YAML is unmanaged; an explicit `null` clears it. Pydantic's
`model_fields_set` tells the two apart, and `managed_fields` is the one place that reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

ENV_REF = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")

AccessLevel = Literal["active", "pending", "revoked"]
PERMISSIONS = ("purchase_on_account", "account_credit", "account_points", "account_pricing")
ACCOUNT_SETTINGS = (
    "active",
    "credit_hold",
    "pay_by_account",
    "price_book",
    "display_name",
    "membership",
    "tax_entity_code",
    "supplier",
    "brand",
)


class Strict(BaseModel):
    """Every model forbids unknown keys: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


SecretRef = Annotated[str, Field(pattern=ENV_REF.pattern, description="env:NAME reference")]
"""A credential: only ever an `env:NAME` reference, resolved at run time."""

Setting = Annotated[str, Field(description="a literal value or an env:NAME reference")]


# ---------------------------------------------------------------- storegate.yaml


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
    max_retries: int = 4


class BigCommerceSystem(Strict):
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
    max_retries: int = 6


class Systems(Strict):
    salesforce: SalesforceSystem
    bigcommerce: BigCommerceSystem | None = None


class LocalState(Strict):
    type: Literal["local"] = "local"
    path: str = ".storegate/state.json"


StateConfig = Annotated[LocalState, Field(discriminator="type")]


class SafetyPolicy(Strict):
    max_revocations: int = Field(10, ge=0, description="revocations+deletions allowed per apply")
    max_revocation_percent: float = Field(
        10.0, ge=0, le=100, description="share of managed contacts one apply may revoke"
    )
    percent_applies_from: int = Field(
        20, ge=0, description="the percentage limit applies once this many contacts are managed"
    )
    protected: list[str] = Field(
        default_factory=list, description="emails whose access only --allow-mass-revoke may remove"
    )


class Config(Strict):
    version: Literal[1] = 1
    systems: Systems
    state: StateConfig = Field(default_factory=LocalState)
    safety: SafetyPolicy = Field(default_factory=SafetyPolicy)


# ---------------------------------------------------------------- accounts/*.yaml


class Account(Strict):
    name: str = Field(
        min_length=1, description="Salesforce Account.Name unless salesforce_id pins it"
    )
    salesforce_id: str | None = Field(None, pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
    active: bool | None = None
    credit_hold: bool | None = None
    pay_by_account: bool | None = None
    price_book: str | None = Field(None, description="price book name, resolved at plan time")
    display_name: str | None = None
    membership: str | None = Field(None, description="membership name; one per account")
    tax_entity_code: str | None = Field(None, description="anything but TAXABLE means tax exempt")
    supplier: bool | None = None
    brand: bool | None = None


def _check_email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid email {value!r}: {exc}") from None
    return value


class Contact(Strict):
    email: str = Field(description="identity; compared case-insensitively")
    first_name: str | None = None
    last_name: str | None = None
    access: AccessLevel
    purchase_on_account: bool | None = None
    account_credit: bool | None = None
    account_points: bool | None = None
    account_pricing: bool | None = None
    offboard: bool = Field(False, description="the contact has left: status Deactivated on revoke")
    previously: list[str] = Field(
        default_factory=list,
        description="earlier emails of this contact: an email change updates records in place",
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _check_email(value)

    @field_validator("previously")
    @classmethod
    def _previously(cls, values: list[str]) -> list[str]:
        return [_check_email(v) for v in values]

    @property
    def key(self) -> str:
        return email_key(self.email)


class AccountFile(Strict):
    account: Account
    contacts: list[Contact] = Field(default_factory=list)


def email_key(email: str) -> str:
    """Emails are identities compared case-insensitively."""
    return email.strip().lower()


def managed_fields(model: BaseModel, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields among `names` the YAML sets (explicit null included); absent ones are unmanaged."""
    return {n: getattr(model, n) for n in names if n in model.model_fields_set}


# ---------------------------------------------------------------- the loaded repo


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    col: int


@dataclass(frozen=True)
class LoadedAccount:
    path: str
    """Repo-relative path of the file, as shown in errors."""
    file: AccountFile


@dataclass
class SourceMap:
    """file:line:col of every YAML node, keyed by (repo-relative path, key path)."""

    nodes: dict[tuple[str, tuple[str | int, ...]], Location] = field(default_factory=dict)

    def locate(self, path: str, *keys: str | int) -> Location:
        """The nearest located node: the key itself, else its closest located parent."""
        trail = tuple(keys)
        while True:
            hit = self.nodes.get((path, trail))
            if hit is not None:
                return hit
            if not trail:
                return Location(path, 1, 1)
            trail = trail[:-1]


@dataclass
class DesiredState:
    root: str
    config: Config
    accounts: list[LoadedAccount]
    sources: SourceMap = field(default_factory=SourceMap)
    config_path: str = "storegate.yaml"

    def contacts(self) -> Iterator[tuple[LoadedAccount, int, Contact]]:
        for loaded in self.accounts:
            for index, contact in enumerate(loaded.file.contacts):
                yield loaded, index, contact

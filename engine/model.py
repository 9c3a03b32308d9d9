"""Desired state: the models of the access repo users edit.

Two file kinds: `storegate.yaml` (Config) at the repo root and one `accounts/*.yaml` (AccountFile) per
account. A field left out of the YAML is unmanaged; an explicit `null` clears it. Pydantic's
`model_fields_set` tells the two apart, and `managed_fields` is the one place that reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import email_validator
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import EMAIL_MAX_LENGTH
from pydantic import BaseModel, Field, field_validator

from ..providers.contract import (
    ACCESS_LEVELS,
    ACCOUNT_SETTINGS,
    PERMISSIONS,
    AccessLevel,
    DesiredView,
    Location,
    Problem,
    email_key,
)
from ..providers.settings import ENV_REF, SecretRef, Setting, Strict
from ..state.config import LocalState, PostgresState, StateConfig

__all__ = [
    "ACCESS_LEVELS",
    "ACCOUNT_SETTINGS",
    "ENV_REF",
    "PERMISSIONS",
    "AccessLevel",
    "LocalState",
    "Location",
    "PostgresState",
    "SecretRef",
    "Setting",
    "StateConfig",
    "Strict",
    "email_key",
]


# ---------------------------------------------------------------- storegate.yaml


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
    """storegate.yaml. `systems` maps a name to one system's settings, validated by the settings
    model of the provider its `type` names (the name itself when `type` is left out); the loader
    validates with `storegate.engine.registry.config_model()`, which types this field."""

    version: Literal[1] = 1
    repo: str | None = Field(
        None,
        description="this access repo's identity (e.g. github.com/acme/store-access); state "
        "records it and refuses to serve another repo",
    )
    systems: dict[str, Any] = Field(
        description="the live systems by name: each takes `type` (default: its name) and that "
        "provider's settings"
    )
    exclusive: bool = Field(
        False,
        description="default for account files: the repo owns all access in each declared account "
        "(undeclared access is revoked)",
    )
    state: StateConfig = Field(default_factory=LocalState)
    safety: SafetyPolicy = Field(default_factory=SafetyPolicy)


# ---------------------------------------------------------------- accounts/*.yaml


class Account(Strict):
    name: str = Field(
        min_length=1, description="the account's name in the CRM unless salesforce_id pins it"
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
    stores: dict[str, dict[str, Any]] | None = Field(
        None,
        description="the store systems (by name in storegate.yaml) that serve this account, each "
        "with that store's account options ({} for none)",
    )
    exclusive: bool | None = Field(
        None, description="the repo owns all access in this account (default: storegate.yaml's)"
    )
    store_removal: Literal["deactivate", "delete"] | None = Field(
        None, description="on revocation, deactivate store records (default) or delete them"
    )


_PLAINLY_VALID_EMAIL = re.compile(
    r"[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+(?:\.[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z0-9][A-Za-z0-9-]{0,61})?[A-Za-z]"
)
"""ASCII dot-atom @ hostname labels ending in a letter: the shape email_validator accepts as is."""
_SPECIAL_USE = tuple("." + name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)


def _plainly_valid(value: str) -> bool:
    """True only for an address email_validator surely accepts (the common case, checked in well
    under a microsecond); False sends it to email_validator, which decides and explains."""
    if len(value) > EMAIL_MAX_LENGTH or _PLAINLY_VALID_EMAIL.fullmatch(value) is None:
        return False
    domain = value[value.index("@") :].lower()
    # "--" may be a Punycode or reserved label, which only the full check judges.
    return "--" not in domain and not domain.endswith(_SPECIAL_USE)


def _check_email(value: str) -> str:
    if _plainly_valid(value):
        return value
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


_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def share_field_sets(file: AccountFile) -> None:
    """Each contact's set of the fields its YAML sets, held once per distinct set: pydantic keeps a
    set per model (728 bytes for eight names, more than the contact's values), and most contacts of
    a repo set the same fields. The models are frozen, so pydantic never adds to a shared set (it
    does so only on assignment); pydantic's serializer needs it to be a set, not a frozenset."""
    for contact in file.contacts:
        names = frozenset(contact.__pydantic_fields_set__)
        shared = _FIELD_SETS.get(names)
        if shared is None:
            if len(_FIELD_SETS) >= 4096:  # a bound for a repo whose every contact differs
                continue
            shared = _FIELD_SETS[names] = set(names)
        object.__setattr__(contact, "__pydantic_fields_set__", shared)


def managed_fields(model: BaseModel, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields among `names` the YAML sets (explicit null included); absent ones are unmanaged."""
    present = model.model_fields_set  # a property: asked once, not once per name
    return {n: getattr(model, n) for n in names if n in present}


# ---------------------------------------------------------------- the loaded repo


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
        return self.locate_keys(path, keys)

    def locate_keys(self, path: str, keys: tuple[str | int, ...]) -> Location:
        trail = keys
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
    warnings: list[Problem] = field(default_factory=list)
    """The rules' warnings, for the plan to show its reviewers (not only stderr)."""
    view: DesiredView | None = None
    """The repo as the providers see it, when it was made at load and the contacts' models were
    then released (`engine.view.view_only`): the account files then list no contacts."""

    def contacts(self) -> Iterator[tuple[LoadedAccount, int, Contact]]:
        """The loaded contacts' models: none once `view_only` released them (read `view` then)."""
        for loaded in self.accounts:
            for index, contact in enumerate(loaded.file.contacts):
                yield loaded, index, contact

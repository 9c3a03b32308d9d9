"""Field profiles: which Salesforce API field holds each storegate field.

A profile is a preset (`storeconnect`, `cpq_ecommerce`); `systems.salesforce.fields` overrides any
name, and null unmaps it. Standard fields (Name, Email, FirstName, LastName, AccountId) are fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..contract import ACCOUNT_SETTINGS, PERMISSIONS, ConfigError, SchemaMismatch
from .config import SalesforceSystem
from .soql import is_api_name

Kind = Literal["account", "contact"]
SOBJECT: dict[Kind, str] = {"account": "Account", "contact": "Contact"}

STANDARD: dict[Kind, dict[str, str]] = {
    "account": {"name": "Name"},
    "contact": {
        "email": "Email",
        "first_name": "FirstName",
        "last_name": "LastName",
        "account_id": "AccountId",
    },
}

ACCOUNT_FIELDS = ACCOUNT_SETTINGS
PERMISSION_FIELDS = PERMISSIONS
ECOMMERCE_FIELDS = (
    "ecommerce_enabled",
    "ecommerce_access_date",
    "ecommerce_user_id",
    "ecommerce_customer_id",
    "contact_status",
)
CONTACT_FIELDS = (*PERMISSION_FIELDS, "invitation_accepted_at", *ECOMMERCE_FIELDS)
READ_ONLY = frozenset({"invitation_accepted_at"})
"""Fields storegate reads but never writes (so describe need not say they are updateable)."""

CHECKBOXES = frozenset(
    {
        "active",
        "credit_hold",
        "pay_by_account",
        "supplier",
        "brand",
        *PERMISSION_FIELDS,
        "ecommerce_enabled",
    }
)
"""Checkbox fields: an explicit YAML null means false, as Salesforce cannot store null in them."""

LOOKUPS = {"price_book": "Pricebook2", "membership": "s_c__Membership__c"}
"""Fields the YAML names by the target record's Name; Salesforce stores the Id."""

_STORECONNECT: dict[str, str] = {
    "active": "s_c__Active__c",
    "credit_hold": "s_c__Credit_Hold__c",
    "pay_by_account": "s_c__Pay_By_Account__c",
    "price_book": "s_c__Pricebook_Id__c",
    "display_name": "s_c__Display_Name__c",
    "membership": "s_c__Membership_Id__c",
    "tax_entity_code": "s_c__Tax_Entity_Code__c",
    "supplier": "s_c__Supplier__c",
    "brand": "s_c__Brand__c",
    "purchase_on_account": "s_c__Can_Purchase_For_Account__c",
    "account_credit": "s_c__Can_Use_Account_Credit__c",
    "account_points": "s_c__Can_Use_Account_Points__c",
    "account_pricing": "s_c__Can_Use_Account_Pricing__c",
    "invitation_accepted_at": "s_c__Invitation_Accepted_At__c",
}
_CPQ_ECOMMERCE: dict[str, str] = {
    "ecommerce_enabled": "eCommerce__c",
    "ecommerce_access_date": "eCommerce_Access_Date_Stamp__c",
    "ecommerce_user_id": "eCommerce_User_ID__c",
    "ecommerce_customer_id": "eCommerce_Customer_ID__c",
    "contact_status": "Contact_Status__c",
}
PROFILES: dict[str, dict[str, str]] = {
    "storeconnect": _STORECONNECT,
    "cpq_ecommerce": _CPQ_ECOMMERCE,
}


def kind_of(name: str) -> Kind:
    return "account" if name in ACCOUNT_FIELDS or name == "name" else "contact"


@dataclass(frozen=True)
class FieldMap:
    """The resolved mapping of one configured org: storegate name -> API name (None: unmapped)."""

    profile: str
    account: Mapping[str, str | None]
    contact: Mapping[str, str | None]

    def of(self, kind: Kind) -> Mapping[str, str | None]:
        return self.account if kind == "account" else self.contact

    def api(self, kind: Kind, name: str) -> str | None:
        return STANDARD[kind].get(name) or self.of(kind).get(name)

    def mapped(self, kind: Kind) -> dict[str, str]:
        """Every mapped storegate name of `kind` (standard fields first) -> API name."""
        extra = {n: a for n, a in self.of(kind).items() if a is not None}
        return {**STANDARD[kind], **extra}

    def is_mapped(self, kind: Kind, name: str) -> bool:
        return self.api(kind, name) is not None


def build_field_map(settings: SalesforceSystem) -> FieldMap:
    """The profile's preset with `settings.fields` applied; a bad override is a ConfigError."""
    preset = PROFILES[settings.profile]
    written_back = tuple(
        dict.fromkeys(
            name
            for targets in settings.writeback.values()
            for name in targets
            if name not in CONTACT_FIELDS
        )
    )
    contact_fields = (*CONTACT_FIELDS, *written_back)
    valid = (*ACCOUNT_FIELDS, *contact_fields)
    names: dict[str, str | None] = {n: preset.get(n) for n in valid}
    for name, api in settings.fields.items():
        where = f"storegate.yaml: systems.salesforce.fields.{name}"
        if name not in names:
            raise ConfigError(
                f"{where}: unknown storegate field {name!r}; valid names: {', '.join(valid)}"
            )
        if api is not None and not is_api_name(api):
            raise ConfigError(
                f"{where}: {api!r} is not a Salesforce field API name (letters, digits and "
                f"underscores, e.g. My_Field__c)"
            )
        names[name] = api
    if settings.profile == "cpq_ecommerce" and names["ecommerce_enabled"] is None:
        raise ConfigError(
            "storegate.yaml: systems.salesforce.fields.ecommerce_enabled: the cpq_ecommerce profile "
            "grants access through this checkbox; map it to the org's field instead of null"
        )
    return FieldMap(
        profile=settings.profile,
        account={n: names[n] for n in ACCOUNT_FIELDS},
        contact={n: names[n] for n in contact_fields},
    )


def schema_problems(fields: FieldMap, describes: Mapping[Kind, Mapping[str, Any]]) -> list[str]:
    """One line per mapped field missing from describe, or read-only where storegate writes it."""
    problems: list[str] = []
    for kind, describe in describes.items():
        by_name = {str(f.get("name", "")).lower(): f for f in describe.get("fields", [])}
        sobject = SOBJECT[kind]
        for name, api in fields.mapped(kind).items():
            standard = name in STANDARD[kind]
            fix = (
                "it is a standard field the org must expose to storegate's user"
                if standard
                else f"set systems.salesforce.fields.{name} to the org's API name, or null to "
                f"leave {name} unmanaged"
            )
            found = by_name.get(api.lower())
            if found is None:
                problems.append(
                    f"{sobject}.{api} ({name}, profile {fields.profile}) is missing from the org; "
                    f"{fix}"
                )
            elif name not in READ_ONLY and not found.get("updateable", False):
                problems.append(
                    f"{sobject}.{api} ({name}, profile {fields.profile}) is read-only for this user "
                    f"but storegate writes it; grant edit access to the field, or {fix}"
                )
    return problems


def raise_schema_problems(problems: list[str]) -> None:
    if problems:
        raise SchemaMismatch(
            f"the Salesforce field mapping does not match the org ({len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''}):\n  " + "\n  ".join(problems)
        )

"""Field profiles, overrides, and the describe check's one clear message."""

from __future__ import annotations

from typing import Any

import pytest

from storegate.engine.errors import ConfigError, SchemaMismatch
from storegate.providers.salesforce.profiles import (
    build_field_map,
    raise_schema_problems,
    schema_problems,
)
from tests.providers.test_salesforce_support import sf_settings


def test_storeconnect_profile_maps_settings_and_permissions() -> None:
    fields = build_field_map(sf_settings())
    assert fields.api("account", "price_book") == "s_c__Pricebook_Id__c"
    assert fields.api("contact", "account_credit") == "s_c__Can_Use_Account_Credit__c"
    assert fields.api("contact", "email") == "Email"
    assert not fields.is_mapped("contact", "ecommerce_enabled")


def test_cpq_profile_maps_ecommerce_fields_and_leaves_settings_unmapped() -> None:
    fields = build_field_map(sf_settings(profile="cpq_ecommerce"))
    assert fields.api("contact", "ecommerce_enabled") == "eCommerce__c"
    assert fields.api("contact", "contact_status") == "Contact_Status__c"
    assert not fields.is_mapped("account", "credit_hold")
    assert not fields.is_mapped("contact", "purchase_on_account")


def test_overrides_rename_and_unmap() -> None:
    fields = build_field_map(sf_settings(fields={"credit_hold": "Credit_Hold__c", "brand": None}))
    assert fields.api("account", "credit_hold") == "Credit_Hold__c"
    assert not fields.is_mapped("account", "brand")


def test_unknown_override_lists_valid_names() -> None:
    with pytest.raises(ConfigError) as caught:
        build_field_map(sf_settings(fields={"credithold": "X__c"}))
    message = str(caught.value)
    assert "systems.salesforce.fields.credithold" in message
    assert "credit_hold" in message and "account_pricing" in message


def test_override_that_is_not_an_api_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a Salesforce field API name"):
        build_field_map(sf_settings(fields={"brand": "Id FROM User --"}))


def _describe(*fields: tuple[str, bool]) -> dict[str, Any]:
    return {"fields": [{"name": n, "updateable": u} for n, u in fields]}


def test_schema_problems_one_line_per_missing_or_read_only_field() -> None:
    fields = build_field_map(
        sf_settings(
            fields={
                n: None
                for n in (
                    "credit_hold",
                    "pay_by_account",
                    "price_book",
                    "display_name",
                    "membership",
                    "tax_entity_code",
                    "supplier",
                    "brand",
                )
            }
        )
    )
    account = _describe(("Id", False), ("Name", True), ("s_c__Active__c", True))
    contact = _describe(
        ("Email", True),
        ("FirstName", True),
        ("LastName", True),
        ("AccountId", True),
        ("s_c__Can_Purchase_For_Account__c", True),
        ("s_c__Can_Use_Account_Credit__c", False),
        ("s_c__Can_Use_Account_Points__c", True),
        ("s_c__Invitation_Accepted_At__c", False),
    )
    problems = schema_problems(fields, {"account": account, "contact": contact})
    assert len(problems) == 2
    read_only, missing = sorted(problems, key=lambda p: "missing" in p)
    assert (
        "Contact.s_c__Can_Use_Account_Credit__c (account_credit, profile storeconnect)" in read_only
    )
    assert "read-only" in read_only
    assert "systems.salesforce.fields.account_credit" in read_only
    assert "Contact.s_c__Can_Use_Account_Pricing__c (account_pricing" in missing
    assert "systems.salesforce.fields.account_pricing" in missing
    with pytest.raises(SchemaMismatch) as caught:
        raise_schema_problems(problems)
    assert str(caught.value).count("\n") == 2

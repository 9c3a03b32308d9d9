"""Each store whose ids Salesforce keeps gets its own write-back (no network)."""

from __future__ import annotations

from pathlib import Path

from storegate.engine.view import desired_view
from storegate.providers.contract import Address, DesiredContext, Ref, SystemInfo
from tests.providers.test_salesforce_support import SALESFORCE, load_desired, sf_provider

ACME = """\
    account:
      name: Acme Industrial
    contacts:
      - email: jane@acme.example
        access: active
      - email: bob@acme.example
        access: revoked
    """


def two_stores(desired) -> DesiredContext:  # type: ignore[no-untyped-def]
    systems = {
        "salesforce": SALESFORCE,
        "bigcommerce": SystemInfo("bigcommerce", "bigcommerce", "customer"),
        "emporix": SystemInfo("emporix", "emporix", "customer", account_kind="legal_entity"),
    }
    return DesiredContext(desired_view(desired), (), systems)


def test_cpq_profile_writes_the_first_stores_ids_back_by_default(tmp_path: Path) -> None:
    desired = load_desired(tmp_path, {"acme.yaml": ACME}, profile="cpq_ecommerce")
    provider = sf_provider(tmp_path, profile="cpq_ecommerce")
    records = {(r.kind, r.key): r for r in provider.desired(two_stores(desired))}
    jane = records[("contact", "jane@acme.example")]
    store = Address("bigcommerce", "customer", "jane@acme.example")
    assert jane.fields["ecommerce_customer_id"] == Ref(store, "id")
    assert jane.fields["ecommerce_user_id"] == Ref(store, "email")
    assert jane.later_fields == {"ecommerce_customer_id", "ecommerce_user_id"}


def test_each_configured_store_gets_its_own_write_back(tmp_path: Path) -> None:
    fields = (
        "    writeback:\n"
        "      bigcommerce: {ecommerce_customer_id: id}\n"
        "      emporix: {emporix_customer_number: customer_number}\n"
        "    fields:\n"
        "      emporix_customer_number: Emporix_Customer_Number__c\n"
    )
    desired = load_desired(tmp_path, {"acme.yaml": ACME}, profile="cpq_ecommerce", fields=fields)
    settings = desired.config.systems["salesforce"]
    provider = sf_provider(
        tmp_path,
        profile="cpq_ecommerce",
        writeback=settings.writeback,
        fields=dict(settings.fields),
    )
    records = {(r.kind, r.key): r for r in provider.desired(two_stores(desired))}
    jane = records[("contact", "jane@acme.example")]
    assert jane.fields["ecommerce_customer_id"] == Ref(
        Address("bigcommerce", "customer", "jane@acme.example"), "id"
    )
    assert jane.fields["emporix_customer_number"] == Ref(
        Address("emporix", "customer", "jane@acme.example"), "customer_number"
    )
    assert "ecommerce_user_id" not in jane.fields, "only what writeback names is written"
    bob = records[("contact", "bob@acme.example")]
    assert bob.fields["emporix_customer_number"] is None, "a revocation clears every store's id"
    assert bob.fields["ecommerce_customer_id"] is None

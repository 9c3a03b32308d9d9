"""Hand-built plans shaped like what the diff makes: several accounts, every action, nasty strings."""

from __future__ import annotations

import pytest

from storegate.engine.plan import (
    Action,
    Address,
    Change,
    FieldChange,
    ManagedRecord,
    ManualStep,
    Plan,
    PlanWarning,
    Ref,
)
from storegate.providers.contract import AccessLevel

NASTY_ACCOUNT = "O'Brien & Sons | <script>alert(1)</script>"
NASTY_NAME = "Robert`); DROP TABLE *contacts*; -- @everyone\n<!-- storegate-plan -->"


def contact_address(email: str) -> Address:
    return Address("salesforce", "contact", email)


def make_change(
    address: Address | str,
    action: Action,
    *,
    account: str,
    fields: tuple[FieldChange, ...] = (),
    create_fields: tuple[FieldChange, ...] = (),
    reason: str = "",
    step: int = 0,
    source: str | None = None,
    warnings: tuple[str, ...] = (),
    depends_on: tuple[str, ...] = (),
    person: str | None = None,
    access: AccessLevel | None = None,
    manual: ManualStep | None = None,
) -> Change:
    """A change on `address` (an Address, or its text `system.kind["key"]`)."""
    return Change(
        address=address if isinstance(address, Address) else Address.parse(address),
        account=account,
        action=action,
        fields=fields,
        reason=reason,
        step=step,
        remote_id=None if action is Action.CREATE else "003Hs00000abcdEAAQ",
        fingerprint=None if action is Action.CREATE else "0f1e2d3c4b5a6978",
        depends_on=depends_on,
        warnings=warnings,
        create_fields=create_fields,
        source=source,
        person=person,
        access=access,
        manual=manual,
    )


def realistic_plan() -> Plan:
    """Changes in a dependency order, as the diff orders them: each after those it depends on."""
    acme = Address("salesforce", "account", "Acme Industrial")
    jane = contact_address("jane.doe@acme.example")
    bc_jane = Address("bigcommerce", "customer", "jane.doe@acme.example")
    bc_leaver = Address("bigcommerce", "customer", "ex.buyer@obrien.example")
    changes = (
        make_change(
            acme,
            Action.UPDATE,
            account="Acme Industrial",
            fields=(
                FieldChange("credit_hold", True, False),
                FieldChange("price_book", "Retail", "Wholesale 2026"),
            ),
            reason="account settings differ from accounts/acme-industrial.yaml",
            source="accounts/acme-industrial.yaml:2",
        ),
        make_change(
            jane,
            Action.GRANT,
            account="Acme Industrial",
            fields=(
                FieldChange("purchase_on_account", False, True),
                FieldChange("account_credit", None, True),
            ),
            reason="access: active in the YAML",
            source="accounts/acme-industrial.yaml:14",
            depends_on=(str(acme),),
            person="jane.doe@acme.example",
            access="active",
        ),
        make_change(
            bc_jane,
            Action.CREATE,
            account="Acme Industrial",
            fields=(FieldChange("customer_group_id", None, 7),),
            create_fields=(FieldChange("email", None, "jane.doe@acme.example"),),
            reason="new buyer",
            source="accounts/acme-industrial.yaml:14",
            depends_on=(str(jane),),
            person="jane.doe@acme.example",
            access="active",
        ),
        make_change(
            jane,
            Action.UPDATE,
            account="Acme Industrial",
            fields=(FieldChange("bigcommerce_customer_id", None, Ref(bc_jane)),),
            reason="write the store id back",
            step=1,
            source="accounts/acme-industrial.yaml:14",
            depends_on=(str(bc_jane), str(jane)),
            person="jane.doe@acme.example",
            access="active",
        ),
        make_change(
            bc_leaver,
            Action.DELETE,
            account=NASTY_ACCOUNT,
            reason="revoked buyers have no store customer",
            person="ex.buyer@obrien.example",
            access="revoked",
        ),
        make_change(
            contact_address("ex.buyer@obrien.example"),
            Action.REVOKE,
            account=NASTY_ACCOUNT,
            fields=(
                FieldChange("purchase_on_account", True, False),
                FieldChange("last_name", NASTY_NAME, NASTY_NAME),
            ),
            reason="removed from accounts/obrien.yaml",
            warnings=("the contact stays Active with its email: the integration may re-create it",),
            depends_on=(str(bc_leaver),),  # the store customer goes before the contact's access
            person="ex.buyer@obrien.example",
            access="revoked",
        ),
        make_change(
            Address("cin7_omni", "customer", "pat@zeta.example"),
            Action.MANUAL,
            account="Zeta | Supplies_*",
            reason="Deactivate the customer in the Cin7 Omni dashboard: Customers > pat > Deactivate",
            source="accounts/zeta.yaml:9",
            person="pat@zeta.example",
            access="revoked",
            manual=ManualStep(
                title="Deactivate pat@zeta.example in Cin7 Omni",
                where="Cin7 Omni → Customers",
                steps=("Open pat@zeta.example", "Set the customer inactive", "Save"),
                done_when="the customer reads back inactive",
            ),
        ),
    )
    warnings = (
        PlanWarning(
            "tax_exempt",
            "Acme Industrial becomes tax exempt (tax_entity_code EXEMPT-NY)",
            str(acme),
        ),
        PlanWarning("revocations", "2 of 40 managed contacts lose access (5%)"),
    )
    return Plan(
        changes=changes,
        warnings=warnings,
        lineage="7d1c9a40-2f7e-4a55-9d0b-3f0c2f5f4e11",
        serial=4,
        managed_contacts=40,
        managed=(ManagedRecord(acme, "001Hs00000acmeAAA", "Acme Industrial"),),
        forget=(str(contact_address("gone@obrien.example")),),
        created_at="2026-01-15T10:00:00+00:00",
    )


def many_accounts_plan(accounts: int, contacts_per_account: int) -> Plan:
    changes = tuple(
        make_change(
            contact_address(f"buyer{c}@account{a:03d}.example"),
            Action.GRANT,
            account=f"Account {a:03d}",
            fields=(FieldChange("purchase_on_account", False, True),),
            reason="access: active in the YAML",
            source=f"accounts/account{a:03d}.yaml:{5 + c}",
        )
        for a in range(accounts)
        for c in range(contacts_per_account)
    )
    return Plan(changes=changes, created_at="2026-01-15T10:00:00+00:00")


@pytest.fixture
def plan() -> Plan:
    return realistic_plan()


@pytest.fixture
def empty_plan() -> Plan:
    return Plan(changes=(), created_at="2026-01-15T10:00:00+00:00")


@pytest.fixture(autouse=True)
def no_secrets_from_other_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets resolved by earlier tests in this process (say a value "token") would be redacted
    here too: each render test starts with none known but its own."""
    from storegate.providers import settings

    monkeypatch.setattr(settings, "_resolved_secrets", set())

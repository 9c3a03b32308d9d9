"""Hand-built plans shaped like what the diff makes: several accounts, every action, nasty strings."""

from __future__ import annotations

import pytest

from storegate.engine.plan import Action, Change, FieldChange, Plan, PlanWarning, Ref

NASTY_ACCOUNT = "O'Brien & Sons | <script>alert(1)</script>"
NASTY_NAME = "Robert`); DROP TABLE *contacts*; -- @everyone\n<!-- storegate-plan -->"


def contact_address(email: str) -> str:
    return f'contact["{email}"]'


def make_change(
    address: str,
    action: Action,
    *,
    account: str,
    system: str = "salesforce",
    kind: str = "contact",
    fields: tuple[FieldChange, ...] = (),
    create_fields: tuple[FieldChange, ...] = (),
    reason: str = "",
    phase: int = 1,
    source: str | None = None,
    warnings: tuple[str, ...] = (),
    depends_on: tuple[str, ...] = (),
) -> Change:
    return Change(
        address=address,
        system=system,
        kind=kind,
        key=address.split('"')[1] if '"' in address else address,
        account=account,
        action=action,
        fields=fields,
        reason=reason,
        phase=phase,
        remote_id=None if action is Action.CREATE else "003Hs00000abcdEAAQ",
        fingerprint=None if action is Action.CREATE else "sha256:0f1e2d",
        depends_on=depends_on,
        warnings=warnings,
        create_fields=create_fields,
        source=source,
    )


def realistic_plan() -> Plan:
    jane = contact_address("jane.doe@acme.example")
    bc_jane = 'bigcommerce.customer["jane.doe@acme.example"]'
    changes = (
        make_change(
            'account["Acme Industrial"]',
            Action.UPDATE,
            account="Acme Industrial",
            kind="account",
            fields=(
                FieldChange("credit_hold", True, False),
                FieldChange("price_book", "Retail", "Wholesale 2026"),
            ),
            reason="account settings differ from accounts/acme-industrial.yaml",
            phase=0,
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
        ),
        make_change(
            bc_jane,
            Action.CREATE,
            account="Acme Industrial",
            system="bigcommerce",
            kind="customer",
            fields=(FieldChange("customer_group_id", None, 7),),
            create_fields=(FieldChange("email", None, "jane.doe@acme.example"),),
            reason="new buyer",
            phase=2,
            source="accounts/acme-industrial.yaml:14",
            depends_on=(f"{jane}#1",),
        ),
        make_change(
            jane,
            Action.UPDATE,
            account="Acme Industrial",
            fields=(FieldChange("bigcommerce_customer_id", None, Ref(bc_jane)),),
            reason="write the store id back",
            phase=3,
            source="accounts/acme-industrial.yaml:14",
            depends_on=(f"{bc_jane}#2",),
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
            phase=1,
            warnings=("the contact stays Active with its email: the integration may re-create it",),
        ),
        make_change(
            'bigcommerce.customer["ex.buyer@obrien.example"]',
            Action.DELETE,
            account=NASTY_ACCOUNT,
            system="bigcommerce",
            kind="customer",
            reason="revoked buyers have no store customer",
            phase=0,
        ),
        make_change(
            'cin7_omni.customer["pat@zeta.example"]',
            Action.MANUAL,
            account="Zeta | Supplies_*",
            system="cin7_omni",
            kind="customer",
            reason="Deactivate the customer in the Cin7 Omni dashboard: Customers > pat > Deactivate",
            phase=2,
            source="accounts/zeta.yaml:9",
        ),
    )
    warnings = (
        PlanWarning(
            "tax_exempt",
            "Acme Industrial becomes tax exempt (tax_entity_code EXEMPT-NY)",
            'account["Acme Industrial"]',
        ),
        PlanWarning("revocations", "2 of 40 managed contacts lose access (5%)"),
    )
    return Plan(
        changes=changes,
        warnings=warnings,
        lineage="7d1c9a40-2f7e-4a55-9d0b-3f0c2f5f4e11",
        serial=4,
        managed_contacts=40,
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

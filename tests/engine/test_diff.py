"""The diff: matching, managed fields only, actions, phases and dependencies."""

from __future__ import annotations

from storegate.engine.diff import Phase, diff, same_value
from storegate.engine.plan import Action, Ref
from storegate.providers.base import DesiredRecord, KeepIfSet, LiveRecord

SF_ACCOUNT = 'salesforce.account["Acme"]'
STORE = 'bigcommerce.customer["jane@acme.example"]'


def contact(**fields: object) -> DesiredRecord:
    base: dict[str, object] = {"email": "jane@acme.example", "account_id": Ref(SF_ACCOUNT)}
    base.update(fields)
    access = str(base.pop("_access", "active"))
    return DesiredRecord(
        system="salesforce",
        kind="contact",
        key="jane@acme.example",
        account="Acme",
        intent="present",
        fields=base,
        access=access,  # type: ignore[arg-type]
        depends_on=(SF_ACCOUNT, STORE),
        writeback_fields=frozenset({"ecommerce_customer_id"}),
    )


def live_contact(**fields: object) -> LiveRecord:
    base: dict[str, object] = {
        "email": "Jane@Acme.example",
        "account_id": "001A",
        "first_name": "J",
    }
    base.update(fields)
    access = str(base.pop("_access", "active"))
    return LiveRecord("salesforce", "contact", "jane@acme.example", "003A", base, "Acme", access)  # type: ignore[arg-type]


def live_account() -> LiveRecord:
    return LiveRecord("salesforce", "account", "Acme", "001A", {"name": "Acme", "active": True})


def account(**fields: object) -> DesiredRecord:
    return DesiredRecord(
        "salesforce", "account", "Acme", "Acme", "present", {"name": "Acme", **fields}
    )


def test_no_change_when_managed_fields_match_and_unmanaged_differ() -> None:
    changes = diff([account(), contact()], [live_account(), live_contact(first_name="Other")])
    assert changes == []


def test_email_compared_case_insensitively_and_account_ref_resolved_from_live() -> None:
    assert same_value("email", "JANE@acme.example", "jane@ACME.example")
    assert diff([account(), contact()], [live_account(), live_contact()]) == []


def test_update_reports_before_after_and_fingerprint() -> None:
    have = live_contact(purchase_on_account=False)
    [change] = diff([account(), contact(purchase_on_account=True)], [live_account(), have])
    assert change.action is Action.UPDATE
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("purchase_on_account", False, True)
    ]
    assert change.remote_id == "003A" and change.fingerprint == have.fingerprint
    assert change.phase == Phase.CONTACT


def test_revoke_and_grant_are_labelled_by_access() -> None:
    [revoke] = diff(
        [account(), contact(_access="revoked", purchase_on_account=False)],
        [live_account(), live_contact(purchase_on_account=True)],
    )
    assert revoke.action is Action.REVOKE and revoke.phase == Phase.CONTACT_REVOKE
    [grant] = diff(
        [account(), contact(purchase_on_account=True)],
        [live_account(), live_contact(purchase_on_account=False, _access="revoked")],
    )
    assert grant.action is Action.GRANT


def test_create_keeps_refs_for_records_created_in_the_same_apply() -> None:
    changes = diff([account(), contact()], [])
    account_change, contact_change = changes
    assert account_change.action is Action.CREATE and account_change.phase == Phase.ACCOUNT
    assert contact_change.action is Action.CREATE
    assert dict((f.name, f.after) for f in contact_change.fields)["account_id"] == Ref(SF_ACCOUNT)
    assert contact_change.depends_on == (account_change.id,)


def test_writeback_split_into_a_later_phase_depending_on_the_store_record() -> None:
    want = contact(ecommerce_customer_id=Ref(STORE))
    store = DesiredRecord(
        "bigcommerce",
        "customer",
        "jane@acme.example",
        "Acme",
        "present",
        {"email": "jane@acme.example"},
        access="active",
        depends_on=('salesforce.contact["jane@acme.example"]',),
    )
    changes = diff([account(), want, store], [live_account(), live_contact()])
    by_phase = {c.phase: c for c in changes}
    assert set(by_phase) == {Phase.STORE, Phase.WRITEBACK}
    assert by_phase[Phase.WRITEBACK].depends_on == (by_phase[Phase.STORE].id,)


def test_absent_intent_deletes_only_existing_records() -> None:
    gone = DesiredRecord(
        "bigcommerce", "customer", "jane@acme.example", "Acme", "absent", {}, access="revoked"
    )
    live = LiveRecord("bigcommerce", "customer", "jane@acme.example", "17", {"email": "x"})
    [delete] = diff([gone], [live])
    assert delete.action is Action.DELETE and delete.phase == Phase.STORE_REMOVAL
    assert diff([gone], []) == []


def test_match_by_remote_id_then_alias_shows_email_drift_as_update() -> None:
    moved = LiveRecord(
        "salesforce",
        "contact",
        "someone.else@acme.example",
        "003A",
        {"email": "someone.else@acme.example", "account_id": "001A"},
        "Acme",
        "active",
    )
    pinned = DesiredRecord(
        "salesforce",
        "contact",
        "jane@acme.example",
        "Acme",
        "present",
        {"email": "jane@acme.example"},
        access="active",
        remote_id="003A",
    )
    [change] = diff([pinned], [moved])
    assert change.action is Action.UPDATE and change.remote_id == "003A"
    assert change.fields[0].after == "jane@acme.example"
    renamed = DesiredRecord(
        "salesforce",
        "contact",
        "jane@acme.example",
        "Acme",
        "present",
        {"email": "jane@acme.example"},
        access="active",
        aliases=("someone.else@acme.example",),
    )
    [change] = diff([renamed], [moved])
    assert change.remote_id == "003A"


def test_keep_if_set_only_fills_empty_fields() -> None:
    stamped = contact(ecommerce_access_date=KeepIfSet("2026-11-23"))
    assert (
        diff(
            [account(), stamped], [live_account(), live_contact(ecommerce_access_date="2025-01-01")]
        )
        == []
    )
    [change] = diff(
        [account(), stamped], [live_account(), live_contact(ecommerce_access_date=None)]
    )
    assert change.fields[0].after == "2026-11-23"


def test_unmanaged_live_records_never_appear() -> None:
    stranger = LiveRecord("salesforce", "contact", "x@y.example", "003Z", {"email": "x@y.example"})
    assert diff([account()], [live_account(), stranger]) == []


def test_ref_to_an_attribute_resolves_to_the_targets_new_value() -> None:
    """Regression: an email changed in place wrote the store's old email back to Salesforce."""
    want = contact(ecommerce_customer_id=Ref(STORE, "email"))
    store = DesiredRecord(
        "bigcommerce",
        "customer",
        "jane@acme.example",
        "Acme",
        "present",
        {"email": "jane@acme.example"},
        access="active",
        aliases=("old@acme.example",),
    )
    old_store = LiveRecord(
        "bigcommerce", "customer", "old@acme.example", "7", {"email": "old@acme.example"}
    )
    changes = diff([account(), want, store], [live_account(), live_contact(), old_store])
    writeback = next(c for c in changes if c.phase == Phase.WRITEBACK)
    assert writeback.fields[0].after == "jane@acme.example"

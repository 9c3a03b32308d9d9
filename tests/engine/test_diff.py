"""The diff: matching, managed fields only, actions, dependency edges (reversed for removals)."""

from __future__ import annotations

from typing import Any

from storegate.engine.diff import LiveIndex, Resolver, diff, match_all, unsettled
from storegate.providers.contract import (
    Action,
    Address,
    DesiredRecord,
    KeepIfSet,
    LiveRecord,
    Ref,
    email_key,
)

SF_ACCOUNT = Address("salesforce", "account", "Acme")
SF_CONTACT = Address("salesforce", "contact", "jane@acme.example")
STORE = Address("bigcommerce", "customer", "jane@acme.example")


def compare(system: str, name: str, desired: Any, live: Any) -> bool:
    """The Salesforce provider's identity rule, as the engine receives it through the hook."""
    if name == "email" and isinstance(desired, str) and isinstance(live, str):
        return email_key(desired) == email_key(live)
    return bool(desired == live) or (desired in (None, "") and live in (None, ""))


def contact(**fields: object) -> DesiredRecord:
    base: dict[str, object] = {"email": "jane@acme.example", "account_id": Ref(SF_ACCOUNT)}
    base.update(fields)
    access = str(base.pop("_access", "active"))
    return DesiredRecord(
        address=SF_CONTACT,
        account="Acme",
        intent="present",
        fields=base,
        access=access,  # type: ignore[arg-type]
        person="jane@acme.example",
        depends_on=(SF_ACCOUNT,),
        later_fields=frozenset({"ecommerce_customer_id"}),
    )


def store(**extra: Any) -> DesiredRecord:
    values: dict[str, Any] = {
        "address": STORE,
        "account": "Acme",
        "intent": "present",
        "fields": {"email": "jane@acme.example"},
        "access": "active",
        "person": "jane@acme.example",
        "depends_on": (SF_CONTACT,),
    }
    values.update(extra)
    return DesiredRecord(**values)


def live_contact(**fields: object) -> LiveRecord:
    base: dict[str, object] = {
        "email": "Jane@Acme.example",
        "account_id": "001A",
        "first_name": "J",
    }
    base.update(fields)
    access = str(base.pop("_access", "active"))
    return LiveRecord(SF_CONTACT, "003A", base, "Acme", access)  # type: ignore[arg-type]


def live_account() -> LiveRecord:
    return LiveRecord(SF_ACCOUNT, "001A", {"name": "Acme", "active": True})


def account(**fields: object) -> DesiredRecord:
    return DesiredRecord(SF_ACCOUNT, "Acme", "present", {"name": "Acme", **fields})


def run(desired: list[DesiredRecord], live: list[LiveRecord]) -> list[Any]:
    return diff(desired, live, compare=compare)


def test_no_change_when_managed_fields_match_and_unmanaged_differ() -> None:
    changes = run([account(), contact()], [live_account(), live_contact(first_name="Other")])
    assert changes == []


def test_identity_rules_come_from_the_provider_hook() -> None:
    assert run([account(), contact()], [live_account(), live_contact()]) == []
    # with the default comparison, a differently cased email is a difference
    assert len(diff([account(), contact()], [live_account(), live_contact()])) == 1


def test_update_reports_before_after_fingerprint_and_person() -> None:
    have = live_contact(purchase_on_account=False)
    [change] = run([account(), contact(purchase_on_account=True)], [live_account(), have])
    assert change.action is Action.UPDATE
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("purchase_on_account", False, True)
    ]
    assert change.remote_id == "003A" and change.fingerprint == have.fingerprint
    assert change.person == "jane@acme.example" and change.id == str(SF_CONTACT)


def test_revoke_and_grant_are_labelled_by_access() -> None:
    [revoke] = run(
        [account(), contact(_access="revoked", purchase_on_account=False)],
        [live_account(), live_contact(purchase_on_account=True)],
    )
    assert revoke.action is Action.REVOKE and revoke.access == "revoked"
    [grant] = run(
        [account(), contact(purchase_on_account=True)],
        [live_account(), live_contact(purchase_on_account=False, _access="revoked")],
    )
    assert grant.action is Action.GRANT


def test_create_keeps_refs_and_waits_for_the_record_it_refers_to() -> None:
    account_change, contact_change = run([account(), contact()], [])
    assert account_change.action is Action.CREATE
    assert contact_change.action is Action.CREATE
    assert dict((f.name, f.after) for f in contact_change.fields)["account_id"] == Ref(SF_ACCOUNT)
    assert contact_change.depends_on == (account_change.id,)


def test_written_back_fields_are_a_second_change_after_the_store_record() -> None:
    want = contact(ecommerce_customer_id=Ref(STORE))
    changes = run([account(), want, store()], [live_account(), live_contact()])
    ids = [c.id for c in changes]
    assert ids == [str(STORE), f"{SF_CONTACT}+1"]
    writeback = changes[1]
    assert writeback.step == 1 and writeback.depends_on == (str(STORE),)
    assert [f.name for f in writeback.fields] == ["ecommerce_customer_id"]


def test_cross_system_create_order_and_reversed_revocation_order() -> None:
    created = run([account(), contact(), store()], [live_account()])
    assert [c.id for c in created] == [str(SF_CONTACT), str(STORE)]
    assert created[1].depends_on == (str(SF_CONTACT),)
    revoked = run(
        [
            account(),
            contact(_access="revoked", purchase_on_account=False),
            store(intent="absent", fields={}, access="revoked"),
        ],
        [
            live_account(),
            live_contact(purchase_on_account=True),
            LiveRecord(STORE, "17", {"email": "jane@acme.example"}, access="active"),
        ],
    )
    assert [(c.id, c.action) for c in revoked] == [
        (str(STORE), Action.DELETE),
        (str(SF_CONTACT), Action.REVOKE),
    ]
    assert revoked[1].depends_on == (str(STORE),), "the store closes before the CRM revokes"


def test_absent_intent_deletes_only_existing_records() -> None:
    gone = store(intent="absent", fields={}, access="revoked")
    live = LiveRecord(STORE, "17", {"email": "x"})
    [delete] = run([gone], [live])
    assert delete.action is Action.DELETE and delete.remote_id == "17"
    assert run([gone], []) == []


def test_match_by_remote_id_then_alias_shows_email_drift_as_update() -> None:
    moved = LiveRecord(
        Address("salesforce", "contact", "someone.else@acme.example"),
        "003A",
        {"email": "someone.else@acme.example", "account_id": "001A"},
        "Acme",
        "active",
    )
    pinned = DesiredRecord(
        SF_CONTACT, "Acme", "present", {"email": "jane@acme.example"}, "active", remote_id="003A"
    )
    [change] = run([pinned], [moved])
    assert change.action is Action.UPDATE and change.remote_id == "003A"
    assert change.fields[0].after == "jane@acme.example"
    renamed = DesiredRecord(
        SF_CONTACT,
        "Acme",
        "present",
        {"email": "jane@acme.example"},
        "active",
        aliases=("someone.else@acme.example",),
    )
    [change] = run([renamed], [moved])
    assert change.remote_id == "003A"


def test_keep_if_set_only_fills_empty_fields() -> None:
    stamped = contact(ecommerce_access_date=KeepIfSet("2026-11-23"))
    assert (
        run(
            [account(), stamped], [live_account(), live_contact(ecommerce_access_date="2025-01-01")]
        )
        == []
    )
    [change] = run([account(), stamped], [live_account(), live_contact(ecommerce_access_date=None)])
    assert change.fields[0].after == "2026-11-23"


def test_unmanaged_live_records_never_become_changes() -> None:
    stranger = LiveRecord(
        Address("salesforce", "contact", "x@y.example"), "003Z", {"email": "x@y.example"}
    )
    assert run([account()], [live_account(), stranger]) == []


def test_ref_to_an_attribute_resolves_to_the_targets_new_value() -> None:
    """Regression: an email changed in place wrote the store's old email back to Salesforce."""
    want = contact(ecommerce_customer_id=Ref(STORE, "email"))
    old_store = LiveRecord(
        Address("bigcommerce", "customer", "old@acme.example"), "7", {"email": "old@acme.example"}
    )
    changes = run(
        [account(), want, store(aliases=("old@acme.example",))],
        [live_account(), live_contact(), old_store],
    )
    writeback = next(c for c in changes if c.step == 1)
    assert writeback.fields[0].after == "jane@acme.example"


def test_the_diff_looks_at_each_record_once() -> None:
    """Linear cost: matching builds one index of live records; 2N desired records, N live."""
    size = 2000
    desired = [
        DesiredRecord(
            Address("s", "user", f"u{i}@x.example"), "A", "present", {"n": i}, person=f"u{i}"
        )
        for i in range(2 * size)
    ]
    # Live values as text (an identical value of the same type never reaches the provider's
    # comparison): each matched record's field is compared once.
    live = [
        LiveRecord(Address("s", "user", f"u{i}@x.example"), str(i), {"n": str(i)})
        for i in range(size)
    ]
    calls = 0

    def counting(system: str, name: str, want: Any, have: Any) -> bool:
        nonlocal calls
        calls += 1
        return str(want) == str(have)

    changes = diff(desired, live, compare=counting)
    assert len(changes) == size and calls == size


def test_an_address_round_trips_whatever_its_key_holds() -> None:
    """Regression: a newline in an account name made a saved plan unreadable."""
    for key in ("Acme\nIndustrial", 'say "hi"', "  padded  ", "日本"):
        address = Address("salesforce", "account", key)
        assert Address.parse(str(address)) == address


def test_each_live_record_is_matched_once_and_the_rest_are_listed_unmatched() -> None:
    """By pinned id, then key, then earlier key; a record taken by one desired record is not
    taken again (two desired records naming one live record: the second creates), and the live
    records nobody matched come back for the ownership checks."""
    pinned = LiveRecord(SF_CONTACT, "003A", {"email": "jane@acme.example"}, "Acme", "active")
    same_key = LiveRecord(SF_CONTACT, "003B", {"email": "jane@acme.example"}, "Acme", "active")
    old_key = Address("salesforce", "contact", "old@acme.example")
    renamed = LiveRecord(old_key, "003C", {"email": "old@acme.example"}, "Acme", "active")
    stranger = LiveRecord(
        Address("salesforce", "contact", "x@acme.example"), "003D", {}, "Acme", "active"
    )
    other_kind = LiveRecord(SF_ACCOUNT, "003A", {"name": "Acme"})  # an id of another kind
    by_id = DesiredRecord(SF_CONTACT, "Acme", "present", {}, remote_id="003A")
    by_key = DesiredRecord(SF_CONTACT, "Acme", "present", {})
    by_alias = DesiredRecord(
        Address("salesforce", "contact", "new@acme.example"),
        "Acme",
        "present",
        {},
        aliases=("old@acme.example",),
    )
    again = DesiredRecord(SF_CONTACT, "Acme", "present", {}, remote_id="003A")
    matches, unmatched = match_all(
        [by_id, by_key, by_alias, again], [pinned, same_key, renamed, stranger, other_kind]
    )
    assert [m.live for m in matches] == [pinned, None, renamed, None]
    assert sorted(r.id for r in unmatched) == ["003A", "003B", "003D"]
    assert other_kind in unmatched and same_key in unmatched and stranger in unmatched


def test_records_settled_as_their_system_lands_leave_the_same_changes() -> None:
    """A plan matches a system's records as its read lands and sets aside those already as the
    repo says; a Ref to a system not read yet (the store's id written back) leaves its record
    unsettled, for the diff that runs once every system is read."""
    account = DesiredRecord(SF_ACCOUNT, "Acme", "present", {"name": "Acme"})
    same = contact()
    written_back = DesiredRecord(
        Address("salesforce", "contact", "bob@acme.example"),
        "Acme",
        "present",
        {"account_id": Ref(SF_ACCOUNT), "store_id": Ref(STORE, "id")},
    )
    customer = store()
    desired = [account, same, written_back, customer]
    crm_live = [
        LiveRecord(SF_ACCOUNT, "001A", {"name": "Acme Old"}),
        LiveRecord(SF_CONTACT, "003J", {"email": "jane@acme.example", "account_id": "001A"}),
        LiveRecord(written_back.address, "003B", {"account_id": "001A", "store_id": "41"}),
    ]
    store_live = [LiveRecord(STORE, "42", {"email": "jane@acme.example"})]

    index = LiveIndex()
    index.add(crm_live)
    crm = index.take(desired[:3])
    pending = unsettled(crm, Resolver(crm))
    assert [m.desired for m in pending] == [account, written_back], "renamed; Ref to the store"
    index.add(store_live)
    rest = index.take(desired[3:])
    pending += rest
    matches = crm + rest
    live = crm_live + store_live
    examined = diff(desired, live, compare=compare, matches=matches, examine=pending)
    full = diff(desired, live, compare=compare)
    assert examined == full
    assert sorted((c.key, [f.after for f in c.fields]) for c in full) == [
        ("Acme", ["Acme"]),
        ("bob@acme.example", ["42"]),
    ]
    assert index.unmatched() == []

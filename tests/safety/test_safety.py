"""The safety policy: each rule, its boundary, protected contacts, and the override flag."""

from __future__ import annotations

import pytest

from storegate.engine.errors import SafetyRefused
from storegate.engine.model import SafetyPolicy
from storegate.engine.plan import Action, Address, Change, ManualStep, Plan
from storegate.engine.safety import assess, enforce, warnings
from storegate.providers.contract import AccessLevel


def change(
    email: str,
    action: Action,
    system: str = "salesforce",
    kind: str = "contact",
    *,
    access: AccessLevel | None = None,
) -> Change:
    """A change to the record carrying `email`'s access (safety counts people, not records)."""
    return Change(
        address=Address(system, kind, email),
        account="Acme Industrial",
        action=action,
        fields=(),
        reason="test",
        person=email,
        access=access,
    )


def revoking(count: int, managed: int) -> Plan:
    return Plan(
        changes=tuple(change(f"user{i}@acme.example", Action.REVOKE) for i in range(count)),
        managed_contacts=managed,
    )


def policy(**overrides: object) -> SafetyPolicy:
    return SafetyPolicy.model_validate(
        {"max_revocations": 10, "max_revocation_percent": 10.0, "percent_applies_from": 20}
        | overrides
    )


def test_a_contact_revoked_in_salesforce_and_deleted_in_the_store_counts_once() -> None:
    plan = Plan(
        changes=(
            change("Jane.Doe@acme.example", Action.REVOKE),
            change("jane.doe@acme.example", Action.DELETE, system="bigcommerce", kind="customer"),
            change("bob@acme.example", Action.UPDATE),
            change("carol@acme.example", Action.GRANT),
            change("dave@acme.example", Action.CREATE),
        ),
        managed_contacts=100,
    )
    report = assess(plan, policy())
    assert report.removals == 1
    assert report.managed == 100
    assert report.percent == pytest.approx(1.0)
    assert not report.exceeded
    assert report.messages == []


def test_absolute_limit_exactly_at_the_limit_passes() -> None:
    report = assess(revoking(10, managed=1000), policy())
    assert report.removals == 10
    assert not report.exceeded
    enforce(report, allow_mass_revoke=False)


def test_absolute_limit_one_over_is_refused_naming_numbers_limit_and_flag() -> None:
    report = assess(revoking(11, managed=1000), policy())
    assert report.exceeded
    assert report.codes == ["SAFETY001"]
    (message,) = report.messages
    assert "11 contacts" in message
    assert "limit of 10" in message
    assert "safety.max_revocations" in message
    assert "--allow-mass-revoke" in message
    with pytest.raises(SafetyRefused, match="11 contacts would lose access"):
        enforce(report, allow_mass_revoke=False)


def test_percentage_exactly_at_the_limit_passes() -> None:
    # 2 of 20 is exactly 10%, a value floating-point division overshoots.
    report = assess(revoking(2, managed=20), policy())
    assert report.percent == pytest.approx(10.0)
    assert not report.exceeded


def test_percentage_over_the_limit_is_refused() -> None:
    report = assess(revoking(3, managed=20), policy())
    assert report.exceeded
    assert report.codes == ["SAFETY002"]
    (message,) = report.messages
    assert "3 of 20 managed contacts (15.0%)" in message
    assert "limit of 10%" in message
    assert "safety.max_revocation_percent" in message
    assert "--allow-mass-revoke" in message


def test_percentage_does_not_apply_below_percent_applies_from() -> None:
    # 3 of 19 is 15.8%, but the percentage rule starts at 20 managed contacts.
    report = assess(revoking(3, managed=19), policy())
    assert report.percent == pytest.approx(300 / 19)
    assert not report.exceeded


def test_both_limits_report_both_messages() -> None:
    report = assess(revoking(12, managed=50), policy())
    assert report.codes == ["SAFETY001", "SAFETY002"]
    with pytest.raises(SafetyRefused) as refused:
        enforce(report, allow_mass_revoke=False)
    assert "12 contacts would lose access" in str(refused.value)
    assert "12 of 50 managed contacts (24.0%)" in str(refused.value)


def test_protected_contact_is_matched_case_insensitively() -> None:
    plan = Plan(
        changes=(
            change("ceo@acme.example", Action.DELETE, system="bigcommerce", kind="customer"),
            change("buyer@acme.example", Action.REVOKE),
            change("cfo@acme.example", Action.UPDATE),
        ),
        managed_contacts=1000,
    )
    report = assess(plan, policy(protected=["CEO@Acme.Example", "cfo@acme.example"]))
    assert report.protected_hits == ["ceo@acme.example"]
    assert report.exceeded
    assert report.codes == ["SAFETY003"]
    assert "ceo@acme.example" in report.messages[0]
    assert "--allow-mass-revoke" in report.messages[0]


def test_protected_hits_are_sorted() -> None:
    plan = Plan(
        changes=tuple(change(e, Action.REVOKE) for e in ("zed@a.example", "amy@a.example")),
        managed_contacts=1000,
    )
    report = assess(plan, policy(protected=["amy@a.example", "zed@a.example"]))
    assert report.protected_hits == ["amy@a.example", "zed@a.example"]


def test_the_flag_lets_an_exceeding_plan_through() -> None:
    report = assess(revoking(50, managed=60), policy(protected=["user0@acme.example"]))
    assert report.codes == ["SAFETY001", "SAFETY002", "SAFETY003"]
    enforce(report, allow_mass_revoke=True)
    with pytest.raises(SafetyRefused):
        enforce(report, allow_mass_revoke=False)


def test_zero_limit_refuses_any_revocation() -> None:
    assert not assess(revoking(0, managed=0), policy(max_revocations=0)).exceeded
    assert assess(revoking(1, managed=0), policy(max_revocations=0)).exceeded


def test_warnings_carry_codes_and_say_apply_will_refuse() -> None:
    report = assess(revoking(3, managed=20), policy(protected=["user1@acme.example"]))
    shown = warnings(report)
    assert [w.code for w in shown] == ["SAFETY002", "SAFETY003"]
    assert all(w.message.startswith("apply will refuse:") for w in shown)
    assert warnings(assess(revoking(1, managed=20), policy())) == []


def test_a_manual_revocation_counts_and_a_manual_grant_does_not() -> None:
    step = ManualStep("Deactivate the customer", "Cin7 Omni → Customers", ("Deactivate",))

    def manual(email: str, access: AccessLevel) -> Change:
        return Change(
            address=Address("cin7_omni", "customer", email),
            account="Acme Industrial",
            action=Action.MANUAL,
            fields=(),
            reason="no API",
            person=email,
            access=access,
            manual=step,
        )

    plan = Plan(
        changes=(
            manual("gone@acme.example", "revoked"),
            change("gone@acme.example", Action.REVOKE),
            manual("new@acme.example", "active"),
        ),
        managed_contacts=100,
    )
    report = assess(plan, policy(protected=["gone@acme.example", "new@acme.example"]))
    assert report.removals == 1
    assert report.protected_hits == ["gone@acme.example"]


def test_a_removal_that_carries_no_person_is_not_a_contact_losing_access() -> None:
    account = Change(
        address=Address("salesforce", "account", "Acme Industrial"),
        account="Acme Industrial",
        action=Action.REVOKE,
        fields=(),
        reason="account deactivated",
        access="revoked",
    )
    report = assess(Plan(changes=(account,), managed_contacts=10), policy(max_revocations=0))
    assert report.removals == 0
    assert not report.exceeded

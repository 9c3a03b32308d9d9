"""The safety policy checked before apply: how much access one apply may remove.

A plan that removes more than `safety.max_revocations` contacts, more than
`safety.max_revocation_percent` of the managed contacts (once `safety.percent_applies_from` are
managed), or any protected contact, is refused unless `--allow-mass-revoke` is passed. A contact
revoked in one system and deleted in another counts once: limits are about people, not records.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SafetyRefused
from .model import SafetyPolicy, email_key
from .plan import REMOVING_ACTIONS, Action, Plan, PlanWarning

FLAG = "--allow-mass-revoke"

MAX_REVOCATIONS = "SAFETY001"
MAX_PERCENT = "SAFETY002"
PROTECTED = "SAFETY003"


@dataclass(frozen=True)
class SafetyReport:
    removals: int
    """Distinct contacts whose access a revoke or delete removes."""
    managed: int
    percent: float
    protected_hits: list[str]
    """Protected emails the plan removes, sorted."""
    exceeded: bool
    messages: list[str]
    codes: list[str]
    """The SAFETY code of each message, in the same order."""


def assess(plan: Plan, policy: SafetyPolicy) -> SafetyReport:
    removed = {
        email_key(c.person)
        for c in plan.changes
        if c.person is not None
        and (c.action in REMOVING_ACTIONS or (c.action is Action.MANUAL and c.access == "revoked"))
    }
    protected = {email_key(email) for email in policy.protected}
    hits = sorted(removed & protected)
    managed = plan.managed_contacts
    percent = len(removed) * 100 / managed if managed else 0.0
    # Compared without dividing: 2 / 20 * 100 is 10.000000000000002, which would fail a 10% limit.
    over_percent = len(removed) * 100 > policy.max_revocation_percent * managed

    breaches: list[tuple[str, str]] = []
    if len(removed) > policy.max_revocations:
        breaches.append(
            (
                MAX_REVOCATIONS,
                f"{len(removed)} contacts would lose access, over the limit of "
                f"{policy.max_revocations} (safety.max_revocations); pass {FLAG} if intended",
            )
        )
    if managed >= policy.percent_applies_from and over_percent:
        breaches.append(
            (
                MAX_PERCENT,
                f"{len(removed)} of {managed} managed contacts ({percent:.1f}%) would lose access, "
                f"over the limit of {policy.max_revocation_percent:g}% "
                f"(safety.max_revocation_percent, applied from "
                f"{policy.percent_applies_from} managed contacts); pass {FLAG} if intended",
            )
        )
    if hits:
        breaches.append(
            (
                PROTECTED,
                f"protected contacts would lose access: {', '.join(hits)} (safety.protected); "
                f"pass {FLAG} if intended",
            )
        )
    return SafetyReport(
        removals=len(removed),
        managed=managed,
        percent=percent,
        protected_hits=hits,
        exceeded=bool(breaches),
        messages=[message for _, message in breaches],
        codes=[code for code, _ in breaches],
    )


def warnings(report: SafetyReport) -> list[PlanWarning]:
    """What the plan shows its reviewers: apply will refuse this plan without the flag."""
    return [
        PlanWarning(code, f"apply will refuse: {message}")
        for code, message in zip(report.codes, report.messages, strict=True)
    ]


def enforce(report: SafetyReport, allow_mass_revoke: bool) -> None:
    if report.exceeded and not allow_mass_revoke:
        raise SafetyRefused("the plan exceeds the safety policy: " + "; ".join(report.messages))

"""The B2B Dashboard's clicks as manual steps: what to open, which tab, which three-dot action, which
customer, and what storegate reads to see it done (from the help centre articles "Invite and manage
your B2B customers" and "Change or deactivate a B2B customer").

A store customer's target follows the contact's access: `current` (active), `pending` (invited,
not yet accepted) or `deactivated` (revoked). `access_step` gives the one step that reaches the
target from a known tab, or, when the tab is unknown (no store view), the step with both branches,
each naming its tab.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..contract import ManualStep

GRANTED = ("current", "pending")
"""Tabs on which a customer has (or is about to have) access: an invited customer is granted."""
REMOVED = ("deactivated", "none")
"""Tabs on which a customer has no access ("none": not a store customer at all)."""


@dataclass(frozen=True)
class Customer:
    """Who a step is about, as the dashboard lists them."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None

    @property
    def label(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        details = ", ".join(p for p in (name, self.company or "") if p)
        return f"{self.email} ({details})" if details else self.email


def target_of(access: str) -> str:
    return {"active": "current", "pending": "pending"}.get(access, "deactivated")


def satisfied(target: str, tab: str) -> bool:
    """Whether a customer on `tab` ("none" when not a store customer) already meets `target`."""
    if target in GRANTED:
        return tab in GRANTED
    return tab in REMOVED


def _dashboard(store: str) -> str:
    return f"Cin7 Omni → Integrations → {store} (B2B Dashboard)"


def _open(store: str) -> str:
    return f"Select Integrations in the left-hand navigation and open {store}."


def invite(customer: Customer, store: str) -> ManualStep:
    return ManualStep(
        title=f"Invite {customer.email} to the {store}",
        where=_dashboard(store),
        steps=(
            _open(store),
            "Click Invite New Customers.",
            f"Choose {customer.label} from the dropdown (or search for them).",
            "Click Invite: Cin7 Omni emails them a link to set a password.",
        ),
        done_when=f"{customer.email} is on the Pending Customers or Current Customers tab",
    )


def reenable(customer: Customer, store: str) -> ManualStep:
    return ManualStep(
        title=f"Re-enable {customer.email} in the {store}",
        where=f"{_dashboard(store)} → Deactivated Customers",
        steps=(
            "Open the Deactivated Customers tab of the B2B Dashboard (or Search Customers).",
            f"Find {customer.label} and click the three dots in their row.",
            "Click Re-enable customer.",
        ),
        done_when=f"{customer.email} is on the Current Customers tab",
    )


def deactivate(customer: Customer, store: str) -> ManualStep:
    return ManualStep(
        title=f"Deactivate {customer.email} in the {store}",
        where=f"{_dashboard(store)} → Current Customers",
        steps=(
            "Open the Current Customers tab of the B2B Dashboard (or Search Customers).",
            f"Find {customer.label} and click the three dots in their row.",
            "Click Deactivate customer.",
        ),
        done_when=f"{customer.email} is on the Deactivated Customers tab",
    )


def cancel_invitation(customer: Customer, store: str) -> ManualStep:
    return ManualStep(
        title=f"Cancel the {store} invitation of {customer.email}",
        where=f"{_dashboard(store)} → Pending Customers",
        steps=(
            "Open the Pending Customers tab of the B2B Dashboard (or Search Customers).",
            f"Find {customer.label} and click the three dot menu in their row.",
            "Click Cancel invitation.",
        ),
        done_when=f"{customer.email} is no longer on the Pending Customers tab",
    )


def update_emails(customer: Customer, store: str) -> ManualStep:
    return ManualStep(
        title=f"Update the {store} login of {customer.email} from the CRM now",
        where=_dashboard(store),
        steps=(
            _open(store),
            "Click the three-dot menu of the B2B Dashboard.",
            "Select Update emails from CRM (customers on the Error tab are not updated).",
        ),
        done_when=f"the store's customer logs in as {customer.email}",
    )


def access_step(customer: Customer, target: str, store: str, tab: str | None) -> ManualStep:
    """The step from `tab` (None: unknown) to `target`."""
    if target in GRANTED:
        if tab == "deactivated":
            return reenable(customer, store)
        if tab is not None:
            return invite(customer, store)
        return _grant_either(customer, store)
    if tab == "pending":
        return cancel_invitation(customer, store)
    if tab is not None:
        return deactivate(customer, store)
    return _remove_either(customer, store)


def _grant_either(customer: Customer, store: str) -> ManualStep:
    return ManualStep(
        title=f"Give {customer.email} access to the {store}",
        where=_dashboard(store),
        steps=(
            _open(store),
            f"Not yet a store customer: click Invite New Customers, choose {customer.label} "
            "and click Invite.",
            f"On the Deactivated Customers tab instead: click the three dots in the row of "
            f"{customer.email}, then Re-enable customer.",
        ),
        done_when=f"{customer.email} is on the Pending Customers or Current Customers tab",
    )


def _remove_either(customer: Customer, store: str) -> ManualStep:
    return ManualStep(
        title=f"Remove the {store} access of {customer.email}",
        where=_dashboard(store),
        steps=(
            _open(store),
            f"On the Current Customers tab: find {customer.label}, click the three dots in their "
            "row, then Deactivate customer.",
            f"On the Pending Customers tab instead: click the three dot menu in the row of "
            f"{customer.email}, then Cancel invitation.",
        ),
        done_when=f"{customer.email} is on the Deactivated Customers tab or no store customer",
    )

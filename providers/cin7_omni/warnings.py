"""What the help centre warns about, as plan warnings (seed 001):

- a pending customer whose email changes is sent another invitation;
- a deactivated customer receives no email about the change;
- customers on the B2B Dashboard's Error tab are not updated by "Update emails from CRM";
- otherwise the store's login follows the CRM email within an hour;
and one of storegate's own: a CRM contact that is not of type Customer cannot be invited.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..contract import DesiredRecord, LiveRecord, PlanWarning, email_key
from .desired import CONTACT, CUSTOMER, CUSTOMER_TYPE, STORE_EMAIL


class Index:
    """Live records of one kind, found by id, key or alias as the engine matches them."""

    def __init__(self, live: Sequence[LiveRecord], kind: str) -> None:
        ours = [r for r in live if r.kind == kind]
        self.by_id = {r.id: r for r in ours}
        self.by_key = {r.key: r for r in ours}

    def find(self, record: DesiredRecord) -> LiveRecord | None:
        if record.remote_id and record.remote_id in self.by_id:
            return self.by_id[record.remote_id]
        for key in (record.key, *record.aliases):
            if key in self.by_key:
                return self.by_key[key]
        return None


def plan_warnings(
    name: str,
    store: str,
    desired: Sequence[DesiredRecord],
    live: Sequence[LiveRecord],
    has_store_view: bool,
) -> list[PlanWarning]:
    ours = [r for r in live if r.system == name]
    contacts, customers = Index(ours, CONTACT), Index(ours, CUSTOMER)
    at_once = {r.key for r in desired if r.system == name and r.kind == STORE_EMAIL}
    out: list[PlanWarning] = []
    for record in desired:
        if record.system != name or record.kind != CONTACT:
            continue
        contact = contacts.find(record)
        if contact is not None and contact.fields.get("type") not in (None, CUSTOMER_TYPE):
            out.append(
                PlanWarning(
                    "SG-CIN7-NOT-CUSTOMER",
                    f"{contact.key} is a {contact.fields.get('type')} contact in Cin7 Omni: only "
                    "customers can be invited to the B2B online store; change its type in the CRM",
                    str(record.address),
                )
            )
        email = str(record.fields.get("email") or record.key)
        customer = customers.find(record) if contact is None else customers.by_id.get(contact.id)
        crm_changes = contact is not None and email_key(str(contact.fields.get("email"))) != (
            email_key(email)
        )
        store_behind = customer is not None and email_key(str(customer.fields.get("email"))) != (
            email_key(email)
        )
        if not (crm_changes or store_behind or (record.aliases and not has_store_view)):
            continue
        address = str(record.address).replace(f".{CONTACT}[", f".{CUSTOMER}[")
        out.extend(
            _email_warnings(
                email, store, customer, has_store_view, email_key(email) in at_once, address
            )
        )
    return out


def _email_warnings(
    email: str,
    store: str,
    customer: LiveRecord | None,
    has_store_view: bool,
    at_once: bool,
    address: str,
) -> list[PlanWarning]:
    if not has_store_view:
        return [
            PlanWarning(
                "SG-CIN7-EMAIL-CHANGE",
                f"the {store} login of {email} follows the CRM email within an hour"
                + (" (or at once with the planned 'Update emails from CRM')" if at_once else "")
                + ". If they are on the Pending Customers tab they get another invitation; "
                "deactivated customers get no email; customers on the Error tab are not updated "
                "by 'Update emails from CRM'",
                address,
            )
        ]
    if customer is None:
        return []
    tab, old = customer.fields.get("status"), customer.fields.get("email")
    if tab == "pending":
        return [
            PlanWarning(
                "SG-CIN7-REINVITE",
                f"{old} is a pending {store} customer: the email change to {email} sends them "
                "another invitation",
                address,
            )
        ]
    if tab == "deactivated":
        return [
            PlanWarning(
                "SG-CIN7-NO-EMAIL",
                f"{old} is a deactivated {store} customer: they receive no email about the "
                f"change to {email}",
                address,
            )
        ]
    if tab == "error":
        return [
            PlanWarning(
                "SG-CIN7-ERROR-TAB",
                f"{old} is on the B2B Dashboard's Error tab: 'Update emails from CRM' does not "
                f"update it to {email}; clear the error first",
                address,
            )
        ]
    if at_once:
        return []
    return [
        PlanWarning(
            "SG-CIN7-EMAIL-DELAY",
            f"{old} keeps logging in to the {store} with that address for up to an hour, until "
            f"the store picks up {email} from the CRM (set update_emails_at_once to plan "
            "'Update emails from CRM')",
            address,
        )
    ]

"""What each system's full read is told: every key and id only where the read needs them."""

from __future__ import annotations

from storegate.engine.planner import scopes_for
from storegate.providers.adobe_commerce import AdobeCommerceProvider
from storegate.providers.bigcommerce import BigCommerceProvider
from storegate.providers.cin7_omni import Cin7OmniProvider
from storegate.providers.contract import Address, DesiredRecord, SystemInfo
from storegate.providers.emporix import EmporixProvider
from storegate.providers.salesforce import SalesforceProvider
from storegate.state.base import ResourceState, StateDocument

CRM = SystemInfo("crm", "salesforce", "contact", True, "account", full_read_needs_keys=False)
STORE = SystemInfo("store", "adobe_commerce", "user")
PROVIDERS = {
    "salesforce": SalesforceProvider,
    "bigcommerce": BigCommerceProvider,
    "adobe_commerce": AdobeCommerceProvider,
    "emporix": EmporixProvider,
    "cin7_omni": Cin7OmniProvider,
}


def test_keys_and_ids_go_only_to_reads_that_need_them() -> None:
    records = [
        DesiredRecord(Address("crm", "contact", "a@x.example"), "X", "present", {}, remote_id="1"),
        DesiredRecord(
            Address("store", "user", "a@x.example"),
            "X",
            "present",
            {},
            aliases=("old@x.example",),
            remote_id="7",
        ),
    ]
    known = ResourceState('store.user["b@x.example"]', "store", "user", "b@x.example", "8", "Y")
    state = StateDocument(resources={known.address: known})
    scopes = scopes_for(records, state, {"crm": CRM, "store": STORE})
    assert scopes["crm"].full and not scopes["crm"].keys and not scopes["crm"].ids
    assert scopes["crm"].accounts == {"X"}
    assert scopes["store"].keys == {"a@x.example", "old@x.example"}
    assert scopes["store"].ids == {"7", "8"}
    assert scopes["store"].accounts == {"X"}


def test_the_providers_that_read_everything_say_so() -> None:
    needs = {name: cls.FULL_READ_NEEDS_KEYS for name, cls in PROVIDERS.items()}
    assert needs["salesforce"] is False and needs["bigcommerce"] is False
    assert needs["adobe_commerce"] and needs["emporix"] and needs["cin7_omni"]

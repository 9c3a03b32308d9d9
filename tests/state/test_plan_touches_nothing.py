"""A plan reads the target of every managed record but changes none: the local backend must not
count them touched, or the next write would journal (and hold in memory) the whole state."""

from __future__ import annotations

from storegate.engine.ownership import fingerprint, moved_targets
from storegate.providers.contract import Address, DesiredRecord
from storegate.state.base import ResourceState, StateDocument
from storegate.state.tracked import TrackedResources, peek


def _resources(n: int) -> TrackedResources:
    found = {}
    for i in range(n):
        address = Address("crm", "contact", f"p{i}@example.com")
        target = fingerprint({"email": address.key})
        found[str(address)] = ResourceState(
            str(address), "crm", "contact", address.key, f"id{i}", "Acme", {"target": target}
        )
    return TrackedResources(found, origin="state.json", lineage="l", serial=3)


def test_peek_reads_without_touching_and_get_still_touches() -> None:
    resources = _resources(2)
    key = 'crm.contact["p0@example.com"]'
    assert peek(resources, key) is resources[key]
    resources.rebase(3)
    assert peek(resources, key) is not None and peek(resources, "nowhere") is None
    assert resources.touched == set()
    resources.get(key)
    assert resources.touched == {key}
    assert peek({key: resources[key]}, key) is not None  # any mapping of resources


def test_working_out_targets_touches_no_resource() -> None:
    resources = _resources(50)
    state = StateDocument("l", 3, resources)
    records = [
        DesiredRecord(address, "Acme", "present", {"email": address.key})
        for i in range(50)
        if (address := Address("crm", "contact", f"p{i}@example.com"))
    ]
    assert moved_targets(records, state) == {}, "every target is the recorded one"
    assert resources.touched == set()

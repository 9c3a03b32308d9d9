"""Plan and apply cost linear in contacts plus state, asserted by counting work, never time: the
comparisons the diff and the ownership pass ask for, and the state bytes an apply batch writes,
at two sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storegate.engine.diff import diff, match_records
from storegate.engine.ownership import drift_origins, fingerprint
from storegate.providers.contract import Address, DesiredRecord, LiveRecord
from storegate.state.base import ResourceState, StateDocument
from storegate.state.local import LocalStateBackend

FIELDS = ("email", "first_name", "last_name", "purchase_on_account")


def _world(size: int) -> tuple[list[DesiredRecord], list[LiveRecord]]:
    """`size` contacts: every tenth drifted live, every twentieth missing live; live values come
    back as the API gives them (booleans as text), so each is the provider's to compare."""
    desired, live = [], []
    for n in range(size):
        email = f"buyer{n}@acct{n % 50}.example"
        address = Address("crm", "contact", email)
        fields = {
            "email": email,
            "first_name": f"B{n}",
            "last_name": "X",
            "purchase_on_account": True,
        }
        desired.append(DesiredRecord(address, f"A{n % 50}", "present", fields, person=email))
        if n % 20 == 19:
            continue
        seen = {**fields, "purchase_on_account": "false" if n % 10 == 0 else "true"}
        live.append(LiveRecord(address, f"id{n}", seen, account=f"A{n % 50}"))
    return desired, live


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, system: str, name: str, want: Any, have: Any) -> bool:
        self.calls += 1
        if isinstance(want, bool):
            return str(want).lower() == str(have).lower()
        return bool(want == have)


def _diff_work(size: int) -> tuple[int, int]:
    desired, live = _world(size)
    counter = Counter()
    changes = diff(desired, live, compare=counter)
    return counter.calls, len(changes)


def test_the_diff_asks_one_comparison_per_differing_field_at_any_size() -> None:
    small, large = _diff_work(1000), _diff_work(8000)
    assert large[0] == 8 * small[0]
    assert large[1] == 8 * small[1]
    # Identical values never reach the provider: one question per live record (the boolean).
    assert small[0] == 1000 - 1000 // 20


def _ownership_work(size: int) -> int:
    desired, live = _world(size)
    matches = match_records(desired, live)
    counter = Counter()
    changes = diff(desired, live, compare=Counter(), matches=matches)
    state = StateDocument()
    for n, record in enumerate(desired):
        address = str(record.address)
        state.resources[address] = ResourceState(
            address,
            "crm",
            "contact",
            record.key,
            f"id{n}",
            record.account,
            {"target": fingerprint(dict(record.fields))},  # storegate set these values last
        )
    drift_origins([(m.desired, m.live) for m in matches], changes, state, counter)
    return counter.calls


def test_the_ownership_pass_compares_only_records_with_a_change_at_any_size() -> None:
    small = _ownership_work(1000)
    assert _ownership_work(8000) == 8 * small
    # The drifted records (every tenth) have their four fields looked at; no other record.
    assert small == 4 * (1000 // 10)


def _state(size: int) -> StateDocument:
    document = StateDocument()
    for n in range(size):
        email = f"buyer{n}@acct{n % 50}.example"
        address = f'crm.contact["{email}"]'
        document.resources[address] = ResourceState(
            address, "crm", "contact", email, f"id{n:012d}", f"A{n % 50}", {"person": email}
        )
    return document


def _bytes_per_batch(path: Path, size: int, batches: int = 5) -> tuple[int, int]:
    """(bytes of the first, full write; bytes per later batch of 10 changed resources)."""
    backend = LocalStateBackend(path)
    state = backend.write(_state(size), 0)
    full = backend.bytes_written
    for batch in range(batches):
        for n in range(batch * 10, batch * 10 + 10):
            email = f"buyer{n}@acct{n % 50}.example"
            address = f'crm.contact["{email}"]'
            state.resources[address] = ResourceState(
                address, "crm", "contact", email, f"new{n:09d}", f"A{n % 50}", {"person": email}
            )
        state = backend.write(state, state.serial)
    return full, (backend.bytes_written - full) // batches


def test_an_apply_batch_writes_bytes_in_proportion_to_the_batch_not_the_state(
    tmp_path: Path,
) -> None:
    small_full, small_batch = _bytes_per_batch(tmp_path / "small" / "state.json", 5_000)
    large_full, large_batch = _bytes_per_batch(tmp_path / "large" / "state.json", 40_000)
    assert large_full > 7 * small_full  # the state is eight times larger...
    assert large_batch == small_batch  # ...and a batch costs the same
    assert small_batch < small_full / 100

"""The provider conformance suite: what every provider must do for the engine, checked the same way
for each (as Terraform's `statemgr.TestFull` does for state managers).

A provider's test module subclasses `ProviderConformance` and supplies a `harness` fixture: the
storegate.yaml systems (the provider under test named `subject`, a CRM beside it if it needs one),
and three things only the live system's own API can do — re-grant a contact's access by hand, make
the next write of one contact's record fail, and count the provider's calls. The suite then runs
the real loader, planner and applier against it:

- after apply, a fresh read equals the desired values, and a second plan is empty;
- a revocation is verified by `verify`, which fails once the access is put back by hand;
- a failed record stops only the changes that depend on it;
- every read and write is counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from storegate.engine.apply import apply_plan
from storegate.engine.commands.session import load_desired
from storegate.engine.plan import Plan
from storegate.engine.planner import make_plan
from storegate.engine.registry import close_all, open_providers
from storegate.engine.view import desired_view
from storegate.providers.contract import (
    Action,
    Change,
    DesiredContext,
    DesiredRecord,
    KeepIfSet,
    Provider,
    Ref,
    Scope,
)
from storegate.state.memory import MemoryStateBackend

ALICE, BOB, CAROL = "alice@conform.example", "bob@conform.example", "carol@conform.example"


@dataclass
class Harness:
    systems: dict[str, Any]
    subject: str
    put_back: Callable[[str], None]
    """Grant this contact access again by hand, in the subject's live system."""
    fail_next_write: Callable[[str], None]
    """Make the subject refuse the next write of this contact's record."""
    account_extra: dict[str, Any] = field(default_factory=dict)
    """Settings every account file needs for this subject (e.g. store options)."""
    contact_kind: str = "contact"
    do_manual: Callable[[Sequence[Change]], None] | None = None
    """A person does these manual steps after an apply (a subject whose steps have no API)."""


def account_file(
    name: str, contacts: list[dict[str, Any]], extra: Mapping[str, Any]
) -> dict[str, Any]:
    return {"account": {"name": name, **extra}, "contacts": contacts}


def person(email: str, access: str = "active") -> dict[str, Any]:
    first, last = email.split("@", 1)[0].capitalize(), "Conform"
    return {
        "email": email,
        "first_name": first,
        "last_name": last,
        "access": access,
        "purchase_on_account": access == "active",
    }


class Repo:
    def __init__(self, root: Path, harness: Harness) -> None:
        self.root = root
        self.harness = harness
        self.backend = MemoryStateBackend()
        (root / "accounts").mkdir(parents=True, exist_ok=True)

    def write(self, contacts: list[dict[str, Any]]) -> None:
        config = {"version": 1, "systems": self.harness.systems}
        (self.root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        extra = {"pay_by_account": True, **self.harness.account_extra}
        body = account_file("Conformance Co", contacts, extra)
        (self.root / "accounts" / "conformance.yaml").write_text(yaml.safe_dump(body))

    def open(self) -> dict[str, Provider]:
        return open_providers(load_desired(self.root).config, self.root)

    def plan(self, providers: dict[str, Provider]) -> Plan:
        return make_plan(load_desired(self.root), self.backend.read(), providers)

    def apply(self, providers: dict[str, Provider]) -> tuple[Plan, Any]:
        plan = self.plan(providers)
        outcome = apply_plan(plan, self.backend, self.backend.read(), providers)
        if self.harness.do_manual is not None and outcome.pending:
            self.harness.do_manual(outcome.pending)
        return plan, outcome

    def desired(self, providers: dict[str, Provider]) -> list[DesiredRecord]:
        desired = load_desired(self.root)
        context = DesiredContext(
            desired_view(desired),
            [],
            {name: provider.info() for name, provider in providers.items()},
        )
        return providers[self.harness.subject].desired(context)


class ProviderConformance:
    """Subclass with a `harness` fixture returning a Harness."""

    @pytest.fixture
    def conform(self, tmp_path: Path, harness: Harness) -> Repo:
        return Repo(tmp_path / "conform-repo", harness)

    def test_read_after_apply_equals_desired_and_second_plan_is_empty(self, conform: Repo) -> None:
        conform.write([person(ALICE), person(BOB), person(CAROL, "pending")])
        providers = conform.open()
        try:
            plan, outcome = conform.apply(providers)
            assert not outcome.failed, outcome.failed
            assert any(c.system == conform.harness.subject for c in plan.changes)
            subject = providers[conform.harness.subject]
            live = {r.address: r for r in subject.read(Scope())}
            checked = 0
            for record in conform.desired(providers):
                if record.intent == "absent":
                    assert record.address not in live, f"{record.address} should not exist"
                    continue
                found = live.get(record.address)
                assert found is not None, f"{record.address} was not created"
                for name, value in record.fields.items():
                    if isinstance(value, Ref | KeepIfSet):
                        continue
                    assert subject.same_value(name, value, found.fields.get(name)), (
                        f"{record.address}.{name}: desired {value!r}, read {found.fields.get(name)!r}"
                    )
                    checked += 1
            assert checked > 0
            again = conform.plan(providers)
            assert again.empty, [(c.id, c.action, c.fields) for c in again.changes]
        finally:
            close_all(providers)

    def test_verify_fails_when_a_revoked_record_is_put_back(self, conform: Repo) -> None:
        conform.write([person(ALICE), person(BOB)])
        providers = conform.open()
        try:
            conform.apply(providers)
            conform.write([person(ALICE), person(BOB, "revoked")])
            plan, outcome = conform.apply(providers)
            assert not outcome.failed, outcome.failed
            removing = [c for c in plan.changes if c.removing and c.person == BOB]
            assert removing, "revoking a contact plans a removal"
            subject = providers[conform.harness.subject]
            mine = [c for c in removing if c.system == conform.harness.subject]
            checks = subject.verify(mine, frozenset({BOB}))
            assert checks and all(c.ok for c in checks), checks
            conform.harness.put_back(BOB)
            after = subject.verify(mine, frozenset({BOB}))
            assert any(not c.ok for c in after), "access put back by hand must fail verification"
        finally:
            close_all(providers)

    def test_a_failed_record_stops_only_its_dependants(self, conform: Repo) -> None:
        conform.write([person(ALICE)])
        providers = conform.open()
        try:
            conform.apply(providers)
            conform.harness.fail_next_write(BOB)
            conform.write([person(ALICE), person(BOB), person(CAROL)])
            close_all(providers)
            providers = conform.open()
            plan, outcome = conform.apply(providers)
            failed = {cid for cid, r in outcome.results.items() if not r.ok}
            assert failed and all(BOB in cid for cid in failed), failed
            for change in plan.changes:
                if set(change.depends_on) & failed:
                    assert change.id in outcome.skipped, (
                        f"{change.id} ran after its dependency failed"
                    )
            assert any(CAROL in cid for cid in outcome.succeeded), "unrelated work went ahead"
            again = conform.plan(providers)
            assert {c.person for c in again.changes if c.action is not Action.MANUAL} == {BOB}
        finally:
            close_all(providers)

    def test_calls_are_counted(self, conform: Repo) -> None:
        conform.write([person(ALICE)])
        providers = conform.open()
        try:
            subject = providers[conform.harness.subject]
            before = subject.calls()
            subject.read(Scope())
            read = subject.calls()
            assert read > before
            conform.apply(providers)
            assert subject.calls() > read
        finally:
            close_all(providers)

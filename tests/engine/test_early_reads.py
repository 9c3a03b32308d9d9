"""A system whose full read needs no keys is read while the repo is projected, on a worker thread;
its errors, the progress it reports and a plan that fails before it needs the reads stay as if it
had been read after the projection."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from storegate.engine.commands.session import load_desired
from storegate.engine.planner import make_plan
from storegate.engine.reads import EarlyReads
from storegate.providers.contract import (
    DesiredContext,
    InputError,
    Problem,
    Provider,
    ProviderError,
    Scope,
    SystemInfo,
)
from tests.engine.conftest import Repo, account, person

WAIT = 30.0
"""Long enough never to be reached when the code is right; a deadlock fails instead of hanging."""


class Staged:
    """A provider whose full read needs no keys, with hooks to hold its read and its projection."""

    def __init__(self, provider: Provider) -> None:
        self._provider = provider
        self.projected = threading.Event()
        self.read_started = threading.Event()
        self.release_read = threading.Event()
        self.release_read.set()
        self.read_threads: list[str] = []
        self.fail_read: Exception | None = None
        self.fail_projection: Exception | None = None

    def info(self) -> SystemInfo:
        return replace(self._provider.info(), full_read_needs_keys=False)

    def desired(self, context: DesiredContext) -> Any:
        records = self._provider.desired(context)
        self.projected.set()
        if self.fail_projection is not None:
            raise self.fail_projection
        return records

    def read(self, scope: Scope) -> Any:
        self.read_threads.append(threading.current_thread().name)
        self.read_started.set()
        assert self.release_read.wait(WAIT), "the read was never released"
        if self.fail_read is not None:
            raise self.fail_read
        return self._provider.read(scope)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)


def _repo(repo: Repo) -> None:
    repo.write({"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))})


def test_the_read_runs_while_the_repo_is_projected_and_the_plan_is_the_same(repo: Repo) -> None:
    _repo(repo)
    expected = repo.plan()
    staged = Staged(repo.providers()["store"])
    staged.release_read.clear()

    def project_during_the_read(context: DesiredContext) -> Any:
        # Each side waits for the other: this fails at WAIT unless both are under way at once.
        assert staged.read_started.wait(WAIT), "the read did not start before the projection"
        records = Staged.desired(staged, context)
        staged.release_read.set()
        return records

    staged.desired = project_during_the_read  # type: ignore[method-assign]
    plan = repo.plan({"store": staged})  # type: ignore[dict-item]
    assert staged.read_threads == ["storegate-read"]
    assert plan.changes == expected.changes
    assert plan.managed == expected.managed


def test_a_read_that_fails_fails_the_plan(repo: Repo) -> None:
    _repo(repo)
    staged = Staged(repo.providers()["store"])
    staged.fail_read = ProviderError("store: the read failed")
    with pytest.raises(ProviderError, match="the read failed"):
        repo.plan({"store": staged})  # type: ignore[dict-item]


def test_a_projection_that_fails_ends_the_plan_without_waiting_for_the_read(repo: Repo) -> None:
    _repo(repo)
    providers = repo.providers()
    first = Staged(providers["store"])
    first.release_read.clear()  # held in flight until the plan has failed
    second = Staged(repo.providers()["store"])
    first.fail_projection = InputError([Problem("accounts/acme.yaml", 1, 1, "bad", "SG999")])
    told: list[tuple[str, int | None]] = []
    desired = load_desired(repo.root)
    with pytest.raises(InputError):
        make_plan(
            desired,
            repo.backend.read(),
            {"one": first, "two": second},  # type: ignore[dict-item]
            progress=lambda system, records: told.append((system, records)),
        )
    first.release_read.set()  # the read in flight ends now: its result and progress are dropped
    for thread in threading.enumerate():
        if thread.name == "storegate-read":
            thread.join(WAIT)
    assert second.read_threads == [], "no read starts once the plan has failed"
    assert told == [("one", None)]


def test_reads_report_progress_one_system_at_a_time_and_land_in_order() -> None:
    told: list[tuple[str, int | None]] = []
    reads = EarlyReads(
        {"a": Counted(2), "b": Counted(3)},  # type: ignore[dict-item]
        {"a": Scope(), "b": Scope()},
        lambda system, records: told.append((system, records)),
    )
    landed = [(name, len(records)) for name, records in reads.start().landed()]
    assert landed == [("a", 2), ("b", 3)]
    assert told == [("a", None), ("a", 2), ("b", None), ("b", 3)]


def test_no_early_read_reads_nothing() -> None:
    assert list(EarlyReads({}, {}, None).start().landed()) == []


class Counted:
    def __init__(self, records: int) -> None:
        self._records = records

    def read(self, scope: Scope) -> list[Any]:
        del scope
        return [object()] * self._records


def test_each_system_is_one_run_of_records_or_none_is_matched_early() -> None:
    from storegate.engine.planner import _spans
    from storegate.providers.contract import Address, DesiredRecord

    def record(system: str, key: str) -> DesiredRecord:
        return DesiredRecord(Address(system, "contact", key), "A", "present", {})

    runs = [record("crm", "a"), record("crm", "b"), record("store", "a")]
    assert _spans(runs) == {"crm": (0, 2), "store": (2, 3)}
    assert _spans([*runs, record("crm", "c")]) == {}, "a system's records in two runs"
    assert _spans([]) == {}

"""Bulk API 2.0 in the Salesforce provider, over the sandbox: ingest applies with per-row results,
jobs resumed from the journal after a kill -9 with no duplicate, query-job reads equal to REST
reads, and the calls each costs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from storegate.providers.contract import Change, ChangeResult, Scope
from storegate.providers.salesforce.bulk import BulkJob, BulkSettings, MemoryJournal
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.server import Sandbox
from tests.providers.test_salesforce_support import (
    calls_to,
    change,
    seed_records,
    sf_provider,
    sf_settings,
)

SF = "salesforce"
REPO = Path(__file__).resolve().parents[2]
QUICK = {"bulk_poll_seconds": 0.02, "bulk_poll_max_seconds": 0.1}


class Batches:
    def __init__(self) -> None:
        self.batches: list[list[ChangeResult]] = []

    def __call__(self, results: Sequence[ChangeResult]) -> None:
        self.batches.append(list(results))

    @property
    def results(self) -> dict[str, ChangeResult]:
        return {r.change_id: r for batch in self.batches for r in batch}


class FileJournal:
    """The journal as the engine would keep it: on disk, surviving the process."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> list[dict[str, str]]:
        return list(json.loads(self.path.read_text())) if self.path.exists() else []

    def unfinished(self) -> list[BulkJob]:
        return [BulkJob(**job) for job in self._load()]

    def remember(self, job: BulkJob) -> None:
        jobs = [*self._load(), {"id": job.id, "kind": job.kind, "operation": job.operation}]
        self.path.write_text(json.dumps(jobs))

    def forget(self, job_id: str) -> None:
        self.path.write_text(json.dumps([j for j in self._load() if j["id"] != job_id]))


class Crash(Exception):
    """Stands for the process dying right after the journal kept a job id."""


class CrashingJournal(FileJournal):
    def remember(self, job: BulkJob) -> None:
        super().remember(job)
        raise Crash(job.id)


@pytest.fixture(autouse=True)
def quick_sandbox_jobs(admin: SandboxAdmin) -> None:
    admin.setting(SF, "bulk_processing_delay_ms", 20)


def creates(count: int, account_id: str, prefix: str = "new") -> list[Change]:
    return [
        change(
            "contact",
            f"{prefix}{i}@acme.example",
            "create",
            {
                "email": f"{prefix}{i}@acme.example",
                "account_id": account_id,
                "purchase_on_account": True,
            },
            create_fields={"last_name": f"{prefix}{i}"},
        )
        for i in range(count)
    ]


def live_contacts(tmp_path: Path) -> dict[str, str]:
    """Email -> Id of every live contact (a duplicate email fails the test)."""
    provider = sf_provider(tmp_path)
    records = provider.read(Scope(kinds=frozenset({"contact"})))
    provider.close()
    keys = [r.address.key for r in records]
    assert len(keys) == len(set(keys)), "duplicate contacts"
    return {r.address.key: r.id for r in records}


def test_bulk_apply_reports_each_change_and_isolates_failed_rows(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    admin.fault(system=SF, kind="record_error", match="new7@", count=-1)
    admin.reset_calls()
    provider = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    changes = creates(30, account_id)
    changes.append(
        change(
            "contact",
            "bad@acme.example",
            "create",
            {"email": "not-an-email"},
            create_fields={"last_name": "Bad"},
        )
    )
    seen = Batches()
    provider.apply(changes, seen)
    results = seen.results
    assert set(results) == {c.id for c in changes}
    failed = {cid: r.error for cid, r in results.items() if not r.ok}
    assert sorted(failed) == sorted([changes[7].id, changes[-1].id]), failed
    assert failed[changes[7].id] is not None and failed[changes[7].id].startswith(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION: "
    )
    assert failed[changes[-1].id] is not None and failed[changes[-1].id].startswith(
        "INVALID_EMAIL_ADDRESS: "
    )
    live = live_contacts(tmp_path)
    ok = {c.key: results[c.id].remote_id for c in changes if results[c.id].ok}
    assert live == ok and len(ok) == 29
    assert all(r.attributes["id"] == r.remote_id for r in results.values() if r.ok)
    assert calls_to(admin, "POST composite") == 0
    assert calls_to(admin, "POST jobs/ingest") == 1
    assert calls_to(admin, "PUT jobs/ingest") == 1


def test_bulk_results_with_names_beyond_ascii_join_back_to_their_changes(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    """Results rows are matched to changes by their values: read as anything but UTF-8, a row
    naming "Zoë" matches no change, and a create that succeeded would be reported unknown."""
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    provider = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    changes = [
        change(
            "contact",
            f"zoe{i}@acme.example",
            "create",
            {"email": f"zoe{i}@acme.example", "account_id": account_id, "first_name": "Zoë"},
            create_fields={"last_name": f"Łucja-Müller {i}"},
        )
        for i in range(12)
    ]
    seen = Batches()
    admin.reset_calls()
    provider.apply(changes, seen)
    results = seen.results
    assert all(results[c.id].ok for c in changes), results
    assert calls_to(admin, "GET query") == 0  # no row left unjoined to look up afterwards
    live = live_contacts(tmp_path)
    assert {c.key: results[c.id].remote_id for c in changes} == live
    read = provider.read(Scope(kinds=frozenset({"contact"})))
    assert {r.fields["first_name"] for r in read} == {"Zoë"}


def test_bulk_updates_set_and_clear_fields(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    rows = [
        {
            "LastName": f"c{i}",
            "FirstName": "Old",
            "Email": f"c{i}@acme.example",
            "AccountId": account_id,
        }
        for i in range(12)
    ]
    ids = seed_records(tmp_path, "Contact", rows)
    provider = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    changes = [
        change(
            "contact",
            f"c{i}@acme.example",
            "grant" if i % 2 else "update",
            {"account_credit": True, "first_name": None if i % 3 == 0 else f"F{i}"},
            remote_id=record_id,
        )
        for i, record_id in enumerate(ids)
    ]
    changes.append(
        change(
            "contact",
            "gone@acme.example",
            "update",
            {"first_name": "X"},
            remote_id="003SB000000zzzzAAA",
        )
    )
    admin.reset_calls()
    seen = Batches()
    provider.apply(changes, seen)
    results = seen.results
    assert [c.id for c in changes if not results[c.id].ok] == [changes[-1].id]
    assert results[changes[0].id].remote_id == ids[0]
    read = {r.id: r for r in provider.read(Scope(kinds=frozenset({"contact"})))}
    assert read[ids[0]].fields["first_name"] is None
    assert read[ids[1]].fields["first_name"] == "F1"
    assert all(read[i].fields["account_credit"] is True for i in ids)
    assert calls_to(admin, "PATCH composite") == 0
    assert calls_to(admin, "POST jobs/ingest") == 1


def test_creates_through_bulk_cost_a_constant_number_of_calls(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    """The formula that keeps 50,000 creates under 20 calls, checked at 3,000: create the job,
    upload, close, the polls, successful and failed results: 5 + polls, whatever N is."""
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    settings = sf_settings(
        bulk_write_threshold=2000, bulk_poll_seconds=0.05, bulk_poll_max_seconds=1.0
    )
    provider = sf_provider(
        tmp_path, bulk_write_threshold=2000, bulk_poll_seconds=0.05, bulk_poll_max_seconds=1.0
    )
    admin.reset_calls()
    seen = Batches()
    changes = creates(3000, account_id)
    provider.apply(changes, seen)
    assert all(r.ok for r in seen.results.values()) and len(seen.results) == 3000
    polls = calls_to(admin, "GET jobs/ingest/{id}") - calls_to(admin, "GET jobs/ingest/{id}/")
    assert provider.calls() == 5 + polls
    assert calls_to(admin, "POST composite") == 0
    # Polls double up to bulk_poll_max_seconds: a job of minutes still takes a handful.
    assert list(BulkSettings.of(settings).polls())[:8] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert provider.calls() < 20


def test_bulk_query_read_equals_the_rest_read(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    accounts = seed_records(tmp_path, "Account", [{"Name": f"Account {i}"} for i in range(3)])
    rows = [
        {
            "LastName": f"n{i}",
            # Bulk API CSV is UTF-8 whatever its Content-Type says: names beyond ASCII read back.
            "FirstName": None if i % 4 == 0 else f"Zoë-Łucja {i}" if i % 4 == 1 else f"F{i}",
            "Email": f"Buyer{i}@Acme.example",
            "AccountId": accounts[i % 3] if i % 5 else None,
            "s_c__Can_Purchase_For_Account__c": i % 2 == 0,
            "s_c__Can_Use_Account_Credit__c": i % 3 == 0,
            "s_c__Invitation_Accepted_At__c": "2024-05-01T10:00:00Z" if i % 7 == 0 else None,
        }
        for i in range(2100)
    ]
    seed_records(tmp_path, "Contact", rows)
    rest = sf_provider(tmp_path).read(Scope())
    admin.reset_calls()
    bulk_provider = sf_provider(tmp_path, bulk_read_threshold=2000, **QUICK)
    bulk = bulk_provider.read(Scope())
    assert calls_to(admin, "POST jobs/query") == 1
    assert calls_to(admin, "GET jobs/query/{id}/results") == 1
    key = lambda r: (r.kind, r.id)  # noqa: E731
    assert sorted(bulk, key=key) == sorted(rest, key=key)
    assert len([r for r in bulk if r.kind == "contact"]) == 2100
    # Result sets of bulk_query_max_records each: the same records, a results call per set.
    admin.reset_calls()
    paged = sf_provider(
        tmp_path, bulk_read_threshold=2000, bulk_query_max_records=1000, **QUICK
    ).read(Scope())
    assert calls_to(admin, "GET jobs/query/{id}/results") == 3
    assert sorted(paged, key=key) == sorted(rest, key=key)
    # A read of one page never starts a job; under the threshold the REST pages serve it.
    admin.reset_calls()
    sf_provider(tmp_path, bulk_read_threshold=10_000).read(Scope())
    assert calls_to(admin, "POST jobs/query") == 0


def test_a_job_left_running_is_resumed_by_the_next_apply_without_duplicates(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    """apply stops waiting (the job outlives bulk_job_timeout_seconds): the changes fail with a
    message, the journal keeps the job, and the next apply reports its records, uploading nothing."""
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    admin.setting(SF, "bulk_processing_delay_ms", 600)
    journal = MemoryJournal()
    first = sf_provider(tmp_path, bulk_write_threshold=10, bulk_job_timeout_seconds=0.1, **QUICK)
    first.use_job_journal(journal)
    changes = creates(15, account_id)
    seen = Batches()
    first.apply(changes, seen)
    assert not any(r.ok for r in seen.results.values())
    assert all("still running" in (r.error or "") for r in seen.results.values())
    assert len(journal.unfinished()) == 1
    admin.reset_calls()
    second = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    second.use_job_journal(journal)
    again = Batches()
    second.apply(changes, again)
    assert all(r.ok for r in again.results.values()) and len(again.results) == 15
    assert calls_to(admin, "PUT jobs/ingest") == 0 and calls_to(admin, "POST composite") == 0
    assert journal.unfinished() == []
    assert live_contacts(tmp_path) == {c.key: again.results[c.id].remote_id for c in changes}


CHILD = """
import json, sys
from pathlib import Path
from storegate.providers.salesforce.bulk import BulkJob
from tests.providers.test_salesforce_bulk import FileJournal, creates
from tests.providers.test_salesforce_support import sf_provider

root, journal, account_id = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
provider = sf_provider(root, bulk_write_threshold=10, bulk_poll_seconds=0.05, bulk_poll_max_seconds=0.05)
provider.use_job_journal(FileJournal(journal))
provider.apply(creates(40, account_id), lambda results: None)
print("finished")
"""


def test_kill_9_during_a_job_then_apply_resumes_it_with_no_duplicate(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    admin.setting(SF, "bulk_processing_delay_ms", 1500)
    journal_path = tmp_path / "journal.json"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(CHILD),
            str(tmp_path),
            str(journal_path),
            account_id,
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and calls_to(admin, "PATCH jobs/ingest") == 0:
            assert child.poll() is None, child.communicate()
            time.sleep(0.02)
        assert calls_to(admin, "PATCH jobs/ingest") == 1, "the child never closed its job"
        child.send_signal(signal.SIGKILL)  # mid-job: closed, not processed, results unread
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    [job] = FileJournal(journal_path).unfinished()
    assert (job.kind, job.operation) == ("contact", "insert")
    admin.reset_calls()
    provider = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    provider.use_job_journal(FileJournal(journal_path))
    changes = creates(40, account_id)
    seen = Batches()
    provider.apply(changes, seen)
    results = seen.results
    assert all(r.ok for r in results.values()) and len(results) == 40
    assert calls_to(admin, "PUT jobs/ingest") == 0, "resumed, not uploaded again"
    assert calls_to(admin, "POST composite") == 0 and calls_to(admin, "POST jobs/ingest") == 0
    assert calls_to(admin, "GET jobs/ingest/{id}/successfulResults") == 1
    assert FileJournal(journal_path).unfinished() == []
    live = live_contacts(tmp_path)
    assert live == {c.key: results[c.id].remote_id for c in changes}


def test_a_crash_right_after_the_journal_kept_the_id_aborts_that_job_and_writes_once(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    path = tmp_path / "journal.json"
    changes = creates(12, account_id)
    crashing = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    crashing.use_job_journal(CrashingJournal(path))
    with pytest.raises(Crash):
        crashing.apply(changes, Batches())
    [open_job] = FileJournal(path).unfinished()
    assert open_job.operation == "insert"
    admin.reset_calls()
    provider = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    provider.use_job_journal(FileJournal(path))
    seen = Batches()
    provider.apply(changes, seen)
    assert all(r.ok for r in seen.results.values()) and len(seen.results) == 12
    assert calls_to(admin, "PATCH jobs/ingest/{id}") == 2  # abort the open job, close the new one
    assert calls_to(admin, "PUT jobs/ingest") == 1
    assert FileJournal(path).unfinished() == []
    assert len(live_contacts(tmp_path)) == 12


def test_a_lost_job_makes_creates_look_up_before_writing(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin
) -> None:
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    changes = creates(4, account_id)
    made = seed_records(
        tmp_path,
        "Contact",
        [{"LastName": "x", "Email": c.key, "AccountId": account_id} for c in changes[:2]],
    )
    journal = MemoryJournal()
    journal.remember(BulkJob("750SB0000000zzzAAA", "contact", "insert"))  # Salesforce forgot it
    provider = sf_provider(tmp_path, bulk_write_threshold=10, **QUICK)
    provider.use_job_journal(journal)
    seen = Batches()
    provider.apply(changes, seen)
    results = seen.results
    assert [results[c.id].remote_id for c in changes[:2]] == made
    assert all(r.ok for r in results.values())
    assert len(live_contacts(tmp_path)) == 4
    assert journal.unfinished() == []


def test_polls_are_bounded_by_the_job_timeout() -> None:
    settings = BulkSettings(None, None, 1.0, 15.0, 60.0, 10_000)
    waits = list(settings.polls())
    assert waits == [1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]
    assert sum(waits) <= 60.0


def test_with_an_external_id_field_bulk_creates_are_upserts_a_rerun_cannot_duplicate(
    tmp_path: Path, sandbox_env: dict[str, str], admin: SandboxAdmin, sandbox: Sandbox
) -> None:
    admin.salesforce_describe(
        "Contact", "Storegate_Key__c", add={"type": "string", "externalId": True, "unique": True}
    )
    [account_id] = seed_records(tmp_path, "Account", [{"Name": "Acme"}])
    changes = creates(15, account_id, prefix="Key")
    for attempt in range(2):  # the second run stands for a resend after an unknown outcome
        provider = sf_provider(
            tmp_path, bulk_write_threshold=10, external_id_field="Storegate_Key__c", **QUICK
        )
        seen = Batches()
        provider.apply(changes, seen)
        assert all(r.ok for r in seen.results.values()) and len(seen.results) == 15, attempt
    jobs = sandbox.store.list("salesforce_bulk", "ingest")
    assert [(j["operation"], j.get("externalIdFieldName")) for j in jobs] == [
        ("upsert", "Storegate_Key__c"),
        ("upsert", "Storegate_Key__c"),
    ]
    live = [c for c in sandbox.store.list(SF, "Contact") if not c["IsDeleted"]]
    assert len(live) == 15
    assert {c["Storegate_Key__c"] for c in live} == {c.key.lower() for c in changes}

"""Benchmark: Salesforce Bulk API 2.0 through the provider, against the sandbox.

1. apply `--creates` contact creates (default 50,000, over creates/50 accounts) with the default
   `bulk_write_threshold`: wall time, the provider's calls and the sandbox's calls by endpoint, and
   the job's processing time in the sandbox;
2. the same apply of `--collections` creates (default 5,000) through sObject Collections, for scale;
3. a full read of those contacts as REST pages and as a Bulk API 2.0 query job: wall and calls.

    .venv/bin/python bench/bench_bulk.py [--creates 50000] [--collections 5000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from storegate.providers.contract import Action, Address, Change, ChangeResult, FieldChange, Scope
from storegate.providers.salesforce import SalesforceProvider
from storegate.providers.salesforce.config import SalesforceSystem
from storegate.sandbox.admin import SandboxAdmin
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox


def settings(**extra: Any) -> SalesforceSystem:
    return SalesforceSystem.model_validate(
        {
            "instance_url": "env:SF_INSTANCE_URL",
            "ca_bundle": "env:STOREGATE_SANDBOX_CA",
            "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
            "bulk_poll_seconds": 0.25,
            "bulk_poll_max_seconds": 2.0,
            **extra,
        }
    )


def creates(count: int, account_ids: list[str], prefix: str) -> list[Change]:
    out = []
    for i in range(count):
        email = f"{prefix}{i}@account{i % len(account_ids)}.example"
        out.append(
            Change(
                address=Address("salesforce", "contact", email),
                account="",
                action=Action.CREATE,
                fields=(
                    FieldChange("email", None, email),
                    FieldChange("account_id", None, account_ids[i % len(account_ids)]),
                    FieldChange("purchase_on_account", None, True),
                ),
                reason="bench",
                create_fields=(FieldChange("last_name", None, f"Buyer {i}"),),
            )
        )
    return out


class Results:
    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0
        self.batches = 0

    def __call__(self, results: Sequence[ChangeResult]) -> None:
        self.batches += 1
        self.ok += sum(1 for r in results if r.ok)
        self.failed += sum(1 for r in results if not r.ok)


def apply(root: Path, admin: SandboxAdmin, changes: list[Change], label: str, **extra: Any) -> None:
    provider = SalesforceProvider("salesforce", settings(**extra), root)
    admin.reset_calls()
    results = Results()
    started = time.perf_counter()
    provider.apply(changes, results)
    wall = time.perf_counter() - started
    calls = admin.calls().get("salesforce", {})
    print(
        f"{label}: {len(changes)} creates in {wall:.1f} s wall, {provider.calls()} Salesforce "
        f"calls ({results.ok} ok, {results.failed} failed, {results.batches} on_batch calls)"
    )
    print(f"  calls by endpoint: {dict(sorted(calls.items()))}")
    provider.close()


def read(root: Path, admin: SandboxAdmin, label: str, **extra: Any) -> None:
    provider = SalesforceProvider("salesforce", settings(**extra), root)
    admin.reset_calls()
    started = time.perf_counter()
    records = provider.read(Scope(kinds=frozenset({"contact"})))
    wall = time.perf_counter() - started
    calls = admin.calls().get("salesforce", {})
    print(f"{label}: {len(records)} contacts in {wall:.1f} s wall, {provider.calls()} calls")
    print(f"  calls by endpoint: {dict(sorted(calls.items()))}")
    provider.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=50_000)
    parser.add_argument("--collections", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, Sandbox(Path(directory)) as sandbox:
        os.environ.update(sandbox.env)
        root = Path(directory)
        admin = SandboxAdmin(sandbox.url, sandbox.ca_path)
        accounts = max(args.creates // 50, 1)
        load_seed(
            sandbox.store, {"salesforce": {"Account": [{"Name": f"A{i}"} for i in range(accounts)]}}
        )
        account_ids = [r["Id"] for r in sandbox.store.list("salesforce", "Account")]
        apply(root, admin, creates(args.creates, account_ids, "bulk"), "Bulk API 2.0 apply")
        jobs = sandbox.store.list("salesforce_bulk", "ingest")
        for job in jobs:
            print(
                f"  job {job['id']}: {job['state']}, {job['numberRecordsProcessed']} processed, "
                f"{job['numberRecordsFailed']} failed, {job['totalProcessingTime']} ms in the sandbox"
            )
        if args.collections:
            apply(
                root,
                admin,
                creates(args.collections, account_ids, "rest"),
                "sObject Collections apply",
                bulk_write_threshold=None,
            )
        read(root, admin, "REST read", bulk_read_threshold=None)
        read(root, admin, "Bulk API 2.0 query-job read")
        admin.close()


if __name__ == "__main__":
    main()

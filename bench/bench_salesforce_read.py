"""Benchmark: a full Salesforce read of 10,000 accounts and 50,000 contacts from the sandbox.

Starts a Sandbox in a temp dir, seeds it over the REST API (sObject Collections), then times
`SalesforceProvider.read(Scope(full=True))` and prints the API calls and seconds it took.

    .venv/bin/python bench/bench_salesforce_read.py [--accounts N] [--contacts N]
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from storegate.engine.model import SalesforceSystem
from storegate.providers.base import Scope
from storegate.providers.salesforce import SalesforceProvider
from storegate.providers.salesforce.connection import Connection
from storegate.sandbox.server import Sandbox

SETTINGS = SalesforceSystem.model_validate(
    {
        "instance_url": "env:SF_INSTANCE_URL",
        "ca_bundle": "env:STOREGATE_SANDBOX_CA",
        "auth": {"type": "session", "session_id": "env:SF_ACCESS_TOKEN"},
    }
)


def _create(connection: Connection, sobject: str, rows: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for start in range(0, len(rows), 200):
        records = [{"attributes": {"type": sobject}, **r} for r in rows[start : start + 200]]
        results = connection.rest(
            "seed", "POST", "composite/sobjects", body={"allOrNone": True, "records": records}
        )
        ids.extend(r["id"] for r in results)
    return ids


def seed(root: Path, accounts: int, contacts: int) -> None:
    connection = Connection(SETTINGS, root)
    try:
        account_ids = _create(
            connection, "Account", [{"Name": f"Account {i:05d}"} for i in range(accounts)]
        )
        rows = [
            {
                "LastName": f"Buyer {i}",
                "Email": f"buyer{i}@account{i % accounts}.example",
                "AccountId": account_ids[i % accounts],
                "s_c__Can_Purchase_For_Account__c": i % 2 == 0,
            }
            for i in range(contacts)
        ]
        _create(connection, "Contact", rows)
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, Sandbox(Path(directory)) as sandbox:
        os.environ.update(sandbox.env)
        started = time.perf_counter()
        seed(Path(directory), args.accounts, args.contacts)
        print(
            f"seeded {args.accounts} accounts, {args.contacts} contacts in {time.perf_counter() - started:.1f}s"
        )
        provider = SalesforceProvider(SETTINGS, Path(directory))
        started = time.perf_counter()
        records = provider.read(Scope(full=True))
        elapsed = time.perf_counter() - started
        provider.close()
        expected = math.ceil(args.accounts / 2000) + math.ceil(args.contacts / 2000) + 2
        print(
            f"read {len(records)} records: {provider.calls()} API calls "
            f"(expected {expected}: pages of 2,000 + price books + memberships), {elapsed:.2f}s"
        )


if __name__ == "__main__":
    main()

"""Benchmark: how fast the sandbox answers the Salesforce plan read at 50,000 contacts.

Seeds `--contacts` contacts over contacts/50 accounts straight into a sandbox's store, then runs
the query storegate's plan sends (`SELECT <mapped fields>, Account.Name FROM Contact WHERE Email !=
null`) and every `nextRecordsUrl` page after it, and reports per page:

- server-side: the CPU time `Sandbox.handle` takes for the call on its thread, JSON encoding of
  the body included (what the sandbox spends; the target is <= 50 ms for a 2,000-record page);
- over HTTPS: the same pages fetched with httpx over one keep-alive connection.

Then the same for a key lookup (`WHERE Email IN (...)` of 300 emails), and a COUNT().

    .venv/bin/python bench/bench_sandbox_query.py [--contacts 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from storegate.sandbox.http import Headers, Request
from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox

API = "/services/data/v59.0"
PLAN_READ = (
    "SELECT Id, Email, FirstName, LastName, AccountId, s_c__Can_Purchase_For_Account__c, "
    "s_c__Can_Use_Account_Credit__c, s_c__Can_Use_Account_Points__c, "
    "s_c__Can_Use_Account_Pricing__c, s_c__Invitation_Accepted_At__c, Account.Name "
    "FROM Contact WHERE (Email != null)"
)


def seed(sandbox: Sandbox, contacts: int) -> None:
    accounts = max(contacts // 50, 1)
    load_seed(
        sandbox.store,
        {
            "salesforce": {
                "Account": [{"Name": f"Account {i:05d}"} for i in range(accounts)],
                "Contact": [
                    {
                        "FirstName": "Buyer",
                        "LastName": f"No {i}",
                        "Email": f"buyer{i}@account{i % accounts}.example",
                        "Account": f"Account {i % accounts:05d}",
                        "s_c__Can_Purchase_For_Account__c": i % 2 == 0,
                    }
                    for i in range(contacts)
                ],
            }
        },
    )


def server_side(sandbox: Sandbox, path: str, query: dict[str, list[str]]) -> tuple[float, str]:
    """CPU seconds `handle` + encode took on this thread (steady on a busy machine, where wall time
    is not), and the next page's path ('' when done)."""
    token = sandbox.env["SF_ACCESS_TOKEN"]
    request = Request("GET", path, query, Headers({"Authorization": f"Bearer {token}"}), b"", {})
    started = time.thread_time()
    response = sandbox.handle(request)
    assert response is not None and response.status == 200, response
    response.encode()
    elapsed = time.thread_time() - started
    return elapsed, str(response.body.get("nextRecordsUrl") or "")


def pages_server_side(sandbox: Sandbox, soql: str) -> list[float]:
    times: list[float] = []
    elapsed, following = server_side(sandbox, f"{API}/query", {"q": [soql]})
    times.append(elapsed)
    while following:
        split = urlsplit(following)
        elapsed, following = server_side(sandbox, split.path, parse_qs(split.query))
        times.append(elapsed)
    return times


def pages_over_https(client: httpx.Client, soql: str) -> list[float]:
    times: list[float] = []
    started = time.perf_counter()
    body = client.get(f"{API}/query", params={"q": soql}).json()
    times.append(time.perf_counter() - started)
    while body.get("nextRecordsUrl"):
        started = time.perf_counter()
        body = client.get(body["nextRecordsUrl"]).json()
        times.append(time.perf_counter() - started)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, Sandbox(Path(directory)) as sandbox:
        started = time.perf_counter()
        seed(sandbox, args.contacts)
        print(f"seeded {args.contacts} contacts in {time.perf_counter() - started:.1f} s")
        for run in range(args.runs):
            times = pages_server_side(sandbox, PLAN_READ)
            print(
                f"server-side run {run + 1}: {len(times)} pages, first {ms(times[0])}, "
                f"next pages median {ms(statistics.median(times[1:] or times))}, "
                f"max {ms(max(times[1:] or times))}, all pages {ms(sum(times))}"
            )
        emails = ", ".join(
            f"'buyer{i}@account{i % (args.contacts // 50 or 1)}.example'"
            for i in range(0, args.contacts, max(args.contacts // 300, 1))
        )
        lookup = f"SELECT Id, Email FROM Contact WHERE Email IN ({emails})"
        count = "SELECT COUNT() FROM Contact WHERE Email != null"
        for label, soql in (("300-email lookup", lookup), ("COUNT()", count)):
            times = [pages_server_side(sandbox, soql)[0] for _ in range(args.runs)]
            print(f"server-side {label}: median {ms(statistics.median(times))}")
        context = ssl.create_default_context(cafile=str(sandbox.ca_path))
        headers = {"Authorization": f"Bearer {sandbox.env['SF_ACCESS_TOKEN']}"}
        with httpx.Client(base_url=sandbox.url, verify=context, headers=headers) as client:
            for run in range(args.runs):
                times = pages_over_https(client, PLAN_READ)
                print(
                    f"https run {run + 1}: {len(times)} pages, first {ms(times[0])}, next pages "
                    f"median {ms(statistics.median(times[1:] or times))}, all {ms(sum(times))}"
                )


if __name__ == "__main__":
    main()

"""Benchmark: the sandbox's HTTP transport, per call and per 2,000-record query page.

Starts a Sandbox in a temp dir, seeds contacts straight into its store, then times over one
keep-alive HTTPS connection (httpx and requests, the two clients storegate uses):

- a small call (`GET limits`), median and 90th percentile of `--calls` calls;
- the first page of a 2,000-record SOQL query (`--contacts` contacts in all: with more than 2,000
  the first page evaluates the whole query and the next page is served from the cursor), median of
  `--pages` runs, and a `nextRecordsUrl` page when there is one.

    .venv/bin/python bench/bench_sandbox_http.py [--contacts 2000] [--calls 200] [--pages 10]
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import requests

from storegate.sandbox.seed import load_seed
from storegate.sandbox.server import Sandbox

API = "/services/data/v59.0"
SOQL = "SELECT Id, FirstName, LastName, Email, AccountId, Account.Name FROM Contact"


def _seed(sandbox: Sandbox, contacts: int) -> None:
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
                    }
                    for i in range(contacts)
                ],
            }
        },
    )


def _timed(fn: Callable[[], None], runs: int) -> list[float]:
    fn()  # warm up: connection, TLS handshake, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered):8.2f} ms   p90 {p90:8.2f} ms   (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, Sandbox(Path(tmp)) as sandbox:
        _seed(sandbox, args.contacts)
        token = sandbox.env["SF_ACCESS_TOKEN"]
        headers = {"Authorization": f"Bearer {token}"}
        context = ssl.create_default_context(cafile=str(sandbox.ca_path))
        session = requests.Session()
        session.trust_env = False
        session.verify = str(sandbox.ca_path)
        session.headers.update(headers)
        with httpx.Client(base_url=sandbox.url + API, verify=context, headers=headers) as client:

            def limits_httpx() -> None:
                client.get("/limits").raise_for_status()

            def limits_requests() -> None:
                session.get(sandbox.url + API + "/limits").raise_for_status()

            first: dict[str, object] = {}

            def page() -> None:
                response = client.get("/query", params={"q": SOQL})
                response.raise_for_status()
                first.update(response.json())
                assert len(first["records"]) == min(2000, args.contacts)  # type: ignore[arg-type]

            print(f"sandbox at {sandbox.url}, {args.contacts} contacts")
            print(f"GET limits (httpx)      {_summary(_timed(limits_httpx, args.calls))}")
            print(f"GET limits (requests)   {_summary(_timed(limits_requests, args.calls))}")
            print(f"query, first page       {_summary(_timed(page, args.pages))}")
            next_url = first.get("nextRecordsUrl")
            if isinstance(next_url, str):

                def next_page() -> None:
                    client.get(sandbox.url + next_url).raise_for_status()

                print(f"query, next page        {_summary(_timed(next_page, args.pages))}")
        session.close()


if __name__ == "__main__":
    main()

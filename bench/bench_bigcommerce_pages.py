"""Benchmark: what one page of `GET /v3/customers` costs the BigCommerce emulator at 50,000 customers.

Seeds `--customers` customers straight into a sandbox's store (over 5 customer groups, 50
companies), then fetches, at `limit=250`:

- page 1, the last page (`page=N`), and the page after the second-to-last end cursor;
- page 1 sorted by `last_name:desc`, and page 1 filtered by `customer_group_id:in` and `company:in`.

For each it reports the server-side CPU time `Sandbox.handle` plus JSON encoding take on the calling
thread (steady on a busy machine, where wall time is not) and the wall time of the same call over
HTTPS (one keep-alive connection). The emulator's quota (150 calls per 30 s window) is left as is:
this makes a dozen calls.

    .venv/bin/python bench/bench_bigcommerce_pages.py [--customers 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from storegate.sandbox import bigcommerce
from storegate.sandbox.bigcommerce_wire import encode_cursor
from storegate.sandbox.http import Headers, Request
from storegate.sandbox.server import Sandbox

LIMIT = 250
PATH = "/stores/sandbox/v3/customers"


def seed(sandbox: Sandbox, customers: int) -> None:
    bigcommerce.seed(
        sandbox.store,
        {
            "customer_groups": [{"id": g, "name": f"Group {g}"} for g in range(1, 6)],
            "customers": [
                {
                    "email": f"buyer{i}@shop{i % 50}.example",
                    "first_name": "Buyer",
                    "last_name": f"No {i:06d}",
                    "company": f"Company {i % 50:02d}",
                    "customer_group_id": 1 + i % 5,
                }
                for i in range(customers)
            ],
        },
    )


def server_side(sandbox: Sandbox, query: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """CPU seconds `handle` + encode took on this thread, and the body."""
    token = sandbox.settings["bigcommerce"]["access_token"]
    headers = Headers({"X-Auth-Token": token})
    request = Request("GET", PATH, {k: [v] for k, v in query.items()}, headers, b"", {})
    started = time.thread_time()
    response = sandbox.handle(request)
    assert response is not None and response.status == 200, response
    response.encode()
    elapsed = time.thread_time() - started
    return elapsed, dict(response.body)


def over_https(client: httpx.Client, query: dict[str, str]) -> float:
    started = time.perf_counter()
    answer = client.get(PATH, params=query)
    answer.raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(Path(tmp)) as sandbox:
        started = time.perf_counter()
        seed(sandbox, args.customers)
        print(f"seeded {args.customers} customers in {time.perf_counter() - started:.1f} s")
        last_page = (args.customers + LIMIT - 1) // LIMIT
        limit = str(LIMIT)
        _, before_last = server_side(sandbox, {"limit": limit, "page": str(last_page - 1)})
        end_cursor = encode_cursor(before_last["data"][-1]["id"])
        cases = {
            "page 1": {"limit": limit},
            f"page {last_page} (last)": {"limit": limit, "page": str(last_page)},
            "after cursor (last)": {"limit": limit, "after": end_cursor},
            "page 1 sort last_name:desc": {"limit": limit, "sort": "last_name:desc"},
            "page 1 group 3, 2 companies": {
                "limit": limit,
                "customer_group_id:in": "3",
                "company:in": "company 07,Company 12",
            },
        }
        token = sandbox.settings["bigcommerce"]["access_token"]
        with httpx.Client(
            base_url=sandbox.url,
            verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
            headers={"X-Auth-Token": token},
            timeout=120,
        ) as client:
            print(f"{'case':32} {'server CPU ms':>14} {'HTTPS ms':>10} {'records':>8}")
            for name, query in cases.items():
                cpu, wall, count = [], [], 0
                for _ in range(args.runs):
                    elapsed, body = server_side(sandbox, query)
                    cpu.append(elapsed)
                    count = len(body["data"])
                    wall.append(over_https(client, query))
                print(
                    f"{name:32} {statistics.median(cpu) * 1000:14.1f} "
                    f"{statistics.median(wall) * 1000:10.1f} {count:8d}"
                )


if __name__ == "__main__":
    main()

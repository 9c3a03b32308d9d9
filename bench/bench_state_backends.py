"""Benchmark (run by hand, not a test): the state backends' write, read, history and lock costs.

    PYTHONPATH=. .venv/bin/python bench/bench_state_backends.py [--resources 2000] [--writes 50] [--batch 25]

Each write stores the whole state (`--resources` contacts) plus `--batch` history entries, as apply
does after every batch. PostgreSQL runs twice, with fsync off (the tests' server) and on (durable,
as production). Also: the test server's start time, and how soon a kill -9'd holder's lock is free.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from storegate.state.base import HistoryEntry, ResourceState, StateBackend, StateDocument
from storegate.state.local import LocalStateBackend
from storegate.state.postgres import ConnectionSettings, PostgresStateBackend
from tests.state.pg_server import PostgresServer, find_binaries

HOLD = """
import os, sys
from storegate.state.postgres import ConnectionSettings, PostgresStateBackend
backend = PostgresStateBackend(ConnectionSettings(os.environ["STATE_DSN"]), repo="bench")
backend.lock("apply", 0)
print("locked", flush=True)
sys.stdin.readline()
"""


def document(resources: int) -> StateDocument:
    doc = StateDocument()
    for n in range(resources):
        email = f"buyer{n}@acct{n % 400}.example.com"
        address = f'salesforce.contact["{email}"]'
        doc.resources[address] = ResourceState(
            address,
            "salesforce",
            "contact",
            email,
            f"003{n:015d}",
            f"Account {n % 400}",
            {"store_id": n, "groups": [1, 2]},
        )
    return doc


def entries(batch: int, write: int) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            apply_id=f"bench-{write}",
            address=f'salesforce.contact["b{write}.{n}@x.example"]',
            action="update",
            result="ok",
            before={"purchase_on_account": False},
            after={"purchase_on_account": True},
            commit="0" * 40,
            author="bench@example",
        )
        for n in range(batch)
    ]


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


def run(name: str, backend: StateBackend, args: argparse.Namespace) -> None:
    doc = document(args.resources)
    latencies = []
    for write in range(args.writes):
        history = entries(args.batch, write)
        began = time.perf_counter()
        doc = backend.write(doc, doc.serial, history)
        latencies.append((time.perf_counter() - began) * 1000)
    read_ms = timed(backend.read)
    history_ms = timed(backend.history)
    filtered_ms = timed(lambda: backend.history('salesforce.contact["b7.3@x.example"]'))
    lock_ms = timed(lambda: backend.unlock(backend.lock("apply", 0).id))
    print(
        f"{name:22} write median {statistics.median(latencies):7.2f} ms  "
        f"p95 {sorted(latencies)[int(len(latencies) * 0.95) - 1]:7.2f} ms  read {read_ms:6.2f} ms  "
        f"history({args.writes * args.batch}) {history_ms:6.2f} ms  one address "
        f"{filtered_ms:5.2f} ms  lock+unlock {lock_ms:5.2f} ms"
    )


def kill_frees_lock(dsn: str) -> float:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "STATE_DSN": dsn},
    )
    assert holder.stdout is not None and holder.stdout.readline().startswith("locked")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    began = time.perf_counter()
    backend = PostgresStateBackend(ConnectionSettings(dsn), repo="bench")
    backend.lock("apply", 5)
    elapsed = (time.perf_counter() - began) * 1000
    backend.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--batch", type=int, default=25)
    args = parser.parse_args()
    binaries = find_binaries()
    if binaries is None:
        sys.exit("no PostgreSQL binaries (install the dev extra)")
    with tempfile.TemporaryDirectory() as scratch:
        run("local", LocalStateBackend(Path(scratch) / "state.json"), args)
    for fsync in ("off", "on"):
        server = PostgresServer(
            binaries, {"fsync": fsync, "full_page_writes": fsync, "synchronous_commit": fsync}
        )
        server.start()
        try:
            print(
                f"postgres fsync={fsync}: server started in {server.timings['start_seconds']:.2f} s "
                f"(initdb {server.timings['initdb_seconds']:.2f} s) from {binaries.source}"
            )
            dsn = server.dsn(server.create_database())
            backend = PostgresStateBackend(ConnectionSettings(dsn), repo="bench")
            first_ms = timed(backend.read)
            print(f"{'':22} first use (connect, create schema) {first_ms:.1f} ms")
            run(f"postgres fsync={fsync}", backend, args)
            backend.close()
            print(f"{'':22} kill -9 of the holder -> lock taken in {kill_frees_lock(dsn):.1f} ms")
        finally:
            server.stop()


if __name__ == "__main__":
    main()

"""Benchmark (run by hand, not a test): the local state backend's cost per apply batch.

    .venv/bin/python bench/bench_state_writes.py [--resources 10000 50000 200000] [--batches 100]

Apply saves state after every batch. Each run writes `--batches` batches of 10 changed resources
into a state of `--resources` resources, as apply does (the document the backend returned, changed
by key), and reports CPU per write and bytes written per write; then one full rewrite of the same
state (what every batch cost before the journal), and the read of the journaled state.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from storegate.state.base import ResourceState, StateDocument
from storegate.state.local import LocalStateBackend


def resource(n: int, version: int = 0) -> ResourceState:
    email = f"buyer{n}@acct{n % 2000}.example.com"
    address = f'salesforce.contact["{email}"]'
    return ResourceState(
        address,
        "salesforce",
        "contact",
        email,
        f"003{n:015d}",
        f"Account {n % 2000}",
        {"person": email, "target": f"{version:08x}:{n:016x}"},
    )


def run(resources: int, batches: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        backend = LocalStateBackend(Path(tmp) / "state.json")
        document = StateDocument()
        for n in range(resources):
            r = resource(n)
            document.resources[r.address] = r
        began = time.process_time()
        state = backend.write(document, 0)
        first = time.process_time() - began
        written = backend.bytes_written
        began = time.process_time()
        for batch in range(batches):
            for n in range(batch * 10, batch * 10 + 10):
                r = resource(n % resources, version=1)
                state.resources[r.address] = r
            state = backend.write(state, state.serial)
        per_write = (time.process_time() - began) / batches
        per_bytes = (backend.bytes_written - written) / batches
        began = time.process_time()
        again = LocalStateBackend(Path(tmp) / "state.json").read()
        read = time.process_time() - began
        assert again.resources == state.resources
        print(
            f"{resources:>7} resources: full write {first * 1000:7.1f} ms; "
            f"per batch of 10: {per_write * 1000:6.2f} ms CPU, {per_bytes:>10,.0f} bytes; "
            f"read with journal {read * 1000:7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--batches", type=int, default=100)
    args = parser.parse_args()
    for size in args.resources:
        run(size, args.batches)


if __name__ == "__main__":
    main()

"""Benchmark (run by hand, not a test): load + validate 100,000 contacts in 2,000 account files.

    .venv/bin/python bench/bench_load.py [--files 2000] [--contacts-per-file 50]

Target (issue 16): 2 s or less. It reports wall and CPU time and the peak RSS of the load.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from storegate.engine.load import load_repo

CONFIG = """\
systems:
  salesforce:
    instance_url: env:SF_INSTANCE_URL
    auth: {type: session, session_id: env:SF_ACCESS_TOKEN}
"""


def account_yaml(n: int, contacts: int) -> str:
    lines = [
        "account:",
        f"  name: Bench Account {n:05d}",
        "  active: true",
        "  pay_by_account: true",
        "  price_book: Wholesale 2026",
        "  membership: Gold",
        "contacts:",
    ]
    for c in range(contacts):
        lines += [
            f"  - email: buyer{c}.acct{n}@bench{n % 97}.example.com",
            f"    first_name: Buyer{c}",
            f"    last_name: Account{n}",
            f"    access: {'revoked' if c % 17 == 0 else 'active'}",
            f"    purchase_on_account: {'true' if c % 17 else 'false'}",
            "    account_credit: false",
            "    account_points: false",
            f"    account_pricing: {'true' if c % 17 else 'false'}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--contacts-per-file", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "storegate.yaml").write_text(CONFIG)
        accounts = root / "accounts"
        accounts.mkdir()
        for n in range(args.files):
            (accounts / f"account-{n:05d}.yaml").write_text(account_yaml(n, args.contacts_per_file))
        started, cpu = time.perf_counter(), time.process_time()
        result = load_repo(root)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.desired is not None, [p.format() for p in result.errors[:5]]
    contacts = sum(len(a.file.contacts) for a in result.desired.accounts)
    print(
        f"{args.files} files, {contacts} contacts: load+validate {elapsed:.2f} s "
        f"(CPU {cpu:.2f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB), "
        f"{len(result.problems)} problems, {len(result.desired.sources.nodes)} located nodes"
    )


if __name__ == "__main__":
    main()

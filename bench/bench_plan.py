"""Benchmark (run by hand, not a test): `storegate plan` at scale against the sandbox.

    .venv/bin/python bench/bench_plan.py [--sizes 10000 50000 100000] [--naive-sample 2000]

For each N: N contacts over N/50 account files (Salesforce + BigCommerce, accounts: all), the
sandbox seeded with the live world mostly as the YAML says (90%), part drifted (5%: a first name
and a permission changed live) and part missing (5%: to be created); a few contacts revoked. Then
two plans, each in a fresh process (its peak RSS is the plan's own): with an empty state, and at
steady state (the state an apply of the empty-state plan leaves, adopted without API writes).

Then the steady-state plan is applied (its creates and drift updates), in a process of its own:
storegate's CPU per change (the sandbox runs in this driver process, so none of its CPU counts).

Reported per plan: load+validate, check and read (the providers' calls to the live systems: their
metadata checks and reads), plan build (make_plan's wall time beyond those calls: a read that runs
while the repo is projected hides that projection; and the CPU the planning thread spends on all
but those calls, wherever it falls), render (text), wall and CPU of the whole plan, peak RSS, state resources, changes, and the calls by endpoint against the minimum (one call per full page of each list read, plus the fixed
describe/lookup calls counted at the smallest size). Beside it, the naive peer: the same records
read one GET per record, as a per-resource refresh does (its calls are N per system; its time is
measured over `--naive-sample` records of each system and scaled to N).

Targets (issue 16): load+validate <= 2 s and plan build <= 2 s at 100,000 contacts with a steady
state of ~200,000 resources; peak RSS <= 500 MB; calls <= 1.1 x the minimum.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PER_ACCOUNT = 50
SF_PAGE = 2000
BC_PAGE = 250
FIXED_CALLS = 5

CONFIG = """\
version: 1
repo: github.com/acme/bench-access
systems:
  salesforce:
    instance_url: env:STOREGATE_SANDBOX_URL
    ca_bundle: env:STOREGATE_SANDBOX_CA
    auth: {type: session, session_id: env:SF_ACCESS_TOKEN}
  bigcommerce:
    base_url: env:STOREGATE_SANDBOX_URL
    store_hash: env:BIGCOMMERCE_STORE_HASH
    access_token: env:BIGCOMMERCE_ACCESS_TOKEN
    ca_bundle: env:STOREGATE_SANDBOX_CA
state:
  type: local
  path: .storegate/state.json
safety:
  max_revocations: 1000000
  max_revocation_percent: 100
"""


# ---------------------------------------------------------------- the repo and the live world


def contact_of(a: int, c: int) -> dict[str, Any]:
    revoked = c % 25 == 24
    return {
        "email": f"buyer{c:02d}.a{a:05d}@acct{a:05d}.example.com",
        "first_name": f"Buyer{c:02d}",
        "last_name": f"Account{a:05d}",
        "access": "revoked" if revoked else "active",
        "purchase_on_account": c % 3 != 0,
        "account_credit": False,
        "account_points": c % 5 == 0,
        # Account pricing needs a price book on the account (rule SG105 warns otherwise): these
        # accounts set none, so a generator granting it would make a warning of every contact.
        "account_pricing": False,
    }


def write_repo(repo: Path, n: int) -> None:
    (repo / "accounts").mkdir(parents=True)
    (repo / "storegate.yaml").write_text(CONFIG, encoding="utf-8")
    for a in range(n // PER_ACCOUNT):
        lines = ["account:", f"  name: Bench Account {a:05d}", "  pay_by_account: true"]
        lines.append("contacts:")
        for c in range(PER_ACCOUNT):
            contact = contact_of(a, c)
            lines.append(f"  - email: {contact['email']}")
            for key in list(contact)[1:]:
                value = contact[key]
                text = ("true" if value else "false") if isinstance(value, bool) else value
                lines.append(f"    {key}: {text}")
        (repo / "accounts" / f"account-{a:05d}.yaml").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )


def live_world(n: int) -> dict[str, Any]:
    """The seed: 90% as the YAML says, 5% drifted, 5% missing (to be created)."""
    accounts, contacts, customers = [], [], []
    for a in range(n // PER_ACCOUNT):
        name = f"Bench Account {a:05d}"
        accounts.append({"Name": name, "s_c__Pay_By_Account__c": True})
        for c in range(PER_ACCOUNT):
            contact = contact_of(a, c)
            slot = (a * PER_ACCOUNT + c) % 20
            if slot == 19:
                continue  # missing: the plan creates it
            drifted = slot == 18
            first = contact["first_name"] + ("x" if drifted else "")
            active = contact["access"] == "active"
            contacts.append(
                {
                    "FirstName": first,
                    "LastName": contact["last_name"],
                    "Email": contact["email"],
                    "Account": name,
                    "s_c__Can_Purchase_For_Account__c": contact["purchase_on_account"]
                    if not drifted
                    else not contact["purchase_on_account"],
                    "s_c__Can_Use_Account_Credit__c": active and contact["account_credit"],
                    "s_c__Can_Use_Account_Points__c": active and contact["account_points"],
                    "s_c__Can_Use_Account_Pricing__c": active and contact["account_pricing"],
                    "s_c__Invitation_Accepted_At__c": "2025-01-03T09:14:00.000+0000",
                }
            )
            if active:
                customers.append(
                    {
                        "email": contact["email"],
                        "first_name": first,
                        "last_name": contact["last_name"],
                        "company": name,
                    }
                )
    return {
        "salesforce": {"Account": accounts, "Contact": contacts},
        "bigcommerce": {"customers": customers},
    }


# ---------------------------------------------------------------- one plan, in its own process


class TimedReads:
    """A provider whose calls to the live system (its check and its read) are timed: the bench's
    measurement, not a change of behaviour. `spent` and `checked` get each call's wall time;
    `main_cpu` the CPU those calls took on the main thread (make_plan reads the systems whose
    full read needs no keys on a worker thread, while the main thread projects the repo)."""

    def __init__(
        self, provider: Any, spent: list[float], checked: list[float], main_cpu: list[float]
    ) -> None:
        self._provider = provider
        self._spent = spent
        self._checked = checked
        self._main_cpu = main_cpu

    def check(self) -> None:
        self._timed(self._provider.check, self._checked)

    def read(self, scope: Any) -> Any:
        return self._timed(lambda: self._provider.read(scope), self._spent)

    def _timed(self, call: Any, into: list[float]) -> Any:
        began, cpu = time.perf_counter(), time.thread_time()
        try:
            return call()
        finally:
            into.append(time.perf_counter() - began)
            if threading.current_thread() is threading.main_thread():
                self._main_cpu.append(time.thread_time() - cpu)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._provider, name)
        setattr(self, name, found)  # looked up once: same_value runs per field
        return found


def peak_rss_mb() -> float:
    """This process's own peak (VmHWM; ru_maxrss would carry the forking parent's over exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plan_once(repo: Path) -> dict[str, Any]:
    """Load, plan and render the repo; the measurements as JSON on stdout."""
    from storegate.engine.load import load_repo
    from storegate.engine.planner import make_plan
    from storegate.engine.registry import close_all, open_providers
    from storegate.engine.render import render
    from storegate.engine.view import view_only
    from storegate.state.factory import open_backend
    from storegate.state.gcpause import paused_collection

    wall, cpu = time.perf_counter(), time.process_time()
    began = time.perf_counter()
    loaded = load_repo(repo)
    load_s = time.perf_counter() - began
    assert loaded.desired is not None, [p.format() for p in loaded.errors[:5]]
    began, view_cpu = time.perf_counter(), time.thread_time()
    # As `storegate plan` keeps the repo (open_session(keep_models=False)): the view, made here
    # rather than in make_plan, and counted in the plan build.
    desired = view_only(loaded.desired)
    del loaded
    view_s, view_cpu = time.perf_counter() - began, time.thread_time() - view_cpu
    backend = open_backend(desired.config.state, repo)
    began = time.perf_counter()
    state = backend.read()
    state_s = time.perf_counter() - began
    spent: list[float] = []
    checked: list[float] = []
    main_cpu: list[float] = []
    providers = open_providers(desired.config, repo)
    timed = {name: TimedReads(p, spent, checked, main_cpu) for name, p in providers.items()}
    began, made_cpu = time.perf_counter(), time.thread_time()
    with paused_collection():  # as `storegate plan` builds it (engine/commands/plan_cmd.py)
        plan = make_plan(desired, state, timed)  # type: ignore[arg-type]
    made_s, made_cpu = time.perf_counter() - began, time.thread_time() - made_cpu
    began = time.perf_counter()
    text = render(plan, "text", color=False)
    render_s = time.perf_counter() - began
    close_all(providers)
    return {
        "load": load_s,
        "state_read": state_s,
        "check": sum(checked),
        "read": sum(spent),
        # What the plan waits for beyond its checks and reads (the projection that runs during
        # the reads is not waited for), and the CPU the planning thread spends on everything but
        # checks and reads, wherever it falls.
        "build": view_s + made_s - sum(spent) - sum(checked),
        "build_cpu": view_cpu + made_cpu - sum(main_cpu),
        "render": render_s,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rss_mb": peak_rss_mb(),
        "state_resources": len(state.resources),
        "changes": len(plan.changes),
        "rendered_lines": text.count("\n"),
    }


def adopt(repo: Path) -> int:
    """The steady state: what an apply of the empty-state plan records, with no API write."""
    from storegate.engine.apply import apply_plan
    from storegate.engine.load import load_repo
    from storegate.engine.planner import make_plan
    from storegate.engine.registry import close_all, open_providers
    from storegate.state.factory import open_backend

    desired = load_repo(repo).desired
    assert desired is not None
    backend = open_backend(desired.config.state, repo)
    state = backend.read()
    providers = open_providers(desired.config, repo)
    plan = make_plan(desired, state, providers)
    outcome = apply_plan(replace(plan, changes=()), backend, state, providers)
    close_all(providers)
    assert outcome.state is not None
    return len(outcome.state.resources)


def apply_once(repo: Path) -> dict[str, Any]:
    """Plan, then apply the plan (the drifted and missing records): the apply's own CPU."""
    from storegate.engine.apply import apply_plan
    from storegate.engine.load import load_repo
    from storegate.engine.planner import make_plan
    from storegate.engine.registry import close_all, open_providers
    from storegate.state.factory import open_backend

    desired = load_repo(repo).desired
    assert desired is not None
    backend = open_backend(desired.config.state, repo)
    providers = open_providers(desired.config, repo)
    plan = make_plan(desired, backend.read(), providers)
    cpu, wall = time.process_time(), time.perf_counter()
    outcome = apply_plan(plan, backend, backend.read(), providers)
    spent = time.process_time() - cpu
    close_all(providers)
    return {
        "changes": len(plan.changes),
        "failed": len(outcome.failed),
        "cpu": spent,
        "wall": time.perf_counter() - wall,
    }


def child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- calls and the naive peer


def minimum_calls(n: int) -> dict[str, int]:
    accounts = n // PER_ACCOUNT
    contacts = n - n // 20
    customers = sum(
        1
        for a in range(accounts)
        for c in range(PER_ACCOUNT)
        if (a * PER_ACCOUNT + c) % 20 != 19 and contact_of(a, c)["access"] == "active"
    )
    return {
        "salesforce contact/account pages": math.ceil(contacts / SF_PAGE)
        + math.ceil(accounts / SF_PAGE),
        "bigcommerce customer pages": math.ceil(customers / BC_PAGE),
        # describe Account and Contact, the price book and membership names, the customer groups
        "metadata": FIXED_CALLS,
    }


def naive_peer(
    env: dict[str, str], n: int, sample: int, bc_window: tuple[int, float]
) -> dict[str, float]:
    """One GET per record, as a per-resource refresh reads: timed over a sample, scaled to N. The
    BigCommerce part takes at least the store's rate limit (`bc_window`: quota, seconds) allows,
    which a sample that fits in one window does not show."""
    verify = env["STOREGATE_SANDBOX_CA"]
    base = env["STOREGATE_SANDBOX_URL"].rstrip("/")
    sf = httpx.Client(
        base_url=f"{base}/services/data/v62.0",
        headers={"Authorization": f"Bearer {env['SF_ACCESS_TOKEN']}"},
        verify=verify,
    )
    ids = sf.get("/query", params={"q": f"SELECT Id FROM Contact LIMIT {sample}"}).json()
    contact_ids = [r["Id"] for r in ids["records"]]
    began = time.perf_counter()
    for record_id in contact_ids:
        sf.get(f"/sobjects/Contact/{record_id}").raise_for_status()
    sf_each = (time.perf_counter() - began) / max(1, len(contact_ids))
    bc = httpx.Client(
        base_url=f"{base}/stores/{env['BIGCOMMERCE_STORE_HASH']}/v3",
        headers={"X-Auth-Token": env["BIGCOMMERCE_ACCESS_TOKEN"]},
        verify=verify,
    )
    listed = _bc_get(bc, {"limit": min(sample, 200)}, [])["data"]
    waits: list[float] = []
    began = time.perf_counter()
    for customer in listed:
        _bc_get(bc, {"id:in": customer["id"]}, waits)
    bc_each = (time.perf_counter() - began) / max(1, len(listed))
    sf.close()
    bc.close()
    contacts = n - n // 20
    quota, window = bc_window
    bc_seconds = max(bc_each * contacts, (contacts // quota) * window)
    return {
        "calls": contacts + n // PER_ACCOUNT + contacts,
        "seconds": sf_each * (contacts + n // PER_ACCOUNT) + bc_seconds,
        "sf_ms_per_record": sf_each * 1000,
        "bc_ms_per_record": bc_each * 1000,
        "bc_waited": sum(waits),
        "bc_sampled": len(listed),
    }


def _bc_get(client: httpx.Client, params: dict[str, Any], waits: list[float]) -> Any:
    """A GET that, like any client of the store, waits out a spent rate window (429)."""
    while True:
        answer = client.get("/customers", params=params)
        if answer.status_code != 429:
            answer.raise_for_status()
            return answer.json()
        pause = int(answer.headers.get("X-Rate-Limit-Time-Reset-Ms", "1000")) / 1000
        waits.append(pause)
        time.sleep(pause)


# ---------------------------------------------------------------- the driver


def fresh_rate_window(admin: Any) -> None:
    """Each plan starts with BigCommerce's quota unspent, as a CI run does after the last one: the
    adoption just before would otherwise leave the steady plan less of the window than the empty
    one had, and the comparison would measure the store's rate limit, not storegate."""
    window = int(admin.settings()["bigcommerce"]["window_ms"]) / 1000
    print(f"   (waiting {window:.0f} s for BigCommerce's rate window to refresh)")
    time.sleep(window)


def apply_and_report(repo: Path, env: dict[str, str], admin: Any) -> None:
    admin.reset_calls()
    applied = child(["--apply", str(repo)], env)
    calls = admin.calls()
    total = sum(sum(per.values()) for per in calls.values())
    print(
        f"-- apply of the steady-state plan: {applied['changes']:,} changes "
        f"({applied['failed']} failed) in {applied['wall']:.1f} s wall, storegate CPU "
        f"{applied['cpu']:.2f} s = {applied['cpu'] / max(1, applied['changes']) * 1000:.2f} ms "
        f"per change, {total} calls"
    )


def run_size(n: int, naive_sample: int, apply_up_to: int) -> None:
    from storegate.sandbox.admin import SandboxAdmin
    from storegate.sandbox.seed import load_seed
    from storegate.sandbox.server import Sandbox

    with tempfile.TemporaryDirectory() as tmp, Sandbox(Path(tmp) / "sandbox") as sandbox:
        repo = Path(tmp) / "repo"
        began = time.perf_counter()
        write_repo(repo, n)
        load_seed(sandbox.store, live_world(n))
        prepared = time.perf_counter() - began
        env = {**os.environ, **sandbox.env, "PYTHONPATH": str(ROOT)}
        admin = SandboxAdmin(sandbox.url, sandbox.ca_path)
        print(
            f"\n== {n:,} contacts, {n // PER_ACCOUNT:,} accounts (repo and seed {prepared:.1f} s)"
        )
        minimum = minimum_calls(n)
        for label in ("empty state", "steady state"):
            if label == "steady state":
                began = time.perf_counter()
                resources = child(["--adopt", str(repo)], env)["resources"]
                print(
                    f"   (adopted {resources:,} resources in {time.perf_counter() - began:.1f} s)"
                )
            fresh_rate_window(admin)
            admin.reset_calls()
            measured = child(["--plan", str(repo)], env)
            calls = admin.calls()
            total = sum(sum(per.values()) for per in calls.values())
            print(
                f"-- {label}: {measured['state_resources']:,} resources in state, "
                f"{measured['changes']:,} changes\n"
                f"   load+validate {measured['load']:.2f} s | state read "
                f"{measured['state_read']:.2f} s | check {measured['check']:.2f} s | read "
                f"{measured['read']:.2f} s | plan build "
                f"{measured['build']:.2f} s (CPU {measured['build_cpu']:.2f} s) | render {measured['render']:.2f} s | wall "
                f"{measured['wall']:.2f} s (CPU {measured['cpu']:.2f} s) | peak RSS "
                f"{measured['rss_mb']:.0f} MB"
            )
            print(
                f"   calls {total}, minimum {sum(minimum.values())} (a call per page of 2,000 "
                f"Salesforce / 250 BigCommerce records, and {FIXED_CALLS} metadata calls): "
                f"x{total / sum(minimum.values()):.2f}"
            )
            for system, per in sorted(calls.items()):
                shown = ", ".join(f"{k} x{v}" for k, v in sorted(per.items()))
                print(f"     {system}: {shown}")
        if n <= apply_up_to:
            apply_and_report(repo, env, admin)
        limits = admin.settings()["bigcommerce"]
        bc_window = (int(limits["quota"]), int(limits["window_ms"]) / 1000)
        naive = naive_peer(env, n, naive_sample, bc_window)
        print(
            f"-- naive peer (one GET per record): {naive['calls']:,} calls, about "
            f"{naive['seconds']:.0f} s of calls ({naive['sf_ms_per_record']:.2f} ms per "
            f"Salesforce record, {naive['bc_ms_per_record']:.2f} ms per BigCommerce record "
            f"of which {naive['bc_waited']:.1f} s waiting out the store's rate window over "
            f"{naive['bc_sampled']} records; measured over {naive_sample} Salesforce and "
            f"{naive['bc_sampled']} BigCommerce records; BigCommerce at no less than its quota "
            f"of {bc_window[0]} calls per {bc_window[1]:.0f} s allows)"
        )
        admin.close()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] in ("--plan", "--adopt", "--apply"):
        repo = Path(sys.argv[2])
        if sys.argv[1] == "--plan":
            print(json.dumps(plan_once(repo)))
        elif sys.argv[1] == "--apply":
            print(json.dumps(apply_once(repo)))
        else:
            print(json.dumps({"resources": adopt(repo)}))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--naive-sample", type=int, default=2000)
    parser.add_argument(
        "--apply-up-to", type=int, default=50_000, help="apply the steady-state plan up to this N"
    )
    args = parser.parse_args()
    for n in args.sizes:
        run_size(n, args.naive_sample, args.apply_up_to)


if __name__ == "__main__":
    main()

"""SIGTERM and SIGINT during a real apply (a subprocess over a slow store): the first signal stops
after the batch in flight with state saved and the lock released; a second stops at once with state
still consistent; a re-run converges either way."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import pytest

from tests.cli.conftest import CliRepo, account, person

pytestmark = pytest.mark.e2e

BUYERS = 8
CI = {"CI": "true"}


@pytest.fixture
def slow_repo(cli_repo: CliRepo) -> CliRepo:
    cli_repo.store.update({"batch_size": 1, "batch_seconds": 0.6})
    people = [person(f"buyer{n}@acme.example") for n in range(BUYERS)]
    cli_repo.write({"acme": account("Acme", *people)})
    return cli_repo


def wait_for_batches(process: subprocess.Popen[str], count: int) -> list[str]:
    """Read stderr until `count` "Applied a batch" lines (CI prints one per batch)."""
    assert process.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        if sum(1 for s in seen if s.startswith("Applied a batch")) >= count:
            return seen
    raise AssertionError("apply never reported its batches: " + "".join(seen))


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def users_live(repo: CliRepo) -> set[str]:
    return {u["email"] for u in repo.world().get("user", {}).values()}


def users_in_state(repo: CliRepo) -> set[str]:
    resources = repo.state().get("resources", {})
    return {r["key"] for r in resources.values() if r["kind"] == "user"}


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_first_signal_stops_after_the_batch_in_flight(
    slow_repo: CliRepo, signum: int, code: int
) -> None:
    process = slow_repo.popen("apply", "--auto-approve", env=CI)
    before = wait_for_batches(process, 2)
    time.sleep(0.15)  # in the middle of the next batch (each takes 0.6 s)
    process.send_signal(signum)
    returncode, _, err = finish(process)
    err = "".join(before) + err
    name = signal.Signals(signum).name
    assert returncode == code, err
    assert f"{name} received: stopping after the batch in flight" in err
    assert f"Apply stopped by {name} after the batch in flight" in err
    assert "Not applied (" in err and "Applied (" in err
    assert not slow_repo.lock_file.exists()
    applied = int(re.search(r"^Applied \((\d+)\):", err, re.M)[1])  # type: ignore[index]
    assert 3 <= applied < BUYERS + 1  # at least the batch in flight when the signal came
    # State holds exactly what was applied live: nothing lost, nothing invented.
    live = users_live(slow_repo)
    assert 0 < len(live) < BUYERS
    assert users_in_state(slow_repo) == live
    rerun = slow_repo.run("apply", "--auto-approve", "--lock-timeout", "0")
    assert rerun.returncode == 0, rerun.stderr
    assert len(users_live(slow_repo)) == BUYERS
    assert slow_repo.run("plan", "--detailed-exitcode").returncode == 0


def test_a_second_signal_stops_at_once_and_state_stays_consistent(slow_repo: CliRepo) -> None:
    process = slow_repo.popen("apply", "--auto-approve", env=CI)
    before = wait_for_batches(process, 2)
    time.sleep(0.1)  # both signals land while the next batch is in flight (0.6 s)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    returncode, _, err = finish(process)
    err = "".join(before) + err
    assert returncode == 143, err
    assert "SIGTERM: stopped at once" in err
    assert not slow_repo.lock_file.exists()
    # Every user in state exists live (the batch cut short may have landed unrecorded, as after a
    # crash): the next plan finds those by key, and a re-run converges.
    assert users_in_state(slow_repo) <= users_live(slow_repo)
    rerun = slow_repo.run("apply", "--auto-approve", "--lock-timeout", "0")
    assert rerun.returncode == 0, rerun.stderr
    assert len(users_live(slow_repo)) == BUYERS
    assert slow_repo.run("plan", "--detailed-exitcode").returncode == 0


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_plan_read_stops_it_at_once(
    cli_repo: CliRepo, signum: signal.Signals, code: int
) -> None:
    """The read runs on the plan's worker thread (its store needs no keys): the signal still
    stops the plan at once, not when the read in flight ends."""
    cli_repo.store.update({"read_seconds": 60, "full_read_needs_keys": False})
    cli_repo.write({"acme": account("Acme", person("buyer@acme.example"))})
    process = cli_repo.popen("plan", env=CI)
    assert process.stderr is not None
    line = process.stderr.readline()
    assert line.startswith("Reading store"), line
    began = time.monotonic()
    process.send_signal(signum)
    returncode, _, _ = finish(process)
    assert returncode == code
    assert time.monotonic() - began < 30, "the plan waited for the read in flight"

"""What storegate prints while it works: a line per system read and per applied batch in CI
(`CI=true`), periodic lines while a read lasts, and nothing on stdout but the plan."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from storegate.engine.progress import ReadReporter, apply_progress
from tests.cli.conftest import CliRepo, account, person
from tests.support.memory_provider import MemoryProvider, MemorySettings


def test_ci_prints_a_line_as_each_read_starts_while_it_lasts_and_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREGATE_PROGRESS_INTERVAL", "0.05")
    provider = MemoryProvider("store", MemorySettings(world="progress"), tmp_path)
    stream = io.StringIO()
    reporter = ReadReporter({"store": provider}, tty=False, ci=True, stream=stream)
    reporter("store", None)
    provider.world.calls += 3  # three pages read
    time.sleep(0.3)
    reporter("store", 1234)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Reading store..."
    assert any(line.startswith("Still reading store: 3 API calls, ") for line in lines[1:-1])
    assert lines[-1].startswith("Read store: 1,234 records in 3 API calls, ")


def test_apply_in_ci_prints_one_line_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    stream = io.StringIO()
    with apply_progress(5, color=False, stream=stream) as advance:
        assert advance is not None
        advance(2)
        advance(3)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("Applied a batch of 2 changes: 2 of 5 done, ")
    assert lines[1].startswith("Applied a batch of 3 changes: 5 of 5 done, ")


def test_outside_ci_and_a_terminal_nothing_is_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with apply_progress(50, color=False, stream=io.StringIO()) as advance:
        assert advance is None


def test_plan_and_apply_under_ci_report_on_stderr_only(cli_repo: CliRepo) -> None:
    cli_repo.store["batch_size"] = 1
    cli_repo.write({"acme": account("Acme", person("a@acme.example"), person("b@acme.example"))})
    planned = cli_repo.run("plan", "--format", "json", env={"CI": "true"})
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.lstrip().startswith("{")  # stdout is the plan alone
    assert "Reading store..." in planned.stderr
    assert "Read store: 0 records in 1 API call, " in planned.stderr
    applied = cli_repo.run("apply", "--auto-approve", env={"CI": "true"})
    assert applied.returncode == 0, applied.stderr
    batches = [line for line in applied.stderr.splitlines() if line.startswith("Applied a batch")]
    assert len(batches) == 3  # the company, then each user in its own batch
    assert batches[-1].startswith("Applied a batch of 1 change: 3 of 3 done")


def test_on_a_terminal_the_status_line_ends_in_one_summary_per_system(tmp_path: Path) -> None:
    provider = MemoryProvider("store", MemorySettings(world="progress-tty"), tmp_path)
    stream = io.StringIO()
    reporter = ReadReporter({"store": provider}, tty=True, ci=False, stream=stream)
    reporter("store", None)
    provider.world.calls += 2
    time.sleep(0.3)
    reporter("store", 7)
    shown = stream.getvalue()
    assert "Read store: 7 records in 2 API calls, " in shown
    assert "Still reading" not in shown  # the live line is redrawn in place, not repeated

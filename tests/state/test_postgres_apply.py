"""`storegate apply` on PostgreSQL state, process against process: the lock makes a second apply
wait and then name the holder; kill -9 of the holder frees the lock at once (no unlock); the next
apply converges, and the history shows what landed before the kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.plugins import installed_plugin

pytestmark = pytest.mark.e2e

USERS = 8


def write_repo(root: Path, repo: str, batch_seconds: float) -> None:
    (root / "accounts").mkdir(parents=True)
    config: dict[str, Any] = {
        "version": 1,
        "repo": repo,
        "systems": {
            "store": {
                "type": "memory",
                "path": "world.json",
                "batch_size": 1,
                "batch_seconds": batch_seconds,
            }
        },
        "state": {"type": "postgres", "dsn": "env:STOREGATE_TEST_DSN"},
    }
    (root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    contacts = [{"email": f"u{i}@pg.example", "access": "active"} for i in range(USERS)]
    body = {"account": {"name": "Pg Co"}, "contacts": contacts}
    (root / "accounts" / "pg.yaml").write_text(yaml.safe_dump(body, sort_keys=False))


def write_repo_config_fast(root: Path) -> None:
    path = root / "storegate.yaml"
    path.write_text(path.read_text().replace("batch_seconds: 1.5", "batch_seconds: 0.0"))


def test_two_applies_then_kill_9_then_convergence(
    tmp_path: Path, shared_postgres_dsn: str, postgres_repo: str
) -> None:
    root = tmp_path / "repo"
    write_repo(root, postgres_repo, batch_seconds=1.5)
    entry = {"memory": "tests.support.memory_provider:MemoryProvider"}
    with installed_plugin(tmp_path / "site", entry) as env:
        env = {**env, "STOREGATE_TEST_DSN": shared_postgres_dsn}

        def storegate(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "storegate.engine", *args],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        holder = subprocess.Popen(
            [sys.executable, "-m", "storegate.engine", "apply", "--auto-approve"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # until the holder has landed a few batches
                world = root / "world.json"
                if world.exists() and len(json.loads(world.read_text())["user"]) >= 2:
                    break
                time.sleep(0.1)
            started = time.monotonic()
            second = storegate("apply", "--auto-approve", "--lock-timeout", "1")
            waited = time.monotonic() - started
            assert second.returncode == 1
            assert f"pid {holder.pid}" in second.stderr, second.stderr
            assert waited >= 1.0, "the second apply waits up to its lock timeout"
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(timeout=30)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        landed = len(json.loads((root / "world.json").read_text())["user"])
        assert 0 < landed < USERS
        write_repo_config_fast(root)
        started = time.monotonic()
        rerun = storegate("apply", "--auto-approve", "--lock-timeout", "10")
        assert rerun.returncode == 0, rerun.stderr
        assert time.monotonic() - started < 9, "the killed holder's lock died with it"
        assert "lock" not in rerun.stderr.lower()
        world = json.loads((root / "world.json").read_text())
        emails = sorted(u["email"] for u in world["user"].values())
        assert emails == sorted(f"u{i}@pg.example" for i in range(USERS)), "no duplicates"
        assert storegate("plan", "--detailed-exitcode").returncode == 0
        history = json.loads(storegate("state", "history", "--format", "json").stdout)["entries"]
        applied = [
            e for e in history if e["result"] == "ok" and e["address"].startswith("store.user")
        ]
        assert len({e["address"] for e in applied}) == USERS
        assert len({e["apply_id"] for e in applied}) == 2, "what landed before the kill is there"

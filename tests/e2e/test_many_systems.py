"""Salesforce, BigCommerce and a third store (the in-memory one, added by entry point) in one plan
and one apply: a cross-system dependency (stores after the Salesforce contact), an intra-system one
(the store's company before its users), and a manual step pending until `storegate confirm`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from storegate.sandbox.server import Sandbox
from tests.providers.test_conformance_salesforce_bigcommerce import BIGCOMMERCE, SALESFORCE
from tests.support.plugins import installed_plugin

pytestmark = pytest.mark.e2e

MEMORY = {"type": "memory", "manual_access": True, "path": "world.json", "accounts": "listed"}


def write_repo(root: Path) -> None:
    (root / "accounts").mkdir(parents=True)
    config: dict[str, Any] = {
        "version": 1,
        "systems": {"salesforce": SALESFORCE, "bigcommerce": BIGCOMMERCE, "loyalty": MEMORY},
    }
    (root / "storegate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    account = {
        "account": {
            "name": "Tri Systems Ltd",
            "pay_by_account": True,
            "stores": {"bigcommerce": {}, "loyalty": {"tier": "gold"}},
        },
        "contacts": [
            {
                "email": "ana@tri.example",
                "first_name": "Ana",
                "last_name": "Tri",
                "access": "active",
                "purchase_on_account": True,
            },
        ],
    }
    (root / "accounts" / "tri.yaml").write_text(yaml.safe_dump(account, sort_keys=False))


def test_three_systems_one_apply_with_edges_and_a_manual_step(
    tmp_path: Path, sandbox: Sandbox, sandbox_env: dict[str, str]
) -> None:
    root = tmp_path / "repo"
    write_repo(root)
    entry = {"memory": "tests.support.memory_provider:MemoryProvider"}
    with installed_plugin(tmp_path / "site", entry) as env:

        def storegate(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "storegate.engine", *args],
                cwd=root,
                env={**env, **sandbox_env},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        planned = storegate("plan", "--format", "json")
        assert planned.returncode == 0, planned.stderr
        changes = yaml.safe_load(planned.stdout)["changes"]
        order = [c["id"] for c in changes]
        sf = 'salesforce.contact["ana@tri.example"]'
        bc = 'bigcommerce.customer["ana@tri.example"]'
        company, user = 'loyalty.company["Tri Systems Ltd"]', 'loyalty.user["ana@tri.example"]'
        step = 'loyalty.access["ana@tri.example"]'
        assert order.index(sf) < order.index(bc) and order.index(sf) < order.index(user)
        assert order.index(company) < order.index(user) < order.index(step)
        by_id = {c["id"]: c for c in changes}
        assert set(by_id[user]["depends_on"]) == {company, sf}
        assert by_id[step]["action"] == "manual" and by_id[step]["manual"]["where"]

        applied = storegate("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        pending = storegate("plan", "--detailed-exitcode")
        assert pending.returncode == 2, pending.stdout + pending.stderr
        assert step in pending.stdout and "pending since" in pending.stdout
        assert "1 manual" in pending.stdout or "manual step" in pending.stdout
        confirmed = storegate("confirm", step, "--note", "invited at the counter")
        assert confirmed.returncode == 0, confirmed.stderr
        final = storegate("plan", "--detailed-exitcode")
        assert final.returncode == 0, final.stdout + final.stderr

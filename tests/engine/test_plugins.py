"""Providers come from entry points: a separate package adds a store system without touching
storegate, and the engine itself names no system."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.plugins import REPO, installed_plugin

THROWAWAY = """
from typing import ClassVar, Literal

from tests.support.memory_provider import MemoryProvider, MemorySettings


class LoyaltySettings(MemorySettings):
    type: Literal["loyalty_cloud"] = "loyalty_cloud"  # type: ignore[assignment]


class LoyaltyCloud(MemoryProvider):
    TYPE: ClassVar[str] = "loyalty_cloud"
    settings_model: ClassVar[type[LoyaltySettings]] = LoyaltySettings
"""


def test_a_throwaway_package_adds_a_provider_by_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "loyalty_plugin").mkdir(parents=True)
    (site / "loyalty_plugin" / "__init__.py").write_text(THROWAWAY)
    root = tmp_path / "repo"
    (root / "accounts").mkdir(parents=True)
    (root / "storegate.yaml").write_text(
        "version: 1\nsystems:\n  loyalty:\n    type: loyalty_cloud\n    path: world.json\n"
    )
    (root / "accounts" / "acme.yaml").write_text(
        "account:\n  name: Acme\n  stores:\n    loyalty: {tier: gold}\n"
        "contacts:\n  - {email: a@acme.example, access: active, first_name: A}\n"
    )
    entry = {"loyalty_cloud": "loyalty_plugin:LoyaltyCloud"}
    with installed_plugin(site, entry, name="loyalty_plugin") as env:

        def storegate(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "storegate.engine", *args],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )

        planned = storegate("plan")
        assert planned.returncode == 0, planned.stderr
        assert 'loyalty.company["Acme"] will be created' in planned.stdout
        assert 'tier: null -> "gold"' in planned.stdout
        assert storegate("apply", "--auto-approve").returncode == 0
        assert "No changes" in storegate("plan").stdout
        typo = root / "accounts" / "acme.yaml"
        typo.write_text(typo.read_text().replace("tier: gold", "teir: gold"))
        bad = storegate("validate")
        assert bad.returncode == 1
        assert "accounts/acme.yaml:4" in bad.stdout + bad.stderr
        assert "did you mean 'tier'" in bad.stdout + bad.stderr
        unknown = root / "storegate.yaml"
        unknown.write_text(unknown.read_text().replace("loyalty_cloud", "loyalty_clod"))
        refused = storegate("validate")
        assert refused.returncode == 1 and "storegate.yaml:4" in refused.stdout + refused.stderr


FORBIDDEN = re.compile(r"salesforce|bigcommerce|emporix|adobe|magento|cin7|customer|s_c__", re.I)
ALLOWED_FILES = {"commands/sandbox_cmd.py", "commands/demo.py"}


def test_the_engine_names_no_system_record_kind_or_api_field() -> None:
    hits: list[str] = []
    for path in sorted((REPO / "engine").rglob("*.py")):
        if str(path.relative_to(REPO / "engine")) in ALLOWED_FILES:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # `salesforce_id` is a key of the account file format itself (DESIGN.md)
            text = re.sub(r"salesforce_id", "", line, flags=re.I)
            if FORBIDDEN.search(text) or re.search(r"\bEmail\b", text):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert hits == []


def test_no_import_cycle_between_folders() -> None:
    imports: dict[str, set[str]] = {}
    for folder in ("engine", "providers", "state"):
        found: set[str] = set()
        for path in (REPO / folder).rglob("*.py"):
            for match in re.finditer(
                r"^\s*(?:from|import) storegate\.(\w+)", path.read_text(), re.M
            ):
                if match.group(1) != folder:
                    found.add(match.group(1))
        imports[folder] = found
    assert "engine" not in imports["providers"], "providers depend on the contract only"
    assert "engine" not in imports["state"]
    assert imports["providers"] <= set(), imports["providers"]

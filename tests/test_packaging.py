"""The distribution installs one importable package, `storegate`, holding every source folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("engine", "providers", "state", "sandbox", "schemas")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = out.glob("storegate-*.whl")
    return zipfile.ZipFile(built)


def test_only_storegate_is_installed_at_the_top_level(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/", 1)[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"storegate"}


def test_every_source_package_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    missing = []
    for folder in FOLDERS:
        for init in (REPO / folder).rglob("__init__.py"):
            inside = init.relative_to(REPO).as_posix()
            if f"storegate/{inside}" not in names:
                missing.append(inside)
    assert missing == [], "add these packages to [tool.setuptools] packages in pyproject.toml"
    assert "storegate/schemas/account.schema.json" in names


def test_providers_are_registered_by_entry_point(wheel: zipfile.ZipFile) -> None:
    [points] = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    text = wheel.read(points).decode()
    assert "[storegate.providers]" in text
    assert "salesforce = storegate.providers.salesforce:SalesforceProvider" in text

"""README's first command: `storegate demo` runs the whole loop and ends with nothing left to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import run_storegate

pytestmark = pytest.mark.e2e


def test_demo_plans_applies_and_converges() -> None:
    result = run_storegate("demo", cwd=Path(__file__).resolve().parents[2])
    assert result.code == 0, result.out + result.err
    assert "Plan: " in result.out and "to create" in result.out
    assert "Apply complete: " in result.out and " 0 failed" in result.out
    assert result.out.rstrip().splitlines()[-3].startswith("No changes.")
    assert "all revocations verified" in result.out

"""engine.plan's saved form: dump_plan/load_plan round-trip and the refusal of an edited plan."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from storegate.engine.errors import PlanTampered
from storegate.engine.plan import FORMAT_VERSION, Action, Plan, dump_plan, load_plan, save_plan

from .conftest import make_change


def test_round_trip_keeps_every_change_ref_and_warning(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == plan
    assert dump_plan(loaded) == dump_plan(plan)
    assert not (tmp_path / "plan.json.tmp").exists()


def test_saved_plan_keeps_non_ascii_readable(tmp_path: Path) -> None:
    change = make_change(
        'salesforce.contact["zoe@acme.example"]', Action.GRANT, account="Société Générale"
    )
    text = dump_plan(Plan(changes=(change,)))
    assert text.endswith("\n")
    assert '"account": "Société Générale"' in text


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _saved(plan: Plan, tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    return path


def test_hand_edited_value_is_refused(plan: Plan, tmp_path: Path) -> None:
    path = _saved(plan, tmp_path)

    def flip(data: dict[str, Any]) -> None:
        data["changes"][1]["fields"][0]["after"] = False

    _edit(path, flip)
    with pytest.raises(PlanTampered, match=r"checksum mismatch.*re-run plan"):
        load_plan(path)


def test_removed_change_is_refused(plan: Plan, tmp_path: Path) -> None:
    path = _saved(plan, tmp_path)
    _edit(path, lambda data: data["changes"].pop())
    with pytest.raises(PlanTampered, match="checksum mismatch"):
        load_plan(path)


def test_reformatting_alone_is_accepted(plan: Plan, tmp_path: Path) -> None:
    path = _saved(plan, tmp_path)
    _edit(path, lambda data: None)  # same content, different whitespace and escaping
    assert load_plan(path) == plan


def test_missing_checksum_is_refused(plan: Plan, tmp_path: Path) -> None:
    path = _saved(plan, tmp_path)
    _edit(path, lambda data: data.pop("checksum"))
    with pytest.raises(PlanTampered, match="not a storegate plan file"):
        load_plan(path)


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 0, -1, True, "1"])
def test_unknown_format_version_is_refused(plan: Plan, tmp_path: Path, version: object) -> None:
    path = _saved(plan, tmp_path)
    _edit(path, lambda data: data.update(format_version=version))
    with pytest.raises(PlanTampered, match="not one this storegate understands"):
        load_plan(path)


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"a": 1}'])
def test_not_a_plan_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PlanTampered, match=re.escape(f"{path}: not a storegate plan file")):
        load_plan(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanTampered, match="not a storegate plan file"):
        load_plan(tmp_path / "absent.json")


def _documented_checksum(body: dict[str, Any]) -> str:
    """The checksum as schemas/plan.schema.json documents it, computed independently."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_checksum_is_the_documented_one(plan: Plan) -> None:
    saved = json.loads(dump_plan(plan))
    assert saved.pop("checksum") == _documented_checksum(saved)


def test_malformed_but_checksummed_body_is_refused_cleanly(plan: Plan, tmp_path: Path) -> None:
    # A checksum recomputed by a tool must still not let an unknown action through.
    forged = json.loads(dump_plan(plan))
    forged.pop("checksum")
    forged["changes"][0]["action"] = "destroy"
    forged["checksum"] = _documented_checksum(forged)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    with pytest.raises(PlanTampered, match="malformed plan"):
        load_plan(path)

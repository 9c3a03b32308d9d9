"""History entries, the local backend's JSON-lines history file, and where commit and author come
from."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from storegate.engine.errors import StateError
from storegate.state.base import HistoryEntry, canonical_time, select_history
from storegate.state.history import new_apply_id, provenance
from storegate.state.history_file import history_path
from storegate.state.local import LocalStateBackend
from tests.state.helpers import document_with

JANE = 'salesforce.contact["jane.doe@acme.example"]'


def entry(address: str = JANE, apply_id: str = "apply-1", **fields: object) -> HistoryEntry:
    values: dict[str, object] = {
        "apply_id": apply_id,
        "address": address,
        "action": "update",
        "result": "ok",
        "before": {"credit_hold": True},
        "after": {"credit_hold": False},
    }
    values.update(fields)
    return HistoryEntry(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- entries


def test_an_entry_stores_its_time_in_one_utc_form() -> None:
    assert entry(at="2026-05-01T10:00:00+02:00").at == "2026-05-01T08:00:00.000000+00:00"
    assert entry(at="2026-05-01").at == "2026-05-01T00:00:00.000000+00:00"
    assert canonical_time("2026-05-01T08:00:00Z") == "2026-05-01T08:00:00.000000+00:00"
    assert entry().at.endswith("+00:00")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"result": "done"}, "result"),
        ({"address": ""}, "must not be empty"),
        ({"at": "yesterday"}, "isoformat"),
        ({"receipt": {"ok": True}}, "receipt"),
        ({"action": "receipt"}, "receipt"),
        ({"after": {"when": object()}}, "after must hold JSON values only"),
        ({"before": {"ratio": float("nan")}}, "before must hold JSON values only"),
    ],
)
def test_an_entry_that_cannot_be_true_is_refused(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        entry(**fields)


def test_an_entry_survives_its_json_form() -> None:
    original = entry(
        error="REQUIRED_FIELD_MISSING",
        result="failed",
        plan_checksum="sha256:1",
        commit="abc",
        author="ci",
        before={"nested": {"list": [1, 2.5, None, "Zoë"]}},
    )
    assert HistoryEntry.from_json(json.loads(json.dumps(original.to_json()))) == original
    receipt = HistoryEntry.for_receipt("apply-1", {"ok": False}, verified=False)
    assert (receipt.address, receipt.action, receipt.result) == ("receipt", "receipt", "failed")
    assert HistoryEntry.from_json(receipt.to_json()) == receipt


def test_select_history_filters_by_address_and_time() -> None:
    a = entry(at="2026-01-01T00:00:00Z")
    b = entry("other", "apply-2", at="2026-02-01T00:00:00Z")
    proof = HistoryEntry.for_receipt("apply-2", {"ok": True}, verified=True, at="2026-02-01")
    assert select_history([a, b, proof], "OTHER") == [b, proof]
    assert select_history([a, b, proof], since="2026-01-15") == [b, proof]
    assert select_history([a, b, proof], JANE, since="2026-01-15") == []


# ---------------------------------------------------------------- the local history file


def test_history_lives_beside_the_state_as_json_lines(tmp_path: Path) -> None:
    state = tmp_path / "state" / "prod.json"
    backend = LocalStateBackend(state)
    backend.write(document_with("jane.doe@acme.example"), 0, [entry(), entry("b")])
    assert backend.history_path == history_path(state) == tmp_path / "state" / "prod.history.jsonl"
    lines = backend.history_path.read_text().splitlines()
    assert [json.loads(line)["address"] for line in lines] == [JANE, "b"]
    assert history_path(tmp_path / "state") == tmp_path / "state.history.jsonl"


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path: Path) -> None:
    backend = LocalStateBackend(tmp_path / "state.json")
    first = backend.write(document_with(), 0, [entry(apply_id="one")])
    with backend.history_path.open("ab") as out:  # what a kill -9 mid-append leaves
        out.write(b'{"apply_id":"two","address":"salesforce.con')
    assert [e.apply_id for e in backend.history()] == ["one"]
    backend.write(first, first.serial, [entry(apply_id="three")])
    assert [e.apply_id for e in backend.history()] == ["one", "three"]
    assert backend.history_path.read_bytes().count(b"\n") == 2


def test_a_file_of_only_a_torn_line_reads_empty_and_appends_cleanly(tmp_path: Path) -> None:
    backend = LocalStateBackend(tmp_path / "state.json")
    backend.history_path.write_bytes(b'{"apply_id": "torn')
    assert backend.history() == []
    backend.write(document_with(), 0, [entry()])
    assert backend.history() == [entry(at=backend.history()[0].at)]


def test_a_bad_line_before_the_end_is_corruption_named_by_line(tmp_path: Path) -> None:
    backend = LocalStateBackend(tmp_path / "state.json")
    backend.write(document_with(), 0, [entry()])
    with backend.history_path.open("a") as out:
        out.write("not json\n")
        out.write(json.dumps(entry().to_json()) + "\n")
    with pytest.raises(StateError, match=r"state.history.jsonl:2: not a history entry"):
        backend.history()


def test_a_write_without_history_leaves_no_history_file(tmp_path: Path) -> None:
    backend = LocalStateBackend(tmp_path / "state.json")
    backend.write(document_with(), 0)
    assert not backend.history_path.exists()
    assert backend.history() == []


# ---------------------------------------------------------------- provenance


@pytest.fixture
def no_git_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def test_ci_says_which_commit_and_who(tmp_path: Path) -> None:
    found = provenance(tmp_path, {"GITHUB_SHA": "abc123", "GITHUB_ACTOR": "octocat"})
    assert (found.commit, found.author) == ("abc123", "octocat")


@pytest.mark.usefixtures("no_git_config")
def test_by_hand_git_says_which_commit_and_who(tmp_path: Path) -> None:
    repo = tmp_path / "access"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    git("config", "user.email", "jane@acme.example")
    git("config", "user.name", "Jane")
    git("commit", "-q", "--allow-empty", "-m", "grant")
    found = provenance(repo, {})
    assert found.commit == git("rev-parse", "HEAD")
    assert found.author == "jane@acme.example"


@pytest.mark.usefixtures("no_git_config")
def test_outside_git_and_ci_both_are_unknown(tmp_path: Path) -> None:
    found = provenance(tmp_path, {})
    assert (found.commit, found.author) == (None, None)


def test_apply_ids_are_unique() -> None:
    assert len({new_apply_id() for _ in range(100)}) == 100

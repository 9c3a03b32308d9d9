"""`storegate state ...` run as users run it: the installed command in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from storegate.state.local import LocalStateBackend
from tests.state.helpers import HOLD_LOCK, document_with, expect_line, spawn

STOREGATE = str(Path(sys.executable).with_name("storegate"))

CONFIG = """\
version: 1
systems:
  salesforce:
    instance_url: env:SF_INSTANCE_URL
    auth:
      type: session
      session_id: env:SF_SESSION_ID
state:
  type: local
  path: state/prod.json
"""

JANE = 'salesforce.contact["jane.doe@acme.example"]'
BOB = 'salesforce.contact["bob@acme.example"]'


def storegate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STOREGATE, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "storegate.yaml").write_text(CONFIG)
    return tmp_path


@pytest.fixture
def backend(repo: Path) -> LocalStateBackend:
    backend = LocalStateBackend(repo / "state" / "prod.json")
    document = document_with("jane.doe@acme.example", "bob@acme.example")
    document.resources[JANE].attributes["store_id"] = 42
    backend.write(document, 0)
    return backend


def test_list_prints_addresses_sorted(repo: Path, backend: LocalStateBackend) -> None:
    result = storegate("state", "list", cwd=repo)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [BOB, JANE]


def test_list_of_an_empty_state_says_so_on_stderr(repo: Path) -> None:
    result = storegate("state", "list", "--dir", str(repo), cwd=repo.parent)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "manages nothing yet" in result.stderr


def test_show_prints_the_resource(repo: Path, backend: LocalStateBackend) -> None:
    result = storegate("state", "show", JANE, cwd=repo)
    assert result.returncode == 0
    assert f"address:  {JANE}" in result.stdout
    assert "id:       003000000000001" in result.stdout
    assert "account:  Acme Industrial" in result.stdout
    assert "  store_id: 42" in result.stdout


def test_show_matches_an_address_ignoring_case(repo: Path, backend: LocalStateBackend) -> None:
    result = storegate("state", "show", JANE.replace("jane.doe", "Jane.Doe"), cwd=repo)
    assert result.returncode == 0
    assert f"address:  {JANE}" in result.stdout


def test_show_of_an_unknown_address_is_one_line_and_exit_1(
    repo: Path, backend: LocalStateBackend
) -> None:
    result = storegate("state", "show", 'salesforce.contact["jane.do@acme.example"]', cwd=repo)
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "is not in the state at" in line
    assert f"did you mean {JANE}?" in line
    assert "Traceback" not in result.stderr


def test_rm_forgets_without_touching_live_systems(repo: Path, backend: LocalStateBackend) -> None:
    result = storegate("state", "rm", JANE, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"storegate no longer manages {JANE}; nothing was changed in the live systems"
    )
    after = backend.read()
    assert list(after.resources) == [BOB]
    assert after.serial == 2
    assert backend.lock_holder() is None


def test_rm_with_one_unknown_address_removes_nothing(
    repo: Path, backend: LocalStateBackend
) -> None:
    result = storegate("state", "rm", JANE, 'contact["nobody@acme.example"]', cwd=repo)
    assert result.returncode == 1
    assert 'contact["nobody@acme.example"] is not in the state' in result.stderr
    assert backend.read().serial == 1
    assert sorted(backend.read().resources) == [BOB, JANE]
    assert backend.lock_holder() is None


def test_rm_while_an_apply_holds_the_lock_names_the_holder(
    repo: Path, backend: LocalStateBackend
) -> None:
    holder = spawn(HOLD_LOCK, str(backend.path))
    lock_id = expect_line(holder, "locked").split()[1]
    try:
        result = storegate("state", "rm", JANE, "--lock-timeout", "0.2", cwd=repo)
    finally:
        holder.kill()
        holder.communicate()
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert f"lock {lock_id} held by" in line
    assert f"storegate state unlock {lock_id}" in line
    assert JANE in backend.read().resources


def test_unlock_releases_only_the_named_lock(repo: Path, backend: LocalStateBackend) -> None:
    info = backend.lock("apply", 0)
    wrong = storegate("state", "unlock", "0000", cwd=repo)
    assert wrong.returncode == 1
    assert "lock id 0000 does not match" in wrong.stderr
    assert backend.lock_holder() == info

    right = storegate("state", "unlock", info.id, cwd=repo)
    assert right.returncode == 0
    assert f"released lock {info.id}" in right.stdout
    assert backend.lock_holder() is None


def test_corrupt_state_is_one_line_naming_the_file(repo: Path, backend: LocalStateBackend) -> None:
    backend.write(backend.read(), 1)
    backend.path.write_text(json.dumps({"version": 1})[:-3])
    result = storegate("state", "list", cwd=repo)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "state/prod.json: the state file is corrupt" in line
    assert "prod.json.backup" in line


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = storegate("state", "list", cwd=tmp_path)
    assert result.returncode == 1
    assert "storegate.yaml" in result.stderr
    assert "Traceback" not in result.stderr

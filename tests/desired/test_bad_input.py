"""Every kind of bad input: one clear line naming file and line, exit 1, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from storegate.engine.load import load_repo
from tests.desired.conftest import ACCOUNT, CONFIG, RepoFactory, validate

LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.*)$"
)


def only_error(root: Path, *args: str) -> tuple[str, int, str]:
    """Exit 1 and exactly one error line: (repo-relative file, line, message)."""
    outcome = validate(root, *args)
    assert outcome.exit_code == 1, outcome.output
    errors = [m for m in map(LINE.match, outcome.lines) if m and m["severity"] == "error"]
    assert len(errors) == 1, outcome.output
    match = errors[0]
    relpath = Path(match["file"]).resolve().relative_to(root.resolve()).as_posix()
    assert outcome.lines[-1].startswith("invalid:"), outcome.output
    assert "Traceback" not in outcome.output
    return relpath, int(match["line"]), match["message"]


def test_malformed_yaml(make_repo: RepoFactory) -> None:
    root = make_repo({"accounts/acme.yaml": "account:\n  name: [Acme\ncontacts: []\n"})
    assert only_error(root)[:2] == ("accounts/acme.yaml", 3)
    assert "not valid YAML" in only_error(root)[2]


def test_tab_indentation(make_repo: RepoFactory) -> None:
    root = make_repo({"accounts/acme.yaml": "account:\n\tname: Acme\ncontacts: []\n"})
    relpath, line, message = only_error(root)
    assert (relpath, line) == ("accounts/acme.yaml", 2)
    assert "tab" in message and "spaces" in message


def test_wrong_type(make_repo: RepoFactory) -> None:
    text = ACCOUNT.replace("pay_by_account: true", "pay_by_account: sometimes")
    relpath, line, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert (relpath, line) == ("accounts/acme.yaml", 3)
    assert message.startswith("account.pay_by_account: Input should be a valid boolean")


@pytest.mark.parametrize(
    ("relpath", "text", "line", "expected"),
    [
        (
            "accounts/acme.yaml",
            ACCOUNT.replace("purchase_on_account", "purchase_on_acount"),
            8,
            "contacts[0]: unknown key 'purchase_on_acount'; did you mean 'purchase_on_account'?",
        ),
        (
            "accounts/acme.yaml",
            ACCOUNT.replace("price_book", "pricebook"),
            4,
            "account: unknown key 'pricebook'; did you mean 'price_book'?",
        ),
        (
            "storegate.yaml",
            CONFIG.replace("session_id:", "sesion_id:"),
            6,
            "systems.salesforce.auth: unknown key 'sesion_id'; did you mean 'session_id'?",
        ),
        (
            "storegate.yaml",
            CONFIG + "safety:\n  max_revocation: 3\n",
            8,
            "safety: unknown key 'max_revocation'; did you mean 'max_revocations'?",
        ),
    ],
)
def test_misspelt_key_at_any_depth(
    make_repo: RepoFactory, relpath: str, text: str, line: int, expected: str
) -> None:
    assert only_error(make_repo({relpath: text})) == (relpath, line, expected + " [SG002]")


def test_unknown_key_without_close_match_lists_the_valid_ones(make_repo: RepoFactory) -> None:
    text = ACCOUNT.replace("  price_book:", "  zzz: 1\n  price_book:")
    _, _, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert "unknown key 'zzz'; expected one of: name, salesforce_id, active" in message


def test_duplicate_key_in_one_mapping(make_repo: RepoFactory) -> None:
    text = ACCOUNT.replace("    access: active\n", "    access: active\n    access: revoked\n")
    relpath, line, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert (relpath, line) == ("accounts/acme.yaml", 8)
    assert message == "duplicate key 'access' (first at line 7); keep one [SG001]"


def test_duplicate_email_across_files(make_repo: RepoFactory) -> None:
    other = ACCOUNT.replace("Acme Industrial", "Other Co").replace("jane.doe", "JANE.DOE")
    root = make_repo({"accounts/acme.yaml": ACCOUNT, "accounts/other.yaml": other})
    relpath, line, message = only_error(root)
    assert (relpath, line) == ("accounts/other.yaml", 6)
    assert "JANE.DOE@acme.example is declared twice (also at accounts/acme.yaml:6)" in message
    assert message.endswith("[SG101]")


def test_invalid_email(make_repo: RepoFactory) -> None:
    text = ACCOUNT.replace("jane.doe@acme.example", "jane.doe.acme.example")
    relpath, line, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert (relpath, line) == ("accounts/acme.yaml", 6)
    assert message.startswith("contacts[0].email: invalid email 'jane.doe.acme.example'")


def test_non_utf8_file(make_repo: RepoFactory) -> None:
    text = ACCOUNT.encode().replace(b"Acme Industrial", b"Caf\xe9 Industrial")
    relpath, line, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert (relpath, line) == ("accounts/acme.yaml", 2)
    assert message == "not UTF-8 text (byte 0xe9); save the file as UTF-8 [SG003]"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_file(make_repo: RepoFactory, text: str) -> None:
    relpath, line, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert (relpath, line) == ("accounts/acme.yaml", 1)
    assert message == "the file is empty; it needs 'account:' and 'contacts:' [SG003]"


def test_list_instead_of_mapping(make_repo: RepoFactory) -> None:
    root = make_repo({"accounts/acme.yaml": "- email: jane.doe@acme.example\n  access: active\n"})
    relpath, line, message = only_error(root)
    assert (relpath, line) == ("accounts/acme.yaml", 1)
    assert "the top level is a list; it must be a mapping with 'account:'" in message


def test_alias_bomb_is_refused_without_expanding(make_repo: RepoFactory) -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, 10):
        refs = ", ".join([f"*a{n - 1}"] * 9)
        levels.append(f"a{n}: &a{n} [{refs}]")
    text = ACCOUNT + "\n".join(levels) + "\n"  # fully expanded: 9**10 strings
    relpath, line, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert relpath == "accounts/acme.yaml"
    assert line == 13  # the level where the expansion budget runs out, not the end of the file
    assert "aliases expand to more than 10000 nodes" in message


def test_a_few_aliases_are_fine(make_repo: RepoFactory) -> None:
    text = (
        "account:\n  name: Acme\n  pay_by_account: true\ncontacts:\n"
        "  - &buyer {email: a@acme.example, access: active, purchase_on_account: true}\n"
    )
    assert validate(make_repo({"accounts/acme.yaml": text})).exit_code == 0


def test_deep_nesting_is_refused_not_crashing(make_repo: RepoFactory) -> None:
    text = "account: " + "[" * 50_000 + "]" * 50_000 + "\n"
    relpath, line, message = only_error(make_repo({"accounts/acme.yaml": text}))
    assert (relpath, line) == ("accounts/acme.yaml", 1)
    assert "nested deeper than 64 levels" in message


def test_oversized_file_is_not_read(make_repo: RepoFactory) -> None:
    root = make_repo()
    big = root / "accounts" / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing to write
    relpath, line, message = only_error(root)
    assert (relpath, line) == ("accounts/big.yaml", 1)
    assert "52,428,800 bytes, over the 10,485,760-byte limit" in message
    assert "STOREGATE_MAX_FILE_BYTES" in message


def test_size_cap_is_configurable(make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo()
    assert load_repo(root).desired is not None
    monkeypatch.setenv("STOREGATE_MAX_FILE_BYTES", "64")
    result = load_repo(root)
    assert result.desired is None
    assert [p.path for p in result.errors] == ["accounts/acme.yaml", "storegate.yaml"]
    assert load_repo(root, max_file_bytes=1_000_000).desired is not None


def test_symlink_leaving_the_repo(make_repo: RepoFactory, tmp_path: Path) -> None:
    root = make_repo()
    outside = tmp_path / "outside.yaml"
    outside.write_text(ACCOUNT.replace("Acme Industrial", "Elsewhere"), encoding="utf-8")
    (root / "accounts" / "elsewhere.yaml").symlink_to(outside)
    (tmp_path / "outside-dir").mkdir()
    (root / "accounts" / "linked-dir").symlink_to(tmp_path / "outside-dir")
    outcome = validate(root)
    assert outcome.exit_code == 1
    errors = [m for m in map(LINE.match, outcome.lines) if m]
    assert [Path(m["file"]).name for m in errors] == ["elsewhere.yaml", "linked-dir"]
    assert all("a symlink that leads outside the repository" in m["message"] for m in errors)


def test_symlink_inside_the_repo_is_read(make_repo: RepoFactory) -> None:
    root = make_repo({"shared/acme.yaml": ACCOUNT})
    (root / "accounts" / "acme.yaml").symlink_to(root / "shared" / "acme.yaml")
    assert validate(root).exit_code == 0


def test_missing_storegate_yaml(make_repo: RepoFactory) -> None:
    relpath, line, message = only_error(make_repo(config=None))
    assert (relpath, line) == ("storegate.yaml", 1)
    assert "missing: there is no storegate.yaml at the repository root" in message


def test_missing_directory(tmp_path: Path) -> None:
    outcome = validate(tmp_path / "nowhere")
    assert outcome.exit_code == 1
    assert "nowhere (not a directory)" in outcome.output


@pytest.mark.parametrize(
    ("setting", "line"),
    [("session_id: sk_live_51Hc0ffee", 6), ("session_id: 00Dxx0000001gPL!AQ4AQH", 6)],
)
def test_literal_secret_is_refused_and_never_echoed(
    make_repo: RepoFactory, setting: str, line: int
) -> None:
    root = make_repo(config=CONFIG.replace("session_id: env:SF_ACCESS_TOKEN", setting))
    outcome = validate(root)
    secret = setting.split(": ", 1)[1]
    assert secret not in outcome.output
    relpath, at, message = only_error(root)
    assert (relpath, at) == ("storegate.yaml", line)
    assert "must be an env:NAME reference (e.g. env:SF_ACCESS_TOKEN)" in message
    for fmt in ("text", "github"):
        assert secret not in validate(root, "--format", fmt).output


def test_every_problem_is_reported_not_just_the_first(make_repo: RepoFactory) -> None:
    bad = ACCOUNT.replace("access: active", "access: sometimes").replace("name:", "nmae:")
    root = make_repo(
        {"accounts/a.yaml": bad, "accounts/b.yaml": "- x\n", "accounts/c.yaml": "a: [\n"},
        config=CONFIG.replace("instance_url", "instanceurl"),
    )
    result = load_repo(root)
    assert result.desired is None
    assert [(p.path, p.line) for p in result.errors] == [
        ("accounts/a.yaml", 2),
        ("accounts/a.yaml", 7),
        ("accounts/b.yaml", 1),
        ("accounts/c.yaml", 2),
        ("storegate.yaml", 3),
    ]


def test_console_script_exit_code_and_no_traceback(make_repo: RepoFactory) -> None:
    root = make_repo(
        {"accounts/acme.yaml": "account: {name: Acme}\ncontacts: [{email: x, access: active}]\n"}
    )
    script = Path(sys.executable).parent / "storegate"
    done = subprocess.run(
        [str(script), "validate", str(root)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "accounts/acme.yaml:2:20: error: contacts[0].email: invalid email 'x'" in done.stdout

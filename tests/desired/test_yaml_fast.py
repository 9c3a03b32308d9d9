"""The line-by-line reader of account files gives exactly what the full YAML parser gives, or
nothing: generated documents (valid and not), every YAML file in the repository, and the shapes it
must leave to the full parser."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from storegate.engine.yaml_fast import parse_simple
from storegate.engine.yaml_nodes import parse_yaml

ROOT = Path(__file__).resolve().parents[2]

KEYS = ["a", "b", "email", "true", "null", "on", "x_1", "_", "Y", "<<", "a b", "k-1", "'q'"]
VALUES = [
    *("", "x", "true", "True", "yes", "no", "on", "off", "y", "~", "null", "NULL", "Null"),
    *("1", "-1", "+1", "0x1F", "0o17", "017", "1_000", "1:20", "1.5", ".5", "1e3", ".inf"),
    *("2024-01-01", "=", "<<", "a b", "a  b", "a #b", "a#b", "a:b", "a: b", "a:", "'it''s'"),
    *("'a #b'", '"a: b"', '"a\\nb"', "{}", "[]", "{a: 1}", "[1, 2]", "&x a", "*x", "!t a"),
    *("|", ">", "- a", "-a", "-5", "?a", ":a", "@a", "`a", "%a", "Café", "O'Brien", "a,b"),
    *("a]b", "x  ", "x\t", "jane@acme.example", "'", '"', "'a' b", '"a"#c', "'a' #c", "x\r"),
    *("\u2028", "\x85", "\ufeff", "123abc", "Yes", "nO", "Olivia", "offboard", "nullable"),
]


def _document(rng: random.Random) -> str:
    lines: list[str] = []

    def block(indent: int, depth: int) -> None:
        sequence = depth > 0 and rng.random() < 0.3
        for _ in range(rng.randint(1, 4)):
            pad = " " * indent
            value = rng.choice(VALUES)
            if sequence:
                dash = "-" + " " * rng.choice([1, 1, 2, 3])
                if rng.random() < 0.4:
                    lines.append(pad + dash + value)
                    continue
                lines.append(pad + dash + f"{rng.choice(KEYS)}:" + (f" {value}" if value else ""))
                if not value and depth < 4 and rng.random() < 0.5:
                    block(indent + len(dash) + rng.choice([0, 1, 2]), depth + 1)
                for _ in range(rng.randint(0, 2)):
                    shift = rng.choice([0, 0, 0, 1, -1])
                    lines.append(
                        " " * (indent + len(dash) + shift)
                        + f"{rng.choice(KEYS)}: {rng.choice(VALUES)}"
                    )
            else:
                lines.append(pad + f"{rng.choice(KEYS)}:" + (f" {value}" if value else ""))
                if not value and depth < 4 and rng.random() < 0.6:
                    block(indent + rng.choice([0, 2, 2, 4, 1]), depth + 1)
            if rng.random() < 0.1:
                lines.append(" " * rng.randint(0, 6) + rng.choice(["# c", "", "   ", "#"]))

    block(0, 0)
    return "\n".join(lines) + rng.choice(["\n", "", "\n\n"])


def _agrees(text: str) -> bool:
    """Whether the fast reader took the text; asserts it then agrees with the full parser."""
    fast = parse_simple(text)
    if fast is None:
        return False
    data, table = fast
    full = parse_yaml(text, "x.yaml")
    assert full.problems == [] and not full.empty, text
    assert repr(data) == repr(full.data), text
    assert table.to_dict() == dict(sorted(full.keys.items(), key=lambda kv: kv[1])), text
    for path, position in full.keys.items():
        assert table.get(path) == position, (text, path)
    return True


def test_generated_documents_read_the_same_or_not_at_all() -> None:
    rng = random.Random(16)
    taken = sum(_agrees(_document(rng)) for _ in range(6000))
    assert taken > 600  # the generator does reach the subset, not only what it refuses


def test_every_yaml_file_of_the_repository_reads_the_same_or_not_at_all() -> None:
    files = [
        p
        for pattern in ("examples/**/*.yaml", "tests/**/*.yaml", "schemas/**/*.yaml")
        for p in ROOT.glob(pattern)
    ]
    taken = sum(_agrees(p.read_text(encoding="utf-8")) for p in files)
    assert taken >= 8  # the example account files


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: the full parser names both lines
        "a:\n  b: 1\n c: 2\n",  # an indentation between two levels
        "a: [1, 2]\n",  # flow collection
        "a: |\n  text\n",  # block scalar
        "a: &x 1\nb: *x\n",  # anchor and alias
        "a: 2024-01-01\n",  # timestamp
        "a: x\n  continued\n",  # multi-line plain scalar
        "- a\n- b\n",  # not a mapping
        "# only a comment\n",  # empty
        "a:\tb\n",  # tab
        "a: b\r\nc: d\r\n",  # CRLF
        "---\na: 1\n",  # document marker
        "# note\u2028a: 1\n",  # a line break YAML knows inside what looks like a comment
        "a: 'x\u2029y'\n",  # and inside a quoted scalar
        "a: 'x\x85y'\n",  # NEL
    ],
)
def test_shapes_outside_the_subset_are_left_to_the_full_parser(text: str) -> None:
    assert parse_simple(text) is None


def test_positions_answer_as_the_full_parser_for_an_account_file() -> None:
    text = (ROOT / "examples" / "accounts" / "acme-industrial.yaml").read_text(encoding="utf-8")
    fast = parse_simple(text)
    assert fast is not None
    _, table = fast
    full = parse_yaml(text, "acme.yaml")
    assert table.get(("contacts", 2, "email")) == full.keys[("contacts", 2, "email")]
    assert table.get(("account", "name")) == full.keys[("account", "name")]
    assert table.get(("contacts", 99)) is None
    assert table.get(("account", "nope")) is None
    # A contact's keys are packed per sequence: a missing item or key is still no position.
    assert table.get(("contacts", 99, "email")) is None
    assert table.get(("contacts", 2, "nope")) is None
    assert table.get(("nope", 0, "email")) is None
    assert len(table) == len(full.keys)


def test_items_that_are_not_mappings_have_no_keys() -> None:
    text = "list:\n  - plain\n  - a: 1\n    b: 2\n  - {}\n  - c: 3\n"
    fast = parse_simple(text)
    assert fast is not None
    _, table = fast
    full = parse_yaml(text, "x.yaml")
    assert table.to_dict() == dict(sorted(full.keys.items(), key=lambda kv: kv[1]))
    assert table.get(("list", 1, "b")) == full.keys[("list", 1, "b")]
    assert table.get(("list", 3, "c")) == full.keys[("list", 3, "c")]
    for index in (0, 2, 4):
        assert table.get(("list", index, "a")) is None

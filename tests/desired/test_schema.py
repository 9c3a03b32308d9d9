"""The checked-in JSON Schemas: fresh, usable by a standard validator, and `storegate schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from storegate.engine.cli import app
from storegate.engine.commands.schema_cmd import schema_documents, stale_schemas

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
EXAMPLES = REPO / "examples"


def test_checked_in_schemas_are_fresh() -> None:
    assert stale_schemas(SCHEMAS) == [], "run `storegate schema --out schemas` and commit"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_examples_pass_the_schemas() -> None:
    validator("storegate.schema.json").validate(load(EXAMPLES / "storegate.yaml"))
    accounts = validator("account.schema.json")
    paths = sorted((EXAMPLES / "accounts").glob("*.yaml"))
    assert paths
    for path in paths:
        accounts.validate(load(path))


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"account": {"name": "X", "pricebook": "Y"}}, "Additional properties"),
        (
            {"account": {"name": "X"}, "contacts": [{"email": "a@x.example"}]},
            "'access' is a required",
        ),
        (
            {"account": {"name": "X", "active": "yes"}},
            "is not valid under any of the given schemas",
        ),
    ],
)
def test_schema_catches_what_an_editor_should_underline(document: Any, error: str) -> None:
    errors = list(validator("account.schema.json").iter_errors(document))
    assert errors and error in errors[0].message


def test_schema_refuses_a_literal_secret() -> None:
    config = load(EXAMPLES / "storegate.yaml")
    config["systems"]["salesforce"]["auth"]["session_id"] = "00Dxx!literal"
    assert list(validator("storegate.schema.json").iter_errors(config))


def test_schema_command_writes_and_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    stale = runner.invoke(app, ["schema", "--out", str(tmp_path), "--check"])
    assert stale.exit_code == 1
    assert "account.schema.json: stale" in stale.output
    written = runner.invoke(app, ["schema", "--out", str(tmp_path)])
    assert written.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(schema_documents())
    fresh = runner.invoke(app, ["schema", "--out", str(tmp_path), "--check"])
    assert fresh.exit_code == 0, fresh.output

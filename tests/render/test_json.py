from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from storegate.engine.ownership import UnmanagedAccess
from storegate.engine.plan import (
    Action,
    Address,
    Change,
    FieldChange,
    ManagedRecord,
    Origin,
    Plan,
    dump_plan,
)
from storegate.engine.render.json import render_json

from .conftest import make_change

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_is_the_plan_document_indented_with_a_trailing_newline(plan: Plan) -> None:
    text = render_json(plan)
    assert text == json.dumps(plan.to_json(), indent=2) + "\n"
    assert text.startswith('{\n  "format_version": 2,\n  "created_at": ')


def test_key_order_is_stable(plan: Plan) -> None:
    document = json.loads(render_json(plan))
    assert list(document) == list(plan.to_json())
    assert list(document["changes"][0]) == list(plan.changes[0].to_json())
    assert render_json(plan) == render_json(Plan.from_json(json.loads(render_json(plan))))


def test_refs_are_written_as_ref_objects(plan: Plan) -> None:
    document = json.loads(render_json(plan))
    write_back = document["changes"][3]
    assert write_back["fields"] == [
        {
            "name": "bigcommerce_customer_id",
            "before": None,
            "after": {"$ref": 'bigcommerce.customer["jane.doe@acme.example"]', "attribute": "id"},
        }
    ]


def test_validates_against_the_schema(
    plan: Plan, validator: jsonschema.Draft202012Validator
) -> None:
    validator.validate(json.loads(render_json(plan)))


def test_empty_plan_validates(empty_plan: Plan, validator: jsonschema.Draft202012Validator) -> None:
    validator.validate(json.loads(render_json(empty_plan)))


def test_saved_plan_with_checksum_validates(
    plan: Plan, validator: jsonschema.Draft202012Validator
) -> None:
    validator.validate(json.loads(dump_plan(plan)))


def test_any_json_field_value_validates(validator: jsonschema.Draft202012Validator) -> None:
    values: list[Any] = ["", 0, 1.5, True, None, [1, "a"], {"nested": {"x": [None]}}]
    change = make_change(
        'salesforce.contact["a@b.example"]',
        Action.UPDATE,
        account="A",
        fields=tuple(FieldChange(f"f{i}", v, v) for i, v in enumerate(values)),
    )
    validator.validate(json.loads(render_json(Plan(changes=(change,)))))


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("format_version",), 1),
        (("summary", "grant"), -1),
        (("changes", 0, "action"), "destroy"),
        (("changes", 0, "fields", 0, "after"), {"$ref": 'x["y"]'}),
        (("changes", 0, "step"), "1"),
        (("changes", 0, "step"), -1),
        (("changes", 0, "origin"), "whim"),
        (("changes", 0, "access"), "maybe"),
        (("changes", 0, "address"), 'contact["no system"]'),
        (("changes", 0, "id"), 'salesforce.account["Acme Industrial"]#0'),
        (("changes", 6, "manual", "steps"), "one string"),
        (("managed",), [{"address": 'salesforce.contact["a@b.example"]', "id": "003"}]),
        (("checksum",), "md5:abc"),
    ],
)
def test_schema_rejects_bad_documents(
    plan: Plan, validator: jsonschema.Draft202012Validator, path: tuple[Any, ...], bad: Any
) -> None:
    document = json.loads(dump_plan(plan))
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = bad
    assert not validator.is_valid(document)


def test_schema_rejects_unknown_keys(
    plan: Plan, validator: jsonschema.Draft202012Validator
) -> None:
    document = json.loads(render_json(plan))
    document["changes"][0]["extra"] = 1
    assert not validator.is_valid(document)


def test_schema_names_every_key_the_code_writes(plan: Plan) -> None:
    """Freshness: a key added to Plan/Change.to_json() must be added to the schema too."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert set(plan.to_json()) | {"checksum"} == set(schema["properties"])
    assert set(plan.to_json()) == set(schema["required"])
    change_schema = schema["$defs"]["change"]
    assert set(Change.to_json(plan.changes[0])) == set(change_schema["properties"])
    assert set(change_schema["required"]) == set(change_schema["properties"])
    assert schema["$defs"]["action"]["enum"] == [a.value for a in Action]
    assert set(ManagedRecord.to_json(plan.managed[0])) == set(
        schema["$defs"]["managedRecord"]["properties"]
    )
    manual = next(c.manual for c in plan.changes if c.manual is not None)
    assert set(manual.to_json()) == set(schema["$defs"]["manualStep"]["properties"])
    assert schema["properties"]["summary"]["required"] == [a.value for a in Action]


def test_changes_come_after_the_changes_they_depend_on(plan: Plan) -> None:
    """No phases any more: the plan's order is a dependency order, and ids name the edges."""
    document = json.loads(render_json(plan))
    position = {c["id"]: i for i, c in enumerate(document["changes"])}
    assert len(position) == len(document["changes"])  # ids are unique
    edges = [(c["id"], d) for c in document["changes"] for d in c["depends_on"]]
    assert edges
    assert all(position[d] < position[c] for c, d in edges)
    write_back = document["changes"][3]
    assert write_back["id"] == 'salesforce.contact["jane.doe@acme.example"]+1'
    assert write_back["step"] == 1
    assert write_back["depends_on"] == [
        'bigcommerce.customer["jane.doe@acme.example"]',
        'salesforce.contact["jane.doe@acme.example"]',
    ]


def stray_access() -> UnmanagedAccess:
    return UnmanagedAccess(
        Address("bigcommerce", "customer", "stray@acme.example"), "77", "Acme Industrial", "active"
    )


def test_ownership_fields_validate(plan: Plan, validator: jsonschema.Draft202012Validator) -> None:
    acme = str(plan.changes[0].address)
    owned = replace(
        plan,
        changes=(replace(plan.changes[0], origin=Origin.DRIFT), *plan.changes[1:]),
        repo="github.com/acme/store-access",
        unmanaged=(stray_access(),),
        undeclared_accounts=3,
        adopted=(acme,),
        targets=((acme, "0123456789abcdef"),),
    )
    document = json.loads(dump_plan(owned))
    validator.validate(document)
    assert document["origins"] == {"repo": 6, "drift": 1, "unmanaged": 0}
    assert document["targets"] == {acme: "0123456789abcdef"}
    document["unmanaged"][0]["access"] = "revoked"  # revoked access is no unmanaged access
    assert not validator.is_valid(document)


def test_schema_describes_unmanaged_access() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    unmanaged = schema["$defs"]["unmanagedAccess"]
    assert set(stray_access().to_json()) == set(unmanaged["properties"])
    assert schema["properties"]["origins"]["required"] == [o.value for o in Origin]

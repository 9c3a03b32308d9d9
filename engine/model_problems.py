"""Pydantic validation errors -> Problems at the YAML node they are about.

Messages never include the offending value: in storegate.yaml that value may be a secret.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .model import ENV_REF
from .problems import Problem
from .yaml_nodes import ParsedYaml, Path, Position

CODE_SCHEMA = "SG002"
CODE_ONE_MEMBERSHIP = "SG107"


def problems_from(
    error: ValidationError, model: type[BaseModel], parsed: ParsedYaml, relpath: str
) -> list[Problem]:
    details = error.errors()
    problems = []
    for detail in details:
        if detail["type"] == "missing" and _misspelt(detail, details, model, parsed):
            continue  # the unknown-key error already says "did you mean" this key
        problems.append(_problem(detail, model, parsed, relpath))
    return problems


def _misspelt(
    missing: ErrorDetails, details: list[ErrorDetails], model: type[BaseModel], parsed: ParsedYaml
) -> bool:
    path, _ = _data_path(missing["loc"], parsed.data)
    parent, name = path[:-1], str(path[-1])
    for detail in details:
        if detail["type"] != "extra_forbidden":
            continue
        extra, _ = _data_path(detail["loc"], parsed.data)
        if extra[:-1] == parent:
            allowed = _keys_at(model, parent, parsed.data)
            if difflib.get_close_matches(str(extra[-1]), allowed, n=1, cutoff=0.6) == [name]:
                return True
    return False


def _problem(
    detail: ErrorDetails, model: type[BaseModel], parsed: ParsedYaml, relpath: str
) -> Problem:
    path, complete = _data_path(detail["loc"], parsed.data)
    kind = detail["type"]
    where = _dotted(path)
    code = CODE_SCHEMA
    pos: Position
    if kind == "extra_forbidden":
        key = str(path[-1])
        text = f"unknown key {key!r}{_suggestion(key, _keys_at(model, path[:-1], parsed.data))}"
        where = _dotted(path[:-1])
        pos = _locate(parsed.keys, path)
    elif kind == "missing":
        missing = str(detail["loc"][-1])
        text = f"missing required key {missing!r}"
        where = _dotted(path[:-1])
        pos = _locate(parsed.keys, path[:-1])
    else:
        value_pos = parsed.values.get(path) if complete else None
        pos = value_pos or _locate(parsed.keys, path)
        text, code = _message(detail, path, parsed.data)
    prefix = f"{where}: " if where else ""
    return Problem(relpath, pos[0], pos[1], prefix + text, code)


def _locate(table: dict[Path, Position], path: Path) -> Position:
    while path not in table and path:
        path = path[:-1]
    return table.get(path, (1, 1))


def _message(detail: ErrorDetails, path: Path, data: Any) -> tuple[str, str]:
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ENV_REF.pattern:
        return (
            "must be an env:NAME reference (e.g. env:SF_ACCESS_TOKEN), never a literal secret; "
            "put the value in an environment variable and remove it from the file (and its history)",
            CODE_SCHEMA,
        )
    if kind == "string_pattern_mismatch" and path and path[-1] == "salesforce_id":
        return "not a salesforce_id: 15 or 18 letters and digits", CODE_SCHEMA
    if path and path[-1] == "membership" and isinstance(_value_at(path, data), list):
        return (
            "an account holds one membership at a time; keep a single name",
            CODE_ONE_MEMBERSHIP,
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ctx.get("expected_tags", "")
        return f"'type' must be one of {tags}", CODE_SCHEMA
    message = str(detail["msg"])
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    return message, CODE_SCHEMA


def _data_path(loc: tuple[int | str, ...], data: Any) -> tuple[Path, bool]:
    """Pydantic's loc as a path into the YAML data: union tags it inserts are dropped.

    Returns the path and whether every segment exists in the data.
    """
    path: list[str | int] = []
    value = data
    for segment in loc:
        in_dict = isinstance(value, dict) and segment in value
        in_list = isinstance(value, list) and isinstance(segment, int) and segment < len(value)
        if in_dict or in_list:
            value = value[segment]
        elif isinstance(value, dict) and value.get("type") == segment:
            continue  # the discriminator tag pydantic adds for a tagged union
        else:
            return (*path, segment), False
        path.append(segment)
    return tuple(path), True


def _value_at(path: Path, data: Any) -> Any:
    for segment in path:
        if isinstance(data, dict):
            data = data.get(segment)
        elif isinstance(data, list) and isinstance(segment, int) and segment < len(data):
            data = data[segment]
        else:
            return None
    return data


def _dotted(path: Path) -> str:
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += f".{segment}" if out else segment
    return out


def _suggestion(key: str, allowed: list[str]) -> str:
    if not allowed:
        return ""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; expected one of: {', '.join(allowed)}"


def _keys_at(model: type[BaseModel], path: Path, data: Any) -> list[str]:
    """The field names of the model that validates the mapping at `path`."""
    annotation: Any = model
    value = data
    for segment in path:
        annotation = _pick(annotation, value)
        if isinstance(segment, int):
            args = get_args(annotation)
            annotation = args[0] if args else Any
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(segment)
            annotation = info.annotation if info is not None else Any
        else:
            args = get_args(annotation)
            annotation = args[-1] if args else Any
        if isinstance(value, dict):
            value = value.get(segment)
        elif isinstance(value, list) and isinstance(segment, int) and segment < len(value):
            value = value[segment]
        else:
            value = None
    annotation = _pick(annotation, value)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _pick(annotation: Any, value: Any) -> Any:
    """Unwrap Annotated and Optional; choose a tagged union's member by the data's `type`."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [m for m in get_args(annotation) if m is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        tag = value.get("type") if isinstance(value, dict) else None
        for member in models:
            info = member.model_fields.get("type")
            literal = info is not None and get_origin(info.annotation) is Literal
            if literal and info is not None and tag in get_args(info.annotation):
                return member
        if len(members) == 1:
            return _pick(members[0], value)
        if models:
            return models[0]
    return annotation

"""The state document's JSON form, and the upgrades from older versions of it.

Every backend stores the same document, so they share this codec: `encode` writes the current
version; `decode` checks the shape, refuses a newer version and runs the upgrade chain on an older
one. `UPGRADES[n]` turns a version-n document into a version-(n+1) one; version 1 is current, so the
chain is empty until the format changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..providers.contract import StateError, shared_text
from .base import STATE_VERSION, ResourceState, StateDocument

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

UPGRADES: Mapping[int, Upgrade] = {}


class MalformedState(ValueError):
    """The text is not a state document; the backend turns this into a StateError with its hint."""


def resource_json(resource: ResourceState) -> dict[str, Any]:
    """A resource as stored (ResourceState.to_json without its deep copy: only encoded here)."""
    return {
        "address": resource.address,
        "system": resource.system,
        "kind": resource.kind,
        "key": resource.key,
        "id": resource.id,
        "account": resource.account,
        "attributes": resource.attributes,
    }


_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
"""One encoder for every value (json.dumps with options builds a new encoder on each call)."""


def encode(document: StateDocument) -> str:
    """The document as JSON with one resource a line, in address order: readable, diffable, and
    written by the C encoder (an indented dump goes through json's pure-Python one, 10x slower)."""
    head: dict[str, Any] = {
        "version": document.version,
        "lineage": document.lineage,
        "serial": document.serial,
    }
    if document.repo is not None:
        head["repo"] = document.repo
    lines = [
        f"{_ENCODE(address)}: {_ENCODE(resource_json(resource))}"
        for address, resource in sorted(document.resources.items())
    ]
    body = "\n" + ",\n".join(lines) + "\n" if lines else "\n"
    return _ENCODE(head)[:-1] + ', "resources": {' + body + "}}\n"


def upgrade(
    data: dict[str, Any], where: str, upgrades: Mapping[int, Upgrade] = UPGRADES
) -> dict[str, Any]:
    """Bring a decoded document up to STATE_VERSION, one version at a time."""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise MalformedState(f"version is {version!r}, not an integer")
    if version > STATE_VERSION:
        raise StateError(
            f"{where}: state version {version} is newer than this storegate understands "
            f"({STATE_VERSION}); upgrade storegate (a newer release wrote this state)"
        )
    while version < STATE_VERSION:
        step = upgrades.get(version)
        if step is None:
            raise StateError(
                f"{where}: state version {version} is not one storegate can upgrade from "
                f"(it knows {STATE_VERSION} and the upgrades from {sorted(upgrades) or 'none'})"
            )
        data = step(data)
        version += 1
        data["version"] = version
    return data


_SCAN = json.JSONDecoder().raw_decode
_RESOURCES_OPEN = ', "resources": {'


class _Strings:
    """One string object for each system, kind and account name (repeated on many resources)."""

    def __init__(self) -> None:
        self._shared: dict[Any, Any] = {}

    def same(self, text: Any) -> Any:
        return self._shared.setdefault(text, text)

    def resource(self, address: str, raw: Any) -> ResourceState:
        if not isinstance(raw, dict):
            raise MalformedState(f"resource {address} is not an object")
        same = self.same
        try:
            system, kind, account = raw["system"], raw["kind"], raw.get("account", "")
            said, key = raw["address"], raw["key"]
            if not isinstance(key, str):
                raise MalformedState(f"resource {address} has a key that is not a string")
            resource = ResourceState(
                address=address if said == address else said,  # the key's string, held once
                system=same(system),
                kind=same(kind),
                key=shared_text(key),  # a person's key, as the repo and every read hold it
                id=raw.get("id"),
                account=same(account),
                attributes=_attributes(address, raw.get("attributes", {}), same),
            )
        except KeyError as exc:
            raise MalformedState(f"resource {address} has no {exc.args[0]!r}") from None
        if resource.address != address:
            raise MalformedState(f"resource {address} says its address is {resource.address}")
        if resource.attributes.get("person") == resource.key:
            resource.attributes["person"] = resource.key  # the same string, held once
        return resource


def _attributes(address: str, raw: Any, same: Callable[[Any], Any]) -> dict[str, Any]:
    """The resource's attributes, their names shared: each line of a state is parsed on its own,
    so every resource would otherwise hold its own "target" string."""
    if not isinstance(raw, dict):
        raise MalformedState(f"resource {address} has attributes that are not an object")
    return {same(name): value for name, value in raw.items()}


def _by_line(text: str, strings: _Strings) -> dict[str, Any] | None:
    """The document as `encode` lays it out (a head line, one resource a line), each resource
    made a ResourceState as it is read: the whole state is never held twice. None for any other
    layout (an older file, an edited one), which the whole-document parse then reads."""
    head_end = text.find("\n")
    if head_end < 0 or not text.startswith("{") or not text.endswith("\n}}\n"):
        return None
    head_line = text[:head_end]
    if not head_line.endswith(_RESOURCES_OPEN):
        return None
    try:
        data = json.loads(head_line[: -len(_RESOURCES_OPEN)] + "}")
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        return None  # an upgrade works on the whole document
    resources: dict[str, ResourceState] = {}
    position, last = head_end + 1, len(text) - 4
    """`last` is where the newline before the closing `}}` stands."""
    try:
        while position < last:
            address, position = _SCAN(text, position)
            if not isinstance(address, str) or text[position : position + 2] != ": ":
                return None
            if address in resources:
                return None
            raw, position = _SCAN(text, position + 2)
            resources[address] = strings.resource(address, raw)
            if text[position : position + 2] == ",\n":
                position += 2
            elif position != last:
                return None
    except (json.JSONDecodeError, IndexError):
        return None
    if position != last and resources:
        return None
    data["resources"] = resources
    return data


def decode(text: str, where: str, upgrades: Mapping[int, Upgrade] = UPGRADES) -> StateDocument:
    """Parse a stored document. Raises MalformedState for anything that is not one."""
    strings = _Strings()
    data = _by_line(text, strings)
    if data is None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedState(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedState(f"expected a JSON object, found {type(data).__name__}")
    data = upgrade(data, where, upgrades)
    lineage, serial, resources = data.get("lineage"), data.get("serial"), data.get("resources")
    if not isinstance(lineage, str) or not lineage:
        raise MalformedState("lineage is missing")
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise MalformedState(f"serial is {serial!r}, not a non-negative integer")
    if not isinstance(resources, dict):
        raise MalformedState("resources is not an object")
    decoded: dict[str, ResourceState] = {
        address: raw if isinstance(raw, ResourceState) else strings.resource(address, raw)
        for address, raw in resources.items()
    }
    repo = data.get("repo")
    if repo is not None and not isinstance(repo, str):
        raise MalformedState(f"repo is {repo!r}, not a string")
    return StateDocument(
        lineage=lineage, serial=serial, resources=decoded, version=STATE_VERSION, repo=repo
    )

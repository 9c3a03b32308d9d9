"""YAML text -> plain Python data plus the line:column of every key and item.

Built straight from libyaml's C event stream (yaml.CSafeLoader) with an explicit stack, not from
PyYAML's node composer: the C composer recurses per nesting level (deep nesting crashes the process)
and silently keeps the last of two duplicate keys. Here duplicate keys, complex keys, merge keys,
runaway nesting and alias bombs are each reported as a Problem at the offending line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import Problem

Path = tuple[str | int, ...]
Position = tuple[int, int]
"""1-based (line, column)."""

MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000
"""Nodes an alias may re-use in one file, all aliases together: enough for shared snippets, and a
billion-laughs document stops after a few levels instead of exhausting memory."""

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TRUE = frozenset(("yes", "true", "on", "y"))


@dataclass
class ParsedYaml:
    data: Any
    """The document as dicts, lists and scalars; None when the text is not usable YAML."""
    keys: dict[Path, Position] = field(default_factory=dict)
    """Where each mapping entry's key and each sequence item starts, by key path."""
    values: dict[Path, Position] = field(default_factory=dict)
    """Where each value starts (differs from `keys` for mapping entries)."""
    problems: list[Problem] = field(default_factory=list)
    empty: bool = False


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: Path
    start_count: int
    anchor: str | None
    key: str | None = None
    skip_value: bool = False


class _Builder:
    def __init__(self, text: str, relpath: str) -> None:
        self.loader = yaml.CSafeLoader(text)
        self.text = text
        self.implicit_first = frozenset(c for c in self.loader.yaml_implicit_resolvers if c)
        self.constructor = yaml.constructor.SafeConstructor()
        self.relpath = relpath
        self.result = ParsedYaml(data=None)
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int] | None] = {}
        self.node_count = 0
        self.alias_nodes = 0
        self.documents = 0
        self.root_set = False
        self.failed = False

    def error(self, pos: Position, message: str, code: str = "SG001") -> None:
        self.result.problems.append(Problem(self.relpath, pos[0], pos[1], message, code))

    def run(self) -> ParsedYaml:
        try:
            self._consume()
        except yaml.MarkedYAMLError as exc:
            self.failed = True
            self.error(*_describe_yaml_error(exc, self.text))
        except yaml.YAMLError as exc:
            self.failed = True
            self.error((1, 1), f"not valid YAML: {exc}")
        finally:
            self.loader.dispose()
        if self.failed:
            self.result.data = None
        elif not self.root_set:
            self.result.empty = True
        return self.result

    def _consume(self) -> None:
        get_event = self.loader.get_event
        keys, values, stack = self.result.keys, self.result.values, self.stack
        while True:
            event = get_event()
            # Fast path, most events: a plain key or scalar value inside a mapping.
            if type(event) is yaml.ScalarEvent and event.anchor is None and stack:
                frame = stack[-1]
                container = frame.container
                if type(container) is dict and not frame.skip_value:
                    mark: Any = event.start_mark  # libyaml always marks its events
                    pos = (mark.line + 1, mark.column + 1)
                    key = frame.key
                    if key is None:
                        key = event.value
                        path = (*frame.path, key)
                        if key != "<<" and path not in keys:
                            self.node_count += 1
                            frame.key = key
                            keys[path] = pos
                            continue
                    else:
                        self.node_count += 1
                        values[(*frame.path, key)] = pos
                        container[key] = self._scalar(event, pos)
                        frame.key = None
                        continue
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    self.failed = True
                    self.error(_pos(event), "more than one YAML document ('---'); use one per file")
                    return
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                self._close()
                continue
            if not self._node(event):
                return

    def _node(self, event: yaml.Event) -> bool:
        """Place one node event; False stops the whole file (a budget was exceeded)."""
        self.node_count += 1
        frame = self.stack[-1] if self.stack else None
        pos = _pos(event)
        if frame is not None and isinstance(frame.container, dict) and frame.key is None:
            return self._key(frame, event, pos)
        if frame is None:
            path: Path = ()
            self.result.keys[path] = pos
        elif isinstance(frame.container, dict):
            path = (*frame.path, frame.key) if frame.key is not None else frame.path
            if frame.skip_value:
                frame.skip_value = False
                frame.key = None
                return self._skip(event)
        else:
            path = (*frame.path, len(frame.container))
            self.result.keys[path] = pos
        self.result.values[path] = pos

        if isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event, pos)
            self._attach(frame, value)
            if event.anchor is not None:
                self.anchors[event.anchor] = (value, 1)
            return True
        if isinstance(event, yaml.AliasEvent):
            return self._alias(frame, event, pos)
        if len(self.stack) >= MAX_DEPTH:
            self.failed = True
            self.error(pos, f"nested deeper than {MAX_DEPTH} levels; flatten the document")
            return False
        container: dict[str, Any] | list[Any] = (
            {} if isinstance(event, yaml.MappingStartEvent) else []
        )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.anchors[anchor] = None  # open: an alias to it from inside is recursive
        self._attach(frame, container)
        self.stack.append(_Frame(container, path, self.node_count, anchor))
        return True

    def _key(self, frame: _Frame, event: yaml.Event, pos: Position) -> bool:
        if not isinstance(event, yaml.ScalarEvent):
            self.failed = True
            self.error(pos, "a key must be a plain word, not a list, mapping or alias")
            frame.key = "\0invalid"
            frame.skip_value = True
            return self._skip(event)
        key = event.value
        if key == "<<" and not event.style and event.tag is None:
            self.failed = True
            self.error(pos, "merge keys ('<<') are not supported; write the keys out")
            frame.key = key
            frame.skip_value = True
            return True
        path = (*frame.path, key)
        first = self.result.keys.get(path)
        frame.key = key
        if first is not None:
            self.failed = True
            self.error(pos, f"duplicate key {key!r} (first at line {first[0]}); keep one")
            frame.skip_value = True
            return True
        self.result.keys[path] = pos
        return True

    def _skip(self, event: yaml.Event) -> bool:
        """Consume a node that has no place in the data (a complex key or a duplicate's value)."""
        if not isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            return True
        depth = 1
        while depth:
            nested = self.loader.get_event()
            if isinstance(nested, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
            elif isinstance(nested, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif nested is None or isinstance(nested, yaml.StreamEndEvent):
                return False
        return True

    def _alias(self, frame: _Frame | None, event: yaml.AliasEvent, pos: Position) -> bool:
        anchor = event.anchor or ""
        if anchor not in self.anchors:
            self.failed = True
            self.error(pos, f"alias *{anchor} refers to no anchor &{anchor} above it")
            self._attach(frame, None)
            return True
        target = self.anchors[anchor]
        if target is None:
            self.failed = True
            self.error(pos, f"alias *{anchor} refers to its own enclosing node (recursive)")
            return False
        value, size = target
        self.alias_nodes += size
        self.node_count += size - 1  # so an anchor holding aliases measures its expanded size
        if self.alias_nodes > MAX_ALIAS_NODES:
            self.failed = True
            self.error(
                pos,
                f"aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?); "
                "write the values out",
            )
            return False
        self._attach(frame, value)
        return True

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, self.node_count - frame.start_count + 1)

    def _attach(self, frame: _Frame | None, value: Any) -> None:
        if frame is None:
            self.result.data = value
            self.root_set = True
        elif isinstance(frame.container, dict):
            assert frame.key is not None
            frame.container[frame.key] = value
            frame.key = None
        else:
            frame.container.append(value)

    def _resolve(self, event: yaml.ScalarEvent) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, event.value, event.implicit
            )
        return str(tag)

    def _scalar(self, event: yaml.ScalarEvent, pos: Position) -> Any:
        value = event.value
        if event.tag is None and (event.style or (value and value[0] not in self.implicit_first)):
            return value  # quoted, block, or no implicit type starts with this character
        tag = self._resolve(event)
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() in _TRUE
        node = yaml.ScalarNode(tag, value, style=event.style)
        try:
            if tag == _INT:
                return self.constructor.construct_yaml_int(node)
            if tag == _FLOAT:
                return self.constructor.construct_yaml_float(node)
            return self.constructor.construct_object(node)
        except yaml.YAMLError:
            self.failed = True
            self.error(pos, f"unsupported YAML tag {tag}; use plain values")
            return None


def _pos(event: yaml.Event) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _describe_yaml_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[Position, str]:
    mark = exc.problem_mark or exc.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "not valid YAML"
    lines = text.splitlines()
    line = lines[pos[0] - 1] if 0 < pos[0] <= len(lines) else ""
    if "tab" in problem or "\t" in line[: pos[1]]:
        return pos, "not valid YAML: a tab character; indent with spaces, never tabs"
    context = f" ({exc.context})" if exc.context else ""
    return pos, f"not valid YAML: {problem}{context}"


def parse_yaml(text: str, relpath: str) -> ParsedYaml:
    """Parse one document, collecting every structural problem with its position."""
    return _Builder(text, relpath).run()

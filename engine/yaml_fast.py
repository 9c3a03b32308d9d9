"""The common shape of an account file, parsed line by line; anything else is left to yaml_nodes.

Account files are block mappings and sequences of plain or simply quoted scalars, one entry a line:
that subset is read here with one regular expression per line (C speed) and an indentation stack,
about four times faster than walking libyaml's events. `parse_simple` returns None as soon as a line
falls outside the subset (a flow collection other than `{}`/`[]`, a block scalar, an anchor, a tag,
a multi-line scalar, a tab, a duplicate key, an indentation it does not recognise...), and the full
parser (engine.yaml_nodes) then reads the file and reports every problem at its place. So this module
never reports a problem: it either gives exactly what the full parser gives, or nothing.

Plain scalars are typed by the same YAML 1.1 rules as the full parser (`plain_value`).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

import yaml

Path = tuple[str | int, ...]
Position = tuple[int, int]

_PRINTABLE_OUTSIDE = re.compile(
    r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
"""A character the subset does not take: tabs, CR, controls, BOM, and the line breaks YAML knows
besides LF (NEL, LINE and PARAGRAPH SEPARATOR: a comment or quoted scalar holding one is not the
single line it seems)."""

_ASCII_PRINTABLE = bytes([10, *range(0x20, 0x7F)])


def _printable(text: str) -> bool:
    """No character outside the subset; ASCII text (the usual) is checked at C speed in bytes."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_PRINTABLE)
    return _PRINTABLE_OUTSIDE.search(text) is None


_START = r"""[^\s\-?:,\[\]{}#&*!|>'"%@`]"""
"""What a plain scalar may start with (no indicator character)."""
_PLAIN = _START + r"(?:[^\s:]++|:(?=\S)|[ ]++(?=[^\s#]))*+"
"""A plain scalar on one line: no `: ` and no ` #` inside, no trailing space (the `[ ]++(?=...)`
only takes spaces that more text follows)."""
_VALUE = rf"""(?:{_PLAIN}|'(?:[^'\n]|'')*'|"[^"\\\n]*"|\{{\}}|\[\])"""
_LINE = re.compile(
    r"^([ ]*)(?:\#.*|(-[ ]+)?(?:([A-Za-z_][A-Za-z0-9_]*):(?:[ ]+("
    + _VALUE
    + r"))?|("
    + _VALUE
    + r"))(?:[ ]+\#.*)?[ ]*)?$",
    re.MULTILINE,
)
"""One line: blank, a comment, `key:` / `key: value`, `- value`, `- key:` / `- key: value`; the
groups are (indent, dash, key, value, item)."""

_EMPTY: Any = object()


class _Resolver:
    """YAML 1.1 typing of plain scalars, as yaml.CSafeLoader and the full parser do it."""

    def __init__(self) -> None:
        loader = yaml.CSafeLoader("")
        self.resolver = loader
        self.implicit_first = frozenset(c for c in loader.yaml_implicit_resolvers if c)
        self.special_first = self.implicit_first | {"'", '"', "{", "["}
        """First characters of a value that is not simply its own text."""
        self.constructor = yaml.constructor.SafeConstructor()
        self.cache: dict[str, Any] = {}

    def plain(self, text: str) -> Any:
        """The value of a plain scalar; _EMPTY when its tag is one the full parser refuses."""
        first = text[0]
        if first not in self.implicit_first or (len(text) > 5 and first.isalpha()):
            return text  # no YAML 1.1 word (yes, off, null, false...) is longer than five letters
        try:
            return self.cache[text]
        except KeyError:
            pass
        tag = str(self.resolver.resolve(yaml.ScalarNode, text, (True, False)))  # type: ignore[no-untyped-call]
        value: Any
        if tag == "tag:yaml.org,2002:str":
            value = text
        elif tag == "tag:yaml.org,2002:null":
            value = None
        elif tag == "tag:yaml.org,2002:bool":
            value = text.lower() in ("yes", "true", "on", "y")
        elif tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            node = yaml.ScalarNode(tag, text)
            try:
                value = (
                    self.constructor.construct_yaml_int(node)
                    if tag.endswith("int")
                    else self.constructor.construct_yaml_float(node)
                )
            except (yaml.YAMLError, ValueError):
                value = _EMPTY
        else:
            value = _EMPTY  # timestamps, merge, value: the full parser decides
        if len(self.cache) < 4096:
            self.cache[text] = value
        return value


_RESOLVER: _Resolver | None = None


def _resolver() -> _Resolver:
    global _RESOLVER
    if _RESOLVER is None:
        _RESOLVER = _Resolver()
    return _RESOLVER


def _scalar(raw: str, resolver: _Resolver) -> Any:
    first = raw[0]
    if first == "'":
        return raw[1:-1].replace("''", "'")
    if first == '"':
        return raw[1:-1]
    if raw == "{}":
        return {}
    if raw == "[]":
        return []
    return resolver.plain(raw)


class _Items:
    """The mappings that are items of one sequence, packed: per item its keys' column (-1 when the
    item is no mapping with keys), its names (a shared tuple) and where its lines start in one
    array for the whole sequence. A contact costs about 40 bytes here, not a tuple and an array."""

    __slots__ = ("columns", "lines", "shapes", "starts")

    def __init__(self) -> None:
        self.columns = array("i")
        self.shapes: list[tuple[str, ...]] = []
        self.starts = array("I")
        self.lines = array("I")

    def add(self, index: int, column: int, shape: tuple[str, ...], lines: list[int]) -> None:
        while len(self.columns) < index:
            self.columns.append(-1)
            self.shapes.append(())
            self.starts.append(len(self.lines))
        self.columns.append(column)
        self.shapes.append(shape)
        self.starts.append(len(self.lines))
        self.lines.extend(lines)

    def get(self, index: int, name: str) -> Position | None:
        if not 0 <= index < len(self.columns) or self.columns[index] < 0:
            return None
        try:
            offset = self.shapes[index].index(name)
        except ValueError:
            return None
        return (self.lines[self.starts[index] + offset], self.columns[index] + 1)

    def each(self) -> Iterator[tuple[int, int, tuple[str, ...], Sequence[int]]]:
        """(index, column, names, their lines) of every item with keys."""
        for index, column in enumerate(self.columns):
            if column >= 0:
                start = self.starts[index]
                shape = self.shapes[index]
                yield index, column, shape, self.lines[start : start + len(shape)]


class KeyTable:
    """Where each key and item of one file starts, kept compactly: per mapping its keys' column,
    their names (one tuple shared by every mapping with the same keys) and their lines, packed per
    sequence for the mappings that are its items; per sequence each item's packed position.
    `get(path)` answers as the full parser's `keys` dict."""

    __slots__ = ("items", "maps", "root", "sequences")

    def __init__(self, root: Position) -> None:
        self.root = root
        self.maps: dict[Path, tuple[int, tuple[str, ...], array[int]]] = {}
        self.items: dict[Path, _Items] = {}
        self.sequences: dict[Path, array[int]] = {}

    def get(self, path: Path) -> Position | None:
        if not path:
            return self.root
        parent, last = path[:-1], path[-1]
        if isinstance(last, str):
            if parent and isinstance(parent[-1], int):
                items = self.items.get(parent[:-1])
                return None if items is None else items.get(parent[-1], last)
            mapping = self.maps.get(parent)
            if mapping is None:
                return None
            column, names, lines = mapping
            try:
                return (lines[names.index(last)], column + 1)
            except ValueError:
                return None
        positions = self.sequences.get(parent)
        if positions is None or not 0 <= last < len(positions):
            return None
        return (positions[last] >> 32, positions[last] & 0xFFFFFFFF)

    def _mappings(self) -> Iterator[tuple[Path, int, tuple[str, ...], Sequence[int]]]:
        for path, (column, names, lines) in self.maps.items():
            yield path, column, names, lines
        for sequence, items in self.items.items():
            for index, item_column, item_names, item_lines in items.each():
                yield (*sequence, index), item_column, item_names, item_lines

    def __len__(self) -> int:
        return (
            1
            + sum(len(names) for _, _, names, _ in self._mappings())
            + sum(len(s) for s in self.sequences.values())
        )

    def to_dict(self) -> dict[Path, Position]:
        """Every position, as the full parser's `keys` dict has them."""
        out: dict[Path, Position] = {(): self.root}
        for path, column, names, lines in self._mappings():
            for name, line in zip(names, lines, strict=True):
                out[(*path, name)] = (line, column + 1)
        for path, positions in self.sequences.items():
            for index, packed in enumerate(positions):
                out[(*path, index)] = (packed >> 32, packed & 0xFFFFFFFF)
        return dict(sorted(out.items(), key=lambda kv: kv[1]))


_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {}
"""Key tuples shared between the tables of every file (most contacts have the same keys)."""


class _Open:
    """A container being filled: the column of its keys or dashes, its path, and where each of
    its keys (a mapping) or items (a sequence) starts."""

    __slots__ = ("column", "container", "is_sequence", "lines", "names", "path")

    def __init__(self, column: int, container: Any, is_sequence: bool, path: Path) -> None:
        self.column = column
        self.container = container
        self.is_sequence = is_sequence
        self.path = path
        self.names: list[str] = []
        self.lines: list[int] = []


def _table(root: Position, opened: list[_Open]) -> KeyTable:
    table = KeyTable(root)
    for frame in opened:
        if frame.is_sequence:
            table.sequences[frame.path] = array("Q", frame.lines)
        elif frame.names:
            shape = tuple(frame.names)
            shape = _SHAPES.setdefault(shape, shape) if len(_SHAPES) < 4096 else shape
            path = frame.path
            if path and isinstance(path[-1], int):  # an item of a sequence: a contact
                items = table.items.get(path[:-1])
                if items is None:
                    items = table.items[path[:-1]] = _Items()
                items.add(path[-1], frame.column, shape, frame.lines)
            else:
                table.maps[path] = (frame.column, shape, array("I", frame.lines))
    return table


def parse_simple(text: str) -> tuple[dict[str, Any], KeyTable] | None:
    """The document (a mapping) and where each key and item starts, or None: not in the subset."""
    if not _printable(text):
        return None
    if text.endswith("\n"):
        text = text[:-1]
    lines = _LINE.findall(text)
    if len(lines) != text.count("\n") + 1:
        return None  # some line is outside the subset
    resolver = _resolver()
    special = resolver.special_first
    known = resolver.cache.get
    root: dict[str, Any] = {}
    first: Position | None = None
    top = _Open(0, root, False, ())
    stack = [top]
    opened = [top]
    # The innermost mapping being filled, unpacked for the common line: another of its keys.
    target, names, key_lines, column_of_keys = root, top.names, top.lines, 0
    pending: str | None = None
    """A `key:` of `target` with nothing after it: its value is the block below, or null."""
    number = 0
    for indent, dash, key, value, item in lines:
        number += 1
        if key and not dash and pending is None and len(indent) == column_of_keys and first:
            pass  # another key of the mapping being filled
        elif not key and not item:
            continue  # blank or comment
        else:
            column = len(indent)
            if first is None:
                first = (number, column + 1)
            if pending is not None:
                if column > column_of_keys or (dash and column == column_of_keys):
                    child: Any = [] if dash else {}
                    target[pending] = child
                    frame = _Open(column, child, bool(dash), (*stack[-1].path, pending))
                    stack.append(frame)
                    opened.append(frame)
                pending = None
            while stack[-1].column > column or (
                stack[-1].column == column and stack[-1].is_sequence != bool(dash)
            ):
                stack.pop()
                if not stack:
                    return None
            top = stack[-1]
            if top.column != column:
                return None
            if dash:
                sequence: list[Any] = top.container
                item_path = (*top.path, len(sequence))
                item_column = column + len(dash)
                top.lines.append(number << 32 | (item_column + 1))
                if item:
                    scalar = _scalar(item, resolver)
                    if scalar is _EMPTY:
                        return None
                    sequence.append(scalar)
                    continue
                top = _Open(item_column, {}, False, item_path)
                sequence.append(top.container)
                stack.append(top)
                opened.append(top)
            target, names, key_lines, column_of_keys = (
                top.container,
                top.names,
                top.lines,
                top.column,
            )
        if key in target:
            return None  # a duplicate: the full parser names both lines
        names.append(key)
        key_lines.append(number)
        if not value:
            target[key] = None
            pending = key
        elif value[0] in special:
            scalar = known(value, _EMPTY)  # true, false, null... typed once per process
            if scalar is _EMPTY:
                scalar = _scalar(value, resolver)
                if scalar is _EMPTY:
                    return None
            target[key] = scalar
        else:
            target[key] = value
    if first is None:
        return None  # nothing but comments: the full parser says the file is empty
    return root, _table(first, opened)

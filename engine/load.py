"""The access repo -> DesiredState, with every problem located at path:line:col.

Reads `storegate.yaml` at the root and every `accounts/**/*.yaml|yml`. Each file is parsed once from
libyaml's event stream (engine.yaml_nodes), validated by the pydantic models of engine.model, then
the cross-file rules of engine.rules run. Every problem is collected, not just the first.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..engine import rules
from ..state.gcpause import paused_collection
from .errors import ConfigError, InputError
from .model import (
    AccountFile,
    Config,
    DesiredState,
    LoadedAccount,
    Location,
    SourceMap,
    share_field_sets,
)
from .model_problems import problems_from
from .problems import Problem, Severity
from .registry import account_file_model, config_model, with_types
from .yaml_fast import KeyTable, parse_simple
from .yaml_nodes import Path as KeyPath
from .yaml_nodes import Position, parse_yaml

CONFIG_FILE = "storegate.yaml"
ACCOUNTS_DIR = "accounts"
SUFFIXES = (".yaml", ".yml")
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILE_BYTES_ENV = "STOREGATE_MAX_FILE_BYTES"
CODE_FILE = "SG003"

Model = TypeVar("Model", bound=BaseModel)


@dataclass
class LoadResult:
    desired: DesiredState | None
    """None when any problem is an error."""
    problems: list[Problem] = field(default_factory=list)
    """Errors and warnings, sorted by path and line."""
    files: list[str] = field(default_factory=list)
    """Repo-relative paths of the files read."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


def max_file_bytes_from_env() -> int:
    raw = os.environ.get(MAX_FILE_BYTES_ENV)
    if raw is None or raw == "":
        return DEFAULT_MAX_FILE_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{MAX_FILE_BYTES_ENV} must be a positive number of bytes")
    return value


def load_repo(root: Path, *, max_file_bytes: int | None = None) -> LoadResult:
    """Load and check the whole access repo; never raises for anything in the files."""
    with paused_collection():
        return _load_repo(root, max_file_bytes)


def _load_repo(root: Path, max_file_bytes: int | None) -> LoadResult:
    limit = max_file_bytes if max_file_bytes is not None else max_file_bytes_from_env()
    reader = _Reader(root, limit)
    sources = SourceMap(nodes=Positions())
    config = reader.load(CONFIG_FILE, config_model(), sources, prepare=with_types)
    account_model = account_file_model(config)
    accounts: list[LoadedAccount] = []
    for relpath in reader.account_paths():
        file = reader.load(relpath, account_model, sources)
        if file is not None:
            share_field_sets(file)
            accounts.append(LoadedAccount(relpath, file))
    if config is not None and not reader.account_files_seen:
        reader.problems.append(
            Problem(
                CONFIG_FILE,
                1,
                1,
                f"no account files under {ACCOUNTS_DIR}/; a plan would revoke every managed contact",
                rules.CODE_NO_ACCOUNTS,
                Severity.WARNING,
            )
        )
    problems = reader.problems + rules.check_parts(config, accounts, sources, CONFIG_FILE)
    problems.sort()
    failed = any(p.severity is Severity.ERROR for p in problems)
    desired = None
    if not failed and config is not None:
        warned = [p for p in problems if p.severity is Severity.WARNING]
        desired = DesiredState(str(root), config, accounts, sources, CONFIG_FILE, warned)
    return LoadResult(desired, problems, reader.files)


def load_config(root: Path) -> Config:
    """Only storegate.yaml; raises InputError naming every problem in it."""
    reader = _Reader(root, max_file_bytes_from_env())
    config = reader.load(
        CONFIG_FILE, config_model(), SourceMap(nodes=Positions()), prepare=with_types
    )
    errors = sorted(p for p in reader.problems if p.severity is Severity.ERROR)
    if config is None or errors:
        raise InputError(errors)
    return config


NodeKey = tuple[str, KeyPath]


class Positions(dict[NodeKey, Location]):
    """SourceMap.nodes without a Location object per YAML node: each file keeps its table of
    (line, column) by key path, and a Location is made when one is asked for (`get`, `[]`, `in`).
    Entries set directly (`nodes[key] = location`) are kept too and win."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, dict[KeyPath, Position] | KeyTable] = {}

    def add_file(self, relpath: str, keys: dict[KeyPath, Position] | KeyTable) -> None:
        self.files[relpath] = keys

    def _table(self, key: NodeKey) -> Location | None:
        table = self.files.get(key[0])
        position = None if table is None else table.get(key[1])
        return None if position is None else Location(key[0], position[0], position[1])

    def get(self, key: NodeKey, default: Location | None = None) -> Location | None:  # type: ignore[override]
        found = super().get(key)
        if found is None:
            found = self._table(key)
        return default if found is None else found

    def __getitem__(self, key: NodeKey) -> Location:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        return super().__contains__(key) or self._table(key) is not None

    def __len__(self) -> int:
        return super().__len__() + sum(len(t) for t in self.files.values())


def remember_positions(
    sources: SourceMap, relpath: str, keys: dict[KeyPath, Position] | KeyTable
) -> None:
    nodes = sources.nodes
    if isinstance(nodes, Positions):
        nodes.add_file(relpath, keys)
    else:
        table = keys.to_dict() if isinstance(keys, KeyTable) else keys
        for path, (line, col) in table.items():
            nodes[(relpath, path)] = Location(relpath, line, col)


class _Reader:
    def __init__(self, root: Path, max_file_bytes: int) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.max_file_bytes = max_file_bytes
        self.problems: list[Problem] = []
        self.files: list[str] = []
        self.account_files_seen = False

    def problem(self, relpath: str, message: str, line: int = 1, col: int = 1) -> None:
        self.problems.append(Problem(relpath, line, col, message, CODE_FILE))

    def load(
        self,
        relpath: str,
        model: type[Model],
        sources: SourceMap,
        prepare: Callable[[Any], Any] | None = None,
    ) -> Model | None:
        text = self._read(relpath)
        if text is None:
            return None
        if prepare is None:
            simple = parse_simple(text)
            if simple is not None:
                data, keys = simple
                try:
                    validated = model.model_validate(data)
                except ValidationError:
                    pass  # the full parser below locates every problem
                else:
                    remember_positions(sources, relpath, keys)
                    return validated
        parsed = parse_yaml(text, relpath)
        self.problems.extend(parsed.problems)
        if parsed.data is None:
            if parsed.empty:
                self.problem(relpath, f"the file is empty; it needs {_needs(model)}")
            return None
        if not isinstance(parsed.data, dict):
            kind = "a list" if isinstance(parsed.data, list) else "a single value"
            self.problem(
                relpath, f"the top level is {kind}; it must be a mapping with {_needs(model)}"
            )
            return None
        remember_positions(sources, relpath, parsed.keys)
        data = parsed.data if prepare is None else prepare(parsed.data)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            prepared = parsed if data is parsed.data else replace(parsed, data=data)
            self.problems.extend(problems_from(exc, model, prepared, relpath))
            return None

    def account_paths(self) -> list[str]:
        accounts = self.root / ACCOUNTS_DIR
        if not accounts.exists() and not accounts.is_symlink():
            return []
        if not self._inside(accounts, ACCOUNTS_DIR):
            return []
        found: list[str] = []
        root = str(self.root)
        for dirpath, dirnames, filenames in os.walk(accounts):
            here = Path(dirpath)
            for name in list(dirnames):
                if (here / name).is_symlink():
                    # never followed (no cycles, no reading outside); one outside is an error
                    dirnames.remove(name)
                    self._inside(here / name, self._rel(here / name))
            dirnames.sort()
            folder = Path(os.path.relpath(dirpath, root)).as_posix()
            for name in sorted(filenames):
                if name.startswith(".") or not name.endswith(SUFFIXES):
                    continue
                relpath = f"{folder}/{name}"
                if os.path.islink(os.path.join(dirpath, name)) and not self._inside(
                    here / name, relpath
                ):
                    continue
                found.append(relpath)
        self.account_files_seen = bool(found)
        return sorted(found)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _inside(self, path: Path, relpath: str) -> bool:
        target = path.resolve()
        if target == self.real_root or self.real_root in target.parents:
            return True
        self.problem(
            relpath, "a symlink that leads outside the repository; copy the file in instead"
        )
        return False

    def _read(self, relpath: str) -> str | None:
        """The file's text, or None with the reason recorded as a problem."""
        full = os.path.join(self.root, relpath)
        try:
            status = os.stat(full)
        except (FileNotFoundError, NotADirectoryError):
            status = None
        path = self.root / relpath
        if status is None:
            if os.path.islink(full):
                self.problem(relpath, "a symlink to nothing; fix or delete it")
            elif relpath == CONFIG_FILE:
                where = (
                    "the repository root"
                    if self.root.is_dir()
                    else f"{self.root} (not a directory)"
                )
                self.problem(
                    relpath,
                    f"missing: there is no {CONFIG_FILE} at {where}; create one "
                    "(see examples/storegate.yaml) or point storegate at the access repo",
                )
            return None
        if os.path.islink(full) and not self._inside(path, relpath):
            return None
        if not stat.S_ISREG(status.st_mode):
            self.problem(relpath, "not a regular file")
            return None
        size = status.st_size
        if size > self.max_file_bytes:
            self.problem(
                relpath,
                f"the file is {size:,} bytes, over the {self.max_file_bytes:,}-byte limit; split it "
                f"or raise {MAX_FILE_BYTES_ENV}",
            )
            return None
        with open(full, "rb") as handle:
            data = handle.read()
        self.files.append(relpath)
        text = _decode(data)
        if isinstance(text, tuple):
            line, col, byte = text
            self.problem(
                relpath, f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8", line, col
            )
            return None
        return text


def _decode(data: bytes) -> str | tuple[int, int, int]:
    """The text, or (line, column, byte) of the first byte that is not UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return line, col, data[exc.start]


def _needs(model: type[BaseModel]) -> str:
    if model is AccountFile:
        return "'account:' and 'contacts:'"
    return "'systems:' (see examples/storegate.yaml)"

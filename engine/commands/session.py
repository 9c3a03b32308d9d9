"""What plan, apply and show share: loading the repo, opening state and providers, printing."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer

from ...providers.contract import Provider
from ...state.base import DEFAULT_REPO, StateBackend
from ...state.factory import open_backend
from ..errors import InputError
from ..load import load_repo
from ..model import DesiredState
from ..problems import Severity
from ..redact import redact
from ..registry import close_all, open_providers
from ..view import view_only


def load_desired(root: Path) -> DesiredState:
    """The validated access repo; warnings go to stderr, any error raises InputError."""
    result = load_repo(root)
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    for problem in result.problems:
        if problem.severity is Severity.WARNING:
            typer.echo(problem.format(), err=True)
    if errors or result.desired is None:
        raise InputError(errors)
    return result.desired


@dataclass
class Session:
    root: Path
    desired: DesiredState
    backend: StateBackend
    providers: dict[str, Provider]


@contextmanager
def open_session(root: Path, *, keep_models: bool = True) -> Iterator[Session]:
    """`keep_models=False`: the contacts' validated models are released once their view is made,
    for commands that read nothing else of them (plan, apply)."""
    desired = load_desired(root)
    if not keep_models:
        desired = view_only(desired)
    backend = open_backend(desired.config.state, root, desired.config.repo or DEFAULT_REPO)
    providers = open_providers(desired.config, root)
    try:
        yield Session(root, desired, backend, providers)
    finally:
        close_all(providers)


def use_color(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def echo(text: str, *, err: bool = False) -> None:
    typer.echo(redact(text), err=err, nl=not text.endswith("\n"))

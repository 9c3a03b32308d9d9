"""`storegate validate [DIR] [--format text|github]`: check the access repo, exit 1 on any error."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

import typer

from ..load import LoadResult, load_repo
from ..problems import Problem, Severity


class Format(StrEnum):
    TEXT = "text"
    GITHUB = "github"


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        directory: Path = typer.Argument(Path("."), help="The access repo (holds storegate.yaml)."),
        output_format: Format = typer.Option(
            Format.TEXT, "--format", help="text, or github for GitHub Actions annotations."
        ),
    ) -> None:
        """Check the access repo: YAML, schema and the rules. Exit 0 when valid, 1 on any error."""
        result = load_repo(directory)
        for problem in result.problems:
            shown = _shown_path(directory, problem.path)
            if output_format is Format.GITHUB:
                typer.echo(github_annotation(problem, shown))
            else:
                typer.echo(_text_line(problem, shown))
        typer.echo(summary(result))
        if result.errors:
            # SystemExit, not typer.Exit: cli.main runs the app with standalone_mode=False, where
            # click turns typer.Exit into a return value that main() does not pass on.
            raise SystemExit(1)


def _shown_path(directory: Path, relpath: str) -> str:
    """The file as seen from the working directory: what editors and GitHub resolve."""
    full = directory / relpath
    if full.is_absolute():
        try:
            return full.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return full.as_posix()
    return Path(os.path.normpath(full)).as_posix()


def _text_line(problem: Problem, shown: str) -> str:
    tag = "error" if problem.severity is Severity.ERROR else "warning"
    return f"{shown}:{problem.line}:{problem.col}: {tag}: {problem.message} [{problem.code}]"


def github_annotation(problem: Problem, shown: str) -> str:
    """A workflow command: `::error file=…,line=…,col=…,title=…::message`."""
    command = "error" if problem.severity is Severity.ERROR else "warning"
    properties = ",".join(
        (
            f"file={_escape_property(shown)}",
            f"line={problem.line}",
            f"col={problem.col}",
            f"title={_escape_property(f'storegate {problem.code}')}",
        )
    )
    return f"::{command} {properties}::{_escape_data(problem.message)}"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def summary(result: LoadResult) -> str:
    errors, warnings = len(result.errors), len(result.warnings)
    files = f"{len(result.files)} file{'s' if len(result.files) != 1 else ''}"
    counts = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    if result.desired is not None:
        accounts = len(result.desired.accounts)
        contacts = sum(len(a.file.contacts) for a in result.desired.accounts)
        return f"valid: {files}, {accounts} accounts, {contacts} contacts ({counts})"
    return f"invalid: {files} read ({counts})"

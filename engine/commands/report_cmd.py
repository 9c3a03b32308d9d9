"""`storegate report [DIR] --out OUT`: the static HTML access report (see engine/report)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from ...state.base import DEFAULT_REPO
from ...state.factory import open_backend
from ..ownership import check_identity
from ..plan import Plan, load_plan
from ..report import gather_report, write_report
from .plan_cmd import plan_in
from .session import echo, load_desired, open_session


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        directory: Path = typer.Argument(
            Path("."), metavar="DIR", help="The access repo (holds storegate.yaml)."
        ),
        out: Path = typer.Option(
            ...,
            "--out",
            "-o",
            metavar="OUT",
            help="Directory to write index.html and the pages to.",
        ),
        plan_file: Path | None = typer.Option(
            None,
            "--plan",
            metavar="PLAN",
            help="Use this saved plan for what the live systems hold (drift, unmanaged access) "
            "instead of reading them.",
        ),
        live: bool = typer.Option(
            True,
            "--live/--no-live",
            help="Read the live systems for unmanaged access and pending changes (default), or "
            "report from the repo and state alone.",
        ),
    ) -> None:
        """Write a static HTML access report: one page per account and an index."""
        desired = load_desired(directory)
        backend = open_backend(desired.config.state, directory, desired.config.repo or DEFAULT_REPO)
        state = backend.read()
        check_identity(desired.config.repo, state)
        plan: Plan | None = None
        if plan_file is not None:
            plan = load_plan(plan_file)
        elif live:
            with open_session(directory) as session:
                plan = plan_in(session)
        generated = datetime.now(UTC).isoformat(timespec="seconds")
        made = gather_report(desired, state, backend.history(), plan, generated)
        written = write_report(made, out)
        echo(f"Wrote the access report: {out / 'index.html'} and {len(written) - 1} account pages")

"""`storegate plan [DIR]`: read the live systems, show the difference, optionally save it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

import typer

from ...state.gcpause import paused_collection
from ..manual import overdue
from ..plan import Plan, save_plan
from ..planner import make_plan
from ..progress import read_progress
from ..render import render
from ..targeting import narrow, parse_targets
from .options import DETAILED_EXITCODE, NO_COLOR, TARGET
from .session import Session, echo, open_session, use_color


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    github = "github"


def plan_in(session: Session, targets: Sequence[str] = ()) -> Plan:
    """The plan of the session's repo against its state, narrowed to `targets` if any."""
    desired = session.desired
    chosen = parse_targets(targets, (a.file.account.name for a in desired.accounts))
    # The plan's records, indexes and changes are acyclic: no cyclic collection while it is built.
    with read_progress(session.providers) as progress, paused_collection():
        made = make_plan(desired, session.backend.read(), session.providers, progress=progress)
    return narrow(made, chosen, desired.config.safety)


def register(app: typer.Typer) -> None:
    @app.command()
    def plan(
        directory: Path = typer.Argument(
            Path("."), metavar="DIR", help="The access repo (holds storegate.yaml)."
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", metavar="FILE", help="Save the plan for `storegate apply FILE`."
        ),
        fmt: Format = typer.Option(
            Format.text, "--format", help="What to print: text, markdown, json or github."
        ),
        target: list[str] = TARGET,
        detailed_exitcode: bool = DETAILED_EXITCODE,
        manual_grace_hours: float = typer.Option(
            0.0,
            "--manual-grace-hours",
            min=0,
            metavar="HOURS",
            help="With --detailed-exitcode: manual steps pending for less than this long do not "
            "count as changes (the drift job gives a person this long to do them).",
        ),
        no_color: bool = NO_COLOR,
    ) -> None:
        """Show what apply would change in the live systems."""
        with open_session(directory, keep_models=False) as session:
            made = plan_in(session, target)
        if out is not None:
            save_plan(made, out)
        echo(render(made, fmt.value, color=use_color(no_color)))
        if out is not None:
            echo(f"Saved the plan to {out}; apply it with: storegate apply {out}", err=True)
        if detailed_exitcode and overdue(made.changes, manual_grace_hours):
            raise typer.Exit(2)

"""`storegate plan`: read the live systems, show the difference, optionally save it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from storegate.engine.commands.session import Session, echo, open_session, use_color
from storegate.engine.plan import Plan, save_plan
from storegate.engine.planner import make_plan
from storegate.engine.render import render


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    github = "github"


def plan_in(session: Session) -> Plan:
    return make_plan(session.desired, session.backend.read(), session.providers)


def register(app: typer.Typer) -> None:
    @app.command()
    def plan(
        directory: Path = typer.Argument(Path("."), help="The access repo (holds storegate.yaml)."),
        out: Path | None = typer.Option(None, "--out", "-o", help="Save the plan for `apply`."),
        fmt: Format = typer.Option(Format.text, "--format", help="What to print."),
        detailed_exitcode: bool = typer.Option(
            False, "--detailed-exitcode", help="Exit 0 with no changes, 2 with changes, 1 on error."
        ),
        no_color: bool = typer.Option(False, "--no-color"),
    ) -> None:
        """Show what apply would change in the live systems."""
        with open_session(directory) as session:
            made = plan_in(session)
        if out is not None:
            save_plan(made, out)
        echo(render(made, fmt.value, color=use_color(no_color)))
        if out is not None:
            echo(f"Saved the plan to {out}; apply it with: storegate apply {out}", err=True)
        if detailed_exitcode and not made.empty:
            raise typer.Exit(2)

"""`storegate show PLAN`: render a saved plan."""

from __future__ import annotations

from pathlib import Path

import typer

from ..plan import load_plan
from ..render import render
from .options import NO_COLOR
from .plan_cmd import Format
from .session import echo, use_color


def register(app: typer.Typer) -> None:
    @app.command()
    def show(
        plan_file: Path = typer.Argument(
            ..., metavar="PLAN", help="A plan saved by `storegate plan --out`."
        ),
        fmt: Format = typer.Option(
            Format.text, "--format", help="What to print: text, markdown, json or github."
        ),
        no_color: bool = NO_COLOR,
    ) -> None:
        """Print a saved plan (checksum verified)."""
        echo(render(load_plan(plan_file), fmt.value, color=use_color(no_color)))

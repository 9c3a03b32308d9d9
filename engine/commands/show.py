"""`storegate show PLAN`: render a saved plan."""

from __future__ import annotations

from pathlib import Path

import typer

from storegate.engine.commands.options import NO_COLOR
from storegate.engine.commands.plan_cmd import Format
from storegate.engine.commands.session import echo, use_color
from storegate.engine.plan import load_plan
from storegate.engine.render import render


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

"""`storegate sandbox serve|seed`: run the local emulators of the live systems and load data."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import typer
import yaml

from ..errors import ConfigError

DEFAULT_DIR = Path(".storegate-sandbox")

sandbox_app = typer.Typer(
    name="sandbox",
    help="Local emulators of Salesforce and the store platforms (HTTPS on 127.0.0.1).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@sandbox_app.command("serve")
def serve(
    port: int = typer.Option(8443, "--port", help="Port on 127.0.0.1 (0 picks a free one)."),
    directory: Path = typer.Option(
        DEFAULT_DIR, "--dir", help="Where the data, CA, keys and env file live."
    ),
) -> None:
    """Serve the emulators until interrupted (Ctrl-C or SIGTERM)."""
    from ...sandbox.server import Sandbox

    sandbox = Sandbox(directory, port=port)
    try:
        sandbox.start()
    except OSError as exc:
        sandbox.close()
        raise ConfigError(
            f"--port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); "
            "choose another port or --port 0"
        ) from exc
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    typer.echo(f"sandbox serving at {sandbox.url} ({', '.join(sandbox.systems)})")
    typer.echo(f"env file: {sandbox.env_path}  (load it with: . {sandbox.env_path})")
    typer.echo(f"CA certificate: {sandbox.ca_path}")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.close()
    typer.echo("sandbox stopped")


@sandbox_app.command("seed")
def seed(
    file: Path = typer.Argument(..., help="Seed document (YAML or JSON)."),
    directory: Path = typer.Option(DEFAULT_DIR, "--dir", help="The sandbox directory to load."),
) -> None:
    """Load records from a seed file into the sandbox (running or not)."""
    from ...sandbox.seed import SeedError, load_seed

    data = _read_seed(file)
    try:
        counts = load_seed(directory, data)
    except SeedError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
    for system, per_type in counts.items():
        summary = ", ".join(f"{count} {type_}" for type_, count in per_type.items())
        typer.echo(f"seeded {system}: {summary or 'nothing'}")


def _read_seed(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the seed file ({exc.strerror or exc})") from exc
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{file}{where}: not valid YAML or JSON; fix the syntax") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: a seed is a mapping with 'salesforce' and/or 'bigcommerce'")
    return data


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")

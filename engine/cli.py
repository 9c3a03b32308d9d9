"""The `storegate` command: thin. Each command lives in engine/commands/ and registers itself."""

from __future__ import annotations

import signal
import sys
from importlib.metadata import PackageNotFoundError, version

import typer

from .commands import (
    apply_cmd,
    confirm_cmd,
    demo,
    import_cmd,
    plan_cmd,
    report_cmd,
    sandbox_cmd,
    schema_cmd,
    show,
    state_cmd,
    validate,
)
from .errors import StoregateError
from .interrupts import Interrupted, handling_interrupts
from .redact import redact

CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="storegate",
    help="Declare who may buy in your B2B stores; plan and apply it like Terraform.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
    # Plain help: rich's panels print `<bool>` after every flag, which takes no value.
    rich_markup_mode=None,
)


def storegate_version() -> str:
    try:
        return version("storegate")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"storegate {storegate_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print storegate's version and exit.",
    ),
) -> None:
    """Declare who may buy in your B2B stores; plan and apply it like Terraform."""


for module in (
    validate,
    schema_cmd,
    plan_cmd,
    apply_cmd,
    confirm_cmd,
    import_cmd,
    show,
    report_cmd,
    state_cmd,
    sandbox_cmd,
    demo,
):
    module.register(app)


def main() -> None:
    """Console entry point: one clean line on stderr for every storegate error, never a traceback;
    SIGINT and SIGTERM handled as engine.interrupts says (exit 130 and 143)."""
    with handling_interrupts(lambda text: typer.echo(text, err=True)):
        code = _run()
    sys.exit(code)


def _run() -> int:
    try:
        # Without standalone mode click hands back the exit code of typer.Exit instead of exiting.
        code = app(standalone_mode=False)
    except StoregateError as exc:
        typer.echo(redact(f"error: {exc}"), err=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Interrupted as exc:
        typer.echo(
            f"{signal.Signals(exc.signum).name}: stopped at once. The state holds every batch "
            "saved before it; `storegate plan` shows what is left.",
            err=True,
        )
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        typer.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    return code if isinstance(code, int) else 0

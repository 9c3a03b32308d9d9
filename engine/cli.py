"""The `storegate` command: thin. Each command lives in engine/commands/ and registers itself."""

from __future__ import annotations

import sys

import typer

from storegate.engine.commands import (
    apply_cmd,
    confirm_cmd,
    demo,
    import_cmd,
    plan_cmd,
    sandbox_cmd,
    schema_cmd,
    show,
    state_cmd,
    validate,
)
from storegate.engine.errors import StoregateError
from storegate.engine.redact import redact

app = typer.Typer(
    name="storegate",
    help="Declare who may buy in your B2B stores; plan and apply it like Terraform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (
    validate,
    schema_cmd,
    plan_cmd,
    apply_cmd,
    confirm_cmd,
    import_cmd,
    show,
    state_cmd,
    sandbox_cmd,
    demo,
):
    module.register(app)


def main() -> None:
    """Console entry point: one clean line on stderr for every storegate error, never a traceback."""
    try:
        # Without standalone mode click hands back the exit code of typer.Exit instead of exiting.
        code = app(standalone_mode=False)
    except StoregateError as exc:
        typer.echo(redact(f"error: {exc}"), err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)

"""Options several commands share, each with its help text (and no `<bool>` on flags)."""

from __future__ import annotations

from typing import Any

import typer

TARGET: Any = typer.Option(
    [],
    "--target",
    metavar="ADDRESS|ACCOUNT",
    help='Only this record (system.kind["key"]), account (its name) or contact (an email), and '
    "the changes it depends on; repeat for more. For exceptions, not routine work.",
)
DETAILED_EXITCODE: Any = typer.Option(
    False, "--detailed-exitcode", help="Exit 0 with no changes, 2 with changes, 1 on error."
)
NO_COLOR: Any = typer.Option(
    False, "--no-color", help="Plain text without colours (also when NO_COLOR is set)."
)
LOCK_TIMEOUT: Any = typer.Option(
    30.0, "--lock-timeout", min=0, metavar="SECONDS", help="Seconds to wait for the lock."
)

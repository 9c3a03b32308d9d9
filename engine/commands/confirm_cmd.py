"""`storegate confirm ADDRESS [--note TEXT]`: a person did a manual step; record who, when and why.

The step stops showing in plans (and stops counting in `--detailed-exitcode` and the drift job) from
the next plan on; state keeps the confirmation, and the history says who confirmed it.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from ...state.base import DEFAULT_REPO, HistoryEntry
from ...state.factory import open_backend
from ...state.history import new_apply_id, provenance
from ..load import load_config
from ..manual import confirm
from .session import echo


def register(app: typer.Typer) -> None:
    @app.command("confirm")
    def confirm_step(
        address: str = typer.Argument(
            ..., metavar="ADDRESS", help="The step's address, as the plan prints it."
        ),
        note: str | None = typer.Option(None, "--note", help="What was done, for the record."),
        by: str | None = typer.Option(
            None, "--by", help="Who did it (default: CI's actor, else git's user.email, else you)."
        ),
        directory: Path = typer.Option(Path("."), "--dir", help="The access repo."),
        lock_timeout: float = typer.Option(
            30.0, "--lock-timeout", min=0, help="Seconds to wait for a running apply's lock."
        ),
    ) -> None:
        """Record that a manual step the plan lists was done by a person."""
        config = load_config(directory)
        backend = open_backend(config.state, directory, config.repo or DEFAULT_REPO)
        origin = provenance(directory)
        who = by or origin.author or getpass.getuser()
        lock = backend.lock("confirm", lock_timeout)
        try:
            document = backend.read()
            step = confirm(document, address.strip(), who, note)
            entry = HistoryEntry(
                apply_id=new_apply_id(),
                address=address.strip(),
                action="confirm",
                result="ok",
                after={k: v for k, v in step.items() if k != "after"},
                commit=origin.commit,
                author=who,
            )
            backend.write(document, document.serial, history=[entry])
        finally:
            backend.unlock(lock.id)
        echo(f"confirmed {address.strip()} by {who}" + (f": {note}" if note else ""))

"""`storegate state list|show|rm|unlock`: inspect and edit what storegate manages.

`rm` forgets resources without touching the live systems (Terraform's `removed`): the contact keeps
whatever access it has, and storegate stops planning changes for it.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import typer

from storegate.engine.errors import StateError
from storegate.engine.load import load_config
from storegate.state.base import ResourceState, StateBackend, StateDocument
from storegate.state.factory import open_backend, state_path

DIR_HELP = "The access repo (holds storegate.yaml)."


def register(app: typer.Typer) -> None:
    state_app = typer.Typer(
        name="state",
        help="Inspect what storegate manages; forget a resource; release a stuck lock.",
        no_args_is_help=True,
    )
    app.add_typer(state_app)

    @state_app.command("list")
    def list_resources(
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
    ) -> None:
        """Every managed resource's address, one a line."""
        backend, where = _open(directory)
        document = backend.read()
        for address in sorted(document.resources):
            typer.echo(address)
        if not document.resources:
            typer.echo(f"{where} manages nothing yet", err=True)

    @state_app.command("show")
    def show(
        address: str = typer.Argument(
            ..., metavar="ADDR", help="As `storegate state list` prints."
        ),
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
    ) -> None:
        """One managed resource: its system, remote id, account and what storegate recorded."""
        backend, where = _open(directory)
        document = backend.read()
        typer.echo(describe(document.resources[find(document, address, where)]))

    @state_app.command("rm")
    def remove(
        addresses: list[str] = typer.Argument(
            ..., metavar="ADDR...", help="As `storegate state list` prints."
        ),
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
        lock_timeout: float = typer.Option(
            0.0, "--lock-timeout", min=0, help="Seconds to wait for a running apply's lock."
        ),
    ) -> None:
        """Forget resources without revoking anything: storegate stops managing them."""
        backend, where = _open(directory)
        lock = backend.lock("state rm", lock_timeout)
        try:
            document = backend.read()
            found = [find(document, address, where) for address in addresses]
            for address in found:
                document.resources.pop(address, None)
            backend.write(document, document.serial)
        finally:
            backend.unlock(lock.id)
        for address in dict.fromkeys(found):
            typer.echo(
                f"storegate no longer manages {address}; nothing was changed in the live systems"
            )

    @state_app.command("unlock")
    def unlock(
        lock_id: str = typer.Argument(..., metavar="ID", help="The id the lock error names."),
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
    ) -> None:
        """Release a lock left by an apply that is no longer running."""
        backend, where = _open(directory)
        backend.unlock(lock_id)
        typer.echo(f"released lock {lock_id} on {where}")


def _open(directory: Path) -> tuple[StateBackend, str]:
    config = load_config(directory)
    return open_backend(config.state, directory), str(state_path(config.state, directory))


def find(document: StateDocument, address: str, where: str) -> str:
    """The stored address `address` names: exactly, else the one that matches ignoring case
    (emails in addresses are case-insensitive identities)."""
    if address in document.resources:
        return address
    folded = [a for a in document.resources if a.casefold() == address.casefold()]
    if len(folded) == 1:
        return folded[0]
    close = difflib.get_close_matches(address, list(document.resources), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise StateError(
        f"{address} is not in the state at {where}; {hint}`storegate state list` shows what is"
    )


def describe(resource: ResourceState) -> str:
    lines = [
        f"address:  {resource.address}",
        f"system:   {resource.system}",
        f"kind:     {resource.kind}",
        f"key:      {resource.key}",
        f"id:       {resource.id if resource.id is not None else '(none yet)'}",
        f"account:  {resource.account}",
    ]
    if resource.attributes:
        lines.append("attributes:")
        lines.extend(
            f"  {name}: {json.dumps(value, ensure_ascii=False, default=str)}"
            for name, value in sorted(resource.attributes.items())
        )
    return "\n".join(lines)

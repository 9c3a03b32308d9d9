"""`storegate state list|show|rm|unlock|history|migrate`: inspect and edit what storegate manages.

`rm` forgets resources without touching the live systems (Terraform's `removed`): the contact keeps
whatever access it has, and storegate stops planning changes for it. `history` answers "who changed
this and when"; `migrate` moves the state (and its history) to another backend.
"""

from __future__ import annotations

import difflib
import json
from enum import StrEnum
from pathlib import Path

import typer

from ...state.base import DEFAULT_REPO, ResourceState, StateBackend, StateDocument, canonical_time
from ...state.factory import open_backend
from ...state.migrate import migrate
from ..errors import StateError
from ..load import load_config
from ..model import ENV_REF, Config, LocalState, PostgresState
from .state_history import render_json, render_text

DIR_HELP = "The access repo (holds storegate.yaml)."


class HistoryFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class BackendType(StrEnum):
    LOCAL = "local"
    POSTGRES = "postgres"


SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def register(app: typer.Typer) -> None:
    state_app = typer.Typer(
        name="state",
        help="Inspect what storegate manages; forget a resource; release a stuck lock.",
        no_args_is_help=True,
        rich_markup_mode=None,
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

    @state_app.command("backend")
    def backend(
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
    ) -> None:
        """Which backend storegate.yaml names: `local PATH` or `postgres` (for the workflow's
        state-branch step, which carries only a local state file)."""
        config = load_config(directory)
        if isinstance(config.state, LocalState):
            typer.echo(f"local {config.state.path}")
        else:
            typer.echo(config.state.type)

    @state_app.command("unlock")
    def unlock(
        lock_id: str = typer.Argument(..., metavar="ID", help="The id the lock error names."),
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
    ) -> None:
        """Release a lock left by an apply that is no longer running."""
        backend, where = _open(directory)
        backend.unlock(lock_id)
        typer.echo(f"released lock {lock_id} on {where}")

    @state_app.command("history")
    def history(
        address: str | None = typer.Argument(
            None, metavar="ADDR", help="Only this resource (and the receipts of its applies)."
        ),
        since: str | None = typer.Option(
            None, "--since", help="Only entries at or after this ISO 8601 time (UTC if no zone)."
        ),
        output: HistoryFormat = typer.Option(
            HistoryFormat.TEXT, "--format", help="text for people, json for tools."
        ),
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
    ) -> None:
        """Every change apply made: when, what, the result, and the commit and author."""
        if since is not None:
            try:
                canonical_time(since)
            except ValueError:
                raise typer.BadParameter(
                    f"{since!r} is not an ISO 8601 time, e.g. 2026-01-31 or 2026-01-31T09:00:00Z",
                    param_hint="--since",
                ) from None
        backend, where = _open(directory)
        entries = backend.history(address, since)
        if output is HistoryFormat.JSON:
            typer.echo(render_json(entries), nl=False)
        else:
            typer.echo(render_text(entries), nl=False)
        if not entries:
            scope = f" for {address}" if address else ""
            typer.echo(f"{where} has no history{scope} yet", err=True)

    @state_app.command("migrate")
    def migrate_state(
        to: BackendType = typer.Option(..., "--to", help="The backend to copy the state to."),
        path: str | None = typer.Option(
            None, "--path", help="--to local: the state file (relative to --dir)."
        ),
        dsn: str | None = typer.Option(
            None, "--dsn", help="--to postgres: env:NAME of the variable holding the DSN."
        ),
        sslmode: str | None = typer.Option(None, "--sslmode", help="--to postgres: libpq sslmode."),
        sslrootcert: str | None = typer.Option(
            None, "--sslrootcert", help="--to postgres: CA file the server must chain to."
        ),
        directory: Path = typer.Option(Path("."), "--dir", help=DIR_HELP),
        lock_timeout: float = typer.Option(
            0.0, "--lock-timeout", min=0, help="Seconds to wait for each backend's lock."
        ),
    ) -> None:
        """Copy the state and its history to another backend, under both backends' locks."""
        target_config = _target_config(to, path, dsn, sslmode, sslrootcert)
        config = load_config(directory)
        source = open_backend(config.state, directory, _repo(config))
        target = open_backend(target_config, directory, _repo(config))
        done = migrate(source, target, lock_timeout)
        typer.echo(
            f"copied state lineage {done.lineage} (serial {done.serial}, {done.resources} "
            f"resources) and {done.history_entries} history entries from {source.describe()} "
            f"to {target.describe()}"
        )
        typer.echo(
            f"next: set `state:` in storegate.yaml to "
            f"{json.dumps(target_config.model_dump(exclude_none=True, exclude_defaults=False))}; "
            f"the old state stays where it was until you remove it"
        )


def _target_config(
    to: BackendType,
    path: str | None,
    dsn: str | None,
    sslmode: str | None,
    sslrootcert: str | None,
) -> LocalState | PostgresState:
    if to is BackendType.LOCAL:
        if dsn is not None or sslmode is not None or sslrootcert is not None:
            raise typer.BadParameter("--dsn, --sslmode and --sslrootcert go with --to postgres")
        return LocalState() if path is None else LocalState(path=path)
    if path is not None:
        raise typer.BadParameter("--path goes with --to local", param_hint="--path")
    if dsn is None or not ENV_REF.match(dsn):
        raise typer.BadParameter(
            "--to postgres needs --dsn env:NAME, the environment variable holding the connection "
            "string (never the string itself: it holds the password)",
            param_hint="--dsn",
        )
    if sslmode is not None and sslmode not in SSLMODES:
        raise typer.BadParameter(f"one of {', '.join(SSLMODES)}", param_hint="--sslmode")
    return PostgresState.model_validate(
        {"type": "postgres", "dsn": dsn, "sslmode": sslmode, "sslrootcert": sslrootcert}
    )


def _repo(config: Config) -> str:
    return config.repo or DEFAULT_REPO


def _open(directory: Path) -> tuple[StateBackend, str]:
    config = load_config(directory)
    backend = open_backend(config.state, directory, _repo(config))
    return backend, backend.describe()


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

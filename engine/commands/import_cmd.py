"""`storegate import [DIR] [--account NAME]...`: adopt an existing org.

Writes an account file for every account the CRM holds that no file declares (or the named ones),
records the live records those files declare in state, and shows the plan that follows: empty when
the live systems agree with each other, else exactly where they do not.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from ...providers.contract import LiveRecord, Scope
from ..apply import apply_plan
from ..errors import ConfigError, InputError
from ..importer import gather, write_files
from ..load import ACCOUNTS_DIR
from ..ownership import check_identity
from ..planner import make_plan
from ..render.values import summary_line
from .session import echo, load_desired, open_session


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        directory: Path = typer.Argument(Path("."), help="The access repo (holds storegate.yaml)."),
        accounts: list[str] = typer.Option(
            [], "--account", help="Import only this account (repeat for more); default: all."
        ),
        lock_timeout: float = typer.Option(
            30.0, "--lock-timeout", min=0, help="Seconds to wait for a running apply's lock."
        ),
    ) -> None:
        """Write account files from the live systems and adopt their records in state."""
        with open_session(directory) as session:
            state = session.backend.read()
            check_identity(session.desired.config.repo, state)
            systems = {name: p.info() for name, p in session.providers.items()}
            crm = next((s.name for s in systems.values() if s.holds_ids_of_stores), None)
            if crm is None:
                raise ConfigError(
                    "storegate import needs a CRM system (one that holds the contacts) to read"
                )
            for provider in session.providers.values():
                provider.check()
            live: list[LiveRecord] = []
            for provider in session.providers.values():
                live.extend(provider.read(Scope(full=True)))
            declared = {loaded.file.account.name for loaded in session.desired.accounts}
            wanted = set(accounts) or None
            found = gather(live, systems, declared, wanted)
            missing = sorted((wanted or set()) - {a.account.key for a in found} - declared)
            if missing:
                raise ConfigError(f"no such account in {crm}: {', '.join(missing)}")
            written = write_files(directory / ACCOUNTS_DIR, found, crm)
            for name, path in written:
                echo(f"wrote {path.relative_to(directory)} ({name})")
            try:
                desired = load_desired(directory)
            except InputError:
                echo(
                    "The files are written, but the repo does not validate yet (see above): fix "
                    "it, then run `storegate import` again to adopt the records in state.",
                    err=True,
                )
                raise
            lock = session.backend.lock("import", lock_timeout)
            try:
                state = session.backend.read()
                try:
                    plan = make_plan(desired, state, session.providers)
                except InputError:
                    echo(
                        "The files are written, but the live values need settings storegate.yaml "
                        "lacks (see below): add them, then run `storegate import` again to adopt "
                        "the records in state.",
                        err=True,
                    )
                    raise
                # Only what already holds live is recorded as settled; the rest stays a change.
                changed = {str(c.address) for c in plan.changes}
                settled = tuple((a, t) for a, t in plan.targets if a not in changed)
                adopted = replace(plan, changes=(), targets=settled)
                apply_plan(adopted, session.backend, state, session.providers)
            finally:
                session.backend.unlock(lock.id)
        echo(f"storegate now manages {len(plan.managed)} live records.")
        echo(summary_line(plan))
        if not plan.empty:
            echo(
                "The live systems disagree with each other on the records above; "
                "`storegate plan` shows them and `storegate apply` settles them."
            )

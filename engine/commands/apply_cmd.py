"""`storegate apply`: converge the live systems, from a saved plan or a fresh one."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import Progress

from storegate.engine.apply import ApplyOutcome, Provenance, apply_plan, check_fresh
from storegate.engine.apply import Progress as ProgressCallback
from storegate.engine.commands.plan_cmd import plan_in
from storegate.engine.commands.session import Session, echo, open_session, use_color
from storegate.engine.errors import SafetyRefused, StalePlan, StoregateError
from storegate.engine.ownership import check_identity
from storegate.engine.plan import Plan, load_plan, plan_checksum
from storegate.engine.planner import EMPTY_STATE
from storegate.engine.receipt import Receipt, revocations, verify_revocations
from storegate.engine.render import render
from storegate.engine.safety import assess, enforce
from storegate.state.base import HistoryEntry
from storegate.state.history import new_apply_id, provenance

RECEIPTS = Path(".storegate") / "receipts"


def register(app: typer.Typer) -> None:
    @app.command()
    def apply(
        plan_file: Path | None = typer.Argument(
            None, help="A plan saved by `storegate plan --out`."
        ),
        directory: Path = typer.Option(Path("."), "--dir", help="The access repo."),
        auto_approve: bool = typer.Option(False, "--auto-approve", help="Do not ask for yes."),
        allow_mass_revoke: bool = typer.Option(
            False, "--allow-mass-revoke", help="Go past the safety policy's revocation limits."
        ),
        allow_empty_state: bool = typer.Option(
            False,
            "--allow-empty-state",
            help="Apply although the state is empty while the records the repo declares exist "
            "live (a first apply on an existing org, or a lost state).",
        ),
        lock_timeout: float = typer.Option(
            30.0, "--lock-timeout", help="Seconds to wait for the lock."
        ),
        no_color: bool = typer.Option(False, "--no-color"),
    ) -> None:
        """Make the live systems match the access repo (or exactly a saved plan)."""
        saved = load_plan(plan_file) if plan_file is not None else None
        if saved is None and not auto_approve and not sys.stdin.isatty():
            raise StoregateError(
                "refusing to apply without a saved plan or --auto-approve when not on a terminal"
            )
        color = use_color(no_color)
        with open_session(directory) as session:
            lock = session.backend.lock("apply", lock_timeout)
            try:
                code = _apply(
                    session, saved, auto_approve, allow_mass_revoke, allow_empty_state, color
                )
            finally:
                session.backend.unlock(lock.id)
        raise typer.Exit(code)


def _apply(
    session: Session,
    saved: Plan | None,
    auto_approve: bool,
    allow_mass_revoke: bool,
    allow_empty_state: bool,
    color: bool,
) -> int:
    state = session.backend.read()
    check_identity(session.desired.config.repo, state)
    if saved is not None:
        for provider in session.providers.values():
            provider.check()
        check_fresh(saved, state, session.providers)
        plan = saved
    else:
        plan = plan_in(session)
        if plan.serial != state.serial:
            raise StalePlan("the state changed while planning; re-run apply")
        echo(render(plan, "text", color=color))
        if plan.empty and not plan.managed:
            return 0
        if not plan.empty and not auto_approve and not typer.confirm("Apply these changes?"):
            echo("Apply cancelled; nothing was changed.")
            return 1
    if not allow_empty_state and any(w.code == EMPTY_STATE for w in plan.warnings):
        raise SafetyRefused(
            "the state is empty but the records this repo declares already exist live (a first "
            "apply on an existing org, or a lost state); pass --allow-empty-state to take them "
            "over, or run `storegate import` first"
        )
    enforce(assess(plan, session.desired.config.safety), allow_mass_revoke)
    origin = provenance(session.root)
    who = Provenance(new_apply_id(), plan_checksum(plan), origin.commit, origin.author)
    with _progress(len(plan.changes), color) as advance:
        outcome = apply_plan(plan, session.backend, state, session.providers, advance, who)
    receipt = verify_revocations(
        revocations(plan.changes, set(outcome.succeeded)),
        session.providers,
        session.root / RECEIPTS,
    )
    if receipt.path is not None:
        _record_receipt(session, receipt, who)
    _report(plan, outcome, receipt)
    return 0 if not outcome.failed and receipt.ok else 1


def _record_receipt(session: Session, receipt: Receipt, who: Provenance) -> None:
    """The receipt joins the apply's history, beside the changes it proves."""
    assert receipt.path is not None
    body = json.loads(receipt.path.read_text(encoding="utf-8"))
    entry = HistoryEntry.for_receipt(
        who.apply_id,
        body,
        verified=receipt.ok,
        plan_checksum=who.plan_checksum,
        commit=who.commit,
        author=who.author,
    )
    state = session.backend.read()
    session.backend.write(state, state.serial, [entry])


@contextmanager
def _progress(total: int, color: bool) -> Iterator[ProgressCallback | None]:
    if not color or total < 20:
        yield None
        return
    with Progress(transient=True) as bar:
        task = bar.add_task("Applying", total=total)
        yield lambda n: bar.advance(task, n)


def _report(plan: Plan, outcome: ApplyOutcome, receipt: Receipt) -> None:
    changes = plan.by_id()
    for change_id, error in sorted(outcome.failed.items()):
        change = changes.get(change_id)
        label = f"{change.action.value} {change.address}" if change else change_id
        echo(f"failed: {label}: {error}", err=True)
    done = len(outcome.succeeded)
    failed = len([r for r in outcome.results.values() if not r.ok])
    echo(
        f"Apply complete: {done} succeeded, {failed} failed, {len(outcome.skipped)} skipped."
        if plan.changes
        else "No changes. State records what storegate manages."
    )
    if receipt.path is not None:
        verdict = "all revocations verified" if receipt.ok else "REVOCATION NOT COMPLETE"
        echo(f"Revocation receipt ({verdict}): {receipt.path}")
        for check in receipt.failures:
            echo(
                f"not revoked: {check.address} in {check.system}: {check.what}: expected "
                f"{check.expected!r}, saw {check.seen!r}",
                err=True,
            )

"""`storegate apply [DIR|PLAN]`: converge the live systems, from a saved plan or a fresh one.

`storegate apply` and `storegate apply DIR` plan the access repo in DIR (default: here) and apply
that plan; `storegate apply PLAN` applies exactly a plan saved by `storegate plan --out PLAN` (the
access repo is `--dir`, default here).
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from ...state.base import HistoryEntry, StateDocument
from ...state.history import new_apply_id, provenance
from ..apply import ApplyOutcome, Provenance, apply_plan, check_fresh
from ..errors import ConfigError, SafetyRefused, StalePlan, StoregateError
from ..interrupts import current, exit_code
from ..ownership import check_identity
from ..plan import Change, Plan, load_plan, plan_checksum
from ..planner import EMPTY_STATE
from ..progress import apply_progress
from ..receipt import Receipt, revocations, verify_revocations
from ..render import render
from ..safety import SafetyReport, assess, enforce
from ..targeting import TARGETED
from .options import LOCK_TIMEOUT, NO_COLOR, TARGET
from .plan_cmd import plan_in
from .session import Session, echo, open_session, use_color

RECEIPTS = Path(".storegate") / "receipts"
SHOWN = 20
"""Changes listed by name in the report of an interrupted apply, per list."""
APPROVAL_ADDRESS = "safety"
APPROVAL_ACTION = "allow-mass-revoke"


def register(app: typer.Typer) -> None:
    @app.command()
    def apply(
        path: Path | None = typer.Argument(
            None,
            metavar="DIR|PLAN",
            help="The access repo to plan and apply (default: here), or a plan saved by "
            "`storegate plan --out PLAN` to apply exactly.",
        ),
        directory: Path | None = typer.Option(
            None,
            "--dir",
            metavar="DIR",
            help="The access repo a saved plan belongs to (default: here).",
        ),
        target: list[str] = TARGET,
        auto_approve: bool = typer.Option(
            False, "--auto-approve", help="Do not ask for yes before applying a fresh plan."
        ),
        allow_mass_revoke: bool = typer.Option(
            False,
            "--allow-mass-revoke",
            help="Go past the safety policy's revocation limits (recorded in the history).",
        ),
        approved_by: str | None = typer.Option(
            None,
            "--approved-by",
            metavar="WHO",
            help="Who approved going past the safety policy, for the history "
            "(default: STOREGATE_APPROVED_BY).",
            envvar="STOREGATE_APPROVED_BY",
        ),
        allow_empty_state: bool = typer.Option(
            False,
            "--allow-empty-state",
            help="Apply although the state is empty while the records the repo declares exist "
            "live (a first apply on an existing org, or a lost state).",
        ),
        lock_timeout: float = LOCK_TIMEOUT,
        no_color: bool = NO_COLOR,
    ) -> None:
        """Make the live systems match the access repo (or exactly a saved plan)."""
        root, saved = _where(path, directory)
        if saved is not None and target:
            raise ConfigError(
                "a saved plan is applied exactly as it was made; --target goes with "
                "`storegate plan --target ... --out PLAN`"
            )
        if saved is None and not auto_approve and not sys.stdin.isatty():
            raise StoregateError(
                "refusing to apply without a saved plan or --auto-approve when not on a terminal"
            )
        color = use_color(no_color)
        options = _Options(auto_approve, allow_mass_revoke, approved_by, allow_empty_state, color)
        with open_session(root, keep_models=False) as session:
            lock = session.backend.lock("apply", lock_timeout)
            try:
                code = _apply(session, saved, target, options)
            finally:
                session.backend.unlock(lock.id)
        raise typer.Exit(code)


class _Options:
    def __init__(
        self,
        auto_approve: bool,
        allow_mass_revoke: bool,
        approved_by: str | None,
        allow_empty_state: bool,
        color: bool,
    ) -> None:
        self.auto_approve = auto_approve
        self.allow_mass_revoke = allow_mass_revoke
        self.approved_by = (approved_by or "").strip() or None
        self.allow_empty_state = allow_empty_state
        self.color = color


def _where(path: Path | None, directory: Path | None) -> tuple[Path, Plan | None]:
    """The access repo and the saved plan (if any) the arguments name."""
    if path is None:
        return directory or Path("."), None
    if path.is_dir():
        if directory is not None and directory.resolve() != path.resolve():
            raise ConfigError(
                f"two access repos named: {path} and --dir {directory}; give one (a saved plan "
                "goes first, with --dir for its repo)"
            )
        return path, None
    if not path.exists():
        raise ConfigError(
            f"{path}: no such directory or plan file; give the access repo's directory or a plan "
            "saved by `storegate plan --out FILE`"
        )
    return directory or Path("."), load_plan(path)


def _apply(session: Session, saved: Plan | None, targets: Sequence[str], opts: _Options) -> int:
    state = session.backend.read()
    check_identity(session.desired.config.repo, state)
    if saved is not None:
        for provider in session.providers.values():
            provider.check()
        check_fresh(saved, state, session.providers)
        plan = saved
    else:
        plan = plan_in(session, targets)
        if plan.serial != state.serial:
            raise StalePlan("the state changed while planning; re-run apply")
        echo(render(plan, "text", color=opts.color))
        if plan.empty and not plan.managed:
            return 0
        if not plan.empty and not opts.auto_approve and not typer.confirm("Apply these changes?"):
            echo("Apply cancelled; nothing was changed.")
            return 1
    if not opts.allow_empty_state and any(w.code == EMPTY_STATE for w in plan.warnings):
        raise SafetyRefused(
            "the state is empty but the records this repo declares already exist live (a first "
            "apply on an existing org, or a lost state); pass --allow-empty-state to take them "
            "over, or run `storegate import` first"
        )
    safety = assess(plan, session.desired.config.safety)
    enforce(safety, opts.allow_mass_revoke)
    origin = provenance(session.root)
    who = Provenance(new_apply_id(), plan_checksum(plan), origin.commit, origin.author)
    if safety.exceeded:
        state = _record_approval(session, safety, who, opts.approved_by)
    interrupts = current()
    with apply_progress(len(plan.changes), color=opts.color) as advance, interrupts.graceful():
        outcome = apply_plan(
            plan,
            session.backend,
            state,
            session.providers,
            advance,
            who,
            stop=interrupts.stop_requested,
        )
    if outcome.stopped:
        _report_stop(plan, outcome, interrupts.requested)
        return exit_code(interrupts.requested) if interrupts.requested else 1
    receipt = verify_revocations(
        revocations(plan.changes, set(outcome.succeeded)),
        session.providers,
        session.root / RECEIPTS,
    )
    if receipt.path is not None:
        _record_receipt(session, receipt, who)
    _report(plan, outcome, receipt)
    return 0 if not outcome.failed and receipt.ok else 1


def _record_approval(
    session: Session, safety: SafetyReport, who: Provenance, approver: str | None
) -> StateDocument:
    """Going past the safety policy is on the record: who approved it, what it allowed."""
    entry = HistoryEntry(
        apply_id=who.apply_id,
        address=APPROVAL_ADDRESS,
        action=APPROVAL_ACTION,
        result="ok",
        after={
            "approved_by": approver,
            "contacts_losing_access": safety.removals,
            "limits_exceeded": list(safety.messages),
        },
        plan_checksum=who.plan_checksum,
        commit=who.commit,
        author=who.author,
    )
    state = session.backend.read()
    written = session.backend.write(state, state.serial, [entry])
    by = f"approved by {approver}" if approver else "no approver named (--approved-by)"
    echo(
        f"Mass revocation allowed ({by}, applied by {who.author or 'an unknown author'}): "
        + "; ".join(safety.messages)
    )
    return written


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


def _label(change: Change | None, change_id: str) -> str:
    return f"{change.action.value} {change.address}" if change else change_id


def _listed(title: str, labels: Sequence[str]) -> list[str]:
    lines = [f"{title} ({len(labels)}):"]
    lines += [f"  {label}" for label in labels[:SHOWN]]
    if len(labels) > SHOWN:
        lines.append(f"  ... and {len(labels) - SHOWN} more")
    return lines


def _report_stop(plan: Plan, outcome: ApplyOutcome, signum: int | None) -> None:
    changes = plan.by_id()
    why = signal.Signals(signum).name if signum else "a stop request"
    applied = [_label(changes.get(i), i) for i in outcome.succeeded]
    not_applied = [_label(changes.get(i), i) for i in outcome.not_run]
    failed = [f"{_label(changes.get(i), i)}: {e}" for i, e in sorted(outcome.failed.items())]
    lines = [
        f"Apply stopped by {why} after the batch in flight: {len(applied)} applied, "
        f"{len(failed)} failed or skipped, {len(not_applied)} not applied. The state holds "
        "every change applied and the lock is released; revocations were not verified.",
        *_listed("Applied", applied),
        *(_listed("Failed or skipped", failed) if failed else []),
        *_listed("Not applied", not_applied),
        "Run `storegate plan` to see what is left, and `storegate apply` to finish it.",
    ]
    echo("\n".join(lines), err=True)


def _report(plan: Plan, outcome: ApplyOutcome, receipt: Receipt) -> None:
    changes = plan.by_id()
    for change_id, error in sorted(outcome.failed.items()):
        echo(f"failed: {_label(changes.get(change_id), change_id)}: {error}", err=True)
    done = len(outcome.succeeded)
    failed = len([r for r in outcome.results.values() if not r.ok])
    skipped = len(outcome.skipped)
    if not plan.changes:
        echo("No changes. State records what storegate manages.")
    elif failed or skipped:
        problems = failed + skipped
        echo(
            f"Apply finished with {problems} failure{'s' * (problems != 1)}: {done} succeeded, "
            f"{failed} failed, {skipped} skipped (state keeps every success; fix the cause and "
            "apply again)."
        )
    else:
        echo(f"Apply complete: {done} succeeded, 0 failed, 0 skipped.")
    if outcome.pending:
        steps = len(outcome.pending)
        echo(
            f"{steps} manual step{'s' * (steps != 1)} wait{'s' * (steps == 1)} for a person; "
            "`storegate plan` lists them."
        )
    if any(w.code == TARGETED for w in plan.warnings):
        echo(
            "Warning: targeting was in effect, so the access repo may ask for changes this apply "
            "left out; run `storegate plan` to see whether any are pending.",
            err=True,
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

"""`--target ADDRESS|ACCOUNT|EMAIL`: a plan narrowed to some records, as Terraform's `-target`.

A target is a record address (`crm.contact["jane@acme.example"]`), an account name as its
file declares it (every record of that account), or a contact's email (that person's record in every
system). The narrowed plan keeps the targeted changes and every change they depend on, transitively:
a new store record needs its CRM contact first, a contact's revocation needs the store record
deleted first. Everything else the access repo asks for is left for a later, untargeted apply, which
the plan says in a warning on top.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .errors import ConfigError
from .model import SafetyPolicy, email_key
from .plan import Address, Change, Plan, PlanWarning
from .safety import MAX_PERCENT, MAX_REVOCATIONS, PROTECTED, assess, warnings

TARGETED = "SG-TARGETED"
_SAFETY_CODES = frozenset({MAX_REVOCATIONS, MAX_PERCENT, PROTECTED})


@dataclass(frozen=True)
class Target:
    text: str
    address: str | None = None
    account: str | None = None
    person: str | None = None

    def matches(self, change: Change) -> bool:
        if self.address is not None:
            return str(change.address) == self.address
        if self.account is not None:
            return change.account.casefold() == self.account.casefold()
        return change.person == self.person or change.key == self.person


def parse_targets(texts: Sequence[str], accounts: Iterable[str]) -> list[Target]:
    """Each `--target`, understood: an address, a declared account's name, or an email."""
    declared = list(accounts)
    folded = {name.casefold(): name for name in declared}
    out: list[Target] = []
    for raw in texts:
        text = raw.strip()
        if text.endswith('"]') and '["' in text:
            try:
                out.append(Target(text, address=str(Address.parse(text))))
            except ValueError as exc:
                raise ConfigError(f"--target {raw!r}: {exc}") from None
        elif text.casefold() in folded:
            out.append(Target(text, account=folded[text.casefold()]))
        elif "@" in text:
            out.append(Target(text, person=email_key(text)))
        else:
            close = difflib.get_close_matches(text, declared, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"--target {raw!r} is no account the repo declares, no record address "
                f'(system.kind["key"]) and no email{hint}'
            )
    return out


def narrow(plan: Plan, targets: Sequence[Target], policy: SafetyPolicy) -> Plan:
    """The plan with only the targeted changes and what they depend on; what state apply would
    record for records outside the targets (managed ids, fingerprints, forgotten addresses) is
    narrowed the same way, so a targeted apply touches nothing it does not show."""
    if not targets:
        return plan
    by_id = plan.by_id()
    chosen: set[str] = set()
    todo = [c.id for c in plan.changes if any(t.matches(c) for t in targets)]
    while todo:
        change_id = todo.pop()
        if change_id in chosen or change_id not in by_id:
            continue
        chosen.add(change_id)
        todo.extend(by_id[change_id].depends_on)
    kept = tuple(c for c in plan.changes if c.id in chosen)
    addresses = {str(c.address) for c in kept}
    accounts = {t.account for t in targets if t.account is not None}

    def in_scope(address: str, account: str) -> bool:
        return (
            address in addresses
            or account in accounts
            or any(t.address == address for t in targets)
        )

    narrowed = replace(
        plan,
        changes=kept,
        managed=tuple(m for m in plan.managed if in_scope(str(m.address), m.account)),
        adopted=tuple(a for a in plan.adopted if a in addresses),
        targets=tuple((a, f) for a, f in plan.targets if a in addresses),
        forget=tuple(a for a in plan.forget if a in addresses),
        unmanaged=tuple(u for u in plan.unmanaged if not accounts or u.account in accounts),
    )
    report = assess(narrowed, policy)
    kept_warnings = tuple(w for w in plan.warnings if w.code not in _SAFETY_CODES)
    return replace(
        narrowed, warnings=(targeting_warning(targets), *warnings(report), *kept_warnings)
    )


def targeting_warning(targets: Sequence[Target]) -> PlanWarning:
    named = ", ".join(t.text for t in targets)
    return PlanWarning(
        TARGETED,
        f"targeting is in effect ({named}): this plan shows only the targeted changes and the "
        "changes they depend on, so it may not be everything the access repo asks for. Use "
        "--target for exceptions (recovering from an error, one urgent revocation), not routine "
        "work; run `storegate plan` without it afterwards to see what is still pending",
    )

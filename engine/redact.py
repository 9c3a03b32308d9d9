"""Keep secrets out of everything storegate prints.

Plans should never hold a secret, but one can slip into a field value, a reason or a warning (a
store that echoes a token in an error, a price book named after a password). Every renderer passes
its output through `redact`; renderers that escape or encode values (markdown, JSON, workflow
commands) first redact the plan itself with `redact_plan`, because an escaped secret no longer
matches its raw value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .plan import Address, Change, FieldChange, Plan, PlanWarning, Ref
from .secrets import known_secrets

MASK = "***"

# An org session id: the 15- or 18-character org id, "!", then the token.
_ORG_SESSION = re.compile(r"00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?![A-Za-z0-9._\-]+")
_BEARER = re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/=]+")
_AUTH_TOKEN_HEADER = re.compile(r"""(?i)(\bx-auth-token["']?\s*[:=]\s*["']?)[^\s"',;}]+""")


def _keep_label(match: re.Match[str]) -> str:
    return match.group(1) + MASK


def _secrets_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first, so a secret that contains another is masked whole.
    values = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not values:
        return None
    return re.compile("|".join(re.escape(v) for v in values))


class Redactor:
    """Masks one fixed set of secret values plus the token shapes every system uses."""

    def __init__(self, secrets: Iterable[str] | None = None) -> None:
        self._secrets = _secrets_pattern(known_secrets() if secrets is None else secrets)

    def text(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(MASK, text)
        # Substring checks first: they are far cheaper than a case-insensitive regex scan over
        # a 100,000-change plan, and almost every string holds none of the shapes.
        if "00D" in text:
            text = _ORG_SESSION.sub(MASK, text)
        lowered = text.lower()
        if "bearer" in lowered:
            text = _BEARER.sub(_keep_label, text)
        if "x-auth-token" in lowered:
            text = _AUTH_TOKEN_HEADER.sub(_keep_label, text)
        return text

    def value(self, value: Any) -> Any:
        """A field value with every string inside it (dict keys too) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Ref):
            return Ref(self.address(value.address), self.text(value.attribute))
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        return value

    def address(self, a: Address) -> Address:
        return Address(a.system, a.kind, self.text(a.key))

    def field(self, f: FieldChange) -> FieldChange:
        return FieldChange(self.text(f.name), self.value(f.before), self.value(f.after))

    def change(self, c: Change) -> Change:
        return replace(
            c,
            address=self.address(c.address),
            account=self.text(c.account),
            fields=tuple(self.field(f) for f in c.fields),
            create_fields=tuple(self.field(f) for f in c.create_fields),
            reason=self.text(c.reason),
            remote_id=None if c.remote_id is None else self.text(c.remote_id),
            depends_on=tuple(self.text(d) for d in c.depends_on),
            warnings=tuple(self.text(w) for w in c.warnings),
            source=None if c.source is None else self.text(c.source),
        )

    def warning(self, w: PlanWarning) -> PlanWarning:
        address = None if w.address is None else self.text(w.address)
        return PlanWarning(w.code, self.text(w.message), address)

    def plan(self, plan: Plan) -> Plan:
        return replace(
            plan,
            changes=tuple(self.change(c) for c in plan.changes),
            warnings=tuple(self.warning(w) for w in plan.warnings),
        )


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every secret value (default: those resolved in this process) and every
    org session id, `Bearer` token and `X-Auth-Token` value replaced by `***`."""
    return Redactor(secrets).text(text)


def redact_plan(plan: Plan, secrets: Iterable[str] | None = None) -> Plan:
    """A copy of `plan` with every string in it redacted, for renderers that escape values."""
    return Redactor(secrets).plan(plan)

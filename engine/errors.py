"""The one exception root of storegate.

StoregateError                 anything storegate reports as a clean, one-line failure
├── InputError                 the access repo (YAML, storegate.yaml) is invalid; carries Problems
├── ConfigError                a setting or credential is missing or unusable (no secret echoed)
├── ProviderError              a live system refused or failed
│   ├── AuthError              credentials missing, wrong or expired beyond renewal
│   ├── ApiLimitExceeded       the system's API budget is spent (says what remains)
│   ├── SchemaMismatch         a mapped field is missing or read-only in the live system
│   └── TransientError         5xx, timeout, dropped connection after bounded retries
├── StateError                 the state backend cannot be read or written
│   ├── StateLocked            another apply holds the lock (names the holder)
│   └── SerialConflict         someone wrote state since we read it
├── PlanError                  a saved plan cannot be applied
│   ├── PlanTampered           checksum mismatch, other lineage, newer format
│   └── StalePlan              the live records or the state moved since the plan
└── SafetyRefused              the plan exceeds the safety policy
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storegate.engine.problems import Problem


class StoregateError(Exception):
    """Root of every error storegate reports without a traceback."""


class InputError(StoregateError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class ConfigError(StoregateError):
    pass


class ProviderError(StoregateError):
    pass


class AuthError(ProviderError):
    pass


class ApiLimitExceeded(ProviderError):
    pass


class SchemaMismatch(ProviderError):
    pass


class TransientError(ProviderError):
    pass


class StateError(StoregateError):
    pass


class StateLocked(StateError):
    pass


class SerialConflict(StateError):
    pass


class PlanError(StoregateError):
    pass


class PlanTampered(PlanError):
    pass


class StalePlan(PlanError):
    pass


class SafetyRefused(StoregateError):
    pass

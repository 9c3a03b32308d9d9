"""The one exception root of storegate: the contract's tree, plus the engine's own branches.

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

from ..providers.contract import (
    ApiLimitExceeded,
    AuthError,
    ConfigError,
    InputError,
    ProviderError,
    SchemaMismatch,
    SerialConflict,
    StateError,
    StateLocked,
    StoregateError,
    TransientError,
)

__all__ = [
    "ApiLimitExceeded",
    "AuthError",
    "ConfigError",
    "InputError",
    "PlanError",
    "PlanTampered",
    "ProviderError",
    "SafetyRefused",
    "SchemaMismatch",
    "SerialConflict",
    "StalePlan",
    "StateError",
    "StateLocked",
    "StoregateError",
    "TransientError",
]


class PlanError(StoregateError):
    pass


class PlanTampered(PlanError):
    pass


class StalePlan(PlanError):
    pass


class SafetyRefused(StoregateError):
    pass

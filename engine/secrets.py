"""Resolution of `env:NAME` references, and the set of secret values to keep out of every output
(shared with the providers, which resolve their own credentials)."""

from __future__ import annotations

from ..providers.settings import (
    ENV_REF,
    known_secrets,
    remember_secret,
    resolve,
    resolve_path,
)

__all__ = ["ENV_REF", "known_secrets", "remember_secret", "resolve", "resolve_path"]

"""Settings as providers declare them: `env:NAME` references, their resolution, and the set of
secret values every output redacts. Imports nothing of storegate's but the contract."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .contract import ConfigError

ENV_REF = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")

SecretRef = Annotated[str, Field(pattern=ENV_REF.pattern, description="env:NAME reference")]
"""A credential: only ever an `env:NAME` reference, resolved at run time."""

Setting = Annotated[str, Field(description="a literal value or an env:NAME reference")]

_resolved_secrets: set[str] = set()


class Strict(BaseModel):
    """Every settings model forbids unknown keys: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def resolve(
    value: str, where: str, *, secret: bool = False, env: Mapping[str, str] | None = None
) -> str:
    """The value of a setting: `env:NAME` is read from the environment, anything else is literal.

    `where` names the setting (e.g. "systems.salesforce.auth.session_id") for the error message.
    Secret values are remembered so renderers and logs can redact them.
    """
    environ = os.environ if env is None else env
    if ENV_REF.match(value):
        name = value[4:]
        found = environ.get(name)
        if found is None or found == "":
            raise ConfigError(
                f"{where}: environment variable {name} is not set; export it (e.g. source the "
                f"sandbox's env file) or change the reference in storegate.yaml"
            )
        if secret:
            _resolved_secrets.add(found)
        return found
    return value


def resolve_path(value: str | None, where: str, root: Path) -> Path | None:
    """A file setting, relative to the access repo root unless absolute."""
    if value is None:
        return None
    path = Path(resolve(value, where))
    return path if path.is_absolute() else root / path


def remember_secret(value: str) -> None:
    """A secret obtained at run time (an OAuth token): redacted like a configured one."""
    _resolved_secrets.add(value)


def known_secrets() -> frozenset[str]:
    """Every secret value resolved in this process; renderers redact these."""
    return frozenset(s for s in _resolved_secrets if len(s) >= 4)

"""`state:` in storegate.yaml: which backend keeps storegate's state, and how to reach it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..providers.settings import SecretRef, Setting, Strict


class LocalState(Strict):
    type: Literal["local"] = "local"
    path: str = ".storegate/state.json"


class PostgresState(Strict):
    type: Literal["postgres"]
    dsn: SecretRef = Field(
        description="env var holding the libpq connection string or postgresql:// URI"
    )
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None = (
        Field(None, description="libpq sslmode; verify-full checks the server's name and CA")
    )
    sslrootcert: Setting | None = Field(
        None, description="CA file the server's certificate must chain to"
    )
    connect_timeout: int = Field(10, ge=1, le=300, description="seconds to wait for a connection")


StateConfig = Annotated[LocalState | PostgresState, Field(discriminator="type")]

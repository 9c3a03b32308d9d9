"""A change on its way to Salesforce: the change and the API body it becomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contract import Change


@dataclass(frozen=True)
class Pending:
    change: Change
    body: dict[str, Any]

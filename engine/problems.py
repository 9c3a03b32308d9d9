"""A problem found in the access repo, located at path:line:col."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    message: str
    code: str = "SG000"
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        tag = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.path}:{self.line}:{self.col}: {tag}{self.message} [{self.code}]"

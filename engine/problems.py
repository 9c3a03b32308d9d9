"""A problem found in the access repo, located at path:line:col (defined by the contract, which
providers raise them through)."""

from __future__ import annotations

from ..providers.contract import Problem, Severity

__all__ = ["Problem", "Severity"]

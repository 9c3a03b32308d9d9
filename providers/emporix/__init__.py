"""Emporix: a B2B customer per contact, on its account's company (legal entity), over httpx."""

from .provider import EmporixProvider

__all__ = ["EmporixProvider"]

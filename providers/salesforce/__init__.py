"""Salesforce provider: accounts and contacts through simple-salesforce, per field profile."""

from .provider import SalesforceProvider

__all__ = ["SalesforceProvider"]

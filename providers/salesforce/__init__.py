"""Salesforce provider: accounts and contacts through simple-salesforce, per field profile."""

from storegate.providers.salesforce.provider import SalesforceProvider

__all__ = ["SalesforceProvider"]

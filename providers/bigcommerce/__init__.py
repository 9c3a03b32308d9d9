"""BigCommerce: a store customer per contact with active access (v3 Customers API, httpx)."""

from .provider import BigCommerceProvider

__all__ = ["BigCommerceProvider"]

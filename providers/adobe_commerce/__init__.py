"""Adobe Commerce (Magento 2) with B2B: companies, company users and company roles over REST."""

from .provider import AdobeCommerceProvider

__all__ = ["AdobeCommerceProvider"]

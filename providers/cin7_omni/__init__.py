"""Cin7 Omni's B2B online store: CRM contacts by API, store access as tracked manual steps."""

from .provider import Cin7OmniProvider

__all__ = ["Cin7OmniProvider"]

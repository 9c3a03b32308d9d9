"""Builds the providers storegate.yaml configures, Salesforce first (the apply order relies on it)."""

from __future__ import annotations

from pathlib import Path

from storegate.engine.model import Config
from storegate.providers.base import Provider


def open_providers(config: Config, root: Path) -> dict[str, Provider]:
    from storegate.providers.salesforce import SalesforceProvider

    providers: dict[str, Provider] = {
        "salesforce": SalesforceProvider(config.systems.salesforce, root)
    }
    if config.systems.bigcommerce is not None:
        from storegate.providers.bigcommerce import BigCommerceProvider

        providers["bigcommerce"] = BigCommerceProvider(config.systems.bigcommerce, root)
    return providers


def close_all(providers: dict[str, Provider]) -> None:
    for provider in providers.values():
        provider.close()

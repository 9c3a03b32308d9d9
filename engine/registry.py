"""The providers installed (entry point group `storegate.providers`) and the ones storegate.yaml
configures. The engine knows no provider by name: a separate package adds one by declaring
`[project.entry-points."storegate.providers"] <type> = "package.module:ProviderClass"`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, create_model

from ..providers.contract import Provider
from .errors import ConfigError
from .model import Account, AccountFile, Config

GROUP = "storegate.providers"


@cache
def provider_types() -> dict[str, type[Provider]]:
    """type name -> provider class, for every installed provider."""
    found: dict[str, type[Provider]] = {}
    for point in entry_points(group=GROUP):
        try:
            cls = point.load()
        except Exception as exc:  # a broken plugin names itself, not a traceback
            raise ConfigError(
                f"provider {point.name!r} ({point.value}) failed to load: "
                f"{exc.__class__.__name__}: {exc}"
            ) from None
        found[point.name] = cls
    return found


def settings_models() -> list[type[BaseModel]]:
    return [cls.settings_model for cls in provider_types().values()]


@cache
def config_model() -> type[Config]:
    """Config with `systems` typed as the tagged union of every installed provider's settings."""
    models = settings_models()
    if not models:
        raise ConfigError(f"no storegate providers are installed (entry point group {GROUP})")
    member: Any = models[0] if len(models) == 1 else Union[tuple(models)]  # noqa: UP007
    system: Any = member if len(models) == 1 else Annotated[member, Field(discriminator="type")]
    return create_model(
        "Config",
        __base__=Config,
        __doc__=Config.__doc__,
        systems=(dict[str, system], Field(description=Config.model_fields["systems"].description)),
    )


def with_types(data: Any) -> Any:
    """storegate.yaml's raw data with each system's `type` filled in from its name when left out."""
    if not isinstance(data, dict) or not isinstance(data.get("systems"), dict):
        return data
    systems = {
        name: {"type": name, **block} if isinstance(block, dict) and "type" not in block else block
        for name, block in data["systems"].items()
    }
    return {**data, "systems": systems}


def account_file_model(config: Config | None) -> type[AccountFile]:
    """AccountFile with `account.stores` keyed by the configured systems that take account options,
    each validated by its provider's options model (a misspelt store name gets a did-you-mean)."""
    if config is None:
        return AccountFile
    types = provider_types()
    fields: dict[str, Any] = {}
    for name, settings in config.systems.items():
        cls = types.get(getattr(settings, "type", name))
        if cls is None or not _is_store(cls):
            continue
        options = cls.account_options_model or _NoOptions
        fields[name] = (options | None, None)
    if not fields:
        return AccountFile
    stores = create_model("Stores", __base__=_StrictBase, **fields)
    account = create_model(
        "Account",
        __base__=Account,
        stores=(stores | None, Field(None, description=Account.model_fields["stores"].description)),
    )
    return create_model("AccountFile", __base__=AccountFile, account=(account, ...))


def _is_store(cls: type[Provider]) -> bool:
    """A system whose contact records grant store access (not the CRM that holds their ids)."""
    return bool(getattr(cls, "CONTACT_KIND", None)) and not getattr(
        cls, "HOLDS_IDS_OF_STORES", False
    )


class _StrictBase(BaseModel):
    model_config = Account.model_config


class _NoOptions(_StrictBase):
    """A store that takes no account options: `{}` lists the account as served by it."""


def open_providers(config: Config, root: Path) -> dict[str, Provider]:
    """One provider per configured system, in the order storegate.yaml lists them."""
    types = provider_types()
    providers: dict[str, Provider] = {}
    for name, settings in config.systems.items():
        kind = getattr(settings, "type", name)
        cls = types.get(kind)
        if cls is None:
            known = ", ".join(sorted(types)) or "none"
            raise ConfigError(
                f"storegate.yaml: systems.{name}: no provider of type {kind!r} is installed "
                f"(installed: {known})"
            )
        make: Any = cls
        providers[name] = make(name, settings, root)
    return providers


def close_all(providers: Mapping[str, Provider]) -> None:
    for provider in providers.values():
        provider.close()

"""Install a provider the way a separate package would: a distribution's entry point, on sys.path.

`installed_plugin(directory, {"memory": "tests.support.memory_provider:MemoryProvider"})` writes a
`*.dist-info` folder whose `entry_points.txt` registers the providers in the `storegate.providers`
group, puts the folder on sys.path (and in PYTHONPATH for subprocesses), and clears storegate's
caches of installed providers; leaving the context undoes all three.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from storegate.engine import registry

REPO = Path(__file__).resolve().parents[2]


def write_distribution(directory: Path, name: str, providers: Mapping[str, str]) -> Path:
    info = directory / f"{name}-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = ["[storegate.providers]", *(f"{k} = {v}" for k, v in providers.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return info


def _clear() -> None:
    registry.provider_types.cache_clear()
    registry.config_model.cache_clear()


@contextmanager
def installed_plugin(
    directory: Path, providers: Mapping[str, str], name: str = "storegate_test_plugin"
) -> Iterator[dict[str, str]]:
    """Yields the environment a subprocess needs to see the plugin too."""
    write_distribution(directory, name, providers)
    sys.path.insert(0, str(directory))
    _clear()
    paths = [str(directory), str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    try:
        yield env
    finally:
        sys.path.remove(str(directory))
        _clear()

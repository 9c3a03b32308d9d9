"""The cyclic garbage collector, paused while storegate builds its large, acyclic structures (the
loaded repo, a read state).

Loading 100,000 contacts (or planning over 200,000 resources) allocates millions of small objects
that all stay alive; CPython's collector scans the surviving ones again and again as they pile up
(about 40% of a load). Nothing storegate builds there is a reference cycle, so the collector is
paused for the block and restored after it; `keep_for_the_run` then moves what was built out of
its sight for good (gc.freeze), for a command that holds it until it exits.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collection() -> Iterator[None]:
    """No cyclic collection inside the block (reference counting still frees everything)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def keep_for_the_run() -> None:
    """What exists now lives until the process exits: never scan it again."""
    gc.freeze()

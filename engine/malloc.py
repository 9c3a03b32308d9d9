"""glibc's malloc, told what a plan needs (elsewhere, macOS or musl, these do nothing).

One arena for the whole process, before a plan starts its reader thread: glibc gives each thread
that allocates its own malloc arena, and the reader fetches pages of hundreds of kilobytes and frees
them; in an arena of its own, that freed memory stays mapped beside the main arena's instead of
being reused by it (about 11 MB of a 100,000-contact plan's peak). The GIL already lets one
thread run Python at a time, so sharing one arena costs little (the setting stays for the
process: an apply's HTTP worker threads share it too).

A trim once the reads are done: the pages their parsed buffers held, freed but scattered among the
records that stay, go back to the system before the diff adds its changes (about 5 MB at 100,000).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

M_ARENA_MAX = -8
"""glibc's mallopt parameter: the most arenas malloc may create."""


def use_one_malloc_arena() -> bool:
    """Whether glibc accepted the setting (it applies to arenas made from now on)."""
    mallopt = _glibc("mallopt", ctypes.c_int, ctypes.c_int)
    return mallopt is not None and bool(mallopt(M_ARENA_MAX, 1))


def trim_malloc() -> bool:
    """Give the pages malloc holds free back to the system (glibc's malloc_trim): after a plan's
    reads, the pages of the buffers they parsed, scattered among the records that stay."""
    malloc_trim = _glibc("malloc_trim", ctypes.c_size_t)
    return malloc_trim is not None and bool(malloc_trim(0))


def _glibc(name: str, *argtypes: type[ctypes._SimpleCData[Any]]) -> Any:
    """The C library's function `name` returning an int, or None off Linux or where the C library
    has no such function (musl has neither of these)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes
    function.restype = ctypes.c_int
    return function

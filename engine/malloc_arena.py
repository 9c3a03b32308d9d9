"""One malloc arena for the whole process, before a plan starts its reader thread.

glibc gives each thread that allocates its own malloc arena. The plan's reader thread fetches
pages of hundreds of kilobytes and frees them; in an arena of its own, that freed memory stays
mapped beside the main arena's instead of being reused by it (about 11 MB of a 100,000-contact
plan's peak). The GIL lets only one thread allocate at a time, so one arena costs no contention.
Elsewhere (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8
"""glibc's mallopt parameter: the most arenas malloc may create."""


def use_one_malloc_arena() -> bool:
    """Whether glibc accepted the setting (it applies to arenas made from now on)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, 1))

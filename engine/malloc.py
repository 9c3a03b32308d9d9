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


def trim_malloc() -> bool:
    """Give the pages malloc holds free back to the system (glibc's malloc_trim): after a plan's
    reads, the pages of the buffers they parsed, scattered among the records that stay."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim.argtypes = (ctypes.c_size_t,)
    malloc_trim.restype = ctypes.c_int
    return bool(malloc_trim(0))

"""glibc's malloc as a plan needs it: the reader thread shares the main arena, and the pages the
reads freed go back to the system. Each check runs in a fresh interpreter: both are process-wide."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_glibc_takes_the_one_arena_setting_and_other_libcs_are_left_alone() -> None:
    code = "from storegate.engine.malloc import use_one_malloc_arena; print(use_one_malloc_arena())"
    assert _run(code) == str(GLIBC)


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_a_trim_gives_back_the_pages_of_buffers_freed_among_kept_objects() -> None:
    code = """
from storegate.engine.malloc import trim_malloc

def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

# 4 KB buffers (malloc's, not pymalloc's), one in eight kept: the freed ones lie between them.
buffers = [bytearray(4096) for _ in range(40_000)]
kept = buffers[::8]
del buffers
before = rss_kb()
trim_malloc()
print(before - rss_kb())
"""
    assert int(_run(code)) > 50_000, "at least 50 MB of the 140 MB freed went back"

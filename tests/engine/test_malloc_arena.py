"""The plan's reader thread shares the main malloc arena where glibc allows it."""

from __future__ import annotations

import platform
import subprocess
import sys


def test_glibc_takes_the_one_arena_setting_and_other_libcs_are_left_alone() -> None:
    # In a fresh interpreter: the setting is process-wide.
    code = (
        "from storegate.engine.malloc_arena import use_one_malloc_arena;"
        "print(use_one_malloc_arena())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    expected = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert out.stdout.strip() == str(expected)

"""Crash-safe file primitives for the local backend: atomic replace and a directory lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

TEMP_MARK = ".tmp-"


def temp_prefix(path: Path) -> str:
    """Temp files are hidden siblings of `path`: a crash leaves nothing that looks like state."""
    return f".{path.name}{TEMP_MARK}"


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` so a reader (or a crash) sees the old file or the new, never half.

    The temp file lives in the same directory (os.replace is atomic only within one file system)
    and is fsynced before the rename; the directory is fsynced after it so the rename is durable.
    """
    data = text.encode("utf-8")
    fd = -1
    temp = path.with_name(f"{temp_prefix(path)}{os.getpid()}-{os.urandom(4).hex()}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_directory(path.parent)


def sweep_temp_files(path: Path) -> list[Path]:
    """Remove temp files a killed writer of `path` left behind; call only under directory_lock."""
    removed = []
    for leftover in path.parent.glob(f"{temp_prefix(path)}*"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed.append(leftover)
    return removed


@contextlib.contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """A short exclusive section between processes on this host (flock on the directory itself).

    It makes the serial compare-and-swap and the breaking of a stale lock atomic; the kernel drops
    it when the process dies, so it can never go stale itself.
    """
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

"""Append-only files of JSON lines (the local backend's history and journal), crash-safe.

An append is one write of whole lines followed by an fsync. A kill -9 mid-append leaves a torn last
line without its newline: reads ignore it and the next append cuts it off first. Callers hold the
state directory lock.
"""

from __future__ import annotations

import os
from pathlib import Path

from .files import fsync_directory


def complete_lines(path: Path) -> list[bytes] | None:
    """The file's complete lines (a torn last one left out); None when there is no file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data[: data.rfind(b"\n") + 1].splitlines()


def append_lines(path: Path, payload: bytes) -> int:
    """Append whole lines and make them durable; returns the file's size after the append."""
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _cut_torn_tail(fd)
        end = os.lseek(fd, 0, os.SEEK_END)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_directory(path.parent)
    return end + len(payload)


def _cut_torn_tail(fd: int) -> None:
    size = os.fstat(fd).st_size
    if size == 0:
        return
    os.lseek(fd, size - 1, os.SEEK_SET)
    if os.read(fd, 1) == b"\n":
        return
    # Find the last newline; everything after it is a line a killed writer never finished.
    position, keep = size, 0
    while position > 0:
        step = min(65536, position)
        position -= step
        os.lseek(fd, position, os.SEEK_SET)
        chunk = os.read(fd, step)
        found = chunk.rfind(b"\n")
        if found >= 0:
            keep = position + found + 1
            break
    os.ftruncate(fd, keep)

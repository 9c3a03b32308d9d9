"""The apply lock of the local backend: a JSON LockInfo in `<state>.lock`, created exclusively.

A lock whose holder ran on this host and whose process is gone is stale (a kill -9'd apply): it is
broken, with a notice, so the re-run is not blocked. A lock from another host is never judged stale
here; `storegate state unlock ID` releases it.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from ..providers.contract import StateError, StateLocked
from .base import LockInfo
from .files import directory_lock

Notify = Callable[[str], None]


class UnreadableLock(StateError):
    """The lock file exists but holds no LockInfo (its creator died between create and write)."""


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        # No passwd entry (some containers): the uid still identifies the holder.
        return f"uid {os.getuid()}"


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_lock_info(operation: str) -> LockInfo:
    """A lock for this process: a fresh id, who and where we are, and what we are doing."""
    return LockInfo(
        id=str(uuid.uuid4()),
        holder=current_user(),
        host=socket.gethostname(),
        pid=os.getpid(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        operation=operation,
    )


class LockFile:
    def __init__(self, path: Path, notify: Notify, poll_seconds: float = 0.05) -> None:
        self.path = path
        self._notify = notify
        self._poll_seconds = poll_seconds

    def holder(self) -> LockInfo | None:
        """The lock held now, or None. Raises UnreadableLock for a file without a LockInfo."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"{self.path}: cannot read the lock file ({exc.strerror})") from None
        try:
            data = json.loads(text)
            return LockInfo(
                id=str(data["id"]),
                holder=str(data["holder"]),
                host=str(data["host"]),
                pid=int(data["pid"]),
                created_at=str(data["created_at"]),
                operation=str(data.get("operation", "apply")),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise UnreadableLock(
                f"{self.path} exists but holds no readable lock; if no storegate apply is "
                f"running, delete that file"
            ) from None

    def acquire(self, operation: str, timeout_seconds: float) -> LockInfo:
        info = new_lock_info(operation)
        payload = (json.dumps(asdict(info), indent=2) + "\n").encode("utf-8")
        deadline = time.monotonic() + max(timeout_seconds, 0.0)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(
                f"{self.path.parent}: cannot create the directory ({exc.strerror})"
            ) from None
        while True:
            if self._create(payload):
                return info
            try:
                held = self.holder()
            except UnreadableLock as exc:
                refusal = str(exc)
            else:
                if held is None:
                    continue  # released between our create and our read: try again
                if self._is_stale(held) and self._break(held):
                    continue
                refusal = (
                    f"state is locked: {held.describe()}; wait for it to finish, or if it is no "
                    f"longer running: storegate state unlock {held.id}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StateLocked(refusal)
            time.sleep(min(self._poll_seconds, remaining))

    def release(self, lock_id: str) -> None:
        if not self.path.parent.is_dir():
            raise StateError(f"{self.path}: no lock is held; nothing to unlock")
        with directory_lock(self.path.parent):
            held = self.holder()
            if held is None:
                raise StateError(f"{self.path}: no lock is held; nothing to unlock")
            if held.id != lock_id:
                raise StateError(
                    f"{self.path}: lock id {lock_id} does not match the held {held.describe()}"
                )
            self._remove()

    def _create(self, payload: bytes) -> bool:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        except OSError as exc:
            raise StateError(f"{self.path}: cannot create the lock file ({exc.strerror})") from None
        try:
            os.write(fd, payload)
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            self._remove()
            raise StateError(f"{self.path}: cannot write the lock file ({exc.strerror})") from None
        os.close(fd)
        return True

    def _is_stale(self, held: LockInfo) -> bool:
        return held.host == socket.gethostname() and not pid_alive(held.pid)

    def _break(self, seen: LockInfo) -> bool:
        """Remove the stale lock `seen`, unless another process already replaced it."""
        with directory_lock(self.path.parent):
            try:
                held = self.holder()
            except UnreadableLock:
                return False
            if held is None:
                return True
            if held.id != seen.id or not self._is_stale(held):
                return False
            self._remove()
        self._notify(
            f"broke a stale {seen.describe()}: process {seen.pid} is no longer running on "
            f"{seen.host}"
        )
        return True

    def _remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

"""Child processes for the state tests: real processes, killed and raced for real."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from storegate.state.base import ResourceState, StateDocument

PYTHON = sys.executable


def resource(email: str, remote_id: str = "003000000000001") -> ResourceState:
    return ResourceState(
        address=f'salesforce.contact["{email}"]',
        system="salesforce",
        kind="contact",
        key=email,
        id=remote_id,
        account="Acme Industrial",
    )


def document_with(*emails: str) -> StateDocument:
    document = StateDocument()
    for email in emails:
        r = resource(email)
        document.resources[r.address] = r
    return document


def spawn(script: str, *args: str) -> subprocess.Popen[str]:
    """Run a Python child with stdin/stdout pipes; it talks to the test one line at a time."""
    return subprocess.Popen(
        [PYTHON, "-c", textwrap.dedent(script), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def expect_line(child: subprocess.Popen[str], wanted: str) -> str:
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if not line.startswith(wanted):
        child.kill()
        _, err = child.communicate()
        raise AssertionError(f"child said {line!r}, expected {wanted!r}; stderr: {err}")
    return line


HOLD_LOCK = """
    import sys
    from pathlib import Path
    from storegate.state.local import LocalStateBackend

    backend = LocalStateBackend(Path(sys.argv[1]))
    info = backend.lock("apply", 0)
    print("locked", info.id, flush=True)
    sys.stdin.readline()
    backend.unlock(info.id)
    print("released", flush=True)
"""

WAIT_FOR_LOCK = """
    import sys
    from pathlib import Path
    from storegate.engine.errors import StateLocked
    from storegate.state.local import LocalStateBackend

    backend = LocalStateBackend(Path(sys.argv[1]))
    print("waiting", flush=True)
    try:
        info = backend.lock("apply", float(sys.argv[2]))
    except StateLocked as exc:
        print("refused", exc, flush=True)
    else:
        print("locked", info.id, flush=True)
"""

# Stops the child between the temp file's fsync and the rename, where a kill hurts most. It
# replaces the standard library's os.replace in the child only; storegate's code runs unchanged.
CRASH_BEFORE_RENAME = """
    import os
    import sys
    import time
    from pathlib import Path
    from storegate.state.local import LocalStateBackend

    def stop_before_rename(src, dst):
        if Path(dst).name == Path(sys.argv[1]).name:
            print("renaming", src, flush=True)
            time.sleep(600)
        return real_replace(src, dst)

    real_replace = os.replace
    os.replace = stop_before_rename
    backend = LocalStateBackend(Path(sys.argv[1]))
    document = backend.read()
    document.resources.clear()
    backend.write(document, document.serial)
    print("written", flush=True)
"""

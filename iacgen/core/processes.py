"""Whether a process recorded in the state file still runs: its records are left alone while it does."""

from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int) -> bool:
    """Running (someone else's process counts). A zombie does not: `kill -9` of a process whose parent does
    not reap it (a container's init, a shell that exited) leaves one, and `kill(pid, 0)` still succeeds."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (macOS): kill's answer is all there is
        return True
    fields = stat.rsplit(")", 1)[-1].split()
    return not fields or fields[0] not in ("Z", "X")

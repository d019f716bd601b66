"""A recorded process counts as gone once it has exited, even while it is a zombie nobody has reaped (a
`kill -9`'d import under a container's init): its pending change set must then be cleaned up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from iacgen.core.processes import alive


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="zombies are read from /proc")
def test_a_zombie_is_not_alive_and_a_running_process_is() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        # wait until it has exited but leave it unreaped: a zombie, which kill(pid, 0) still reaches
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        os.kill(child.pid, 0)
        assert not alive(child.pid)
    finally:
        child.wait()
    assert alive(os.getpid())

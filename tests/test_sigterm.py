"""SIGTERM ends a wait as Ctrl-C does: exit 130, one line, the state saved, and a re-run that resumes (the
CLI in a subprocess against a slowed local cloud server, as in test_interrupt.py)."""

from __future__ import annotations

import signal
import subprocess

import pytest

from tests.test_interrupt import cfn, env, iacgen, run, saved_state, slow_cloud

__all__ = ["slow_cloud"]  # the fixture, shared


def terminate_after(args: list[str], marker: str) -> tuple[int, str]:
    """Start the CLI, send SIGTERM once stderr shows `marker` (the wait has begun); (exit code, stderr)."""
    proc = subprocess.Popen(
        iacgen(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env()
    )
    assert proc.stderr is not None
    seen: list[str] = []
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            proc.send_signal(signal.SIGTERM)
            break
    else:
        proc.wait(timeout=10)
        pytest.fail(f"never saw {marker!r}; stderr: {''.join(seen)}")
    rest = proc.stderr.read()
    return proc.wait(timeout=60), "".join(seen) + rest


@pytest.mark.parametrize("slow_cloud", [{"scan_seconds": 600}], indirect=True)
def test_sigterm_during_a_scan_exits_130_and_the_rerun_joins_it(slow_cloud: str) -> None:
    code, err = terminate_after(["scan"], "started scan arn:")
    assert code == 130, err
    assert [line for line in err.splitlines() if line.startswith("error:")] == ["error: interrupted"], err
    assert "Traceback" not in err
    scan_id = saved_state()["scan_id"]
    assert scan_id in err
    again = run("-q", "scan", "--no-wait")
    assert again.returncode == 0, again.stderr
    scans = cfn(slow_cloud).list_resource_scans()["ResourceScanSummaries"]
    assert [s["ResourceScanId"] for s in scans] == [scan_id]


@pytest.mark.parametrize(
    "slow_cloud", [{"faults": "ListResourceScans=throttle:1:2,ec2:*=5xx"}], indirect=True
)
def test_a_server_started_with_iacgen_local_faults_injects_them(slow_cloud: str) -> None:
    """The fault rules reach an out-of-process server through IACGEN_LOCAL_FAULTS, and iacgen's retries
    ride them out over HTTP as in-process."""
    result = run("-v", "scans")
    assert result.returncode == 0, result.stderr
    assert "retries: 2 (Throttling 2)" in " ".join(result.stderr.split())

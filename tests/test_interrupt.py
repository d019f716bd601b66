"""Ctrl-C during a wait: exit 130 with one line, the id in the state file, and a re-run that resumes it.

The CLI runs in a subprocess (SIGINT is a process's affair) against a local cloud server in another
process, slowed down so that the wait is still going when the signal arrives.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def slow_cloud(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[str]:
    """A local cloud server process whose scans or generations take as long as the test's parameter says."""
    from iacgen.localcloud import server

    for name, value in request.param.items():
        monkeypatch.setenv(f"IACGEN_LOCAL_{name.upper()}", str(value))
    record = server.start(port=free_port())
    try:
        yield record.endpoint_url
    finally:
        server.stop()


def iacgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "iacgen", "--local", *args]


def env() -> dict[str, str]:
    """This test's environment, passed explicitly: a bare subprocess call was seen to inherit COLUMNS=80
    from outside os.environ, which would wrap the lines the test reads."""
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(iacgen(*args), capture_output=True, text=True, timeout=120, env=env())


def interrupt_after(args: list[str], marker: str) -> tuple[int, str]:
    """Start the CLI, send SIGINT once stderr shows `marker`; (exit code, all of stderr)."""
    proc = subprocess.Popen(
        iacgen(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env()
    )
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            time.sleep(0.3)  # into the wait
            proc.send_signal(signal.SIGINT)
            break
        assert time.monotonic() < deadline, "".join(seen)
    else:
        proc.wait(timeout=10)
        pytest.fail(f"never saw {marker!r}; stderr: {''.join(seen)}")
    rest = proc.stderr.read()
    return proc.wait(timeout=30), "".join(seen) + rest


def cfn(endpoint: str) -> Any:
    return boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint)


def saved_state() -> dict[str, Any]:
    return dict(json.loads(Path(".iacgen/state.json").read_text()))


@pytest.mark.parametrize("slow_cloud", [{"scan_seconds": 30}], indirect=True)
def test_interrupted_scan_exits_130_and_the_rerun_joins_the_same_scan(slow_cloud: str) -> None:
    code, err = interrupt_after(["scan"], "started scan arn:")
    assert code == 130, err
    started = next(line for line in err.splitlines() if line.startswith("started scan "))
    scan_id = started.removeprefix("started scan ").strip()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == ["error: interrupted"], err
    assert "Traceback" not in err
    assert saved_state()["scan_id"] == scan_id

    again = run("-o", "json", "scan", "--no-wait")
    assert again.returncode == 0, again.stderr
    outcome = json.loads(again.stdout)
    assert outcome["action"] == "resumed" and outcome["scan"]["scan_id"] == scan_id
    assert outcome["scan"]["status"] == "IN_PROGRESS"
    assert f"resuming scan {scan_id}" in again.stderr
    scans = cfn(slow_cloud).list_resource_scans()["ResourceScanSummaries"]
    assert [s["ResourceScanId"] for s in scans] == [scan_id]  # no second scan was started


@pytest.mark.parametrize("slow_cloud", [{"template_seconds": 4}], indirect=True)
def test_interrupted_generate_exits_130_and_the_rerun_resumes_the_template(slow_cloud: str) -> None:
    seeded = run("local", "seed", "workshop")
    assert seeded.returncode == 0, seeded.stderr
    assert run("-q", "scan").returncode == 0
    args = ["generate", "ws", "--select", "type=AWS::EC2::Instance", "--related-depth", "1"]
    code, err = interrupt_after(args, "creating generated template ws")
    assert code == 130, err
    assert [line for line in err.splitlines() if line.startswith("error:")] == ["error: interrupted"]
    assert not Path("ws.yaml").exists()
    (template_id,) = [
        t["GeneratedTemplateId"] for t in cfn(slow_cloud).list_generated_templates()["Summaries"]
    ]

    again = run("-o", "json", *args)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)["template"]
    assert result["action"] == "resumed" and result["template_id"] == template_id
    assert result["status"] == "COMPLETE" and len(result["resources_to_import"]) == 4
    assert "picking it up" in again.stderr
    assert [t["GeneratedTemplateId"] for t in cfn(slow_cloud).list_generated_templates()["Summaries"]] == [
        template_id
    ]
    assert Path("ws.yaml").exists() and saved_state()["last_template"] == "ws"

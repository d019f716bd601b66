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
ROOT = Path(__file__).resolve().parents[1]


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
    from outside os.environ, which would wrap the lines the test reads. The CLI imported is this checkout's
    (a venv's editable install may point at another worktree)."""
    out = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), out.get("PYTHONPATH", "")) if p)
    return out


def sigint_as_on_a_terminal() -> None:
    """A test suite run in the background (a CI job, `cmd &` in a script) starts with SIGINT ignored, and a
    child inherits that; give the CLI the disposition it has when a person runs it (Python then turns SIGINT
    into KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(iacgen(*args), capture_output=True, text=True, timeout=120, env=env())


def interrupt_after(args: list[str], marker: str, sig: int = signal.SIGINT) -> tuple[int, str]:
    """Start the CLI, send `sig` once stderr shows `marker`; (exit code, all of stderr)."""
    proc = subprocess.Popen(
        iacgen(*args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        preexec_fn=sigint_as_on_a_terminal,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            time.sleep(0.3)  # into the wait
            proc.send_signal(sig)
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
    assert result["status"] == "COMPLETE" and len(result["resources_to_import"]) == 5  # with the interface
    assert "picking it up" in again.stderr
    assert [t["GeneratedTemplateId"] for t in cfn(slow_cloud).list_generated_templates()["Summaries"]] == [
        template_id
    ]
    assert Path("ws.yaml").exists() and saved_state()["last_template"] == "ws"


@pytest.mark.parametrize("slow_cloud", [{"scan_seconds": 30}], indirect=True)
def test_sigterm_during_a_wait_is_handled_like_ctrl_c(slow_cloud: str) -> None:
    code, err = interrupt_after(["scan"], "started scan arn:", signal.SIGTERM)
    assert code == 130, err
    assert [line for line in err.splitlines() if line.startswith("error:")] == ["error: interrupted"]
    assert "Traceback" not in err
    assert saved_state()["scan_id"].startswith("arn:aws:cloudformation:")


def bucket_import(endpoint: str, name: str = "hand-made-logs") -> list[str]:
    """A hand-made bucket in the server's cloud, and the import arguments that adopt it into stack `adopt`."""
    boto3.client("s3", region_name=REGION, endpoint_url=endpoint).create_bucket(Bucket=name)
    Path("t.yaml").write_text(
        f"Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n"
        f"    Properties:\n      BucketName: {name}\n"
    )
    return ["import", "--stack", "adopt", "--template", "t.yaml"]


def leftovers(endpoint: str) -> tuple[list[str], list[str]]:
    """(change sets of stack adopt, stacks in REVIEW_IN_PROGRESS) in the server's cloud."""
    client = cfn(endpoint)
    stacks = [s for s in client.list_stacks()["StackSummaries"] if s["StackStatus"] == "REVIEW_IN_PROGRESS"]
    change_sets: list[str] = []
    for s in stacks:
        change_sets += [
            c["ChangeSetName"] for c in client.list_change_sets(StackName=s["StackId"])["Summaries"]
        ]
    return change_sets, [s["StackName"] for s in stacks]


@pytest.mark.parametrize("slow_cloud", [{"change_set_seconds": 60}], indirect=True)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_import_interrupted_while_its_change_set_is_created_removes_it(slow_cloud: str, sig: int) -> None:
    args = bucket_import(slow_cloud)
    code, err = interrupt_after([*args, "--dry-run"], "created change set iacgen-import-", sig)
    assert code == 130, err
    assert "stopped: change set deleted, empty stack deleted; nothing was imported" in err
    # nothing to resume
    assert "hint: what this run created is removed (by the next run, if this one could not); re-run" in err
    assert [line for line in err.splitlines() if line.startswith("error:")] == ["error: interrupted"]
    assert leftovers(slow_cloud) == ([], [])
    assert saved_state()["pending_change_sets"] == []


@pytest.mark.parametrize("slow_cloud", [{"change_set_seconds": 60}], indirect=True)
def test_a_killed_import_leaves_a_record_and_the_next_import_removes_what_it_left(slow_cloud: str) -> None:
    args = bucket_import(slow_cloud)
    code, err = interrupt_after([*args, "--dry-run"], "created change set iacgen-import-", signal.SIGKILL)
    assert code == -signal.SIGKILL, err
    change_sets, stacks = leftovers(slow_cloud)
    assert len(change_sets) == 1 and stacks == ["adopt"]  # what the killed run could not clean up
    (pending,) = saved_state()["pending_change_sets"]
    assert pending["change_set_name"] == change_sets[0] and pending["stack"] == "adopt"

    other = bucket_import(slow_cloud, "other-logs")  # the next import, of another template, cleans up first
    Path("o.yaml").write_text(Path("t.yaml").read_text())
    again = subprocess.Popen(
        iacgen(*other[:2], "other", "--template", "o.yaml", "--dry-run"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        preexec_fn=sigint_as_on_a_terminal,
    )
    assert again.stderr is not None
    seen: list[str] = []
    for line in again.stderr:
        seen.append(line)
        if "created change set" in line:  # the leftover is gone before the new change set is made
            assert leftovers(slow_cloud)[1] == ["other"], "".join(seen)
            again.send_signal(signal.SIGINT)
            break
    text = "".join(seen) + again.stderr.read()
    assert again.wait(timeout=30) == 130, text
    assert (
        f"an interrupted import left change set {change_sets[0]} on stack adopt: "
        "change set deleted, empty stack deleted"
    ) in " ".join(text.split()), text
    assert leftovers(slow_cloud) == ([], [])
    assert saved_state()["pending_change_sets"] == []


SLEEP_INTERRUPTED_INSIDE_EXEC = '''
import time

_sleep = time.sleep


def sleep(seconds):
    """The first wait is interrupted from inside exec() of a string, as a Ctrl-C landing while a dataclass
    is being built would be."""
    time.sleep = _sleep
    exec("raise KeyboardInterrupt")


time.sleep = sleep
'''


@pytest.mark.parametrize("slow_cloud", [{"scan_seconds": 30}], indirect=True)
def test_python_m_exits_130_when_the_interrupt_lands_inside_exec(slow_cloud: str, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(SLEEP_INTERRUPTED_INSIDE_EXEC)
    environment = {**env(), "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(iacgen("scan"), capture_output=True, text=True, timeout=120, env=environment)
    assert done.returncode == 130, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == ["error: interrupted"]

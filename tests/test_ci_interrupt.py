"""A real signal to `iacgen ci` while its IMPORT change set exists: exit 130, and the account holds nothing
the run created (the change set, the REVIEW_IN_PROGRESS stack, the generated template). The CLI runs in a
subprocess against the local cloud's server, whose change sets take seconds to create."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import boto3
import pytest

from tests.test_ci import MANIFEST
from tests.test_interrupt import cfn, env, iacgen, interrupt_after, run, slow_cloud

__all__ = ["slow_cloud"]  # the fixture, used by name


@pytest.mark.server
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("slow_cloud", [{"change_set_seconds": 60}], indirect=True)
def test_a_signal_while_the_change_set_exists_leaves_nothing_behind(slow_cloud: str, signum: int) -> None:
    assert run("local", "seed", "workshop").returncode == 0
    Path("iacgen.yaml").write_text(MANIFEST)
    code, err = interrupt_after(["ci"], "created change set iacgen-import-", signum)
    assert code == 130, err
    assert [line for line in err.splitlines() if line.startswith("error:")] == ["error: interrupted"], err
    assert "hint: what this run created was removed" in err and "to resume" not in err  # a re-run starts over
    assert "Traceback" not in err
    client = cfn(slow_cloud)
    assert client.list_generated_templates()["Summaries"] == []
    stacks = client.list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks] == ["DELETE_COMPLETE"]  # the review stack ci created, removed
    assert client.list_change_sets(StackName=stacks[0]["StackId"])["Summaries"] == []
    assert json.loads(Path(".iacgen/ci/ci-cleanup.json").read_text()) == []
    assert not Path("iacgen-report/report.json").exists()  # an interrupted run writes no verdict


@pytest.mark.server
@pytest.mark.parametrize("slow_cloud", [{"template_seconds": 6}], indirect=True)
def test_a_signal_while_the_template_generates_leaves_no_template_and_no_stale_verdict(
    slow_cloud: str,
) -> None:
    assert run("local", "seed", "workshop").returncode == 0
    Path("iacgen.yaml").write_text(MANIFEST)
    Path("iacgen-report").mkdir()
    Path("iacgen-report/report.json").write_text('{"verdict": "pass"}\n')  # an earlier run's
    code, err = interrupt_after(["ci"], "creating generated template iacgen-ci-", signal.SIGINT)
    assert code == 130, err
    assert "could not remove" not in err, err  # it waited for the generation to settle, then deleted it
    assert cfn(slow_cloud).list_generated_templates()["Summaries"] == []
    assert not Path("iacgen-report/report.json").exists()  # no verdict, and not the earlier one either


TARGETS = "targets:\n  - {name: east, region: us-east-1}\n  - {name: west, region: eu-west-1}\n"


@pytest.mark.server
@pytest.mark.parametrize("slow_cloud", [{"change_set_seconds": 60}], indirect=True)
def test_a_signal_stops_every_target_at_once_and_leaves_nothing_in_any(slow_cloud: str) -> None:
    """The main thread tells the workers to stop: the one waiting on its change set ends in that wait (not
    after its 60 s), the other at its next step, each removing what it created; exit 130, no report."""
    for region in ("us-east-1", "eu-west-1"):
        assert run("--region", region, "local", "seed", "workshop").returncode == 0
    Path("iacgen.yaml").write_text(MANIFEST.replace("version: 1\n", "version: 1\n" + TARGETS))
    code, err = interrupt_after(["ci"], "created change set iacgen-import-", signal.SIGINT)  # within 30 s
    assert code == 130, err
    assert [line for line in err.splitlines() if line.startswith("error:")] == ["error: interrupted"], err
    assert "Traceback" not in err and "could not remove" not in err, err
    for region in ("us-east-1", "eu-west-1"):
        client = boto3.client("cloudformation", region_name=region, endpoint_url=slow_cloud)
        assert client.list_generated_templates()["Summaries"] == [], region
        stacks = client.list_stacks()["StackSummaries"]
        assert [s["StackStatus"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"] == [], region
    for name in ("east", "west"):
        record = Path(f".iacgen/targets/{name}/ci/ci-cleanup.json")
        assert not record.exists() or json.loads(record.read_text()) == [], name
    assert not Path("iacgen-report/report.json").exists()  # an interrupted run writes no verdict


@pytest.mark.server
@pytest.mark.parametrize("slow_cloud", [{"template_seconds": 4}], indirect=True)
def test_a_second_ci_in_the_directory_is_refused_and_a_killed_one_blocks_nothing(slow_cloud: str) -> None:
    """The second run is refused before it does anything (before, it removed the first's live template as
    an interrupted run's leftover); a run killed with -9 holds no lock, and the next removes what it left."""
    assert run("local", "seed", "workshop").returncode == 0
    Path("iacgen.yaml").write_text(MANIFEST)
    first = subprocess.Popen(
        iacgen("ci"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env()
    )
    assert first.stderr is not None
    seen = []
    for line in first.stderr:  # the first run is generating: its template is live in the account
        seen.append(line)
        if "creating generated template iacgen-ci-" in line:
            break
    else:
        pytest.fail("".join(seen))
    second = run("ci")
    assert second.returncode == 2, second.stderr
    assert (
        second.stderr.splitlines()[0]
        == f"error: another iacgen ci is running in this directory (pid {first.pid})"
    )
    assert "--state-dir" in second.stderr and "--report-dir" in second.stderr
    assert "removing" not in second.stderr
    assert len(cfn(slow_cloud).list_generated_templates()["Summaries"]) == 1  # the first's, untouched
    first.kill()  # -9: no clean-up, and no lock left held
    assert first.wait(timeout=30) == -signal.SIGKILL
    third = run("ci")
    assert third.returncode == 0, third.stderr
    assert "removing 1 object(s) an earlier, interrupted ci run left behind" in third.stderr
    assert cfn(slow_cloud).list_generated_templates()["Summaries"] == []
    assert json.loads(Path("iacgen-report/report.json").read_text())["verdict"] == "pass"

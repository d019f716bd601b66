"""generate at scale, through the CLI against the in-process local cloud seeded with the sprawl scenario."""

from __future__ import annotations

import json
from typing import Any

import pytest

REGION = "us-east-1"


@pytest.fixture
def sprawl_300(cloud: None) -> Any:
    from iacgen.localcloud import sprawl

    return sprawl.seed(300, region=REGION)  # 9 networks of 25 (90 instances), data sets, buckets


@pytest.fixture
def sprawl_600(cloud: None) -> Any:
    from iacgen.localcloud import sprawl

    return sprawl.seed(600, region=REGION)  # 18 networks of 25 (4 instances each: 72), data sets, buckets


def test_rows_of_one_kind_beyond_a_screenful_are_counted_by_type(cli: Any, sprawl_600: Any) -> None:
    assert cli("scan").exit_code == 0
    args = [
        "generate",
        "nets",
        "--select",
        "type=AWS::EC2::VPC",
        "--related",
        "--exclude",
        "type=AWS::EC2::Instance",
    ]
    done = cli(*args)
    assert done.exit_code == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if "left out: --exclude" in line]
    assert len(lines) == 1  # 72 instances left out: one row, not 72
    assert "AWS::EC2::Instance" in lines[0] and "72 resources" in lines[0]
    assert "--output json lists each" in lines[0]
    assert sum("(one row per type" in line for line in done.stdout.splitlines()) >= 2  # the added ones too
    assert len(done.stdout.splitlines()) < 120
    # the JSON keeps every row
    again = cli("--output", "json", *args)
    data = again.json()
    assert len(data["selection"]["skipped_excluded"]) == 72
    assert "cloudformation:CreateGeneratedTemplate" not in data["api_calls"]  # resumed: the same request
    assert data["api_calls"]["cloudformation:ListResourceScanRelatedResources"] >= 1
    assert json.loads(json.dumps(data)) == data


def _refs(value: Any) -> set[str]:
    """Logical ids a template value points at with Ref or Fn::GetAtt (short or long form)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt":
                target = v[0] if isinstance(v, list) else str(v).split(".")[0]
                found.add(str(target))
            else:
                found |= _refs(v)
    elif isinstance(value, list):
        for item in value:
            found |= _refs(item)
    return found


def test_a_selection_beyond_one_template_becomes_a_set_of_templates(cli: Any, sprawl_300: Any) -> None:
    """At --max-resources 100 (the service's 500 by default; the partition is the same code, tests/core/
    test_partition.py splits 1,220 resources at 500), to keep the generation quick."""
    from pathlib import Path

    assert cli("scan").exit_code == 0
    args = [
        "--output",
        "json",
        "generate",
        "big",
        "--select",
        "type=AWS::EC2::VPC",
        "--related",
        "--format",
        "json",
        "--max-resources",
        "100",
    ]
    done = cli(*args)
    assert done.exit_code == 0, done.stderr
    data = done.json()
    names = data["set"]
    assert len(names) >= 3 and sorted(names) == [f"big-{i}" for i in range(1, len(names) + 1)]
    selected = {
        (r["type"], json.dumps(r["identifier"], sort_keys=True)) for r in data["selection"]["selected"]
    }
    added = {(r["type"], json.dumps(r["identifier"], sort_keys=True)) for r in data["selection"]["added"]}
    wanted = selected | added
    assert len(wanted) == 242  # 9 networks of 25 and moto's default VPC with what it holds
    seen: list[tuple[str, str]] = []
    for part in data["parts"]:
        body = json.loads(Path(part["template_path"]).read_text())
        resources = body["Resources"]
        assert 0 < len(resources) <= 100
        # every Ref and GetAtt resolves inside its own template
        for logical_id, res in resources.items():
            assert _refs(res) <= set(resources) | set(body.get("Parameters", {})), logical_id
        to_import = json.loads(Path(part["resources_path"]).read_text())
        assert {r["LogicalResourceId"] for r in to_import} == set(resources)
        seen += [(r["ResourceType"], json.dumps(r["ResourceIdentifier"], sort_keys=True)) for r in to_import]
    assert len(seen) == len(set(seen)) and set(seen) == wanted  # each resource in exactly one template
    # networks are separate groups: nothing crosses, neither known relations nor literal identifiers
    assert data["partition"]["crossings"] == [] and data["literal_references"] == []
    assert data["partition"]["cut_groups"] == []
    # the same selection gives the same partition: the re-run picks every template up unchanged
    again = cli(*args)
    assert again.exit_code == 0, again.stderr
    assert [p["template"]["action"] for p in again.json()["parts"]] == ["resumed"] * len(names)
    assert again.json()["set"] == names
    state = json.loads(Path(".iacgen/state.json").read_text())
    assert state["sets"]["big"] == names
    # warnings take the set as one plan
    warned = cli("--output", "json", "warnings", "big")
    assert warned.exit_code == 0, warned.stderr
    owners = {r["logical_id"].split("/", 1)[0] for r in warned.json()["resources"]}
    assert owners and owners <= set(names)


def test_the_parts_of_a_set_are_generated_at_once(cli: Any, sprawl_300: Any, local_settings: Any) -> None:
    """Three parts, and the service's clock held still once they are submitted: all three are in progress
    together (one after another, only one ever would be); then time moves on and every part completes."""
    import threading
    import time

    import boto3

    assert cli("scan").exit_code == 0
    held = [time.time()]
    local_settings.configure(clock=lambda: held[0], template_seconds=10)
    done: dict[str, Any] = {}
    args = ["--output", "json", "generate", "big", "--select", "type=AWS::EC2::VPC", "--related"]
    worker = threading.Thread(target=lambda: done.update(result=cli(*args, "--max-resources", "100")))
    worker.start()
    cfn = boto3.client("cloudformation", region_name=REGION)
    busy, deadline = 0, time.monotonic() + 60  # a condition with a generous bound, not a timed race
    while busy < 3 and time.monotonic() < deadline and worker.is_alive():
        summaries = cfn.list_generated_templates()["Summaries"]
        busy = max(busy, sum(s["Status"] in ("CREATE_PENDING", "CREATE_IN_PROGRESS") for s in summaries))
        time.sleep(0.05)
    held[0] += 3600  # let every part finish
    worker.join(timeout=120)
    result = done["result"]
    assert result.exit_code == 0, result.stderr
    names = [p["name"] for p in result.json()["parts"]]
    assert len(names) >= 3 and names == [f"big-{i}" for i in range(1, len(names) + 1)]
    assert busy == 3  # PARALLEL_PARTS at once

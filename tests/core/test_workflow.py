"""The workflow used as a library: each step with a list reporter, the results' to_dict(), and the state the
steps leave in the workspace. The same world as the demo; no CLI involved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from iacgen.core import workflow
from iacgen.core.reporter import ChangeSetReady, ListReporter, ScanProgress, StackEvent
from iacgen.core.workspace import Workspace

REGION = "us-east-1"


def test_the_whole_workflow_as_a_library(aws: Any, workshop: Any) -> None:
    ws = Workspace(Path("state"))
    report = ListReporter()

    scanned = workflow.scan(ws, aws, workflow.ScanRequest(), report)
    assert scanned.complete and scanned.outcome.action == "started"
    assert report.lines("info")[0] == f"started scan {scanned.outcome.scan.scan_id}"
    assert any(isinstance(e, ScanProgress) for e in report.events)
    assert ws.load().scan_id == scanned.outcome.scan.scan_id
    as_json = json.loads(json.dumps(scanned.to_dict()))
    assert as_json["total"] == sum(as_json["resources_by_type"].values()) > 0

    report = ListReporter()
    request = workflow.GenerateRequest("ws", select=["type=AWS::EC2::Instance"], related_depth=1)
    generated = workflow.generate(ws, aws, request, report)
    data = generated.to_dict()
    assert data["template_path"] == "ws.yaml" and data["resources_path"] == "ws.resources.json"
    assert json.loads(Path("ws.resources.json").read_text()) == data["template"]["resources_to_import"]
    assert data["template"]["action"] == "created" and data["selection"]["scan_id"] == ws.load().scan_id
    assert "creating generated template ws" in report.lines("info")
    record = ws.load().templates["ws"]
    assert record.template_path == "ws.yaml" and ws.load().last_template == "ws"

    found = workflow.warnings(ws, aws)  # the last template generated here
    assert found.name == "ws" and found.failure() is None
    assert workflow.warnings(ws, aws, fail_on=["UNSUPPORTED_PROPERTIES"]).failure() is not None

    report = ListReporter()
    patched = workflow.patch_file(
        ws,
        workflow.PatchRequest(
            Path("ws.yaml"), deletion_policy="Delete", types=["AWS::EC2::Instance"], in_place=True
        ),
        report,
    )
    assert patched.to_dict()["out"] == "ws.yaml" and patched.to_dict()["in_place"] is True
    assert [(c.logical_id, c.old, c.new) for c in patched.patch.changed] == [
        ("EC2Instance", "Retain", "Delete")
    ]
    assert report.lines("info") == ["ws.yaml: 1 policy change(s) on 1 resource(s) -> ws.yaml"]

    report = ListReporter()
    imported = workflow.run_import(
        ws, aws, workflow.ImportRequest("ws", mode=workflow.ImportMode.EXECUTE), report
    )
    doc = imported.to_dict()
    assert doc["execution"]["status"] == "IMPORT_COMPLETE" and doc["discarded"] is None
    ready = [e for e in report.events if isinstance(e, ChangeSetReady)]
    assert len(ready) == 1 and ready[0].change_set.change_set_id == doc["change_set"]["change_set_id"]
    assert any(isinstance(e, StackEvent) for e in report.events)
    assert report.lines("info")[0] == "using ws.yaml from the last generated template (ws)"
    assert ws.load().templates["ws"].stack == "ws"
    cfn = boto3.client("cloudformation", region_name=REGION)
    physical = {
        r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="ws")["StackResources"]
    }
    assert workshop.instance_id in physical and len(physical) == len(doc["plan"]["to_import"])


def test_a_dry_run_and_a_refused_confirmation_leave_nothing(aws: Any, workshop: Any) -> None:
    ws = Workspace(Path("state"))
    workflow.scan(ws, aws, workflow.ScanRequest())
    workflow.generate(ws, aws, workflow.GenerateRequest("ws", select=["type=AWS::EC2::KeyPair"]))
    cfn = boto3.client("cloudformation", region_name=REGION)

    dry = workflow.run_import(ws, aws, workflow.ImportRequest("ws"))
    assert dry.discarded is not None and dry.discarded.stack_deleted and dry.execution is None
    asked: list[str] = []

    def no(result: Any) -> bool:
        asked.append(result.change_set_name)
        return False

    report = ListReporter()
    refused = workflow.run_import(
        ws, aws, workflow.ImportRequest("ws", mode=workflow.ImportMode.CONFIRM), report, confirm=no
    )
    assert asked == [refused.to_dict()["change_set"]["change_set_name"]]
    assert (
        report.lines("info")[-1]
        == "not executed: change set deleted, empty stack deleted; nothing was imported"
    )
    live = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert live == []
    assert ws.load().templates["ws"].stack is None

"""`import --execute` verifies the stack after IMPORT_COMPLETE: physical ids equal the identifiers imported,
and drift detection finds each resource IN_SYNC; a resource changed between generate and import is MODIFIED,
naming the property (a warning: the stack holds it, the template does not describe it). --no-verify skips."""

from __future__ import annotations

import json
from typing import Any

import boto3

REGION = "us-east-1"


def _generate(cli: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    result = cli("-q", "generate", "ws", "--select", "type=AWS::EC2::Instance", "--related-depth", "1")
    assert result.exit_code == 0, result.stderr


def test_a_clean_import_is_verified_in_sync(cli: Any, workshop: Any) -> None:
    _generate(cli)
    result = cli("-o", "json", "import", "--stack", "ws", "--execute")
    assert result.exit_code == 0, result.stderr
    verification = result.json()["verification"]
    assert verification["ok"] is True and verification["detection_status"] == "DETECTION_COMPLETE"
    checks = {r["logical_id"]: r for r in verification["resources"]}
    assert len(checks) == 5
    assert {r["drift"] for r in checks.values()} == {"IN_SYNC"}
    assert all(r["id_matches"] for r in checks.values())
    assert checks["EC2Instance"]["physical_id"] == workshop.instance_id
    assert "verified 5 imported resource(s) of stack ws: 5 IN_SYNC" in " ".join(result.stderr.split())
    table = cli("import", "--stack", "ws", "--execute")  # nothing left to import: no verification to show
    assert table.exit_code == 0


def test_a_resource_changed_after_generate_is_modified_naming_the_property(cli: Any, workshop: Any) -> None:
    _generate(cli)
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.modify_instance_attribute(InstanceId=workshop.instance_id, SourceDestCheck={"Value": False})
    result = cli("-o", "json", "import", "--stack", "ws", "--execute")
    assert result.exit_code == 0, result.stderr
    verification = result.json()["verification"]
    assert verification["ok"] is False
    (changed,) = [r for r in verification["resources"] if r["drift"] != "IN_SYNC"]
    assert (changed["logical_id"], changed["drift"]) == ("EC2Instance", "MODIFIED")
    assert changed["differences"] == [
        {"path": "/SourceDestCheck", "expected": "true", "actual": "false", "kind": "NOT_EQUAL"}
    ]
    line = " ".join(result.stderr.split())
    assert "warning: stack ws does not match its template: EC2Instance MODIFIED (/SourceDestCheck)" in line
    assert "error:" not in line
    stack = boto3.client("cloudformation", region_name=REGION).describe_stacks(StackName="ws")["Stacks"][0]
    assert stack["StackStatus"] == "IMPORT_COMPLETE"  # the import itself is done


def test_no_verify_skips_drift_detection(cli: Any, workshop: Any) -> None:
    _generate(cli)
    result = cli("-o", "json", "-v", "import", "--stack", "ws", "--execute", "--no-verify")
    assert result.exit_code == 0, result.stderr
    assert result.json()["verification"] is None
    assert "DetectStackDrift" not in result.stderr


def test_a_tag_added_after_generate_is_one_difference_not_a_shift_of_others(cli: Any, cloud: None) -> None:
    """Tags are an unordered list (insertionOrder false): a tag sorting between two others is one ADD,
    and the unchanged tags are no difference at all (a positional comparison shifted them)."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="orders", tags={"a": "1", "c": "3"})["QueueUrl"]
    assert cli("-q", "scan").exit_code == 0
    assert cli("-q", "generate", "q", "--select", "type=AWS::SQS::Queue").exit_code == 0
    sqs.tag_queue(QueueUrl=url, Tags={"b": "2"})
    result = cli("-o", "json", "import", "--stack", "q", "--execute")
    assert result.exit_code == 0, result.stderr
    (queue,) = result.json()["verification"]["resources"]
    assert queue["drift"] == "MODIFIED"
    (added,) = queue["differences"]
    assert added["kind"] == "ADD" and added["path"].startswith("/Tags/"), added
    assert added["expected"] == "" and json.loads(added["actual"]) == {"Key": "b", "Value": "2"}

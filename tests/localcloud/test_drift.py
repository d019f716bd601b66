"""Drift detection in the local cloud, through boto3: a stack imported from a generated template is IN_SYNC;
a property changed afterwards is MODIFIED with the service's PropertyDifferences; a deleted resource is
DELETED; the shapes are botocore's (the waiter-free polling the product does works on them)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"


@pytest.fixture
def imported(workshop: Any, local_settings: Any) -> tuple[Any, dict[str, str]]:
    """The workshop's VPC, subnet, security group and key pair, generated and imported as the service does."""
    local_settings.configure(template_seconds=0.0)
    w = workshop
    cfn = boto3.client("cloudformation", region_name=REGION)
    wanted = [
        ("AWS::EC2::VPC", {"VpcId": w.vpc_id}),
        ("AWS::EC2::Subnet", {"SubnetId": w.subnet_id}),
        ("AWS::EC2::SecurityGroup", {"Id": w.security_group_id}),
        ("AWS::EC2::KeyPair", {"KeyName": w.key_name}),
    ]
    cfn.create_generated_template(
        GeneratedTemplateName="d",
        Resources=[{"ResourceType": t, "ResourceIdentifier": i} for t, i in wanted],
    )
    described = cfn.describe_generated_template(GeneratedTemplateName="d")
    ids = {r["ResourceType"]: r["LogicalResourceId"] for r in described["Resources"]}
    body = cfn.get_generated_template(GeneratedTemplateName="d", Format="YAML")["TemplateBody"]
    cfn.create_change_set(
        StackName="drifty",
        ChangeSetName="adopt",
        ChangeSetType="IMPORT",
        TemplateBody=body,
        ResourcesToImport=[
            {"ResourceType": t, "LogicalResourceId": ids[t], "ResourceIdentifier": i} for t, i in wanted
        ],
    )
    cfn.execute_change_set(StackName="drifty", ChangeSetName="adopt")
    return cfn, ids


def _detect(cfn: Any, **kw: Any) -> dict[str, Any]:
    detection = cfn.detect_stack_drift(StackName="drifty", **kw)["StackDriftDetectionId"]
    status: dict[str, Any] = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    assert status["StackDriftDetectionId"] == detection and status["DetectionStatus"] == "DETECTION_COMPLETE"
    return status


def _drifts(cfn: Any) -> dict[str, dict[str, Any]]:
    pages = cfn.describe_stack_resource_drifts(StackName="drifty")["StackResourceDrifts"]
    return {d["LogicalResourceId"]: d for d in pages}


def test_a_fresh_import_is_in_sync(imported: Any) -> None:
    cfn, ids = imported
    status = _detect(cfn)
    assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("IN_SYNC", 0)
    drifts = _drifts(cfn)
    assert set(drifts) == set(ids.values())
    assert {d["StackResourceDriftStatus"] for d in drifts.values()} == {"IN_SYNC"}
    vpc = drifts[ids["AWS::EC2::VPC"]]
    assert vpc["PhysicalResourceId"] == vpc["PhysicalResourceId"] and vpc["ResourceType"] == "AWS::EC2::VPC"
    assert json.loads(vpc["ExpectedProperties"])["CidrBlock"] == "10.0.0.0/16"
    assert vpc["PropertyDifferences"] == []


def test_a_changed_property_is_modified_with_its_path_and_values(imported: Any, workshop: Any) -> None:
    cfn, ids = imported
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.modify_vpc_attribute(VpcId=workshop.vpc_id, EnableDnsSupport={"Value": False})
    ec2.authorize_security_group_ingress(
        GroupId=workshop.security_group_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    status = _detect(cfn)
    assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 2)
    drifts = _drifts(cfn)
    vpc = drifts[ids["AWS::EC2::VPC"]]
    assert vpc["StackResourceDriftStatus"] == "MODIFIED"
    assert vpc["PropertyDifferences"] == [
        {
            "PropertyPath": "/EnableDnsSupport",
            "ExpectedValue": "true",
            "ActualValue": "false",
            "DifferenceType": "NOT_EQUAL",
        }
    ]
    group = drifts[ids["AWS::EC2::SecurityGroup"]]
    assert group["StackResourceDriftStatus"] == "MODIFIED"
    added = [d for d in group["PropertyDifferences"] if d["DifferenceType"] == "ADD"]
    assert [d["PropertyPath"] for d in added] == ["/SecurityGroupIngress/1"]
    assert json.loads(added[0]["ActualValue"])["FromPort"] == "443"
    assert drifts[ids["AWS::EC2::Subnet"]]["StackResourceDriftStatus"] == "IN_SYNC"
    only = cfn.describe_stack_resource_drifts(
        StackName="drifty", StackResourceDriftStatusFilters=["MODIFIED"]
    )
    assert {d["LogicalResourceId"] for d in only["StackResourceDrifts"]} == {
        ids["AWS::EC2::VPC"],
        ids["AWS::EC2::SecurityGroup"],
    }
    single = cfn.detect_stack_resource_drift(StackName="drifty", LogicalResourceId=ids["AWS::EC2::VPC"])
    assert single["StackResourceDrift"]["StackResourceDriftStatus"] == "MODIFIED"


def test_a_deleted_resource_is_deleted_and_bad_requests_are_refused(imported: Any, workshop: Any) -> None:
    cfn, ids = imported
    boto3.client("ec2", region_name=REGION).delete_key_pair(KeyName=workshop.key_name)
    status = _detect(cfn, LogicalResourceIds=[ids["AWS::EC2::KeyPair"]])
    assert status["StackDriftStatus"] == "DRIFTED"
    assert _drifts(cfn)[ids["AWS::EC2::KeyPair"]]["StackResourceDriftStatus"] == "DELETED"
    with pytest.raises(ClientError) as err:
        cfn.detect_stack_drift(StackName="drifty", LogicalResourceIds=["Nope"])
    assert err.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError):
        cfn.detect_stack_drift(StackName="no-such-stack")
    with pytest.raises(ClientError):
        cfn.describe_stack_drift_detection_status(
            StackDriftDetectionId="00000000-0000-0000-0000-000000000000"
        )


def test_security_group_rules_compare_as_a_set(imported: Any, workshop: Any) -> None:
    """Rules are unordered (insertionOrder false): a replaced rule is one REMOVE (the template's) and one
    ADD (the live one), not NOT_EQUAL on each field of whatever sits at the same position; an added rule
    leaves the one that was there alone."""
    cfn, ids = imported
    ec2 = boto3.client("ec2", region_name=REGION)
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.revoke_security_group_ingress(GroupId=workshop.security_group_id, IpPermissions=[ssh])
    for port in (443, 8):  # "8" sorts before "22": sorting both sides would pair it with the template's 22
        rule = {**ssh, "FromPort": port, "ToPort": port}
        ec2.authorize_security_group_ingress(GroupId=workshop.security_group_id, IpPermissions=[rule])
    _detect(cfn, LogicalResourceIds=[ids["AWS::EC2::SecurityGroup"]])
    differences = _drifts(cfn)[ids["AWS::EC2::SecurityGroup"]]["PropertyDifferences"]
    kinds = sorted((d["DifferenceType"], d["PropertyPath"].rsplit("/", 1)[0]) for d in differences)
    assert kinds == [("ADD", "/SecurityGroupIngress")] * 2 + [("REMOVE", "/SecurityGroupIngress")]
    (removed,) = [json.loads(d["ExpectedValue"]) for d in differences if d["DifferenceType"] == "REMOVE"]
    assert removed["FromPort"] == "22"
    added = {json.loads(d["ActualValue"])["FromPort"] for d in differences if d["DifferenceType"] == "ADD"}
    assert added == {"443", "8"}

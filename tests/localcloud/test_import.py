"""IMPORT change sets in the local cloud: adoption of the existing objects (not copies), the service's
validation, deletion by DeletionPolicy, and the moto internals the override relies on."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, WaiterError

REGION = "us-east-1"


def _cfn() -> Any:
    return boto3.client("cloudformation", region_name=REGION)


def _ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


def workshop_template(
    w: Any, policy: str = "Retain", policies: dict[str, str] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """The workshop written by hand: template, ResourcesToImport, expected physical id per logical id."""
    ref = {"Ref": "Vpc"}
    spec: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
        "Vpc": ("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/16"}, {"VpcId": w.vpc_id}),
        "Subnet": (
            "AWS::EC2::Subnet",
            {"VpcId": ref, "CidrBlock": "10.0.1.0/24"},
            {"SubnetId": w.subnet_id},
        ),
        "Igw": ("AWS::EC2::InternetGateway", {}, {"InternetGatewayId": w.internet_gateway_id}),
        "IgwAttachment": (
            "AWS::EC2::VPCGatewayAttachment",
            {"VpcId": ref, "InternetGatewayId": {"Ref": "Igw"}},
            {"AttachmentType": "IGW", "VpcId": w.vpc_id},
        ),
        "RouteTable": ("AWS::EC2::RouteTable", {"VpcId": ref}, {"RouteTableId": w.route_table_id}),
        "DefaultRoute": (
            "AWS::EC2::Route",
            {
                "RouteTableId": {"Ref": "RouteTable"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": {"Ref": "Igw"},
            },
            {"RouteTableId": w.route_table_id, "CidrBlock": "0.0.0.0/0"},
        ),
        "RouteAssoc": (
            "AWS::EC2::SubnetRouteTableAssociation",
            {"RouteTableId": {"Ref": "RouteTable"}, "SubnetId": {"Ref": "Subnet"}},
            {"Id": w.route_table_association_id},
        ),
        "Sg": (
            "AWS::EC2::SecurityGroup",
            {"GroupDescription": "Allow SSH", "VpcId": ref},
            {"Id": w.security_group_id},
        ),
        "Key": ("AWS::EC2::KeyPair", {"KeyName": w.key_name}, {"KeyName": w.key_name}),
        "Instance": (
            "AWS::EC2::Instance",
            {"SubnetId": {"Ref": "Subnet"}, "SecurityGroupIds": [{"Ref": "Sg"}], "KeyName": {"Ref": "Key"}},
            {"InstanceId": w.instance_id},
        ),
        "Acl": ("AWS::EC2::NetworkAcl", {"VpcId": ref}, {"Id": w.network_acl_id}),
        "AclAssoc": (
            "AWS::EC2::SubnetNetworkAclAssociation",
            {"NetworkAclId": {"Ref": "Acl"}, "SubnetId": {"Ref": "Subnet"}},
            {"AssociationId": w.network_acl_association_id},
        ),
    }
    policies = policies or {}
    resources = {
        lid: {"Type": t, "DeletionPolicy": policies.get(lid, policy), "Properties": props}
        for lid, (t, props, _) in spec.items()
    }
    to_import = [
        {"ResourceType": t, "LogicalResourceId": lid, "ResourceIdentifier": ident}
        for lid, (t, _, ident) in spec.items()
    ]
    expected = {lid: "|".join(ident.values()) for lid, (_, _, ident) in spec.items()}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, to_import, expected


def ec2_counts() -> dict[str, int]:
    ec2 = _ec2()
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    return {
        "vpcs": len(ec2.describe_vpcs()["Vpcs"]),
        "subnets": len(ec2.describe_subnets()["Subnets"]),
        "instances": len(instances),
        "security_groups": len(ec2.describe_security_groups()["SecurityGroups"]),
        "key_pairs": len(ec2.describe_key_pairs()["KeyPairs"]),
        "internet_gateways": len(ec2.describe_internet_gateways()["InternetGateways"]),
        "route_tables": len(ec2.describe_route_tables()["RouteTables"]),
    }


def create_import(
    stack: str,
    template: dict[str, Any] | str,
    to_import: list[dict[str, Any]],
    name: str = "adopt",
    **kw: Any,
) -> dict[str, Any]:
    body = template if isinstance(template, str) else json.dumps(template)
    args: dict[str, Any] = {"TemplateURL": kw.pop("url")} if "url" in kw else {"TemplateBody": body}
    result: dict[str, Any] = _cfn().create_change_set(
        StackName=stack, ChangeSetName=name, ChangeSetType="IMPORT", ResourcesToImport=to_import, **args, **kw
    )
    return result


def run_import(
    stack: str, template: dict[str, Any] | str, to_import: list[dict[str, Any]], **kw: Any
) -> None:
    cfn = _cfn()
    create_import(stack, template, to_import, **kw)
    cfn.get_waiter("change_set_create_complete").wait(StackName=stack, ChangeSetName="adopt")
    cfn.execute_change_set(StackName=stack, ChangeSetName="adopt")
    cfn.get_waiter("stack_import_complete").wait(StackName=stack)


def stack_ids(stack: str) -> dict[str, str]:
    resources = _cfn().describe_stack_resources(StackName=stack)["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}


def refused(stack: str, template: dict[str, Any] | str, to_import: list[dict[str, Any]], **kw: Any) -> str:
    with pytest.raises(ClientError) as info:
        create_import(stack, template, to_import, **kw)
    assert info.value.response["Error"]["Code"] == "ValidationError"
    return str(info.value.response["Error"]["Message"])


def test_import_adopts_the_existing_workshop_resources(workshop: Any) -> None:
    cfn = _cfn()
    template, to_import, expected = workshop_template(workshop)
    before = ec2_counts()

    created = create_import("workshop", template, to_import)
    assert cfn.describe_stacks(StackName="workshop")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    described = cfn.describe_change_set(StackName="workshop", ChangeSetName="adopt")
    assert described["Status"] == "CREATE_COMPLETE"
    assert described["ExecutionStatus"] == "AVAILABLE"
    changes = [c["ResourceChange"] for c in described["Changes"]]
    assert {c["Action"] for c in changes} == {"Import"}
    assert {c["LogicalResourceId"]: c["PhysicalResourceId"] for c in changes} == expected
    assert {c["LogicalResourceId"]: c["ResourceType"] for c in changes} == {
        lid: r["Type"] for lid, r in template["Resources"].items()
    }

    cfn.execute_change_set(ChangeSetName=created["Id"])
    cfn.get_waiter("stack_import_complete").wait(StackName="workshop")

    assert cfn.describe_stacks(StackName="workshop")["Stacks"][0]["StackStatus"] == "IMPORT_COMPLETE"
    assert stack_ids("workshop") == expected
    assert expected["Vpc"] == workshop.vpc_id and expected["Instance"] == workshop.instance_id
    summaries = cfn.list_stack_resources(StackName="workshop")["StackResourceSummaries"]
    assert {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries} == expected
    assert {s["ResourceStatus"] for s in summaries} == {"IMPORT_COMPLETE"}
    assert ec2_counts() == before  # stock moto creates a second VPC, subnet, instance ... here

    events = [
        (e["LogicalResourceId"], e["ResourceStatus"])
        for e in cfn.describe_stack_events(StackName="workshop")["StackEvents"]
    ]
    for lid in expected:
        assert (lid, "IMPORT_IN_PROGRESS") in events and (lid, "IMPORT_COMPLETE") in events
    assert events[0] == ("workshop", "IMPORT_COMPLETE")  # newest first
    assert ("workshop", "IMPORT_IN_PROGRESS") in events

    from iacgen.localcloud import inventory

    owned = inventory.owned_keys("123456789012", REGION)
    stack_id = created["StackId"]
    assert {key for (_, key), owner in owned.items() if owner == stack_id} == set(expected.values())

    # another stack's resource is not refused: the change set is created and ends FAILED, naming the
    # resource and the owning stack in the service's words
    create_import("second", template, to_import)
    failed = cfn.describe_change_set(StackName="second", ChangeSetName="adopt")
    assert (failed["Status"], failed["ExecutionStatus"]) == ("FAILED", "UNAVAILABLE")
    first_key = next(iter(expected.values()))
    assert failed["StatusReason"] == f"{first_key} already exists in stack {stack_id}"
    with pytest.raises(WaiterError):  # the waiter the product uses stops on FAILED
        cfn.get_waiter("change_set_create_complete").wait(
            StackName="second", ChangeSetName="adopt", WaiterConfig={"Delay": 0.01, "MaxAttempts": 2}
        )
    with pytest.raises(ClientError) as not_executable:
        cfn.execute_change_set(StackName="second", ChangeSetName="adopt")
    assert not_executable.value.response["Error"]["Code"] == "InvalidChangeSetStatus"
    assert cfn.describe_stacks(StackName="second")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    cfn.delete_stack(StackName="second")

    from_stack = cfn.get_template_summary(StackName="workshop")["ResourceIdentifierSummaries"]
    assert {s["ResourceType"] for s in from_stack} == {r["ResourceType"] for r in to_import}


def _only(
    template: dict[str, Any], to_import: list[dict[str, Any]], *lids: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    resources = {lid: template["Resources"][lid] for lid in lids}
    return {"Resources": resources}, [r for r in to_import if r["LogicalResourceId"] in lids]


INVALID_REQUESTS: list[tuple[str, Any, str]] = [
    (
        "missing DeletionPolicy",
        lambda t, r: t["Resources"]["Vpc"].pop("DeletionPolicy"),
        "[Vpc] must have DeletionPolicy attribute",
    ),
    (
        "wrong identifier key",
        lambda t, r: r[0].update(ResourceIdentifier={"Id": r[0]["ResourceIdentifier"]["VpcId"]}),
        "expected the keys [VpcId], got [Id]",
    ),
    (
        "nonexistent resource",
        lambda t, r: r[0].update(ResourceIdentifier={"VpcId": "vpc-0000000000000dead"}),
        "VpcId=vpc-0000000000000dead does not exist",
    ),
    (
        "logical id not in template",
        lambda t, r: r[0].update(LogicalResourceId="Elsewhere"),
        "Resource Elsewhere in ResourcesToImport is not in the template",
    ),
    (
        "type mismatch",
        lambda t, r: r[0].update(ResourceType="AWS::EC2::Subnet"),
        "has type AWS::EC2::VPC in the template but AWS::EC2::Subnet",
    ),
    (
        "another resource rides along",
        lambda t, r: t["Resources"].update(Extra={"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain"}),
        "Resources [Extra] is missing from ResourceToImport list",
    ),
    (
        "Outputs",
        lambda t, r: t.update(Outputs={"VpcId": {"Value": {"Ref": "Vpc"}}}),
        "you cannot modify or add [Outputs]",
    ),
    (
        "parameter without a value",
        lambda t, r: t.update(Parameters={"KeyMaterial": {"Type": "String"}}),
        "Parameters: [KeyMaterial] must have values",
    ),
    ("duplicate logical id", lambda t, r: r.append(dict(r[0])), "listed more than once"),
    ("more than 200 resources", lambda t, r: r.extend([r[0]] * 200), "less than or equal to 200"),
    (
        "body over 51,200 bytes",
        lambda t, r: t.update(Description="x" * 52_000),
        "less than or equal to 51200",
    ),
]


def test_invalid_import_requests_are_refused_with_the_reason_and_leave_nothing(workshop: Any) -> None:
    cfn = _cfn()
    full, all_imports, _ = workshop_template(workshop)
    for case, mutate, expected in INVALID_REQUESTS:
        template, to_import = _only(json.loads(json.dumps(full)), json.loads(json.dumps(all_imports)), "Vpc")
        mutate(template, to_import)
        message = refused("refused", template, to_import)
        assert expected in message, f"{case}: {message}"
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="templates")
    template, to_import = _only(full, all_imports, "Vpc")
    message = refused("refused", template, to_import, url="https://templates.s3.amazonaws.com/missing.json")
    assert "does not exist" in message and "missing.json" in message
    assert cfn.list_stacks()["StackSummaries"] == []
    assert cfn.list_change_sets(StackName="refused")["Summaries"] == []

    # The body refused above for its size imports through S3 (TemplateURL to a moto object).
    template, to_import = _only(full, all_imports, "Vpc", "Subnet")
    body = json.dumps({**template, "Description": "x" * 52_000})
    boto3.client("s3", region_name=REGION).put_object(Bucket="templates", Key="big.json", Body=body.encode())
    run_import("big", body, to_import, url="https://templates.s3.amazonaws.com/big.json")
    assert stack_ids("big") == {"Vpc": workshop.vpc_id, "Subnet": workshop.subnet_id}


def test_import_into_an_existing_stack_adds_only_the_new_resources(workshop: Any) -> None:
    cfn = _cfn()
    full, all_imports, expected = workshop_template(workshop)
    template, to_import = _only(full, all_imports, "Vpc")
    run_import("net", template, to_import)

    grown, _ = _only(full, all_imports, "Vpc", "Subnet", "Key")
    new_imports = [r for r in all_imports if r["LogicalResourceId"] in ("Subnet", "Key")]
    create_import("net", grown, new_imports, name="more")
    changes = cfn.describe_change_set(StackName="net", ChangeSetName="more")["Changes"]
    assert sorted(
        (c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in changes
    ) == [
        ("Import", "Key"),
        ("Import", "Subnet"),
    ]
    cfn.execute_change_set(StackName="net", ChangeSetName="more")
    assert cfn.describe_stacks(StackName="net")["Stacks"][0]["StackStatus"] == "IMPORT_COMPLETE"
    assert stack_ids("net") == {lid: expected[lid] for lid in ("Vpc", "Subnet", "Key")}

    changed = json.loads(json.dumps(grown))
    changed["Resources"]["Vpc"]["Properties"]["CidrBlock"] = "10.9.0.0/16"
    changed["Resources"]["Sg"] = full["Resources"]["Sg"]
    sg_import = [r for r in all_imports if r["LogicalResourceId"] == "Sg"]
    assert "modified resources [Vpc]" in refused("net", changed, sg_import, name="again")
    dropped = {"Resources": {"Vpc": grown["Resources"]["Vpc"], "Sg": full["Resources"]["Sg"]}}
    assert "[Subnet, Key] of stack net are missing" in refused("net", dropped, sg_import, name="again")


def key_pair(name: str = "adopt-me") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A hand-made key pair and its import request: the cheapest world for the change-set lifecycle tests."""
    _ec2().create_key_pair(KeyName=name)
    resource = {"Type": "AWS::EC2::KeyPair", "DeletionPolicy": "Delete", "Properties": {"KeyName": name}}
    to_import = [
        {
            "ResourceType": "AWS::EC2::KeyPair",
            "LogicalResourceId": "Key",
            "ResourceIdentifier": {"KeyName": name},
        }
    ]
    return {"Resources": {"Key": resource}}, to_import


def test_import_into_a_stack_moto_created_keeps_its_resources(cloud: None) -> None:
    cfn = _cfn()
    queue = {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}}}
    cfn.create_stack(StackName="app", TemplateBody=json.dumps({"Resources": queue}))
    created_ids = stack_ids("app")
    template, to_import = key_pair()
    run_import("app", {"Resources": {**queue, **template["Resources"]}}, to_import)
    assert stack_ids("app") == {**created_ids, "Key": "adopt-me"}

    cfn.delete_stack(StackName="app")
    assert _ec2().describe_key_pairs()["KeyPairs"] == []
    assert boto3.client("sqs", region_name=REGION).list_queues().get("QueueUrls", []) == []


def test_delete_keeps_retain_and_deletes_delete(workshop: Any) -> None:
    cfn, ec2, w = _cfn(), _ec2(), workshop
    keep = {"Vpc", "Subnet", "Acl", "AclAssoc"}
    template, to_import, _ = workshop_template(w, policy="Delete", policies=dict.fromkeys(keep, "Retain"))
    run_import("ws", template, to_import)
    stack_id = cfn.describe_stacks(StackName="ws")["Stacks"][0]["StackId"]
    with pytest.raises(ClientError, match="only be specified when the stack is in the DELETE_FAILED state"):
        cfn.delete_stack(StackName="ws", RetainResources=["Instance"])

    cfn.delete_stack(StackName="ws")
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack_id)

    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert [v["VpcId"] for v in ec2.describe_vpcs(VpcIds=[w.vpc_id])["Vpcs"]] == [w.vpc_id]
    assert [s["SubnetId"] for s in ec2.describe_subnets(SubnetIds=[w.subnet_id])["Subnets"]] == [w.subnet_id]
    instance = ec2.describe_instances(InstanceIds=[w.instance_id])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] == "terminated"
    assert ec2.describe_key_pairs()["KeyPairs"] == []
    for call, kwargs in [
        (ec2.describe_security_groups, {"GroupIds": [w.security_group_id]}),
        (ec2.describe_route_tables, {"RouteTableIds": [w.route_table_id]}),
        (ec2.describe_internet_gateways, {"InternetGatewayIds": [w.internet_gateway_id]}),
    ]:
        with pytest.raises(ClientError):
            call(**kwargs)
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    skipped = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "DELETE_SKIPPED"}
    deleted = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "DELETE_COMPLETE"}
    assert skipped == keep
    assert deleted == set(template["Resources"]) - keep | {"ws"}

    # Retained resources are free again: a new stack can adopt them.
    again, again_imports = _only(template, to_import, "Vpc", "Subnet")
    run_import("ws2", again, again_imports)
    assert stack_ids("ws2") == {"Vpc": w.vpc_id, "Subnet": w.subnet_id}


def test_delete_that_ec2_refuses_leaves_the_stack_delete_failed(workshop: Any) -> None:
    cfn, ec2, w = _cfn(), _ec2(), workshop
    template, to_import, _ = workshop_template(w, policy="Delete")
    run_import("ws", template, to_import)

    cfn.delete_stack(StackName="ws")
    stack = cfn.describe_stacks(StackName="ws")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    assert stack["StackStatusReason"] == "The following resource(s) failed to delete: [Acl]. "
    failed = [
        e
        for e in cfn.describe_stack_events(StackName="ws")["StackEvents"]
        if e["ResourceStatus"] == "DELETE_FAILED"
    ]
    assert [e["LogicalResourceId"] for e in failed if e["LogicalResourceId"] != "ws"] == ["Acl"]
    assert "default network ACL" in failed[-1]["ResourceStatusReason"]
    assert ec2.describe_vpcs(VpcIds=[w.vpc_id])["Vpcs"]  # blocked behind the ACL, not attempted
    assert set(stack_ids("ws")) == {"Acl", "Vpc"}

    cfn.delete_stack(StackName="ws", RetainResources=["Acl"])
    assert cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError):
        ec2.describe_vpcs(VpcIds=[w.vpc_id])


def test_review_in_progress_stack_can_drop_its_change_set_and_be_deleted(cloud: None) -> None:
    cfn = _cfn()
    template, to_import = key_pair()
    created = create_import("pending", template, to_import)
    cfn.delete_change_set(StackName="pending", ChangeSetName="adopt")
    assert cfn.list_change_sets(StackName="pending")["Summaries"] == []
    with pytest.raises(ClientError) as info:
        cfn.describe_change_set(StackName="pending", ChangeSetName="adopt")
    assert info.value.response["Error"]["Code"] == "ChangeSetNotFound"
    assert cfn.describe_stacks(StackName="pending")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"

    second = create_import("pending", template, to_import, name="second")
    cfn.delete_stack(StackName="pending")
    assert cfn.describe_stacks(StackName=created["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError, match="does not exist"):  # its change sets went with it
        cfn.describe_change_set(ChangeSetName=second["Id"])
    assert [k["KeyName"] for k in _ec2().describe_key_pairs()["KeyPairs"]] == ["adopt-me"]


def test_change_set_executes_once_and_names_are_unique_per_stack(cloud: None) -> None:
    cfn = _cfn()
    template, to_import = key_pair()
    create_import("once", template, to_import)
    with pytest.raises(ClientError) as dup:
        create_import("once", template, to_import)
    assert dup.value.response["Error"]["Code"] == "AlreadyExistsException"
    cfn.execute_change_set(StackName="once", ChangeSetName="adopt")
    with pytest.raises(ClientError) as again:
        cfn.execute_change_set(StackName="once", ChangeSetName="adopt")
    assert again.value.response["Error"]["Code"] == "InvalidChangeSetStatus"
    assert stack_ids("once") == {"Key": "adopt-me"}


def test_execute_rolls_back_when_the_resource_vanished_in_between(cloud: None) -> None:
    cfn = _cfn()
    template, to_import = key_pair()
    create_import("gone", template, to_import)
    _ec2().delete_key_pair(KeyName="adopt-me")
    cfn.execute_change_set(StackName="gone", ChangeSetName="adopt")
    stack = cfn.describe_stacks(StackName="gone")["Stacks"][0]
    assert stack["StackStatus"] == "IMPORT_ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == "The following resource(s) failed to import: [Key]"
    assert stack_ids("gone") == {}


def test_template_summary_reports_resource_identifiers(cloud: None) -> None:
    fake = SimpleNamespace(
        vpc_id="vpc-1",
        subnet_id="subnet-1",
        internet_gateway_id="igw-1",
        route_table_id="rtb-1",
        route_table_association_id="rtbassoc-1",
        security_group_id="sg-1",
        key_name="k",
        instance_id="i-1",
        network_acl_id="acl-1",
        network_acl_association_id="aclassoc-1",
    )
    template, to_import, _ = workshop_template(fake)
    summary = _cfn().get_template_summary(TemplateBody=json.dumps(template))
    by_type = {s["ResourceType"]: s for s in summary["ResourceIdentifierSummaries"]}
    assert set(by_type) == {r["ResourceType"] for r in to_import}
    assert by_type["AWS::EC2::Route"]["ResourceIdentifiers"] == ["RouteTableId", "CidrBlock"]
    assert by_type["AWS::EC2::Route"]["LogicalResourceIds"] == ["DefaultRoute"]
    for item in to_import:
        assert sorted(by_type[item["ResourceType"]]["ResourceIdentifiers"]) == sorted(
            item["ResourceIdentifier"]
        )


def test_create_and_update_change_sets_still_use_moto(cloud: None) -> None:
    cfn = _cfn()
    body = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q1"}}}})
    cfn.create_change_set(StackName="plain", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body)
    changes = cfn.describe_change_set(StackName="plain", ChangeSetName="c")["Changes"]
    assert [c["ResourceChange"]["Action"] for c in changes] == ["Add"]
    cfn.execute_change_set(StackName="plain", ChangeSetName="c")
    assert cfn.describe_stacks(StackName="plain")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_moto_internals_the_import_override_relies_on() -> None:
    """Fails loudly when a moto upgrade moves what iacgen.localcloud.import_responses patches or reads."""
    import inspect

    from moto.cloudformation import models, parsing, responses, utils

    from iacgen.localcloud import import_responses

    for name in import_responses.PATCHED_RESPONSE_METHODS:
        assert callable(getattr(responses.CloudFormationResponse, name, None)), name
    assert callable(responses.get_template_summary_response_from_template)
    for name in (
        "generate_stack_id",
        "generate_changeset_id",
        "validate_create_change_set",
        "get_stack_from_s3_url",
    ):
        assert callable(getattr(utils, name)), name
    params = inspect.signature(models.ChangeSet.__init__).parameters
    for name in ("change_set_type", "change_set_id", "change_set_name", "stack", "template", "parameters"):
        assert name in params, name
    assert callable(models.ChangeSet.diff)
    event_params = inspect.signature(models.Event.__init__).parameters
    assert {"stack_id", "logical_resource_id", "physical_resource_id", "resource_status"} <= set(event_params)
    for name in ("parse_template", "_add_stack_event", "_create_resource_map"):
        assert callable(getattr(models.Stack, name)), name
    for name in ("_delete_resource", "load_parameters", "__getitem__"):
        assert callable(getattr(parsing.ResourceMap, name)), name
    backend_init = inspect.getsource(models.CloudFormationBackend.__init__)
    for attr in ("self.stacks", "self.deleted_stacks", "self.change_sets", "self.exports"):
        assert attr in backend_init, attr
    resource_map_init = inspect.getsource(parsing.ResourceMap.__init__)
    for attr in (
        "self._parsed_resources",
        "self._resource_json_map",
        "self._template",
        "self.input_parameters",
    ):
        assert attr in resource_map_init, attr
    stack_init = inspect.getsource(models.Stack.__init__)
    for attr in ("self.resource_map", "self.template_dict", "self.events", "self.status"):
        assert attr in stack_init, attr

"""The importer library against the local cloud: preflight refusals create nothing, imports adopt the seeded
objects (same physical ids, no new EC2 objects), dry runs leave nothing behind."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from iacgen.core import importer
from iacgen.core.errors import UsageError

REGION = "us-east-1"

# Logical id -> (type, identifier property, WorkshopWorld attribute)
WORKSHOP = {
    "VPC": ("AWS::EC2::VPC", "VpcId", "vpc_id"),
    "Subnet": ("AWS::EC2::Subnet", "SubnetId", "subnet_id"),
    "InternetGateway": ("AWS::EC2::InternetGateway", "InternetGatewayId", "internet_gateway_id"),
    "RouteTable": ("AWS::EC2::RouteTable", "RouteTableId", "route_table_id"),
    "SecurityGroup": ("AWS::EC2::SecurityGroup", "Id", "security_group_id"),
    "KeyPair": ("AWS::EC2::KeyPair", "KeyName", "key_name"),
    "Instance": ("AWS::EC2::Instance", "InstanceId", "instance_id"),
}

_BODIES = {
    "VPC": "      CidrBlock: 10.0.0.0/16\n      EnableDnsHostnames: true\n",
    "Subnet": "      VpcId: !Ref VPC\n      CidrBlock: 10.0.1.0/24\n      AvailabilityZone: us-east-1a\n",
    "InternetGateway": "      Tags:\n        - Key: Name\n          Value: workshop\n",
    "RouteTable": "      VpcId: !Ref VPC\n",
    "SecurityGroup": (
        "      GroupName: workshop-ssh\n      GroupDescription: Allow SSH\n      VpcId: !Ref VPC\n"
    ),
    "KeyPair": "      KeyName: workshop-key\n",
    "Instance": (
        "      ImageId: !Ref ImageId\n      InstanceType: t3.micro\n      KeyName: !Ref KeyPair\n"
        "      SubnetId: !Ref Subnet\n      SecurityGroupIds:\n        - !GetAtt SecurityGroup.GroupId\n"
    ),
}


def workshop_template(
    names: list[str] | None = None,
    *,
    policy: str | None = "Retain",
    no_policy: tuple[str, ...] = (),
    outputs: bool = False,
    parameter: bool = False,
    padding: int = 0,
) -> str:
    """A hand-written template for (part of) the workshop, in the shape the generator emits."""
    names = names or list(WORKSHOP)
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "# the workshop, adopted", ""]
    if parameter or "Instance" in names:
        lines += ["Parameters:", "  ImageId:", "    Type: String"]
        lines += ["" if parameter else "    Default: ami-12345678"]
    lines.append("Resources:")
    for name in names:
        lines.append(f"  {name}:")
        lines.append(f"    Type: {WORKSHOP[name][0]}")
        if policy and name not in no_policy:
            lines.append(f"    DeletionPolicy: {policy}")
        lines.append("    Properties:")
        lines.append(_BODIES[name].rstrip("\n"))
    if padding:
        lines.append("# " + "x" * 100)
        lines += [f"# padding line {i} " + "y" * 90 for i in range(padding // 100)]
    if outputs:
        lines += ["Outputs:", "  VpcId:", "    Value: !Ref VPC", "    Export:", "      Name: workshop-vpc"]
    return "\n".join(line for line in lines if line is not None) + "\n"


def workshop_resources(world: Any, names: list[str] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "ResourceType": WORKSHOP[name][0],
            "LogicalResourceId": name,
            "ResourceIdentifier": {WORKSHOP[name][1]: getattr(world, WORKSHOP[name][2])},
        }
        for name in names or list(WORKSHOP)
    ]


def write_files(
    world: Any, names: list[str] | None = None, stem: str = "workshop", **template_kw: Any
) -> tuple[Path, Path]:
    template = Path(f"{stem}.yaml")
    template.write_text(workshop_template(names, **template_kw))
    resources = Path(f"{stem}.resources.json")
    resources.write_text(json.dumps(workshop_resources(world, names), indent=2))
    return template, resources


# Ids for preflight-only tests: the preflight never looks resources up, so these need no seeded world.
FAKE_WORLD = SimpleNamespace(
    vpc_id="vpc-0fake",
    subnet_id="subnet-0fake",
    internet_gateway_id="igw-0fake",
    route_table_id="rtb-0fake",
    security_group_id="sg-0fake",
    key_name="fake-key",
    instance_id="i-0fake",
)


def bucket_files(
    names: list[str], stem: str = "buckets", *, create: bool = True, outputs: bool = False, padding: int = 0
) -> tuple[Path, Path]:
    """A template and resources file for S3 buckets (cheap to seed); creates the buckets unless told not."""
    if create:
        s3 = boto3.client("s3", region_name=REGION)
        for name in names:
            s3.create_bucket(Bucket=name)
    lids = {name: "".join(part.title() for part in name.split("-")) for name in names}
    text = "Resources:\n" + "".join(
        f"  {lid}:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    Properties:\n"
        f"      BucketName: {name}\n"
        for name, lid in lids.items()
    )
    if padding:
        text += "".join(f"# padding line {i} " + "y" * 90 + "\n" for i in range(padding // 100))
    if outputs:
        first = next(iter(lids.values()))
        text += f"Outputs:\n  BucketArn:\n    Value: !GetAtt {first}.Arn\n"
    template = Path(f"{stem}.yaml")
    template.write_text(text)
    resources = Path(f"{stem}.resources.json")
    resources.write_text(
        json.dumps(
            [
                {
                    "ResourceType": "AWS::S3::Bucket",
                    "LogicalResourceId": lid,
                    "ResourceIdentifier": {"BucketName": n},
                }
                for n, lid in lids.items()
            ]
        )
    )
    return template, resources


def ec2_counts() -> dict[str, int]:
    ec2 = boto3.client("ec2", region_name=REGION)
    return {
        "vpcs": len(ec2.describe_vpcs()["Vpcs"]),
        "subnets": len(ec2.describe_subnets()["Subnets"]),
        "igws": len(ec2.describe_internet_gateways()["InternetGateways"]),
        "route_tables": len(ec2.describe_route_tables()["RouteTables"]),
        "security_groups": len(ec2.describe_security_groups()["SecurityGroups"]),
        "key_pairs": len(ec2.describe_key_pairs()["KeyPairs"]),
        "instances": sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"]),
    }


def stack_names() -> set[str]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    return {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}


def physical_ids(stack: str) -> dict[str, str]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    items = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in items}


def seeded_ids(world: Any, names: list[str] | None = None) -> dict[str, str]:
    return {name: getattr(world, WORKSHOP[name][2]) for name in names or list(WORKSHOP)}


# --- preflight


def test_missing_deletion_policy_is_refused_before_any_call(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, no_policy=("VPC", "Instance"))
    with pytest.raises(UsageError) as err:
        importer.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert "have no DeletionPolicy: VPC, Instance" in err.value.message
    assert "--patch-deletion-policy" in (err.value.hint or "")
    assert not any(op.endswith("CreateChangeSet") for op in aws.calls)


def test_patch_deletion_policy_changes_the_body_not_the_file(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, policy=None)
    before = template.read_bytes()
    plan = importer.plan_import(
        aws, stack="ws", template_path=template, resources_path=resources, patch_deletion_policy="retain"
    )
    assert template.read_bytes() == before
    assert plan.deletion_policy == "Retain"
    assert plan.deletion_policy_added == list(WORKSHOP)
    assert plan.body.count("DeletionPolicy: Retain") == len(WORKSHOP)
    assert "!Ref VPC" in plan.body  # short-form tags survive into the body


def test_unknown_deletion_policy(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, policy=None)
    with pytest.raises(UsageError, match="'Keep' is not a valid DeletionPolicy"):
        importer.plan_import(
            aws, stack="ws", template_path=template, resources_path=resources, patch_deletion_policy="Keep"
        )


def test_resources_file_must_match_template(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, ["VPC", "Subnet"])
    entries = workshop_resources(FAKE_WORLD, ["VPC", "Subnet"])
    entries[1]["ResourceType"] = "AWS::EC2::RouteTable"
    entries.append({**entries[0], "LogicalResourceId": "Ghost"})
    resources.write_text(json.dumps(entries))
    with pytest.raises(UsageError) as err:
        importer.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    message = err.value.message
    assert (
        "Subnet is AWS::EC2::Subnet in the template but AWS::EC2::RouteTable in the resources file" in message
    )
    assert "Ghost (AWS::EC2::VPC), which is not in the template" in message
    assert "as VPC and Ghost" in message  # the same VPC twice


def test_missing_and_unknown_parameters(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, parameter=True)
    with pytest.raises(UsageError) as err:
        importer.plan_import(
            aws, stack="ws", template_path=template, resources_path=resources, parameters={"Bogus": "1"}
        )
    assert "parameter(s) without a value: ImageId" in err.value.message
    assert "unknown parameter(s): Bogus" in err.value.message
    plan = importer.plan_import(
        aws, stack="ws", template_path=template, resources_path=resources, parameters={"ImageId": "ami-1"}
    )
    assert plan.request_parameters() == [{"ParameterKey": "ImageId", "ParameterValue": "ami-1"}]


def test_outputs_are_set_aside(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, outputs=True)
    plan = importer.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert plan.outputs_set_aside == ["VpcId"]
    assert "Outputs" not in plan.body
    assert plan.outputs_text is not None and "!Ref VPC" in plan.outputs_text
    assert "Outputs:" in template.read_text()


def test_identifier_not_derivable_names_the_resource(aws: Any) -> None:
    template, _ = write_files(FAKE_WORLD, ["VPC", "KeyPair"])
    with pytest.raises(UsageError) as err:
        importer.plan_import(aws, stack="ws", template_path=template)
    assert err.value.message.startswith("no identifier for VPC (AWS::EC2::VPC)")
    assert "KeyPair" not in err.value.message  # KeyName is in the template
    assert "--resources" in (err.value.hint or "")


def test_more_than_200_resources(aws: Any, cloud: None) -> None:
    names = [f"Bucket{i:03d}" for i in range(201)]
    body = "Resources:\n" + "".join(
        f"  {n}:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    Properties:\n"
        f"      BucketName: b-{n.lower()}\n"
        for n in names
    )
    Path("many.yaml").write_text(body)
    Path("many.json").write_text(
        json.dumps(
            [
                {
                    "ResourceType": "AWS::S3::Bucket",
                    "LogicalResourceId": n,
                    "ResourceIdentifier": {"BucketName": f"b-{n.lower()}"},
                }
                for n in names
            ]
        )
    )
    with pytest.raises(UsageError, match="201 resources to import; one import takes at most 200"):
        importer.plan_import(aws, stack="many", template_path="many.yaml", resources_path="many.json")


def test_large_body_needs_a_bucket(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, padding=60_000)
    with pytest.raises(UsageError) as err:
        importer.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert "67,2" in err.value.message and "over the 51,200-byte inline limit" in err.value.message
    assert "--s3-bucket" in (err.value.hint or "")
    plan = importer.plan_import(
        aws, stack="ws", template_path=template, resources_path=resources, s3_bucket="tpl-bucket"
    )
    assert plan.body_bytes > 51_200
    assert plan.template_url is not None and plan.template_url.startswith("https://tpl-bucket.s3.")
    assert plan.s3_key is not None and plan.s3_key.startswith("iacgen/import-templates/")


# --- change sets


def test_import_adopts_the_seeded_resources(aws: Any, workshop: Any) -> None:
    template, resources = write_files(workshop)
    before = ec2_counts()
    plan = importer.plan_import(aws, stack="workshop", template_path=template, resources_path=resources)
    statuses: list[str] = []
    result = importer.create_change_set(aws, plan, timeout=60, on_progress=statuses.append)
    assert statuses and statuses[-1] == "CREATE_COMPLETE"
    assert {c.logical_id: c.action for c in result.changes} == dict.fromkeys(WORKSHOP, "Import")
    events: list[importer.StackEventInfo] = []
    executed = importer.execute(aws, result, timeout=60, on_event=events.append)
    assert executed.status == "IMPORT_COMPLETE"
    assert {r.logical_id: r.physical_id for r in executed.resources} == seeded_ids(workshop)
    assert physical_ids("workshop") == seeded_ids(workshop)
    assert ec2_counts() == before
    assert events and events[-1].status == "IMPORT_COMPLETE"
    assert len({e.event_id for e in events}) == len(events)


def test_discard_leaves_no_change_set_and_no_stack(aws: Any) -> None:
    template, resources = bucket_files(["dry-logs", "dry-data"])
    plan = importer.plan_import(aws, stack="dry", template_path=template, resources_path=resources)
    result = importer.create_change_set(aws, plan, timeout=60)
    discarded = importer.discard(aws, result)
    assert discarded.change_set_deleted and discarded.stack_deleted
    assert "dry" not in stack_names()
    cfn = boto3.client("cloudformation", region_name=REGION)
    with pytest.raises(cfn.exceptions.ClientError):
        cfn.describe_change_set(ChangeSetName=result.change_set_id)


def test_derived_identifier_imports_a_bucket(aws: Any, cloud: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="hand-made-logs")
    Path("bucket.yaml").write_text(
        "Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n"
        "    Properties:\n      BucketName: hand-made-logs\n"
    )
    plan = importer.plan_import(aws, stack="logs", template_path="bucket.yaml")
    assert [(r.logical_id, r.identifier, r.source) for r in plan.to_import] == [
        ("Logs", {"BucketName": "hand-made-logs"}, "derived")
    ]
    executed = importer.execute(aws, importer.create_change_set(aws, plan, timeout=60), timeout=60)
    assert physical_ids("logs") == {"Logs": "hand-made-logs"}
    assert executed.status == "IMPORT_COMPLETE"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["hand-made-logs"]


def test_existing_stack_is_merged_and_rerun_does_nothing(aws: Any, workshop: Any) -> None:
    first = ["VPC", "InternetGateway"]
    template, resources = write_files(workshop, first, stem="net", outputs=True)
    plan = importer.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    importer.execute(aws, importer.create_change_set(aws, plan, timeout=60), timeout=60)
    # A second template with only the new resources: the stack's own are merged into the body.
    second = ["Subnet", "RouteTable", "SecurityGroup"]
    template2, resources2 = write_files(workshop, second, stem="more")
    template2.write_text(template2.read_text().replace("!Ref VPC", f"{workshop.vpc_id}"))
    plan2 = importer.plan_import(aws, stack="ws", template_path=template2, resources_path=resources2)
    assert not plan2.new_stack
    assert sorted(plan2.kept_from_stack) == sorted(first)
    assert [r.logical_id for r in plan2.to_import] == second
    executed = importer.execute(aws, importer.create_change_set(aws, plan2, timeout=60), timeout=60)
    assert executed.status == "IMPORT_COMPLETE"
    assert physical_ids("ws") == seeded_ids(workshop, first + second)
    # Re-running the first import finds everything in place.
    again = importer.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert again.nothing_to_import and sorted(again.already_in_stack) == sorted(first)
    with pytest.raises(UsageError, match="nothing to import"):
        importer.create_change_set(aws, again)


def test_resource_owned_by_another_stack_is_refused_by_the_service(aws: Any) -> None:
    from botocore.exceptions import ClientError

    template, resources = bucket_files(["owned-logs"])
    plan = importer.plan_import(aws, stack="owner", template_path=template, resources_path=resources)
    importer.execute(aws, importer.create_change_set(aws, plan, timeout=60), timeout=60)
    other = importer.plan_import(aws, stack="thief", template_path=template, resources_path=resources)
    with pytest.raises(ClientError):
        importer.create_change_set(aws, other, timeout=60)
    assert "thief" not in stack_names()


def test_rollback_reports_the_failed_events(aws: Any) -> None:
    template, resources = bucket_files(["gone-logs", "kept-logs"])
    plan = importer.plan_import(aws, stack="gone", template_path=template, resources_path=resources)
    result = importer.create_change_set(aws, plan, timeout=60)
    boto3.client("s3", region_name=REGION).delete_bucket(Bucket="gone-logs")  # deleted before execution
    with pytest.raises(importer.ImportRolledBack) as err:
        importer.execute(aws, result, timeout=60)
    assert err.value.exit_code == 1
    assert err.value.status == "IMPORT_ROLLBACK_COMPLETE"
    assert [(e.logical_id, e.status) for e in err.value.events] == [("GoneLogs", "IMPORT_FAILED")]
    assert "ended IMPORT_ROLLBACK_COMPLETE: GoneLogs: " in err.value.message
    assert "\n" not in err.value.message
    # The rolled-back stack holds nothing; importing what still exists works and merges nothing stale.
    template2, resources2 = bucket_files(["kept-logs"], stem="kept", create=False)
    plan2 = importer.plan_import(aws, stack="gone", template_path=template2, resources_path=resources2)
    assert plan2.kept_from_stack == [] and "GoneLogs" not in plan2.body
    importer.execute(aws, importer.create_change_set(aws, plan2, timeout=60), timeout=60)
    assert physical_ids("gone") == {"KeptLogs": "kept-logs"}


def test_json_template_body_stays_json(aws: Any) -> None:
    doc = {
        "Resources": {
            "VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Logs": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Delete",
                "Properties": {"BucketName": "j-logs"},
            },
        },
        "Outputs": {"Vpc": {"Value": {"Ref": "VPC"}}},
    }
    Path("t.json").write_text(json.dumps(doc, indent=4) + "\n")
    Path("r.json").write_text(json.dumps(workshop_resources(FAKE_WORLD, ["VPC"])))
    plan = importer.plan_import(
        aws, stack="j", template_path="t.json", resources_path="r.json", patch_deletion_policy="Retain"
    )
    body = json.loads(plan.body)
    assert body["Resources"]["VPC"]["DeletionPolicy"] == "Retain"
    assert body["Resources"]["Logs"]["DeletionPolicy"] == "Delete"
    assert "Outputs" not in body and plan.outputs_set_aside == ["Vpc"]
    assert [(r.logical_id, r.source) for r in plan.to_import] == [
        ("VPC", "resources file"),
        ("Logs", "derived"),
    ]

"""Templates and resources files for import tests, and what the account holds, read with plain boto3 (not
with the code under test)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3

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

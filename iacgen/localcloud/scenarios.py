"""Seeded worlds for the demo and the tests, built through boto3 so they work in-process (mock_aws) and
against the local cloud's server alike. Each returns the physical ids it created, which tests compare
after an import."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_REGION = "us-east-1"


def _clients(endpoint_url: str | None, region: str) -> Any:
    import boto3

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)

    def client(name: str) -> Any:
        return session.client(name, endpoint_url=endpoint_url)  # type: ignore[call-overload]

    return client


def _amazon_linux_image(ec2: Any) -> str:
    """An Amazon Linux 2023 AMI id. Filtered by name: listing every public image costs seconds in moto."""
    images = ec2.describe_images(
        Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023.*-kernel-6.1-x86_64"]}]
    )["Images"]
    if not images:
        images = ec2.describe_images(Owners=["amazon"])["Images"]
    return str(sorted(images, key=lambda i: i.get("CreationDate", ""))[-1]["ImageId"])


def _tags(**tags: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


@dataclass
class WorkshopWorld:
    """AWS's IaC Generator Workshop: what a team clicked together by hand."""

    vpc_id: str
    subnet_id: str
    internet_gateway_id: str
    route_table_id: str
    route_table_association_id: str
    security_group_id: str
    key_name: str
    instance_id: str
    network_acl_id: str
    network_acl_association_id: str
    network_interface_id: str = ""  # the instance's primary interface, its own resource in a template

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def seed_workshop(endpoint_url: str | None = None, region: str = DEFAULT_REGION) -> WorkshopWorld:
    client = _clients(endpoint_url, region)
    ec2 = client("ec2")
    name = {"Key": "Name", "Value": "workshop"}
    vpc_id = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [name]}],
    )["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnet_id = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.0.1.0/24",
        AvailabilityZone=f"{region}a",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": [name]}],
    )["Subnet"]["SubnetId"]
    igw_id = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [name]}]
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    rtb_id = ec2.create_route_table(
        VpcId=vpc_id, TagSpecifications=[{"ResourceType": "route-table", "Tags": [name]}]
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assoc_id = ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=subnet_id)["AssociationId"]
    sg_id = ec2.create_security_group(
        GroupName="workshop-ssh",
        Description="Allow SSH",
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [name]}],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    key_name = "workshop-key"
    ec2.create_key_pair(KeyName=key_name, TagSpecifications=[{"ResourceType": "key-pair", "Tags": [name]}])
    image_id = _amazon_linux_image(ec2)
    instance = ec2.run_instances(
        ImageId=image_id,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        KeyName=key_name,
        SubnetId=subnet_id,
        SecurityGroupIds=[sg_id],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [name]}],
    )["Instances"][0]
    instance_id = instance["InstanceId"]
    eni_id = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
    default_acl = next(a for a in acls if a["IsDefault"])
    acl_assoc = next(a for a in default_acl["Associations"] if a["SubnetId"] == subnet_id)
    return WorkshopWorld(
        vpc_id=vpc_id,
        subnet_id=subnet_id,
        internet_gateway_id=igw_id,
        route_table_id=rtb_id,
        route_table_association_id=assoc_id,
        security_group_id=sg_id,
        key_name=key_name,
        instance_id=instance_id,
        network_acl_id=default_acl["NetworkAclId"],
        network_acl_association_id=acl_assoc["NetworkAclAssociationId"],
        network_interface_id=eni_id,
    )


@dataclass
class AppWorld:
    """A second, tagged world: two VPCs (team=web, team=data), a Lambda function with its IAM role, a DynamoDB
    table and a bucket. Used to test selection by tag, related-resource closure across services and
    exclusion of unrelated resources."""

    web_vpc_id: str
    web_subnet_ids: list[str]
    web_security_group_id: str
    web_instance_id: str
    data_vpc_id: str
    data_subnet_id: str
    role_name: str
    function_name: str
    table_name: str
    bucket_name: str
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _zip_handler() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def seed_app(endpoint_url: str | None = None, region: str = DEFAULT_REGION) -> AppWorld:
    client = _clients(endpoint_url, region)
    ec2 = client("ec2")

    def tagged(kind: str, **tags: str) -> list[dict[str, Any]]:
        return [{"ResourceType": kind, "Tags": _tags(**tags)}]

    web_vpc = ec2.create_vpc(
        CidrBlock="10.10.0.0/16", TagSpecifications=tagged("vpc", Name="web", team="web")
    )["Vpc"]["VpcId"]
    web_subnets = [
        ec2.create_subnet(
            VpcId=web_vpc,
            CidrBlock=f"10.10.{i}.0/24",
            AvailabilityZone=f"{region}{az}",
            TagSpecifications=tagged("subnet", Name=f"web-{az}", team="web"),
        )["Subnet"]["SubnetId"]
        for i, az in enumerate("ab", start=1)
    ]
    web_sg = ec2.create_security_group(
        GroupName="web-http",
        Description="HTTP in",
        VpcId=web_vpc,
        TagSpecifications=tagged("security-group", team="web"),
    )["GroupId"]
    image_id = _amazon_linux_image(ec2)
    web_instance = ec2.run_instances(
        ImageId=image_id,
        InstanceType="t3.small",
        MinCount=1,
        MaxCount=1,
        SubnetId=web_subnets[0],
        SecurityGroupIds=[web_sg],
        TagSpecifications=tagged("instance", Name="web-1", team="web"),
    )["Instances"][0]["InstanceId"]
    data_vpc = ec2.create_vpc(
        CidrBlock="10.20.0.0/16", TagSpecifications=tagged("vpc", Name="data", team="data")
    )["Vpc"]["VpcId"]
    data_subnet = ec2.create_subnet(
        VpcId=data_vpc,
        CidrBlock="10.20.1.0/24",
        AvailabilityZone=f"{region}a",
        TagSpecifications=tagged("subnet", Name="data-a", team="data"),
    )["Subnet"]["SubnetId"]

    iam = client("iam")
    role_name = "orders-fn-role"
    role_arn = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        Tags=_tags(team="data"),
    )["Role"]["Arn"]
    table_name = "orders"
    client("dynamodb").create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=_tags(team="data"),
    )
    function_name = "orders-handler"
    client("lambda").create_function(
        FunctionName=function_name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": _zip_handler()},
        Environment={"Variables": {"TABLE": table_name}},
        Tags={"team": "data"},
    )
    bucket_name = "orders-archive-123456789012"
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_tagging(Bucket=bucket_name, Tagging={"TagSet": _tags(team="data")})
    return AppWorld(
        web_vpc_id=web_vpc,
        web_subnet_ids=web_subnets,
        web_security_group_id=web_sg,
        web_instance_id=web_instance,
        data_vpc_id=data_vpc,
        data_subnet_id=data_subnet,
        role_name=role_name,
        function_name=function_name,
        table_name=table_name,
        bucket_name=bucket_name,
    )


@dataclass
class SprawlWorld:
    """`teams` copies of a small hand-made network (VPC, two subnets, a security group, an instance), each
    tagged team=tN: scale tests and benchmarks of selection and related-resource closure."""

    teams: int
    vpc_ids: list[str]
    instance_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def seed_sprawl(teams: int, endpoint_url: str | None = None, region: str = DEFAULT_REGION) -> SprawlWorld:
    client = _clients(endpoint_url, region)
    ec2 = client("ec2")
    image_id = _amazon_linux_image(ec2)
    vpc_ids: list[str] = []
    instance_ids: list[str] = []
    for n in range(teams):
        tags = [{"Key": "team", "Value": f"t{n}"}]
        vpc = ec2.create_vpc(
            CidrBlock=f"10.{n % 250}.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}]
        )["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=f"10.{n % 250}.{i}.0/24",
                AvailabilityZone=f"{region}{az}",
                TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
            )["Subnet"]["SubnetId"]
            for i, az in enumerate("ab", start=1)
        ]
        sg = ec2.create_security_group(GroupName=f"t{n}-app", Description="app", VpcId=vpc)["GroupId"]
        instance = ec2.run_instances(
            ImageId=image_id,
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnets[0],
            SecurityGroupIds=[sg],
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )["Instances"][0]["InstanceId"]
        vpc_ids.append(vpc)
        instance_ids.append(instance)
    return SprawlWorld(teams=teams, vpc_ids=vpc_ids, instance_ids=instance_ids)

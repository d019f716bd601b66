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


# The tag on each scenario's first VPC: seeding a scenario twice would make a second copy of most of it and
# then fail on its fixed names (an IAM role, a key pair), so a second seed is refused before any call.
MARKERS = {"workshop": ("Name", "workshop"), "app": ("team", "web"), "webtier": ("team", "webtier")}


def seeded_marker(scenario: str, endpoint_url: str | None, region: str = DEFAULT_REGION) -> str | None:
    """ "KEY=VALUE" of the VPC that shows `scenario` is already seeded there, else None."""
    marker = MARKERS.get(scenario)
    if marker is None:
        return None
    key, value = marker
    vpcs = _clients(endpoint_url, region)("ec2").describe_vpcs(
        Filters=[{"Name": f"tag:{key}", "Values": [value]}]
    )["Vpcs"]
    return f"{key}={value}" if vpcs else None


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


@dataclass
class WebTierWorld:
    """A hand-made web tier, tagged team=webtier: an internet-facing ALB with its listener and target group in
    front of two instances, a PostgreSQL database in its subnet group, a queue, a log group, and what such
    an account also holds (a KMS key and alias, a secret, a topic, an instance profile with its role and a
    managed policy, a log bucket with its policy, a NAT gateway with its Elastic IP, an S3 gateway endpoint,
    a DHCP option set). Each group of callers has its own security group."""

    vpc_id: str
    public_subnet_ids: list[str]
    private_subnet_ids: list[str]
    internet_gateway_id: str
    public_route_table_id: str
    private_route_table_id: str
    dhcp_options_id: str
    alb_security_group_id: str
    web_security_group_id: str
    db_security_group_id: str
    instance_ids: list[str]
    load_balancer_arn: str
    target_group_arn: str
    listener_arn: str
    db_subnet_group_name: str
    db_instance_id: str
    queue_url: str
    log_group_name: str
    key_id: str
    alias_name: str
    secret_arn: str
    topic_arn: str
    role_name: str
    instance_profile_name: str
    policy_arn: str
    bucket_name: str
    allocation_id: str
    public_ip: str
    nat_gateway_id: str
    vpc_endpoint_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def seed_webtier(endpoint_url: str | None = None, region: str = DEFAULT_REGION) -> WebTierWorld:
    client = _clients(endpoint_url, region)
    ec2, elb, rds = client("ec2"), client("elbv2"), client("rds")
    team = {"Key": "team", "Value": "webtier"}

    def spec(kind: str, name: str) -> list[dict[str, Any]]:
        return [{"ResourceType": kind, "Tags": [team, {"Key": "Name", "Value": name}]}]

    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16", TagSpecifications=spec("vpc", "webtier"))["Vpc"][
        "VpcId"
    ]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    dhcp_id = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name", "Values": [f"{region}.compute.internal"]},
            {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]},
        ],
        TagSpecifications=spec("dhcp-options", "webtier"),
    )["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dhcp_id, VpcId=vpc_id)

    def subnet(cidr: str, zone: str, name: str) -> str:
        return str(
            ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=f"{region}{zone}",
                TagSpecifications=spec("subnet", name),
            )["Subnet"]["SubnetId"]
        )

    public = [
        subnet("10.30.1.0/24", "a", "webtier-public-a"),
        subnet("10.30.2.0/24", "b", "webtier-public-b"),
    ]
    private = [
        subnet("10.30.11.0/24", "a", "webtier-private-a"),
        subnet("10.30.12.0/24", "b", "webtier-private-b"),
    ]
    igw_id = ec2.create_internet_gateway(TagSpecifications=spec("internet-gateway", "webtier"))[
        "InternetGateway"
    ]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    public_rtb = ec2.create_route_table(
        VpcId=vpc_id, TagSpecifications=spec("route-table", "webtier-public")
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    for subnet_id in public:
        ec2.associate_route_table(RouteTableId=public_rtb, SubnetId=subnet_id)
    address = ec2.allocate_address(Domain="vpc", TagSpecifications=spec("elastic-ip", "webtier-nat"))
    nat_id = ec2.create_nat_gateway(
        SubnetId=public[0],
        AllocationId=address["AllocationId"],
        TagSpecifications=spec("natgateway", "webtier"),
    )["NatGateway"]["NatGatewayId"]
    private_rtb = ec2.create_route_table(
        VpcId=vpc_id, TagSpecifications=spec("route-table", "webtier-private")
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    for subnet_id in private:
        ec2.associate_route_table(RouteTableId=private_rtb, SubnetId=subnet_id)
    endpoint_id = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[private_rtb],
        TagSpecifications=spec("vpc-endpoint", "webtier-s3"),
    )["VpcEndpoint"]["VpcEndpointId"]

    def group(name: str, description: str) -> str:
        return str(
            ec2.create_security_group(
                GroupName=name,
                Description=description,
                VpcId=vpc_id,
                TagSpecifications=spec("security-group", name),
            )["GroupId"]
        )

    alb_sg = group("webtier-alb", "HTTP from anywhere")
    web_sg = group("webtier-web", "HTTP from the load balancer")
    db_sg = group("webtier-db", "PostgreSQL from the web servers")
    ec2.authorize_security_group_ingress(
        GroupId=alb_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    for target, source, port in ((web_sg, alb_sg, 80), (db_sg, web_sg, 5432)):
        ec2.authorize_security_group_ingress(
            GroupId=target,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "UserIdGroupPairs": [{"GroupId": source}],
                }
            ],
        )

    iam = client("iam")
    role_name = "webtier-web"
    iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        Tags=[team],
    )
    policy_arn = iam.create_policy(
        PolicyName="webtier-logs",
        Description="Web servers write their logs",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"}],
            }
        ),
        Tags=[team],
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    iam.create_instance_profile(InstanceProfileName=role_name, Tags=[team])
    iam.add_role_to_instance_profile(InstanceProfileName=role_name, RoleName=role_name)

    image_id = _amazon_linux_image(ec2)
    instance_ids = [
        ec2.run_instances(
            ImageId=image_id,
            InstanceType="t3.small",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet_id,
            SecurityGroupIds=[web_sg],
            IamInstanceProfile={"Name": role_name},
            TagSpecifications=spec("instance", f"webtier-web-{i}"),
        )["Instances"][0]["InstanceId"]
        for i, subnet_id in enumerate(private, start=1)
    ]
    lb = elb.create_load_balancer(
        Name="webtier-alb",
        Subnets=public,
        SecurityGroups=[alb_sg],
        Scheme="internet-facing",
        Type="application",
        Tags=[team],
    )["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="webtier-web", Protocol="HTTP", Port=80, VpcId=vpc_id, HealthCheckPath="/health", Tags=[team]
    )["TargetGroups"][0]
    elb.register_targets(
        TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": i, "Port": 80} for i in instance_ids]
    )
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]

    kms = client("kms")
    key_id = kms.create_key(Description="webtier data", Tags=[{"TagKey": "team", "TagValue": "webtier"}])[
        "KeyMetadata"
    ]["KeyId"]
    alias = "alias/webtier"
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    secret_arn = client("secretsmanager").create_secret(
        Name="webtier/db-password", SecretString="change-me", KmsKeyId=key_id, Tags=[team]
    )["ARN"]
    rds.create_db_subnet_group(
        DBSubnetGroupName="webtier-db",
        DBSubnetGroupDescription="webtier database",
        SubnetIds=private,
        Tags=[team],
    )
    rds.create_db_instance(
        DBInstanceIdentifier="webtier-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="webtier",
        MasterUserPassword="change-me-please",
        AllocatedStorage=20,
        DBSubnetGroupName="webtier-db",
        VpcSecurityGroupIds=[db_sg],
        Tags=[team],
    )
    queue_url = client("sqs").create_queue(
        QueueName="webtier-jobs", Attributes={"VisibilityTimeout": "120"}, tags={"team": "webtier"}
    )["QueueUrl"]
    logs = client("logs")
    log_group = "/webtier/app"
    logs.create_log_group(logGroupName=log_group, tags={"team": "webtier"})
    logs.put_retention_policy(logGroupName=log_group, retentionInDays=30)
    topic_arn = client("sns").create_topic(Name="webtier-alerts", Tags=[team])["TopicArn"]
    s3 = client("s3")
    bucket = "webtier-alb-logs-123456789012"
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [team]})
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    return WebTierWorld(
        vpc_id=vpc_id,
        public_subnet_ids=public,
        private_subnet_ids=private,
        internet_gateway_id=igw_id,
        public_route_table_id=public_rtb,
        private_route_table_id=private_rtb,
        dhcp_options_id=dhcp_id,
        alb_security_group_id=alb_sg,
        web_security_group_id=web_sg,
        db_security_group_id=db_sg,
        instance_ids=instance_ids,
        load_balancer_arn=lb["LoadBalancerArn"],
        target_group_arn=tg["TargetGroupArn"],
        listener_arn=listener["ListenerArn"],
        db_subnet_group_name="webtier-db",
        db_instance_id="webtier-db",
        queue_url=queue_url,
        log_group_name=log_group,
        key_id=key_id,
        alias_name=alias,
        secret_arn=secret_arn,
        topic_arn=topic_arn,
        role_name=role_name,
        instance_profile_name=role_name,
        policy_arn=policy_arn,
        bucket_name=bucket,
        allocation_id=address["AllocationId"],
        public_ip=address["PublicIp"],
        nat_gateway_id=nat_id,
        vpc_endpoint_id=endpoint_id,
    )

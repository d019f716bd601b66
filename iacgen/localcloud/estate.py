"""The estate scenario: an AWS Organization of four accounts across two Regions, built through boto3 (so it
works in-process and against `iacgen local serve` alike), for `iacgen coverage` and the fan-out benchmark.

* management (the caller's own account, 123456789012), prod and dev: reachable. prod and dev are member
  accounts created through Organizations, which gives each an OrganizationAccountAccessRole trusting the
  management account.
* legacy: a member account whose OrganizationAccountAccessRole was deleted (as in an account invited into the
  organization that never had the role), so assuming it is refused with AccessDenied.
* Every account's default VPC is deleted in both Regions (as Control Tower's account factory does), so what
  a scan finds is exactly what the scenario made. Each target holds a different hand-made mix (VPCs with
  their default security group, network ACL and main route table, subnets with their ACL associations, key
  pairs, DynamoDB tables; IAM roles, which are global); management's eu-west-1 holds nothing.
* In prod's us-east-1 only, the network (VPC, two subnets, a security group) was imported into the stack
  `prod-network` by a real IMPORT change set: those are ManagedByStack there, and nowhere else.

The world records, per account and Region, the identifiers it created by resource type, and which of them a
stack manages: the expected counts of a coverage run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

REGIONS = ("us-east-1", "eu-west-1")
ROLE_NAME = "OrganizationAccountAccessRole"
STACK_NAME = "prod-network"
MANAGEMENT_ACCOUNT = "123456789012"

VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
NETWORK_ACL = "AWS::EC2::NetworkAcl"
ACL_ASSOCIATION = "AWS::EC2::SubnetNetworkAclAssociation"
ROUTE_TABLE = "AWS::EC2::RouteTable"
ROUTE = "AWS::EC2::Route"
KEY_PAIR = "AWS::EC2::KeyPair"
TABLE = "AWS::DynamoDB::Table"
ROLE = "AWS::IAM::Role"
GLOBAL_TYPES = (ROLE,)

Ids = dict[str, list[str]]  # resource type -> identifiers (the physical ids a scan lists)


@dataclass
class EstateWorld:
    management: str
    accounts: dict[str, str]  # name -> id of every reachable account, management included
    unreachable: dict[str, str]  # name -> id of the accounts whose role cannot be assumed
    regions: list[str]
    role_name: str
    stack: dict[str, str]  # account, region, name of the stack holding the imported resources
    resources: dict[str, dict[str, Ids]] = field(default_factory=dict)  # account -> Region -> type -> ids
    managed: dict[str, dict[str, Ids]] = field(default_factory=dict)

    def found(self, account: str, region: str) -> dict[str, int]:
        """What a scan of this target lists, by type: the regional resources and the account's global ones."""
        return {t: len(ids) for t, ids in sorted(self.resources[account][region].items()) if ids}

    def managed_counts(self, account: str, region: str) -> dict[str, int]:
        return {
            t: len(ids) for t, ids in sorted(self.managed.get(account, {}).get(region, {}).items()) if ids
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Account:
    """Clients for one account, per Region, cached; every account shares one boto3 session (one model
    loader), with its own credentials."""

    def __init__(
        self, session: Any, endpoint_url: str | None, credentials: dict[str, str] | None = None
    ) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.keys = (
            {
                "aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"],
            }
            if credentials
            else {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        )
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint_url, **self.keys
            )
        return self._clients[key]

    def assume(self, account_id: str) -> _Account:
        credentials = self.client("sts", REGIONS[0]).assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE_NAME}", RoleSessionName="iacgen-estate-seed"
        )["Credentials"]
        return _Account(self.session, self.endpoint_url, credentials)


def _delete_default_vpcs(ec2: Any) -> None:
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]:
        vpc_id = vpc["VpcId"]
        for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
        for igw in gateways["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
            ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vpc_id)


def _add(ids: Ids, type_name: str, *values: str) -> None:
    ids.setdefault(type_name, []).extend(values)


def _network(ec2: Any, region: str, cidr: str, subnets: int, group: str | None, ids: Ids) -> dict[str, Any]:
    """A VPC with `subnets` subnets and optionally a security group; records the VPC's defaults too (main
    route table and its local route, default security group, default network ACL and its subnet
    associations)."""
    prefix = cidr.rsplit(".", 2)[0]  # "10.1.0.0/16" -> "10.1"
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix}.{i}.0/24", AvailabilityZone=f"{region}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in zip(range(1, subnets + 1), "abc", strict=False)
    ]
    group_id = (
        ec2.create_security_group(GroupName=group, Description=f"{group} by hand", VpcId=vpc_id)["GroupId"]
        if group
        else None
    )
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    default_group = ec2.describe_security_groups(
        Filters=[*in_vpc, {"Name": "group-name", "Values": ["default"]}]
    )
    acls = ec2.describe_network_acls(Filters=in_vpc)["NetworkAcls"]
    tables = ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]
    _add(ids, VPC, vpc_id)
    _add(ids, SUBNET, *subnet_ids)
    _add(
        ids, SECURITY_GROUP, default_group["SecurityGroups"][0]["GroupId"], *([group_id] if group_id else [])
    )
    _add(ids, NETWORK_ACL, *(a["NetworkAclId"] for a in acls))
    _add(
        ids,
        ACL_ASSOCIATION,
        *(
            x["NetworkAclAssociationId"]
            for a in acls
            for x in a["Associations"]
            if x["SubnetId"] in subnet_ids
        ),
    )
    _add(ids, ROUTE_TABLE, *(t["RouteTableId"] for t in tables))
    _add(  # the main route table's local route, which a scan lists like the service's does
        ids,
        ROUTE,
        *(
            f"{t['RouteTableId']}|{r['DestinationCidrBlock']}"
            for t in tables
            for r in t["Routes"]
            if r.get("GatewayId") == "local"
        ),
    )
    return {"vpc_id": vpc_id, "subnet_ids": subnet_ids, "group_id": group_id}


def _table(account: _Account, region: str, name: str, ids: Ids) -> None:
    account.client("dynamodb", region).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    _add(ids, TABLE, name)


def _key_pair(ec2: Any, name: str, ids: Ids) -> None:
    ec2.create_key_pair(KeyName=name)
    _add(ids, KEY_PAIR, name)


def _role(account: _Account, name: str) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    account.client("iam", REGIONS[0]).create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))


def _import_network(account: _Account, region: str, network: dict[str, Any], cidr: str) -> Ids:
    """Adopt the network into STACK_NAME with an IMPORT change set; returns what the stack now manages."""
    resources: dict[str, tuple[str, str, str, dict[str, Any]]] = {
        "Vpc": (VPC, "VpcId", network["vpc_id"], {"CidrBlock": cidr}),
        "Group": (
            SECURITY_GROUP,
            "Id",
            network["group_id"],
            {"GroupDescription": "web by hand", "VpcId": {"Ref": "Vpc"}},
        ),
    }
    for n, subnet_id in enumerate(network["subnet_ids"], start=1):
        resources[f"Subnet{n}"] = (SUBNET, "SubnetId", subnet_id, {"VpcId": {"Ref": "Vpc"}})
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            logical: {"Type": kind, "DeletionPolicy": "Retain", "Properties": props}
            for logical, (kind, _, _, props) in resources.items()
        },
    }
    cfn = account.client("cloudformation", region)
    cfn.create_change_set(
        StackName=STACK_NAME,
        ChangeSetName="adopt-network",
        ChangeSetType="IMPORT",
        TemplateBody=json.dumps(template),
        ResourcesToImport=[
            {"ResourceType": kind, "LogicalResourceId": logical, "ResourceIdentifier": {prop: value}}
            for logical, (kind, prop, value, _) in resources.items()
        ],
    )
    fast = {"Delay": 1, "MaxAttempts": 60}
    cfn.get_waiter("change_set_create_complete").wait(
        StackName=STACK_NAME, ChangeSetName="adopt-network", WaiterConfig=fast
    )
    cfn.execute_change_set(StackName=STACK_NAME, ChangeSetName="adopt-network")
    cfn.get_waiter("stack_import_complete").wait(StackName=STACK_NAME, WaiterConfig=fast)
    managed: Ids = {}
    for kind, _, value, _ in resources.values():
        _add(managed, kind, value)
    return managed


def seed_estate(endpoint_url: str | None = None) -> EstateWorld:
    import boto3

    management = _Account(boto3.Session(), endpoint_url)
    org = management.client("organizations", REGIONS[0])
    org.create_organization(FeatureSet="ALL")
    member_ids: dict[str, str] = {}
    for name in ("prod", "dev", "legacy"):
        status = org.create_account(AccountName=name, Email=f"aws+{name}@example.com")["CreateAccountStatus"]
        member_ids[name] = str(status["AccountId"])
    accounts = {"management": MANAGEMENT_ACCOUNT, "prod": member_ids["prod"], "dev": member_ids["dev"]}
    clients = {
        MANAGEMENT_ACCOUNT: management,
        member_ids["prod"]: management.assume(member_ids["prod"]),
        member_ids["dev"]: management.assume(member_ids["dev"]),
    }
    world = EstateWorld(
        management=MANAGEMENT_ACCOUNT,
        accounts=accounts,
        unreachable={"legacy": member_ids["legacy"]},
        regions=list(REGIONS),
        role_name=ROLE_NAME,
        stack={"account": member_ids["prod"], "region": REGIONS[0], "name": STACK_NAME},
    )
    regional: dict[str, dict[str, Ids]] = {a: {r: {} for r in REGIONS} for a in clients}
    for account in clients.values():
        for region in REGIONS:
            _delete_default_vpcs(account.client("ec2", region))
    east, west = REGIONS

    mgmt = clients[MANAGEMENT_ACCOUNT]
    _network(mgmt.client("ec2", east), east, "10.0.0.0/16", 1, None, regional[MANAGEMENT_ACCOUNT][east])
    _table(mgmt, east, "audit-log", regional[MANAGEMENT_ACCOUNT][east])

    prod_id = member_ids["prod"]
    prod = clients[prod_id]
    prod_east = prod.client("ec2", east)
    network = _network(prod_east, east, "10.1.0.0/16", 2, "web", regional[prod_id][east])
    _key_pair(prod_east, "prod-admin", regional[prod_id][east])
    _table(prod, east, "orders", regional[prod_id][east])
    _network(prod.client("ec2", west), west, "10.2.0.0/16", 1, None, regional[prod_id][west])
    _table(prod, west, "orders-replica", regional[prod_id][west])
    _role(prod, "orders-handler-role")
    world.managed = {prod_id: {east: _import_network(prod, east, network, "10.1.0.0/16")}}

    dev_id = member_ids["dev"]
    dev = clients[dev_id]
    dev_east = dev.client("ec2", east)
    _network(dev_east, east, "10.3.0.0/16", 1, "dev-ssh", regional[dev_id][east])
    _key_pair(dev_east, "dev-key", regional[dev_id][east])
    _table(dev, west, "scratch", regional[dev_id][west])
    _role(dev, "ci-deployer")

    legacy = management.assume(member_ids["legacy"])
    legacy.client("ec2", east).create_vpc(CidrBlock="10.9.0.0/16")
    legacy.client("iam", east).delete_role(RoleName=ROLE_NAME)  # the role cannot be assumed from now on

    for account_id, account in clients.items():
        iam = account.client("iam", east)
        roles = sorted(r["RoleName"] for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-"))
        for region in REGIONS:
            if roles:
                regional[account_id][region][ROLE] = list(roles)  # global: every Region's scan lists them
    world.resources = regional
    return world

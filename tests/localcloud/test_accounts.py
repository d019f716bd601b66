"""Several accounts and Regions in the local cloud: AssumeRole refused like the service, DescribeRegions
listing the enabled Regions, requests to a disabled Region refused, and the estate scenario's counts as a scan
lists them (read with plain boto3, not with iacgen's code)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

MANAGEMENT = "123456789012"
MEMBER = "210987654321"


def _trust(principal: str, external_id: str | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _member_role(name: str, trust: str) -> None:
    """A role in MEMBER, created with credentials that act in MEMBER (moto maps the role's account)."""
    from moto.iam.models import iam_backends

    iam_backends[MEMBER]["aws"].create_role(
        role_name=name,
        assume_role_policy_document=trust,
        path="/",
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration="3600",
    )


def _assume(name: str, account: str = MEMBER, **kwargs: Any) -> dict[str, Any]:
    sts = boto3.client("sts")
    arn = f"arn:aws:iam::{account}:role/{name}"
    return dict(sts.assume_role(RoleArn=arn, RoleSessionName="test-session", **kwargs)["Credentials"])


def _denied(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    return str(info.value.response["Error"]["Message"])


def test_assumed_credentials_act_in_the_role_account_only(cloud: None) -> None:
    _member_role("ops", _trust(f"arn:aws:iam::{MANAGEMENT}:root"))
    creds = _assume("ops")
    member = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    assert member.client("sts").get_caller_identity()["Account"] == MEMBER
    vpc_id = member.client("ec2").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    mine = {v["VpcId"] for v in boto3.client("ec2").describe_vpcs()["Vpcs"]}
    assert vpc_id not in mine
    assert vpc_id in {v["VpcId"] for v in member.client("ec2").describe_vpcs()["Vpcs"]}


def test_assume_role_refused_for_a_missing_role_and_an_untrusting_one(cloud: None) -> None:
    message = _denied(lambda: _assume("does-not-exist"))
    assert "not authorized to perform: sts:AssumeRole" in message
    assert f"arn:aws:iam::{MEMBER}:role/does-not-exist" in message
    _member_role("other-trust", _trust("arn:aws:iam::999999999999:root"))
    _denied(lambda: _assume("other-trust"))
    _member_role("by-account-id", _trust(MANAGEMENT))
    assert _assume("by-account-id")["AccessKeyId"]


def test_assume_role_checks_the_external_id(cloud: None) -> None:
    _member_role("vendor", _trust(f"arn:aws:iam::{MANAGEMENT}:root", external_id="s3cret"))
    _denied(lambda: _assume("vendor"))
    _denied(lambda: _assume("vendor", ExternalId="wrong-one"))
    assert _assume("vendor", ExternalId="s3cret")["AccessKeyId"]


def test_a_deny_statement_wins(cloud: None) -> None:
    allow = json.loads(_trust(MANAGEMENT))
    allow["Statement"].append({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    _member_role("denied", json.dumps(allow))
    _denied(lambda: _assume("denied"))


def test_describe_regions_lists_the_enabled_regions_of_the_partition(cloud: None) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    enabled = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions()["Regions"]}
    every = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    assert {"us-east-1", "eu-west-1", "us-west-2"} <= set(enabled)
    assert set(enabled.values()) == {"opt-in-not-required"}
    assert "ap-east-1" in every and every["ap-east-1"] == "not-opted-in" and "ap-east-1" not in enabled
    assert not any(name.startswith(("cn-", "us-gov-")) for name in every)
    picked = ec2.describe_regions(RegionNames=["eu-west-1"])["Regions"]
    assert [r["RegionName"] for r in picked] == ["eu-west-1"]


def test_a_disabled_region_refuses_the_iac_generator(cloud: None) -> None:
    with pytest.raises(ClientError) as info:
        boto3.client("cloudformation", region_name="ap-east-1").list_resource_scans()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert (
        boto3.client("cloudformation", region_name="eu-west-1").list_resource_scans()["ResourceScanSummaries"]
        == []
    )


def test_deleting_a_default_vpc_leaves_no_network_acl(cloud: None) -> None:
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_network_acls()["NetworkAcls"] == []
    assert ec2.describe_route_tables()["RouteTables"] == []
    assert ec2.describe_security_groups()["SecurityGroups"] == []


def test_estate_scans_list_what_the_scenario_made(cloud: None, local_settings: Any) -> None:
    from iacgen.localcloud.estate import seed_estate

    local_settings.configure(scan_seconds=0)
    world = seed_estate()
    assert len(set(world.accounts.values())) == 3 and world.management == MANAGEMENT
    org_accounts = boto3.client("organizations").list_accounts()["Accounts"]
    assert {a["Id"] for a in org_accounts} == {*world.accounts.values(), *world.unreachable.values()}
    sts = boto3.client("sts")
    for account in world.accounts.values():
        if account == MANAGEMENT:
            session = boto3.Session()
        else:
            arn = f"arn:aws:iam::{account}:role/{world.role_name}"
            creds = sts.assume_role(RoleArn=arn, RoleSessionName="check")["Credentials"]
            session = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        for region in world.regions:
            cfn = session.client("cloudformation", region_name=region)
            scan_id = cfn.start_resource_scan()["ResourceScanId"]
            listed = cfn.list_resource_scan_resources(ResourceScanId=scan_id)["Resources"]
            found = Counter(r["ResourceType"] for r in listed)
            managed = Counter(r["ResourceType"] for r in listed if r["ManagedByStack"])
            assert dict(found) == world.found(account, region), (account, region)
            assert dict(managed) == world.managed_counts(account, region), (account, region)
            ids = {"|".join(r["ResourceIdentifier"].values()) for r in listed}  # physical ids ('rtb|cidr')
            assert ids == {i for values in world.resources[account][region].values() for i in values}
    prod = world.accounts["prod"]
    assert world.stack == {"account": prod, "region": "us-east-1", "name": "prod-network"}
    assert world.managed_counts(prod, "us-east-1") == {
        "AWS::EC2::SecurityGroup": 1,
        "AWS::EC2::Subnet": 2,
        "AWS::EC2::VPC": 1,
    }
    assert world.found(MANAGEMENT, "eu-west-1") == {}
    legacy = world.unreachable["legacy"]
    _denied(
        lambda: sts.assume_role(
            RoleArn=f"arn:aws:iam::{legacy}:role/{world.role_name}", RoleSessionName="check"
        )
    )

"""The sprawl scenario and the scan rules that only bite at scale: more than 100,000 resources fail the scan
(then 24 hours of cool-down), and after a scan of more than 10,000 the quota is one scan a day. The limits
are lowered through the local cloud's settings so that the worlds stay small."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from iacgen.localcloud import settings as local_settings
from iacgen.localcloud import sprawl

REGION = "us-east-1"
DAY = 24 * 3600.0
SPRAWL_TYPES = {
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::Instance",
    "AWS::EC2::NetworkInterface",
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
    "AWS::DynamoDB::Table",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(cloud: None) -> Iterator[Clock]:
    fake = Clock()
    previous = local_settings.configure(clock=fake, scan_seconds=60.0, fail_next_scan="")
    try:
        yield fake
    finally:
        local_settings.restore(previous)


@pytest.fixture
def cfn(clock: Clock) -> Any:
    return boto3.client("cloudformation", region_name=REGION)


def scan(cfn: Any, clock: Clock) -> dict[str, Any]:
    scan_id = cfn.start_resource_scan()["ResourceScanId"]
    clock.now += 60
    return dict(cfn.describe_resource_scan(ResourceScanId=scan_id))


def listed(cfn: Any, scan_id: str) -> list[dict[str, Any]]:
    pages = cfn.get_paginator("list_resource_scan_resources").paginate(ResourceScanId=scan_id)
    return [item for page in pages for item in page["Resources"]]


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_plan_makes_exactly_n() -> None:
    for n in (0, 1, 24, 25, 99, 100, 101, 1234, 100_000):
        networks, data_sets, buckets = sprawl.plan(n)
        assert networks * sprawl.NETWORK_SIZE + data_sets * sprawl.DATA_SIZE + buckets == n


def test_seed_grows_the_account_to_n_resources_a_scan_lists(cfn: Any, clock: Clock) -> None:
    world = sprawl.seed(430, region=REGION)
    assert world.resources == 430 and world.networks == 12 and world.data_sets == 24
    done = scan(cfn, clock)
    assert done["Status"] == "COMPLETE" and done["ResourcesScanned"] == done["ResourcesRead"] == 430
    items = listed(cfn, done["ResourceScanId"])
    assert len(items) == 430
    assert set(done["ResourceTypes"]) == SPRAWL_TYPES
    counts = Counter(i["ResourceType"] for i in items)
    assert counts == world.by_type
    # 4 instances a network (each with its interface; local routes are listed too), 12 networks
    assert counts["AWS::EC2::Instance"] == 48 and counts["AWS::Lambda::Function"] == 24
    assert counts["AWS::EC2::NetworkInterface"] == 48
    # a network's instances are related to their subnet and group, a function to its role
    fn = next(i for i in items if i["ResourceType"] == "AWS::Lambda::Function")
    fn = {"ResourceType": fn["ResourceType"], "ResourceIdentifier": fn["ResourceIdentifier"]}
    rel = cfn.list_resource_scan_related_resources(ResourceScanId=done["ResourceScanId"], Resources=[fn])
    assert [r["ResourceType"] for r in rel["RelatedResources"]] == ["AWS::IAM::Role"]
    # seeding again adds (no name clashes) up to the new size
    assert sprawl.seed(530, region=REGION).created == 100
    # moto's lookups are answered normally again after seeding
    ec2 = boto3.client("ec2", region_name=REGION)
    assert len(ec2.describe_subnets()["Subnets"]) == world.by_type["AWS::EC2::Subnet"] + 6  # 3 networks more


def test_a_scan_over_the_limit_fails_and_starts_a_24_hour_cool_down(cfn: Any, clock: Clock) -> None:
    local_settings.configure(max_scan_resources=300)
    sprawl.seed(301, region=REGION)
    done = scan(cfn, clock)
    assert done["Status"] == "FAILED"
    assert "301 resources" in done["StatusReason"] and "maximum of 300" in done["StatusReason"]
    assert done["ResourcesScanned"] == 301 and done["ResourcesRead"] == 0
    with pytest.raises(ClientError) as err:
        cfn.list_resource_scan_resources(ResourceScanId=done["ResourceScanId"])
    assert code(err) == "ResourceScanNotFound"
    clock.now += 11 * 60  # past the 10-minute cool-down of an ordinary failure
    with pytest.raises(ClientError) as err:
        cfn.start_resource_scan()
    assert code(err) == "ResourceScanLimitExceeded" and "over-300-resources" in str(err.value)
    clock.now += DAY
    local_settings.configure(max_scan_resources=100_000)
    assert scan(cfn, clock)["Status"] == "COMPLETE"


def test_after_a_scan_over_10000_the_quota_is_one_a_day(cfn: Any, clock: Clock) -> None:
    local_settings.configure(large_scan_resources=100)
    sprawl.seed(101, region=REGION)
    assert scan(cfn, clock)["Status"] == "COMPLETE"
    with pytest.raises(ClientError) as err:
        cfn.start_resource_scan()
    assert code(err) == "ResourceScanLimitExceeded" and "1 scan" in str(err.value)
    clock.now += DAY
    assert scan(cfn, clock)["Status"] == "COMPLETE"


def test_a_small_account_keeps_ten_scans_a_day(cfn: Any, clock: Clock) -> None:
    local_settings.configure(large_scan_resources=100)
    sprawl.seed(100, region=REGION)  # exactly the threshold: not more than it
    for _ in range(10):
        assert scan(cfn, clock)["Status"] == "COMPLETE"
    with pytest.raises(ClientError) as err:
        cfn.start_resource_scan()
    assert "10 scans" in str(err.value)


def test_local_seed_sprawl_through_the_server(cli: Any, cloud: None) -> None:
    from iacgen.localcloud.server import background

    with background() as endpoint:
        done = cli(
            "--output", "json", "local", "seed", "sprawl", "--resources", "150", "--endpoint-url", endpoint
        )
        assert done.exit_code == 0, done.stderr
        assert done.json()["resources"]["resources"] == 150
        bad = cli("local", "seed", "workshop", "--resources", "5", "--endpoint-url", endpoint)
        assert bad.exit_code == 2 and "with the sprawl scenario only, not workshop" in bad.stderr
        missing = cli("local", "seed", "sprawl", "--endpoint-url", endpoint)
        assert missing.exit_code == 2 and "the sprawl scenario needs --resources N" in missing.stderr
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint)
        # moto's default VPC counts 16: 134 made = one block (3 networks) + one more network + 9 buckets
        assert done.json()["resources"]["networks"] == 4
        assert len(ec2.describe_instances()["Reservations"]) == 4

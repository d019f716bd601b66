"""The five resource-scan operations through boto3 against the in-process local cloud: lifecycle, the
service's rules and errors, filters, paging, related resources. Time is a fake clock moved by the tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from iacgen.localcloud import settings as local_settings

REGION = "us-east-1"
SCAN_SECONDS = 60.0
DAY = 24 * 3600.0
ARN = re.compile(r"^arn:aws:cloudformation:us-east-1:123456789012:resourceScan/[0-9a-f-]{36}$")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(cloud: None) -> Iterator[Clock]:
    fake = Clock()
    previous = local_settings.configure(clock=fake, scan_seconds=SCAN_SECONDS, fail_next_scan="")
    try:
        yield fake
    finally:
        local_settings.restore(previous)


@pytest.fixture
def cfn(clock: Clock) -> Any:
    return boto3.client("cloudformation", region_name=REGION)


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def finished_scan(cfn: Any, clock: Clock, **kwargs: Any) -> str:
    scan_id = str(cfn.start_resource_scan(**kwargs)["ResourceScanId"])
    clock.advance(SCAN_SECONDS)
    return scan_id


def all_resources(cfn: Any, scan_id: str, **filters: Any) -> list[dict[str, Any]]:
    pages = cfn.get_paginator("list_resource_scan_resources").paginate(ResourceScanId=scan_id, **filters)
    return [item for page in pages for item in page["Resources"]]


def keyed(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(i["ResourceType"], "|".join(i["ResourceIdentifier"].values())) for i in items}


def related(cfn: Any, scan_id: str, resources: list[dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
    return list(
        cfn.list_resource_scan_related_resources(ResourceScanId=scan_id, Resources=resources, **kwargs)[
            "RelatedResources"
        ]
    )


# --- lifecycle -------------------------------------------------------------------------------------------


def test_scan_lifecycle_and_shapes(cfn: Any, clock: Clock) -> None:
    scan_id = cfn.start_resource_scan()["ResourceScanId"]
    assert ARN.match(scan_id)

    running = cfn.describe_resource_scan(ResourceScanId=scan_id)
    assert running["Status"] == "IN_PROGRESS"
    assert isinstance(running["StartTime"], datetime)
    assert running["StartTime"].timestamp() == clock.now
    assert running["PercentageCompleted"] == 0.0
    assert "EndTime" not in running and "ResourceTypes" not in running
    clock.advance(SCAN_SECONDS / 2)
    assert cfn.describe_resource_scan(ResourceScanId=scan_id)["PercentageCompleted"] == 50.0
    with pytest.raises(ClientError) as exc:
        cfn.list_resource_scan_resources(ResourceScanId=scan_id)
    assert error_code(exc) == "ResourceScanInProgress"
    with pytest.raises(cfn.exceptions.ResourceScanInProgressException):
        cfn.list_resource_scan_related_resources(ResourceScanId=scan_id, Resources=[])

    clock.advance(SCAN_SECONDS / 2)
    done = cfn.describe_resource_scan(ResourceScanId=scan_id)
    assert done["Status"] == "COMPLETE"
    assert done["PercentageCompleted"] == 100.0
    assert done["EndTime"].timestamp() == done["StartTime"].timestamp() + SCAN_SECONDS
    assert "ScanFilters" not in done
    listed = all_resources(cfn, scan_id)
    assert done["ResourcesScanned"] == done["ResourcesRead"] == len(listed) > 0
    assert done["ResourceTypes"] == sorted({i["ResourceType"] for i in listed})  # moto's default VPC

    summary = cfn.list_resource_scans()["ResourceScanSummaries"]
    assert [(s["ResourceScanId"], s["Status"], s["ScanType"]) for s in summary] == [
        (scan_id, "COMPLETE", "FULL")
    ]


def test_unknown_scan_is_not_found(cfn: Any) -> None:
    missing = (
        "arn:aws:cloudformation:us-east-1:123456789012:resourceScan/00000000-0000-0000-0000-000000000000"
    )
    for call in (
        lambda: cfn.describe_resource_scan(ResourceScanId=missing),
        lambda: cfn.list_resource_scan_resources(ResourceScanId=missing),
        lambda: cfn.list_resource_scan_related_resources(ResourceScanId=missing, Resources=[]),
    ):
        with pytest.raises(cfn.exceptions.ResourceScanNotFoundException):
            call()


def test_scan_state_is_per_region(cfn: Any, clock: Clock) -> None:
    scan_id = finished_scan(cfn, clock)
    other = boto3.client("cloudformation", region_name="eu-west-1")
    with pytest.raises(other.exceptions.ResourceScanNotFoundException):
        other.describe_resource_scan(ResourceScanId=scan_id)
    assert other.start_resource_scan()["ResourceScanId"].startswith("arn:aws:cloudformation:eu-west-1:")


def test_expires_after_30_days(cfn: Any, clock: Clock) -> None:
    scan_id = finished_scan(cfn, clock)
    clock.advance(30 * DAY - 1)
    assert cfn.describe_resource_scan(ResourceScanId=scan_id)["Status"] == "COMPLETE"
    assert all_resources(cfn, scan_id)
    clock.advance(1)
    expired = cfn.describe_resource_scan(ResourceScanId=scan_id)
    assert expired["Status"] == "EXPIRED"
    assert "ResourceTypes" not in expired and expired["ResourcesScanned"] > 0
    with pytest.raises(ClientError) as exc:
        cfn.list_resource_scan_resources(ResourceScanId=scan_id)
    assert error_code(exc) == "ResourceScanNotFound"
    assert "expired" in str(exc.value)
    assert cfn.list_resource_scans()["ResourceScanSummaries"][0]["Status"] == "EXPIRED"


# --- the service's rules ---------------------------------------------------------------------------------


def test_one_scan_in_progress_per_account_and_region(cfn: Any, clock: Clock) -> None:
    first = cfn.start_resource_scan()["ResourceScanId"]
    with pytest.raises(cfn.exceptions.ResourceScanInProgressException) as exc:
        cfn.start_resource_scan()
    assert first in str(exc.value)
    with pytest.raises(cfn.exceptions.ResourceScanInProgressException):
        cfn.start_resource_scan(ScanFilters=[{"Types": ["AWS::S3::*"]}])  # partial scans count too
    clock.advance(SCAN_SECONDS)
    assert cfn.start_resource_scan()["ResourceScanId"] != first
    assert len(cfn.list_resource_scans()["ResourceScanSummaries"]) == 2


def test_client_token_is_idempotent(cfn: Any, clock: Clock) -> None:
    first = cfn.start_resource_scan(ClientRequestToken="retry-1")["ResourceScanId"]
    # a retry while the scan runs gets the same scan, not ResourceScanInProgress
    assert cfn.start_resource_scan(ClientRequestToken="retry-1")["ResourceScanId"] == first
    clock.advance(SCAN_SECONDS)
    assert cfn.start_resource_scan(ClientRequestToken="retry-1")["ResourceScanId"] == first
    assert [s["ResourceScanId"] for s in cfn.list_resource_scans()["ResourceScanSummaries"]] == [first]
    second = cfn.start_resource_scan(ClientRequestToken="retry-2")["ResourceScanId"]
    assert second != first


def test_client_token_returns_its_scan_only_for_a_bounded_time_and_not_past_another_scan(
    cfn: Any, clock: Clock
) -> None:
    local_settings.configure(client_token_seconds=600.0)
    first = finished_scan(cfn, clock, ClientRequestToken="t")
    other = cfn.start_resource_scan(ClientRequestToken="u")["ResourceScanId"]
    # another scan runs: the service's normal rule applies, even to a known token
    with pytest.raises(cfn.exceptions.ResourceScanInProgressException):
        cfn.start_resource_scan(ClientRequestToken="t")
    clock.advance(SCAN_SECONDS)
    assert cfn.start_resource_scan(ClientRequestToken="t")["ResourceScanId"] == first  # within the window
    clock.advance(600.0)
    later = cfn.start_resource_scan(ClientRequestToken="t")["ResourceScanId"]  # past it: a new scan
    assert later not in (first, other)
    assert cfn.start_resource_scan(ClientRequestToken="t")["ResourceScanId"] == later


def test_daily_quota_is_a_rolling_24_hours(cfn: Any, clock: Clock) -> None:
    local_settings.configure(daily_scan_quota=2)
    finished_scan(cfn, clock)
    clock.advance(3600)
    finished_scan(cfn, clock)
    with pytest.raises(cfn.exceptions.ResourceScanLimitExceededException) as exc:
        cfn.start_resource_scan()
    assert "quota" in str(exc.value)
    assert error_code(exc) == "ResourceScanLimitExceeded"
    clock.advance(DAY - 3600 - SCAN_SECONDS)  # the first scan is now exactly 24 h old
    cfn.start_resource_scan()
    clock.advance(SCAN_SECONDS)
    with pytest.raises(cfn.exceptions.ResourceScanLimitExceededException):
        cfn.start_resource_scan()  # the second is still inside the window


def test_failed_scan_then_cool_down(cfn: Any, clock: Clock) -> None:
    local_settings.configure(fail_next_scan="Injected: throttled by EC2")
    failed = finished_scan(cfn, clock)
    assert local_settings.settings.fail_next_scan == ""  # fires once
    described = cfn.describe_resource_scan(ResourceScanId=failed)
    assert (described["Status"], described["StatusReason"]) == ("FAILED", "Injected: throttled by EC2")
    assert described["ResourcesRead"] == 0
    with pytest.raises(cfn.exceptions.ResourceScanNotFoundException) as listing:
        cfn.list_resource_scan_resources(ResourceScanId=failed)
    assert "failed" in str(listing.value)

    with pytest.raises(cfn.exceptions.ResourceScanLimitExceededException) as exc:
        cfn.start_resource_scan()
    assert "cool-down" in str(exc.value)
    clock.advance(600 - 1)
    with pytest.raises(cfn.exceptions.ResourceScanLimitExceededException):
        cfn.start_resource_scan()
    clock.advance(1)
    retried = finished_scan(cfn, clock)
    assert cfn.describe_resource_scan(ResourceScanId=retried)["Status"] == "COMPLETE"
    assert cfn.list_resource_scans()["ResourceScanSummaries"][1]["Status"] == "FAILED"


def test_scan_filter_validation(cfn: Any) -> None:
    too_many_types = [f"AWS::Svc{i}::Thing" for i in range(101)]
    for filters in (
        [{"Types": ["AWS::EC2::VPC"]}, {"Types": ["AWS::S3::Bucket"]}],  # exactly one filter
        [{"Types": too_many_types}],
        [{"Types": ["AWS::EC2::" + "X" * 92]}],  # 101 characters
        [{"Types": ["AWS::*::Bucket"]}],  # '*' only at the end
        [{"Types": ["*AWS::S3::Bucket"]}],
    ):
        with pytest.raises(ClientError) as exc:
            cfn.start_resource_scan(ScanFilters=filters)
        assert error_code(exc) == "ValidationError", filters
    assert cfn.list_resource_scans(ScanTypeFilter="PARTIAL")["ResourceScanSummaries"] == []
    # the limits themselves are fine
    at_limit = cfn.start_resource_scan(ScanFilters=[{"Types": too_many_types[:100]}])["ResourceScanId"]
    assert (
        cfn.describe_resource_scan(ResourceScanId=at_limit)["ScanFilters"][0]["Types"] == too_many_types[:100]
    )


# --- listing scans ---------------------------------------------------------------------------------------


def test_list_scans_type_filter_order_and_paging(cfn: Any, clock: Clock) -> None:
    full = [finished_scan(cfn, clock) for _ in range(3)]
    partial = finished_scan(cfn, clock, ScanFilters=[{"Types": ["AWS::EC2::VPC"]}])

    default = cfn.list_resource_scans()["ResourceScanSummaries"]
    assert [s["ResourceScanId"] for s in default] == full[::-1]  # FULL only, newest first
    partials = cfn.list_resource_scans(ScanTypeFilter="PARTIAL")["ResourceScanSummaries"]
    assert [(s["ResourceScanId"], s["ScanType"]) for s in partials] == [(partial, "PARTIAL")]

    first = cfn.list_resource_scans(MaxResults=2)
    assert [s["ResourceScanId"] for s in first["ResourceScanSummaries"]] == [full[2], full[1]]
    newer = cfn.start_resource_scan()["ResourceScanId"]  # arrives in front between pages: repeats nothing
    second = cfn.list_resource_scans(MaxResults=2, NextToken=first["NextToken"])
    assert [s["ResourceScanId"] for s in second["ResourceScanSummaries"]] == [full[0]]
    assert "NextToken" not in second
    assert cfn.list_resource_scans(MaxResults=1)["ResourceScanSummaries"][0]["ResourceScanId"] == newer
    with pytest.raises(ClientError) as exc:
        cfn.list_resource_scans(MaxResults=101)
    assert error_code(exc) == "ValidationError"


def test_list_scans_default_page_is_10(cfn: Any, clock: Clock) -> None:
    local_settings.configure(daily_scan_quota=100)
    for _ in range(11):
        finished_scan(cfn, clock)
    page = cfn.list_resource_scans()
    assert len(page["ResourceScanSummaries"]) == 10 and page["NextToken"]
    pages = cfn.get_paginator("list_resource_scans").paginate()
    assert len({s["ResourceScanId"] for p in pages for s in p["ResourceScanSummaries"]}) == 11


# --- listing resources -----------------------------------------------------------------------------------


def test_workshop_resources_related_and_paging(workshop: Any, cfn: Any, clock: Clock) -> None:
    w = workshop
    scan_id = finished_scan(cfn, clock)
    listed = all_resources(cfn, scan_id)
    assert {
        ("AWS::EC2::VPC", w.vpc_id),
        ("AWS::EC2::Subnet", w.subnet_id),
        ("AWS::EC2::InternetGateway", w.internet_gateway_id),
        ("AWS::EC2::VPCGatewayAttachment", f"IGW|{w.vpc_id}"),
        ("AWS::EC2::RouteTable", w.route_table_id),
        ("AWS::EC2::Route", f"{w.route_table_id}|0.0.0.0/0"),
        ("AWS::EC2::SubnetRouteTableAssociation", w.route_table_association_id),
        ("AWS::EC2::SecurityGroup", w.security_group_id),
        ("AWS::EC2::NetworkAcl", w.network_acl_id),
        ("AWS::EC2::SubnetNetworkAclAssociation", w.network_acl_association_id),
        ("AWS::EC2::Instance", w.instance_id),
        ("AWS::EC2::KeyPair", w.key_name),
    } <= keyed(listed)
    assert all(item["ManagedByStack"] is False for item in listed)
    route = next(
        i
        for i in listed
        if i["ResourceType"] == "AWS::EC2::Route" and i["ResourceIdentifier"]["CidrBlock"] == "0.0.0.0/0"
    )
    assert route["ResourceIdentifier"] == {"RouteTableId": w.route_table_id, "CidrBlock": "0.0.0.0/0"}
    assert ("AWS::EC2::Route", f"{w.route_table_id}|10.0.0.0/16") in keyed(listed)  # the local route too

    # related resources of the instance: exactly its subnet, security group, key pair and interface
    instance = {"ResourceType": "AWS::EC2::Instance", "ResourceIdentifier": {"InstanceId": w.instance_id}}
    assert keyed(related(cfn, scan_id, [instance])) == {
        ("AWS::EC2::Subnet", w.subnet_id),
        ("AWS::EC2::SecurityGroup", w.security_group_id),
        ("AWS::EC2::KeyPair", w.key_name),
        ("AWS::EC2::NetworkInterface", w.network_interface_id),
    }
    # two inputs sharing a neighbour: it is listed once
    subnet = {"ResourceType": "AWS::EC2::Subnet", "ResourceIdentifier": {"SubnetId": w.subnet_id}}
    key_pair = {"ResourceType": "AWS::EC2::KeyPair", "ResourceIdentifier": {"KeyName": w.key_name}}
    both = related(cfn, scan_id, [key_pair, subnet])
    assert [i["ResourceIdentifier"] for i in both].count({"InstanceId": w.instance_id}) == 1
    assert keyed(both) == {
        ("AWS::EC2::Instance", w.instance_id),
        ("AWS::EC2::VPC", w.vpc_id),
        ("AWS::EC2::SubnetRouteTableAssociation", w.route_table_association_id),
        ("AWS::EC2::SubnetNetworkAclAssociation", w.network_acl_association_id),
        ("AWS::EC2::NetworkInterface", w.network_interface_id),
    }
    # related paging with MaxResults
    vpc = {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": w.vpc_id}}
    everything = related(cfn, scan_id, [vpc])
    assert len(everything) == 9  # 7 and the two route tables' local routes
    paged: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = cfn.list_resource_scan_related_resources(
            ResourceScanId=scan_id, Resources=[vpc], MaxResults=3, **({"NextToken": token} if token else {})
        )
        assert len(page["RelatedResources"]) <= 3
        paged.extend(page["RelatedResources"])
        token = page.get("NextToken")
        if not token:
            break
    assert paged == everything
    # an input the scan does not know has no neighbours
    ghost = {"ResourceType": "AWS::EC2::Instance", "ResourceIdentifier": {"InstanceId": "i-000000000000"}}
    assert related(cfn, scan_id, [ghost]) == []

    # at most 100 inputs per call
    with pytest.raises(ClientError) as exc:
        related(cfn, scan_id, [instance] * 101)
    assert error_code(exc) == "ValidationError"
    assert len(related(cfn, scan_id, [instance] * 100)) == 4

    # paging the resources by hand with MaxResults
    seen: list[dict[str, Any]] = []
    token = None
    while True:
        page = cfn.list_resource_scan_resources(
            ResourceScanId=scan_id, MaxResults=7, **({"NextToken": token} if token else {})
        )
        assert len(page["Resources"]) <= 7
        seen.extend(page["Resources"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == listed and len(listed) > 7
    for bad in ({"MaxResults": 101}, {"NextToken": "not-a-token"}):
        with pytest.raises(ClientError) as exc:
            cfn.list_resource_scan_resources(ResourceScanId=scan_id, **bad)
        assert error_code(exc) == "ValidationError"


def test_filters_must_all_match(app_world: Any, cfn: Any, clock: Clock) -> None:
    a = app_world
    scan_id = finished_scan(cfn, clock)
    web = {
        ("AWS::EC2::VPC", a.web_vpc_id),
        ("AWS::EC2::Subnet", a.web_subnet_ids[0]),
        ("AWS::EC2::Subnet", a.web_subnet_ids[1]),
        ("AWS::EC2::SecurityGroup", a.web_security_group_id),
        ("AWS::EC2::Instance", a.web_instance_id),
    }
    data = {
        ("AWS::EC2::VPC", a.data_vpc_id),
        ("AWS::EC2::Subnet", a.data_subnet_id),
        ("AWS::IAM::Role", a.role_name),
        ("AWS::Lambda::Function", a.function_name),
        ("AWS::DynamoDB::Table", a.table_name),
        ("AWS::S3::Bucket", a.bucket_name),
    }
    assert keyed(all_resources(cfn, scan_id, TagKey="team")) == web | data
    assert keyed(all_resources(cfn, scan_id, TagKey="team", TagValue="web")) == web
    assert keyed(all_resources(cfn, scan_id, TagValue="data")) == data
    assert keyed(all_resources(cfn, scan_id, TagKey="team", ResourceTypePrefix="AWS::EC2::Subnet")) == {
        r for r in web | data if r[0] == "AWS::EC2::Subnet"
    }
    assert all_resources(cfn, scan_id, TagKey="Name", TagValue="nobody") == []
    assert keyed(all_resources(cfn, scan_id, ResourceTypePrefix="AWS::Lambda::")) == {
        ("AWS::Lambda::Function", a.function_name)
    }
    types = {i["ResourceType"] for i in all_resources(cfn, scan_id, ResourceTypePrefix="AWS::EC2::Subnet")}
    assert types == {"AWS::EC2::Subnet", "AWS::EC2::SubnetNetworkAclAssociation"}  # a prefix, not a type
    fragment = a.web_instance_id[2:10]
    assert keyed(all_resources(cfn, scan_id, ResourceIdentifier=fragment)) == {
        ("AWS::EC2::Instance", a.web_instance_id)
    }
    assert keyed(all_resources(cfn, scan_id, ResourceIdentifier="orders")) == {
        ("AWS::IAM::Role", a.role_name),
        ("AWS::Lambda::Function", a.function_name),
        ("AWS::DynamoDB::Table", a.table_name),
        ("AWS::S3::Bucket", a.bucket_name),
    }
    function = {
        "ResourceType": "AWS::Lambda::Function",
        "ResourceIdentifier": {"FunctionName": a.function_name},
    }
    assert keyed(related(cfn, scan_id, [function])) == {("AWS::IAM::Role", a.role_name)}


def test_managed_by_stack(cfn: Any, clock: Clock) -> None:
    template = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stack-bucket"}},
        }
    }
    cfn.create_stack(StackName="owned", TemplateBody=json.dumps(template))
    vpc_id = cfn.describe_stack_resource(StackName="owned", LogicalResourceId="Vpc")["StackResourceDetail"][
        "PhysicalResourceId"
    ]
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="hand-made")
    scan_id = finished_scan(cfn, clock)
    managed = {
        (i["ResourceType"], "|".join(i["ResourceIdentifier"].values())): i["ManagedByStack"]
        for i in all_resources(cfn, scan_id)
    }
    assert managed[("AWS::EC2::VPC", vpc_id)] is True
    assert managed[("AWS::S3::Bucket", "stack-bucket")] is True
    assert managed[("AWS::S3::Bucket", "hand-made")] is False
    assert [k for k, v in managed.items() if v] == [
        ("AWS::EC2::VPC", vpc_id),
        ("AWS::S3::Bucket", "stack-bucket"),
    ]
    bucket = {"ResourceType": "AWS::S3::Bucket", "ResourceIdentifier": {"BucketName": "stack-bucket"}}
    vpc_neighbours = related(
        cfn, scan_id, [{"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": vpc_id}}]
    )
    assert vpc_neighbours and all(i["ManagedByStack"] is False for i in vpc_neighbours)  # its default SG etc.
    assert related(cfn, scan_id, [bucket]) == []


# --- partial scans ---------------------------------------------------------------------------------------


def test_partial_scan_with_wildcard(app_world: Any, cfn: Any, clock: Clock) -> None:
    a = app_world
    filters = [{"Types": ["AWS::EC2::Instance", "AWS::S3::*", "AWS::EKS::Cluster"]}]
    scan_id = finished_scan(cfn, clock, ScanFilters=filters)
    described = cfn.describe_resource_scan(ResourceScanId=scan_id)
    assert described["ScanFilters"] == filters
    # concrete types: the wildcard expanded to what was found; a type asked by name is listed even if empty
    assert described["ResourceTypes"] == ["AWS::EC2::Instance", "AWS::EKS::Cluster", "AWS::S3::Bucket"]
    assert keyed(all_resources(cfn, scan_id)) == {
        ("AWS::EC2::Instance", a.web_instance_id),
        ("AWS::S3::Bucket", a.bucket_name),
    }
    assert described["ResourcesScanned"] == 2
    summaries = cfn.list_resource_scans(ScanTypeFilter="PARTIAL")["ResourceScanSummaries"]
    assert [(s["ResourceScanId"], s["ScanType"]) for s in summaries] == [(scan_id, "PARTIAL")]
    # related resources come from the partial snapshot: the instance's subnet and SG were not scanned
    instance = {"ResourceType": "AWS::EC2::Instance", "ResourceIdentifier": {"InstanceId": a.web_instance_id}}
    assert related(cfn, scan_id, [instance]) == []

    clock.advance(1)
    with_neighbours = finished_scan(
        cfn, clock, ScanFilters=[{"Types": ["AWS::EC2::Instance", "AWS::EC2::Subnet"]}]
    )
    assert keyed(related(cfn, with_neighbours, [instance])) == {("AWS::EC2::Subnet", a.web_subnet_ids[0])}


def test_scan_snapshot_is_frozen_at_completion(cfn: Any, clock: Clock) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="before")
    scan_id = finished_scan(cfn, clock, ScanFilters=[{"Types": ["AWS::S3::Bucket"]}])
    assert keyed(all_resources(cfn, scan_id)) == {("AWS::S3::Bucket", "before")}
    s3.create_bucket(Bucket="after")
    assert keyed(all_resources(cfn, scan_id)) == {("AWS::S3::Bucket", "before")}

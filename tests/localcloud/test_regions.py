"""The local cloud's Regions as the service has them: a bucket is scanned in the Region it lives in (not in
every Region), and the Regions introduced since March 2019 need opting in (moto marks some as not)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from iacgen.localcloud import inventory as inv
from iacgen.localcloud.accounts import opt_in

ACCOUNT = "123456789012"
EAST, WEST = "us-east-1", "eu-west-1"


def _bucket(name: str, region: str) -> None:
    s3 = boto3.client("s3", region_name=region)
    config: Any = {} if region == EAST else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **config)
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": f"arn:aws:s3:::{name}/*",
                    }
                ],
            }
        ),
    )


def _scanned(region: str, type_name: str) -> set[str]:
    return {r.ref[1] for r in inv.scan(ACCOUNT, region) if r.ref[0] == type_name}


def test_a_bucket_is_scanned_in_its_own_region_only(cloud: None) -> None:
    _bucket("east-logs", EAST)
    _bucket("west-logs", WEST)
    assert _scanned(EAST, "AWS::S3::Bucket") == {"east-logs"}
    assert _scanned(WEST, "AWS::S3::Bucket") == {"west-logs"}
    assert _scanned(EAST, "AWS::S3::BucketPolicy") == {"east-logs"}
    assert _scanned(WEST, "AWS::S3::BucketPolicy") == {"west-logs"}
    assert _scanned("us-west-2", "AWS::S3::Bucket") == set()


def test_coverage_over_two_regions_counts_a_bucket_once(cloud: None, cli: Any) -> None:
    _bucket("east-logs", EAST)
    result = cli("--output", "json", "coverage", "--region", EAST, "--region", WEST, "--scan")
    assert result.exit_code == 0, result.stderr
    by_region = {
        (row["region"], row["type"]): row["found"]
        for row in result.json()["rows"]
        if row["type"] == "AWS::S3::Bucket"
    }
    assert by_region == {(EAST, "AWS::S3::Bucket"): 1}


@pytest.mark.parametrize("region", ["af-south-1", "eu-south-1", "ap-southeast-3", "ap-east-1"])
def test_an_opt_in_region_is_not_enabled_until_the_account_opts_in(cloud: None, region: str) -> None:
    ec2 = boto3.client("ec2", region_name=EAST)
    every = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    listed = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    assert every[region] == "not-opted-in" and region not in listed
    with pytest.raises(ClientError) as info:
        boto3.client("cloudformation", region_name=region).list_resource_scans()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"

    opt_in(ACCOUNT, region)
    every = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    assert every[region] == "opted-in"
    assert region in {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    assert (
        boto3.client("cloudformation", region_name=region).list_resource_scans()["ResourceScanSummaries"]
        == []
    )


def test_the_regions_enabled_by_default_are_the_seventeen_from_before_march_2019(cloud: None) -> None:
    ec2 = boto3.client("ec2", region_name=EAST)
    listed = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    assert len(listed) == 17 and {EAST, WEST, "sa-east-1", "ap-northeast-3"} <= listed

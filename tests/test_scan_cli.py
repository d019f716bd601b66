"""`iacgen scan`, `scans`, `resources` through the CLI against the in-process local cloud."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"


def state() -> dict[str, Any]:
    return dict(json.loads(Path(".iacgen/state.json").read_text()))


def test_scan_then_reuse_then_new(cli: Any, workshop: Any) -> None:
    first = cli("-o", "json", "scan")
    assert first.exit_code == 0, first.stderr
    data = first.json()
    assert data["action"] == "started" and data["scan"]["status"] == "COMPLETE"
    assert data["resources_by_type"]["AWS::EC2::Instance"] == 1
    assert data["resources_by_type"]["AWS::EC2::KeyPair"] == 1
    assert data["total"] == sum(data["resources_by_type"].values())
    scan_id = data["scan"]["scan_id"]
    assert state()["scan_id"] == scan_id

    again = cli("scan")
    assert again.exit_code == 0
    assert f"reusing scan {scan_id}" in again.stderr.replace("\n", "") and "old" in again.stderr
    assert "AWS::EC2::Instance" in again.stdout  # the summary table

    fresh = cli("-o", "json", "scan", "--new")
    assert fresh.exit_code == 0
    new_id = fresh.json()["scan"]["scan_id"]
    assert new_id != scan_id and state()["scan_id"] == new_id

    listed = cli("-o", "json", "scans")
    assert listed.exit_code == 0
    assert [s["scan_id"] for s in listed.json()] == [new_id, scan_id]
    assert all(s["scan_type"] == "FULL" and s["resources_read"] for s in listed.json())


def test_partial_scan_listed_and_bad_types_exit_2(cli: Any, cloud: None) -> None:
    bad = cli("scan", "--type", "AWS::*::Instance")
    assert bad.exit_code == 2 and "only at the end" in bad.stderr
    too_many = cli("scan", *[a for i in range(101) for a in ("--type", f"AWS::X::T{i}")])
    assert too_many.exit_code == 2 and "at most 100" in too_many.stderr
    assert (
        boto3.client("cloudformation", region_name=REGION).list_resource_scans()["ResourceScanSummaries"]
        == []
    )

    partial = cli("-o", "json", "scan", "--type", "AWS::EC2::VPC", "--type", "AWS::S3::*")
    assert partial.exit_code == 0
    assert set(partial.json()["resources_by_type"]) == {"AWS::EC2::VPC"}
    listed = cli("-o", "json", "scans").json()
    assert [(s["scan_type"], s["filter_types"]) for s in listed] == [
        ("PARTIAL", ["AWS::EC2::VPC", "AWS::S3::*"])
    ]
    assert cli("-o", "json", "scan", "--type", "AWS::S3::Bucket").json()["action"] == "reused"
    # a name that is no CloudFormation type is refused, not "reused" from a scan that covers every prefix
    fake = cli("scan", "--type", "AWS::EC2::VPC", "--type", "AWS::Fake::Thing")
    assert fake.exit_code == 2, fake.stderr
    assert "--type AWS::Fake::Thing: resource type 'AWS::Fake::Thing' is not a CloudFormation" in fake.stderr
    assert len(cli("-o", "json", "scans").json()) == 1


def test_a_running_scan_is_waited_on(cli: Any, cloud: None, ticking_clock: Any) -> None:
    ticking_clock.configure(scan_seconds=20.0)
    running = boto3.client("cloudformation", region_name=REGION).start_resource_scan()["ResourceScanId"]
    result = cli("-o", "json", "scan", "--new")
    assert result.exit_code == 0, result.stderr
    assert result.json()["action"] == "joined"
    assert result.json()["scan"]["scan_id"] == running and result.json()["scan"]["status"] == "COMPLETE"


def test_no_wait_saves_the_scan_id(cli: Any, cloud: None, local_settings: Any) -> None:
    local_settings.configure(scan_seconds=60.0)
    result = cli("-o", "json", "scan", "--no-wait")
    assert result.exit_code == 0
    assert result.json()["scan"]["status"] == "IN_PROGRESS"
    assert state()["scan_id"] == result.json()["scan"]["scan_id"]
    still = cli("resources")
    assert still.exit_code == 2 and "still running" in still.stderr


def test_quota_message_names_the_reusable_scan(cli: Any, cloud: None, local_settings: Any) -> None:
    local_settings.configure(daily_scan_quota=1)
    scan_id = cli("-o", "json", "scan").json()["scan"]["scan_id"]
    result = cli("scan", "--new")
    assert result.exit_code == 3
    err = result.stderr.replace("\n", " ")
    assert "ResourceScanLimitExceeded" in err and "daily scan quota" in err
    assert scan_id in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_resources_filters_and_managed(cli: Any, app_world: Any) -> None:
    assert cli("resources").exit_code == 2  # no scan yet
    assert "iacgen scan" in cli("resources").stderr
    owned = {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stack-owned"}}}}
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="s", TemplateBody=json.dumps(owned)
    )
    assert cli("-q", "scan").exit_code == 0

    web = cli("-o", "json", "resources", "--tag-key", "team", "--tag-value", "web")
    assert web.exit_code == 0
    got = {(r["type"], "|".join(r["identifier"].values())) for r in web.json()["resources"]}
    assert got == {
        ("AWS::EC2::VPC", app_world.web_vpc_id),
        *(("AWS::EC2::Subnet", s) for s in app_world.web_subnet_ids),
        ("AWS::EC2::SecurityGroup", app_world.web_security_group_id),
        ("AWS::EC2::Instance", app_world.web_instance_id),
    }
    subnets = cli(
        "-o",
        "json",
        "resources",
        "--type-prefix",
        "AWS::EC2::Subnet",
        "--identifier",
        app_world.data_subnet_id,
    )
    assert [r["identifier"] for r in subnets.json()["resources"]] == [{"SubnetId": app_world.data_subnet_id}]

    buckets = cli("-o", "json", "resources", "--type-prefix", "AWS::S3::")
    assert [r["identifier"]["BucketName"] for r in buckets.json()["resources"]] == [app_world.bucket_name]
    with_managed = cli("-o", "json", "resources", "--type-prefix", "AWS::S3::", "--include-managed").json()
    assert {(r["identifier"]["BucketName"], r["managed_by_stack"]) for r in with_managed["resources"]} == {
        (app_world.bucket_name, False),
        ("stack-owned", True),
    }
    table = cli("resources", "--tag-key", "team", "--tag-value", "data")
    assert table.exit_code == 0 and app_world.table_name in table.stdout

    assert cli("resources", "--tag-value", "web").exit_code == 2


def test_help_shows_meaningful_metavars(cli: Any) -> None:
    """scan, resources, generate and warnings: no typer defaults such as <list[str]> on any option."""
    for command, expected in (
        ("scan", ["--type TYPE", "--scan-id ID", "--timeout SECONDS"]),
        ("resources", ["--type-prefix PREFIX", "--tag-key KEY", "--tag-value VALUE", "--scan-id ID"]),
        ("generate", ["--select EXPR", "--exclude EXPR", "--related-depth N", "--out PATH", "--scan-id ID"]),
        ("warnings", ["[NAME]", "--fail-on TYPE[,TYPE]"]),
    ):
        result = cli(command, "--help")
        assert result.exit_code == 0
        for text in expected:
            assert text in result.stdout, (command, text)
        options = [line for line in result.stdout.splitlines() if line.lstrip().startswith("-")]
        assert options and not [o for o in options if "<" in o], (
            result.stdout
        )  # typer's <list[str]>, <str>...


def test_short_ids_and_a_reused_full_scan_summarised_for_the_types_asked(cli: Any, workshop: Any) -> None:
    full = cli("-o", "json", "scan").json()
    scan_id = full["scan"]["scan_id"]
    short = scan_id.rsplit("/", 1)[-1][:8]
    table = cli("scans")
    assert table.exit_code == 0
    row = next(line for line in table.stdout.splitlines() if short in line)
    assert "FULL" in row and "COMPLETE" in row and "all types" in row
    assert scan_id not in table.stdout  # the ARN is in --output json, not in the 80-column table

    given = cli("-o", "json", "scan", "--scan-id", short)
    assert given.exit_code == 0 and given.json()["scan"]["scan_id"] == scan_id
    assert cli("-o", "json", "resources", "--scan-id", short).json()["scan_id"] == scan_id
    assert cli("scan", "--scan-id", "0000ffff").exit_code == 2

    vpcs = cli("-o", "json", "scan", "--type", "AWS::EC2::VPC")
    assert vpcs.json()["action"] == "reused" and vpcs.json()["scan"]["scan_id"] == scan_id
    assert vpcs.json()["resources_by_type"] == {"AWS::EC2::VPC": full["resources_by_type"]["AWS::EC2::VPC"]}
    assert "Scanned resources by type (AWS::EC2::VPC)" in cli("scan", "--type", "AWS::EC2::VPC").stdout

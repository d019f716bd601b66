"""core.scans against the in-process local cloud: reuse, joining a running scan, quota, filters, paging."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from iacgen.core import scans
from iacgen.core.errors import AwsError, UsageError
from iacgen.core.scans import ScannedResource

REGION = "us-east-1"


def cfn() -> Any:
    return boto3.client("cloudformation", region_name=REGION)


# --- local validation ---------------------------------------------------------------------------------


def test_types_are_validated_before_any_call() -> None:
    with pytest.raises(UsageError, match="at most 100"):
        scans.validate_types([f"AWS::X::T{i}" for i in range(101)])
    with pytest.raises(UsageError, match="only at the end"):
        scans.validate_types(["AWS::*::Instance"])
    with pytest.raises(UsageError, match="1-100"):
        scans.validate_types(["AWS::" + "x" * 100])
    assert scans.validate_types(["AWS::S3::*", "AWS::S3::*", " AWS::EC2::VPC "]) == [
        "AWS::S3::*",
        "AWS::EC2::VPC",
    ]


def test_partial_coverage_rules() -> None:
    partial = scans.ScanInfo("s", "COMPLETE", "PARTIAL", filter_types=["AWS::EC2::*", "AWS::S3::Bucket"])
    assert scans.covers(partial, ["AWS::EC2::Instance", "AWS::EC2::*", "AWS::S3::Bucket"])
    assert not scans.covers(partial, ["AWS::S3::BucketPolicy"])
    assert not scans.covers(partial, ["AWS::*"])
    assert not scans.covers(partial, None)  # a full scan was asked for
    assert scans.covers(scans.ScanInfo("f", "COMPLETE", "FULL"), None)


# --- against the local cloud --------------------------------------------------------------------------


def test_start_then_reuse_without_a_second_start(aws: Any) -> None:
    first = scans.ensure_scan(aws, timeout=30)
    assert first.action == "started" and first.scan.status == "COMPLETE"
    assert first.scan.scan_type == "FULL"
    second = scans.ensure_scan(aws, timeout=30)
    assert second.action == "reused" and second.scan.scan_id == first.scan.scan_id
    assert aws.calls["cloudformation:StartResourceScan"] == 1
    third = scans.ensure_scan(aws, new=True, timeout=30)
    assert third.action == "started" and third.scan.scan_id != first.scan.scan_id
    assert [s.scan_id for s in scans.list_scans(aws)] == [third.scan.scan_id, first.scan.scan_id]


def test_partial_scans_are_listed_and_reused_only_when_they_cover(aws: Any) -> None:
    partial = scans.ensure_scan(aws, types=["AWS::EC2::*"], timeout=30).scan
    assert partial.scan_type == "PARTIAL"
    listed = scans.list_scans(aws)
    assert [(s.scan_id, s.scan_type) for s in listed] == [(partial.scan_id, "PARTIAL")]
    assert scans.find_reusable_scan(aws, ["AWS::EC2::Instance"]).scan_id == partial.scan_id  # type: ignore[union-attr]
    assert scans.find_reusable_scan(aws, ["AWS::S3::Bucket"]) is None
    assert scans.find_reusable_scan(aws, None) is None
    assert scans.find_reusable_scan(aws, any_type=True).scan_id == partial.scan_id  # type: ignore[union-attr]
    again = scans.ensure_scan(aws, types=["AWS::EC2::Subnet"], timeout=30)
    assert again.action == "reused" and again.scan.scan_id == partial.scan_id
    full = scans.ensure_scan(aws, timeout=30)
    assert full.action == "started" and full.scan.scan_type == "FULL"


def test_a_running_scan_is_waited_on(aws: Any, ticking_clock: Any) -> None:
    ticking_clock.configure(scan_seconds=20.0)
    running = cfn().start_resource_scan()["ResourceScanId"]
    seen: list[float] = []
    outcome = scans.ensure_scan(
        aws, new=True, timeout=30, on_progress=lambda s: seen.append(s.percentage or 0)
    )
    assert outcome.action == "joined"
    assert outcome.scan.scan_id == running and outcome.scan.status == "COMPLETE"
    assert aws.calls["cloudformation:StartResourceScan"] == 1  # ours, refused; no second start after joining
    assert seen[-1] == 100.0 and seen[0] < 100.0


def test_no_wait_returns_the_running_scan(aws: Any, local_settings: Any) -> None:
    local_settings.configure(scan_seconds=60.0)
    outcome = scans.ensure_scan(aws, wait=False)
    assert outcome.action == "started" and outcome.scan.status == "IN_PROGRESS"
    with pytest.raises(UsageError, match="still running"):
        scans.resolve_scan(aws, None, outcome.scan.scan_id)


def test_quota_error_names_the_quota_and_the_reusable_scan(aws: Any, local_settings: Any) -> None:
    local_settings.configure(daily_scan_quota=1)
    first = scans.ensure_scan(aws, timeout=30).scan
    with pytest.raises(AwsError) as err:
        scans.ensure_scan(aws, new=True, timeout=30)
    assert "ResourceScanLimitExceeded" in err.value.message
    assert "the daily scan quota (1 scan(s) started in the last 24 h" in err.value.message
    assert err.value.hint is not None and first.scan_id in err.value.hint
    assert err.value.exit_code == 3


def test_failed_scan_and_cool_down(aws: Any, local_settings: Any) -> None:
    local_settings.configure(fail_next_scan="Internal failure reading AWS::EC2::Instance")
    with pytest.raises(AwsError, match="FAILED: Internal failure reading"):
        scans.ensure_scan(aws, timeout=30)
    failed = scans.list_scans(aws)[0]
    with pytest.raises(AwsError) as err:
        scans.ensure_scan(aws, new=True, timeout=30)
    assert (
        f"the 10-minute cool-down after the failed scan {scans.short_id(failed.scan_id)}" in err.value.message
    )
    assert "no usable scan" in (err.value.hint or "")


def test_token_makes_starts_idempotent(aws: Any) -> None:
    a = scans.start_scan(aws, None, "retry-1")
    b = scans.start_scan(aws, None, "retry-1")
    assert a == b
    assert len(scans.list_scans(aws)) == 1
    with pytest.raises(UsageError):
        scans.start_scan(aws, None, "bad token!")


def test_expired_scans_are_not_reused(aws: Any, local_settings: Any) -> None:
    import time

    scan_id = scans.ensure_scan(aws, timeout=30).scan.scan_id
    later = time.time() + 31 * 86400
    local_settings.configure(clock=lambda: later)
    assert scans.describe_scan(aws, scan_id).status == "EXPIRED"
    assert scans.find_reusable_scan(aws, any_type=True) is None
    with pytest.raises(UsageError, match="no usable resource scan"):
        scans.resolve_scan(aws, None, scan_id)


def test_unknown_scan_id_is_a_usage_error(aws: Any) -> None:
    with pytest.raises(UsageError, match="no scan"):
        scans.describe_scan(aws, "arn:aws:cloudformation:us-east-1:123456789012:resourceScan/nope")


def test_list_resources_filters_managed_and_related(aws: Any, workshop: Any) -> None:
    template = {
        "Resources": {"Owned": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "owned-bucket"}}}
    }
    cfn().create_stack(StackName="owner", TemplateBody=json.dumps(template))
    scan_id = scans.ensure_scan(aws, timeout=30).scan.scan_id
    owned = ScannedResource("AWS::S3::Bucket", {"BucketName": "owned-bucket"})
    everything = list(scans.list_resources(aws, scan_id, include_managed=True))
    assert owned in everything and next(r for r in everything if r == owned).managed
    assert owned not in list(scans.list_resources(aws, scan_id))
    tagged = set(scans.list_resources(aws, scan_id, tag_key="Name", tag_value="workshop"))
    assert {r.label for r in tagged} == {
        workshop.vpc_id,
        workshop.subnet_id,
        workshop.internet_gateway_id,
        workshop.route_table_id,
        workshop.security_group_id,
        workshop.key_name,
        workshop.instance_id,
    }
    instances = list(scans.list_resources(aws, scan_id, type_prefix="AWS::EC2::Instance"))
    assert instances == [ScannedResource("AWS::EC2::Instance", {"InstanceId": workshop.instance_id})]
    assert scans.summarize(tagged)["AWS::EC2::VPC"] == 1
    fetch = scans.fetch_related(aws, scan_id)
    got = set(fetch([ScannedResource("AWS::EC2::Instance", {"InstanceId": workshop.instance_id})]))
    assert {(r.type, r.label) for r in got} == {
        ("AWS::EC2::Subnet", workshop.subnet_id),
        ("AWS::EC2::SecurityGroup", workshop.security_group_id),
        ("AWS::EC2::KeyPair", workshop.key_name),
        ("AWS::EC2::NetworkInterface", workshop.network_interface_id),
    }
    with pytest.raises(ValueError):
        fetch([ScannedResource("AWS::S3::Bucket", {"BucketName": f"b{i}"}) for i in range(101)])


def test_list_resources_pages_through_every_resource(aws: Any) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    for i in range(130):
        s3.create_bucket(Bucket=f"bucket-{i:03d}")
    scan_id = scans.ensure_scan(aws, timeout=30).scan.scan_id
    buckets = list(scans.list_resources(aws, scan_id, type_prefix="AWS::S3::Bucket"))
    assert sorted(r.identifier["BucketName"] for r in buckets) == [f"bucket-{i:03d}" for i in range(130)]
    assert aws.calls["cloudformation:ListResourceScanResources"] == 2


# --- review fixes -------------------------------------------------------------------------------------


def test_on_start_reports_the_scan_before_the_wait(aws: Any, ticking_clock: Any) -> None:
    """The caller must learn the id while the scan runs, so that Ctrl-C leaves it saved for a re-run."""
    ticking_clock.configure(scan_seconds=20.0)
    events: list[tuple[str, str]] = []
    outcome = scans.ensure_scan(
        aws,
        timeout=30,
        on_start=lambda o: events.append((o.action, o.scan.status)),
        on_progress=lambda s: events.append(("progress", s.status)),
    )
    assert events[0] == ("started", "IN_PROGRESS")
    assert events[-1] == ("progress", "COMPLETE") and outcome.scan.status == "COMPLETE"
    reused: list[str] = []
    scans.ensure_scan(aws, timeout=30, on_start=lambda o: reused.append(o.action))
    assert reused == ["reused"]


def test_a_remembered_running_scan_is_resumed_without_a_start(aws: Any, ticking_clock: Any) -> None:
    ticking_clock.configure(scan_seconds=20.0)
    running = scans.start_scan(aws, None)
    outcome = scans.ensure_scan(aws, new=True, timeout=30, remembered=running)
    assert outcome.action == "resumed" and outcome.scan.scan_id == running
    assert outcome.scan.status == "COMPLETE" and outcome.scan.scan_type == "FULL"
    assert aws.calls["cloudformation:StartResourceScan"] == 1  # ours, before; none refused after


def test_a_running_scan_that_does_not_cover_is_waited_out_then_ours_starts(
    aws: Any, ticking_clock: Any
) -> None:
    ticking_clock.configure(scan_seconds=20.0)
    partial = cfn().start_resource_scan(ScanFilters=[{"Types": ["AWS::EC2::VPC"]}])["ResourceScanId"]
    actions: list[tuple[str, str]] = []
    outcome = scans.ensure_scan(
        aws, timeout=30, remembered=partial, on_start=lambda o: actions.append((o.action, o.scan.scan_id))
    )
    assert actions[0] == ("waiting", partial)
    assert actions[1][0] == "started" and actions[1][1] != partial
    assert outcome.action == "started" and outcome.scan.scan_type == "FULL"
    assert outcome.scan.status == "COMPLETE"


def test_limit_cause_names_the_cool_down_or_the_quota() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    arn = "arn:aws:cloudformation:us-east-1:123456789012:resourceScan/"

    def scan(uid: str, status: str, ago: timedelta, reason: str | None = None) -> scans.ScanInfo:
        return scans.ScanInfo(
            f"{arn}{uid}", status, "FULL", start_time=now - ago, end_time=now - ago, status_reason=reason
        )

    failed = scan("aaaaaaaa-1", "FAILED", timedelta(minutes=4), "Internal failure")
    assert scans.limit_cause([failed], now) == (
        "the 10-minute cool-down after the failed scan aaaaaaaa "
        "(a new scan can start in about 6 min, at 12:06 UTC)"
    )
    big = scan("bbbbbbbb-2", "FAILED", timedelta(hours=3), "Scan exceeded 100,000 resources")
    assert scans.limit_cause([big], now).startswith("the 24-hour cool-down after the failed scan bbbbbbbb")
    assert "at 09:00 UTC" in scans.limit_cause([big], now)
    old_failure = scan("cccccccc-3", "FAILED", timedelta(minutes=30))
    done = [scan(f"d{i:07d}-x", "COMPLETE", timedelta(hours=i + 1)) for i in range(10)]
    cause = scans.limit_cause([old_failure, *done, scan("e", "COMPLETE", timedelta(days=2))], now)
    assert cause.startswith("the daily scan quota (11 scan(s) started in the last 24 h")


def test_short_scan_ids_are_accepted_back(aws: Any) -> None:
    scan_id = scans.ensure_scan(aws, timeout=30).scan.scan_id
    short = scans.short_id(scan_id)
    assert len(short) == 8 and scan_id.rsplit("/", 1)[-1].startswith(short)
    assert scans.lookup_scan_id(aws, short) == scan_id
    assert scans.ensure_scan(aws, scan_id=short, timeout=30).scan.scan_id == scan_id
    assert scans.resolve_scan(aws, short, None).scan_id == scan_id
    with pytest.raises(UsageError, match="no scan 'ffffffff'"):
        scans.lookup_scan_id(aws, "ffffffff")
    with pytest.raises(UsageError, match="too short"):
        scans.lookup_scan_id(aws, "ab")


def test_no_wait_behind_a_scan_that_does_not_cover_says_so(aws: Any, local_settings: Any) -> None:
    local_settings.configure(scan_seconds=30.0)
    partial = cfn().start_resource_scan(ScanFilters=[{"Types": ["AWS::EC2::VPC"]}])["ResourceScanId"]
    outcome = scans.ensure_scan(aws, new=True, wait=False)
    assert (outcome.action, outcome.scan.scan_id, outcome.scan.status) == ("waiting", partial, "IN_PROGRESS")
    assert len(scans.list_scans(aws)) == 1


def test_an_empty_next_token_ends_every_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service documents NextToken "" as "no more"; sending it back would be refused (min length 1).
    botocore's model says min 1 for responses too, so the stub's own response check is switched off."""
    from botocore.stub import Stubber

    monkeypatch.setattr(Stubber, "_validate_operation_response", lambda self, name, response: None)
    from iacgen.core.session import Aws, AwsSettings

    aws = Aws(AwsSettings(region=REGION))
    scan_id = "arn:aws:cloudformation:us-east-1:123456789012:resourceScan/0f0f0f0f-0000"
    vpc = {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": "vpc-1"}, "ManagedByStack": False}
    subnet = {
        "ResourceType": "AWS::EC2::Subnet",
        "ResourceIdentifier": {"SubnetId": "s-1"},
        "ManagedByStack": False,
    }
    with Stubber(aws.cloudformation) as stub:
        stub.add_response("list_resource_scan_resources", {"Resources": [vpc], "NextToken": ""})
        stub.add_response(
            "list_resource_scan_related_resources", {"RelatedResources": [subnet], "NextToken": ""}
        )
        for kind in ("FULL", "PARTIAL"):
            summary = {"ResourceScanId": scan_id, "Status": "COMPLETE", "ScanType": kind}
            stub.add_response("list_resource_scans", {"ResourceScanSummaries": [summary], "NextToken": ""})
        assert [r.label for r in scans.list_resources(aws, scan_id)] == ["vpc-1"]
        assert [r.label for r in scans.fetch_related(aws, scan_id)([ScannedResource.from_api(vpc)])] == [
            "s-1"
        ]
        assert [s.scan_id for s in scans.list_scans(aws)] == [scan_id]
        stub.assert_no_pending_responses()

"""Service faults injected by the local cloud, per operation: iacgen retries what a retry can fix (throttling,
5xx, a busy generator) with bounded back-off, reports the rest at once (permissions, quotas), and leaves no
change set, empty stack or half-written file behind when the service says no."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
WORKFLOW = (
    ("scan",),
    ("generate", "workshop", "--select", "tag:Name=workshop", "--related", "--deletion-policy", "DELETE"),
    ("patch", "workshop.yaml", "--deletion-policy", "Retain", "--type", "AWS::EC2::KeyPair", "--in-place"),
    ("import", "--stack", "workshop", "--execute"),
)


def one_line(text: str) -> str:
    return " ".join(text.split())


def api_calls(stderr: str) -> str:
    """The --verbose 'API calls: N (...)' line: one count per call, however many attempts it took."""
    match = re.search(r"API calls: .*?\)", one_line(stderr))
    return match.group(0) if match else "no API calls"


def retries(stderr: str) -> int:
    match = re.search(r"retries: (\d+) \(", one_line(stderr))
    return int(match.group(1)) if match else 0


def _workflow(cli: Any, local_settings: Any, where: Path, faults: str) -> dict[str, Any]:
    """The whole workflow in a fresh account seeded the same way (moto's ids come from its seeded random)."""
    from moto import mock_aws
    from moto.moto_api._internal import mock_random

    from iacgen.localcloud import install
    from iacgen.localcloud.faults import injector
    from iacgen.localcloud.scenarios import seed_workshop

    install()
    where.mkdir()
    import os

    os.chdir(where)
    with mock_aws():
        mock_random.seed(8)
        world = seed_workshop(region=REGION)
        # no time passes in the service: every wait ends at its first look, so the calls made are the same
        local_settings.configure(faults=faults, fault_seed=1, scan_seconds=0, template_seconds=0)
        calls, retried = [], 0
        for step in WORKFLOW:
            result = cli("-v", *step)
            assert result.exit_code == 0, result.stderr
            calls.append(api_calls(result.stderr))
            retried += retries(result.stderr)
        injected = sum(injector.injected.values())
        local_settings.configure(faults="")
        cfn = boto3.client("cloudformation", region_name=REGION)
        stack = cfn.describe_stack_resources(StackName="workshop")["StackResources"]
        return {
            "template": Path("workshop.yaml").read_bytes(),
            "resources": Path("workshop.resources.json").read_bytes(),
            "adopted": sorted((r["LogicalResourceId"], r["PhysicalResourceId"]) for r in stack),
            "world": world.to_dict(),
            "calls": calls,
            "stacks": [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"]],
            "change_sets": cfn.list_change_sets(StackName="workshop")["Summaries"],
            "retried": retried,
            "injected": injected,
        }


def test_whole_workflow_with_30_percent_of_calls_throttled_gets_the_fault_free_result(
    cli: Any, local_settings: Any, tmp_path: Path
) -> None:
    clean = _workflow(cli, local_settings, tmp_path / "clean", "")
    throttled = _workflow(cli, local_settings, tmp_path / "throttled", "*=throttle:0.3")
    assert clean["injected"] == clean["retried"] == 0
    # the faults happened, on every service the workflow calls, and each one was retried
    assert throttled["injected"] >= 10
    assert throttled["retried"] == throttled["injected"]
    for key in ("resources", "adopted", "world", "calls", "stacks"):
        assert throttled[key] == clean[key], key
    # the template names its generated template in Metadata (the service's shape): only that ARN differs
    arn = re.compile(rb"generatedTemplate/[0-9a-f-]+")
    assert arn.sub(b"ARN", throttled["template"]) == arn.sub(b"ARN", clean["template"])
    assert clean["stacks"] == ["IMPORT_COMPLETE"]
    assert dict(clean["adopted"])["EC2VPC"] == clean["world"]["vpc_id"]
    assert len(clean["change_sets"]) == 1 and clean["change_sets"][0]["ExecutionStatus"] == "EXECUTE_COMPLETE"


@pytest.fixture
def faulty(cloud: None, local_settings: Any) -> Any:
    local_settings.configure(scan_seconds=0, template_seconds=0)
    return local_settings


def _injected() -> dict[str, int]:
    from iacgen.localcloud.faults import injector

    return dict(injector.injected)


@pytest.mark.parametrize(
    ("kind", "code"),
    [("throttle", "Throttling"), ("5xx", "InternalFailure")],
)
def test_throttling_and_5xx_are_retried_with_backoff(cli: Any, faulty: Any, kind: str, code: str) -> None:
    faulty.configure(faults=f"cloudformation:ListResourceScans={kind}:1:3")
    result = cli("-v", "scans")
    assert result.exit_code == 0, result.stderr
    assert _injected() == {f"cloudformation:ListResourceScans={kind}": 3}
    assert f"retries: 3 ({code} 3)" in one_line(result.stderr)
    assert "ListResourceScans 2" in api_calls(result.stderr)  # full and partial scans: 2 calls, 5 attempts


def test_throttling_that_outlasts_the_bound_is_exit_3_after_8_attempts(cli: Any, faulty: Any) -> None:
    faulty.configure(faults="ListResourceScans=throttle")
    result = cli("scans")
    assert result.exit_code == 3
    assert _injected() == {"cloudformation:ListResourceScans=throttle": 8}
    err = one_line(result.stderr)
    assert "ListResourceScans failed (Throttling): Rate exceeded" in err
    assert "after retries" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("denied", "failed (AccessDenied): User: arn:aws:iam::123456789012:user/iacgen-test is not"),
        ("quota", "failed (LimitExceededException)"),
    ],
)
def test_permission_and_quota_errors_are_not_retried_and_nothing_is_written(
    cli: Any, workshop: Any, faulty: Any, kind: str, expected: str
) -> None:
    assert cli("-q", "scan").exit_code == 0
    faulty.configure(faults=f"CreateGeneratedTemplate={kind}")
    result = cli("generate", "ws", "--select", "type=AWS::EC2::VPC")
    assert result.exit_code == 3
    assert expected in one_line(result.stderr)
    assert "Traceback" not in result.stderr
    assert _injected() == {f"cloudformation:CreateGeneratedTemplate={kind}": 1}  # asked once
    assert not Path("ws.yaml").exists() and not Path("ws.resources.json").exists()
    faulty.configure(faults="")
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_generated_templates()["Summaries"] == []


def test_a_busy_generator_429_is_waited_out(cli: Any, workshop: Any, faulty: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    faulty.configure(faults="CreateGeneratedTemplate=busy:1:2")
    result = cli("-v", "generate", "ws", "--select", "type=AWS::EC2::VPC")
    assert result.exit_code == 0, result.stderr
    assert _injected() == {"cloudformation:CreateGeneratedTemplate=busy": 2}
    # waited for a free slot by the generation's own poll, not by the per-call retries
    assert retries(result.stderr) == 0
    assert "CreateGeneratedTemplate 3" in api_calls(result.stderr)
    assert Path("ws.yaml").exists()


def test_ec2_and_s3_faults_use_their_services_codes(cloud: None, faulty: Any) -> None:
    from botocore.config import Config

    once = Config(retries={"mode": "standard", "total_max_attempts": 1})
    faulty.configure(faults="ec2:DescribeVpcs=throttle,s3:*=throttle,ec2:*=5xx")
    for call, code, status in (
        (lambda: boto3.client("ec2", REGION, config=once).describe_vpcs(), "RequestLimitExceeded", 503),
        (lambda: boto3.client("ec2", REGION, config=once).describe_subnets(), "InternalError", 500),
        (lambda: boto3.client("s3", REGION, config=once).list_buckets(), "SlowDown", 503),
    ):
        with pytest.raises(boto3.client("s3", REGION).exceptions.ClientError) as exc:
            call()
        assert exc.value.response["Error"]["Code"] == code
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_a_fault_rule_that_cannot_be_read_is_refused_by_name() -> None:
    from iacgen.localcloud.faults import FaultKind, FaultRule, FaultSpecError, parse_rules

    assert parse_rules(" *=throttle:0.3, ec2:Describe*=5xx:1:2 ") == [
        FaultRule("*", FaultKind.throttle, 0.3),
        FaultRule("ec2:Describe*", FaultKind.server_error, 1.0, 2),
    ]
    for bad, words in (
        ("throttle", "expected OPERATION=KIND"),
        ("*=slow", "unknown kind 'slow'"),
        ("*=throttle:2", "RATE is a number in 0..1"),
        ("*=throttle:x", "RATE is a number in 0..1"),
    ):
        with pytest.raises(FaultSpecError, match=words):
            parse_rules(bad)


# --- faults of a change set's life --------------------------------------------------------------------------


def _buckets(n: int) -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    names = [f"iacgen-fault-{i}" for i in range(n)]
    for name in names:
        s3.create_bucket(Bucket=name)
    return names


def _bucket_template(names: list[str]) -> None:
    resources = {
        f"Bucket{i}": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "Properties": {"BucketName": name},
        }
        for i, name in enumerate(names)
    }
    Path("b.json").write_text(json.dumps({"Resources": resources}, indent=2))


def test_a_change_set_that_ends_failed_is_reported_and_removed_with_its_empty_stack(
    cli: Any, faulty: Any
) -> None:
    _bucket_template(_buckets(2))
    before = Path("b.json").read_bytes()
    faulty.configure(fail_next_change_set="The following resource types are not supported: AWS::S3::Bucket")
    result = cli("import", "--stack", "b", "--template", "b.json", "--dry-run")
    assert result.exit_code == 1
    err = one_line(result.stderr)
    assert "the import change set for stack b FAILED: The following resource types are not supported" in err
    assert "Traceback" not in err
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"]] in ([], ["DELETE_COMPLETE"])
    assert Path("b.json").read_bytes() == before
    # fires once: the same command again works
    assert cli("import", "--stack", "b", "--template", "b.json", "--dry-run").exit_code == 0


def test_a_rollback_on_execute_adopts_nothing_and_a_rerun_imports(cli: Any, faulty: Any) -> None:
    names = _buckets(2)
    _bucket_template(names)
    faulty.configure(fail_next_execute="Resource handler returned message: Rate exceeded (Service: S3)")
    result = cli("import", "--stack", "b", "--template", "b.json", "--execute")
    assert result.exit_code == 1
    err = one_line(result.stderr)
    assert "ended IMPORT_ROLLBACK_COMPLETE: Bucket0: Resource handler returned message: Rate exceeded" in err
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.describe_stack_resources(StackName="b")["StackResources"] == []
    again = cli("-o", "json", "import", "--stack", "b", "--template", "b.json", "--execute")
    assert again.exit_code == 0, again.stderr
    adopted = {r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="b")["StackResources"]}
    assert adopted == set(names)
    assert len(boto3.client("s3", region_name=REGION).list_buckets()["Buckets"]) == 2


def test_aws_max_attempts_bounds_the_attempts(cli: Any, faulty: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    faulty.configure(faults="ListResourceScans=throttle")
    assert cli("scans").exit_code == 3
    assert _injected() == {"cloudformation:ListResourceScans=throttle": 2}


def test_the_fault_count_starts_afresh_when_the_settings_change_even_with_no_faults_set(
    cli: Any, faulty: Any
) -> None:
    faulty.configure(faults="ListResourceScans=throttle:1:1")
    assert cli("scans").exit_code == 0
    assert _injected() == {"cloudformation:ListResourceScans=throttle": 1}
    faulty.configure(faults="")  # no call is checked against rules now: the count must not carry over
    assert cli("scans").exit_code == 0
    assert _injected() == {}

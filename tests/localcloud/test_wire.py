"""What every local-cloud operation shares: one lock against concurrent requests (the server answers each on
its own thread), a clean HTTP 400 for operations nobody emulates instead of moto's 500, and refusals where
moto's own path would crash or quietly drop imported resources."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _cfn() -> Any:
    return boto3.client(
        "cloudformation", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )


def _code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_concurrent_starts_begin_exactly_one_scan(cloud: None, local_settings: Any) -> None:
    starts = 6
    meeting = threading.Barrier(starts)

    def meeting_clock() -> float:
        # Each start reads the clock before its checks. Unserialised, all six meet here and then all find no
        # scan running; serialised, the first waits out the timeout alone and the barrier stays broken.
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait(timeout=0.5)
        return time.time()

    local_settings.configure(clock=meeting_clock, scan_seconds=60.0)
    clients = [_cfn() for _ in range(starts)]  # boto3's default session is not thread-safe; clients are

    def start(client: Any) -> str:
        try:
            return str(client.start_resource_scan()["ResourceScanId"])
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])

    with ThreadPoolExecutor(starts) as pool:
        results = list(pool.map(start, clients))
    started = [r for r in results if r.startswith("arn:")]
    assert len(started) == 1, results
    assert sorted(set(results) - set(started)) == ["ResourceScanInProgress"]
    summaries = clients[0].list_resource_scans()["ResourceScanSummaries"]
    assert [s["ResourceScanId"] for s in summaries] == started


def test_concurrent_creates_of_one_name_make_one_template(cloud: None) -> None:
    clients = [_cfn() for _ in range(4)]
    barrier = threading.Barrier(len(clients))

    def create(client: Any) -> str:
        barrier.wait()
        try:
            return str(client.create_generated_template(GeneratedTemplateName="same")["GeneratedTemplateId"])
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(create, clients))
    assert sorted(r if not r.startswith("arn:") else "arn" for r in results) == [
        "AlreadyExistsException",
        "AlreadyExistsException",
        "AlreadyExistsException",
        "arn",
    ]
    assert len(clients[0].list_generated_templates()["Summaries"]) == 1


@pytest.mark.filterwarnings("ignore:Exception\\(NotEmulated\\)")  # pytest resets install()'s own filter
def test_every_modelled_operation_exists_and_the_unemulated_answer_400(cloud: None) -> None:
    import botocore.session
    from botocore import xform_name
    from moto.cloudformation.responses import CloudFormationResponse

    model = botocore.session.get_session().get_service_model("cloudformation")
    missing = [op for op in model.operation_names if not hasattr(CloudFormationResponse, xform_name(op))]
    assert missing == []

    cfn = _cfn()
    for call in (
        lambda: cfn.activate_organizations_access(),  # DetectStackDrift is emulated now (drift.py)
        lambda: cfn.update_termination_protection(StackName="any", EnableTerminationProtection=True),
        lambda: cfn.describe_type(Type="RESOURCE", TypeName="AWS::EC2::VPC"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == ("NotImplemented", 400)
        assert "is not emulated by the iacgen local cloud" in str(exc.value)


def test_change_set_without_a_template_is_a_validation_error(cloud: None) -> None:
    cfn = _cfn()
    for change_set_type in ("CREATE", "IMPORT"):
        with pytest.raises(ClientError) as exc:  # moto alone: AttributeError, HTTP 500
            cfn.create_change_set(StackName="s", ChangeSetName="c", ChangeSetType=change_set_type)
        assert _code(exc) == ("ValidationError", 400)
        assert "Template URL or Template Body must be specified" in str(exc.value)
    assert cfn.list_stacks()["StackSummaries"] == []


def test_updating_a_stack_with_imported_resources_is_refused_and_keeps_them(cloud: None) -> None:
    from iacgen.localcloud import inventory

    cfn = _cfn()
    boto3.client("ec2", region_name=REGION).create_key_pair(KeyName="kept")
    key = {"Type": "AWS::EC2::KeyPair", "DeletionPolicy": "Retain", "Properties": {"KeyName": "kept"}}
    template = json.dumps({"Resources": {"Key": key}})
    created = cfn.create_change_set(
        StackName="adopted",
        ChangeSetName="adopt",
        ChangeSetType="IMPORT",
        TemplateBody=template,
        ResourcesToImport=[
            {
                "ResourceType": "AWS::EC2::KeyPair",
                "LogicalResourceId": "Key",
                "ResourceIdentifier": {"KeyName": "kept"},
            }
        ],
    )
    cfn.execute_change_set(ChangeSetName=created["Id"])
    tagged = json.dumps({"Resources": {"Key": {**key, "Properties": {"KeyName": "kept", "Tags": []}}}})
    for call in (
        lambda: cfn.update_stack(StackName="adopted", TemplateBody=tagged),
        lambda: cfn.create_change_set(
            StackName="adopted", ChangeSetName="update", ChangeSetType="UPDATE", TemplateBody=tagged
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == ("ValidationError", 400)
        assert "holds imported resources, is not emulated" in str(exc.value)
    # moto's update path would have dropped the adopted key pair from the stack: it is still owned
    assert inventory.owned_keys(ACCOUNT, REGION) == {("AWS::EC2::KeyPair", "kept"): created["StackId"]}
    resources = cfn.describe_stack_resources(StackName="adopted")["StackResources"]
    assert [(r["LogicalResourceId"], r["PhysicalResourceId"]) for r in resources] == [("Key", "kept")]


def test_a_malformed_setting_in_the_environment_is_reported_and_ignored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from iacgen.localcloud.settings import LocalCloudSettings

    monkeypatch.setenv("IACGEN_LOCAL_SCAN_SECONDS", "soon")
    monkeypatch.setenv("IACGEN_LOCAL_DAILY_SCAN_QUOTA", "3")
    read = LocalCloudSettings.from_env()
    assert read.scan_seconds == LocalCloudSettings().scan_seconds
    assert read.daily_scan_quota == 3
    assert "ignoring IACGEN_LOCAL_SCAN_SECONDS='soon'" in capsys.readouterr().err

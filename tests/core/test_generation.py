"""core.generation against the local cloud: create/update, policies, failures, backoff, warnings."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from ruamel.yaml import YAML

from iacgen.cli.flags import FLAGS
from iacgen.core import generation, scans
from iacgen.core.errors import AwsError, UsageError
from iacgen.core.scans import ScannedResource
from tests.core.test_template_warnings import DESCRIBE

REGION = "us-east-1"


def workshop_core(w: Any) -> list[ScannedResource]:
    return [
        ScannedResource("AWS::EC2::Instance", {"InstanceId": w.instance_id}),
        ScannedResource("AWS::EC2::Subnet", {"SubnetId": w.subnet_id}),
        ScannedResource("AWS::EC2::VPC", {"VpcId": w.vpc_id}),
        ScannedResource("AWS::EC2::KeyPair", {"KeyName": w.key_name}),
    ]


# --- pure ---------------------------------------------------------------------------------


def test_resources_to_import_skips_failed_and_absent() -> None:
    assert generation.resources_to_import(DESCRIBE) == [
        {
            "ResourceType": "AWS::EC2::Instance",
            "LogicalResourceId": "EC2Instance",
            "ResourceIdentifier": {"InstanceId": "i-1"},
        },
        {
            "ResourceType": "AWS::EC2::VPC",
            "LogicalResourceId": "EC2VPC",
            "ResourceIdentifier": {"VpcId": "vpc-1"},
        },
    ]
    assert [r["LogicalResourceId"] for r in generation.resources_to_import(DESCRIBE, {"EC2VPC"})] == [
        "EC2VPC"
    ]


def test_inputs_are_checked_before_any_call() -> None:
    many = [ScannedResource("AWS::S3::Bucket", {"BucketName": f"b{i}"}) for i in range(501)]
    with pytest.raises(UsageError, match="501 resources"):
        generation.generate(None, "t", many)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="1-128"):
        generation.generate(None, "x" * 129, many[:1])  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="deletion policy"):
        generation.generate(None, "t", many[:1], deletion_policy="SNAPSHOT")  # type: ignore[arg-type]


# --- against the local cloud ---------------------------------------------------------------------------


def test_generate_sends_policies_and_import_ids_match_the_template(aws: Any, workshop: Any) -> None:
    scans.ensure_scan(aws, timeout=30)
    progress: list[generation.TemplateProgress] = []
    gt = generation.generate(
        aws,
        "ws",
        workshop_core(workshop),
        deletion_policy="delete",
        update_replace_policy="RETAIN",
        timeout=30,
        on_progress=progress.append,
    )
    assert gt.status == "COMPLETE" and gt.action == "created"
    assert progress and progress[-1].succeeded == 4
    doc = YAML(typ="rt").load(gt.body)
    resources = doc["Resources"]
    assert len(resources) == 4
    assert {r["DeletionPolicy"] for r in resources.values()} == {"Delete"}
    assert {r["UpdateReplacePolicy"] for r in resources.values()} == {"Retain"}
    imports = {r["LogicalResourceId"]: r for r in gt.resources_to_import}
    assert set(imports) == set(resources)
    assert {(r["ResourceType"], json.dumps(r["ResourceIdentifier"])) for r in imports.values()} == {
        (r.type, json.dumps(r.identifier)) for r in workshop_core(workshop)
    }
    for logical_id, entry in imports.items():
        assert resources[logical_id]["Type"] == entry["ResourceType"]
    assert {r.resource_type for r in gt.warnings} == {"AWS::EC2::Instance", "AWS::EC2::Subnet"}
    assert gt.total_warnings == sum(len({w.type for w in r.warnings}) for r in gt.warnings)


def test_existing_name_needs_update_and_update_sends_the_difference(aws: Any, workshop: Any) -> None:
    scans.ensure_scan(aws, timeout=30)
    first = generation.generate(aws, "ws", workshop_core(workshop)[:3], timeout=30)
    with pytest.raises(UsageError) as err:
        generation.generate(aws, "ws", workshop_core(workshop), timeout=30)
    assert "--update" in (err.value.hint_in(FLAGS) or "")
    vpc_logical = next(r["logical_id"] for r in first.resources if r["type"] == "AWS::EC2::VPC")
    wanted = [*workshop_core(workshop)[:2], workshop_core(workshop)[3]]  # drop the VPC, add the key pair
    updated = generation.generate(
        aws, "ws", wanted, deletion_policy="DELETE", update=True, timeout=30, fmt="json"
    )
    assert updated.action == "updated" and updated.template_id == first.template_id
    assert updated.added == 1 and updated.removed == [vpc_logical]
    assert {r["type"] for r in updated.resources} == {
        "AWS::EC2::Instance",
        "AWS::EC2::Subnet",
        "AWS::EC2::KeyPair",
    }
    body = json.loads(updated.body)
    assert {r["DeletionPolicy"] for r in body["Resources"].values()} == {"Delete"}
    assert len(boto3.client("cloudformation").list_generated_templates()["Summaries"]) == 1


def test_failed_generation_lists_each_failed_resource(aws: Any, workshop: Any, local_settings: Any) -> None:
    scans.ensure_scan(aws, timeout=30)
    local_settings.configure(fail_resource_ids=workshop.instance_id)
    with pytest.raises(generation.GenerationFailed) as err:
        generation.generate(aws, "ws", workshop_core(workshop), timeout=30)
    assert isinstance(err.value, AwsError) and err.value.exit_code == 3
    assert [(f.resource_type, f.identifier) for f in err.value.failed] == [
        ("AWS::EC2::Instance", {"InstanceId": workshop.instance_id})
    ]
    assert workshop.instance_id in err.value.message and err.value.failed[0].reason


def test_backs_off_while_five_templates_generate(aws: Any, ticking_clock: Any) -> None:
    scans.ensure_scan(aws, timeout=30)
    vpc = next(scans.list_resources(aws, scans.find_reusable_scan(aws).scan_id, type_prefix="AWS::EC2::VPC"))  # type: ignore[union-attr]
    ticking_clock.configure(template_seconds=20.0)
    cfn = boto3.client("cloudformation", region_name=REGION)
    for i in range(5):
        cfn.create_generated_template(GeneratedTemplateName=f"busy{i}", Resources=[vpc.to_api()])
    gt = generation.generate(aws, "mine", [vpc], timeout=60)
    assert gt.status == "COMPLETE"
    # refused while five were busy, then accepted: our back-off made the call again (botocore's retries of
    # one call count once here, so this fails if the product gave up or relied on them)
    assert aws.calls["cloudformation:CreateGeneratedTemplate"] >= 2


def test_get_warnings_of_the_lambda_function(aws: Any, app_world: Any) -> None:
    scans.ensure_scan(aws, timeout=30)
    fn = ScannedResource("AWS::Lambda::Function", {"FunctionName": app_world.function_name})
    generation.generate(aws, "app", [fn], timeout=30)
    found = generation.get_warnings(aws, "app")
    assert [r.resource_type for r in found] == ["AWS::Lambda::Function"]
    by_type = {w.type: w for w in found[0].warnings}
    assert by_type["MUTUALLY_EXCLUSIVE_PROPERTIES"].fix == "parameter"
    with pytest.raises(UsageError, match="no generated template"):
        generation.get_warnings(aws, "nope")


def test_when_free_retries_only_the_concurrency_error() -> None:
    from botocore.exceptions import ClientError

    def busy() -> ClientError:
        error = {"Error": {"Code": "ConcurrentResourcesLimitExceeded", "Message": "5 busy"}}
        return ClientError(error, "CreateGeneratedTemplate")  # type: ignore[arg-type]

    attempts: list[int] = []

    def call() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise busy()
        return "arn"

    assert generation._when_free(call, "create t", timeout=30) == "arn"
    assert len(attempts) == 3

    def denied() -> str:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "CreateGeneratedTemplate")  # type: ignore[arg-type]

    with pytest.raises(ClientError):
        generation._when_free(denied, "create t", timeout=30)


def test_the_same_request_again_resumes_without_creating_or_updating(aws: Any, workshop: Any) -> None:
    """A re-run after an interruption picks the template up instead of failing on its name."""
    scans.ensure_scan(aws, timeout=30)
    wanted = workshop_core(workshop)[:3]
    first = generation.generate(aws, "ws", wanted, deletion_policy="DELETE", timeout=30)
    creates = aws.calls["cloudformation:CreateGeneratedTemplate"]
    again = generation.generate(aws, "ws", list(reversed(wanted)), deletion_policy="DELETE", timeout=30)
    assert again.action == "resumed" and again.template_id == first.template_id
    assert again.body == first.body
    assert aws.calls["cloudformation:CreateGeneratedTemplate"] == creates
    assert aws.calls["cloudformation:UpdateGeneratedTemplate"] == 0
    with pytest.raises(UsageError):  # other policies are another request
        generation.generate(aws, "ws", wanted, deletion_policy="RETAIN", timeout=30)


# --- review fixes -------------------------------------------------------------------------------------


def test_on_submitted_comes_before_the_wait(aws: Any, workshop: Any) -> None:
    scans.ensure_scan(aws, timeout=30)
    events: list[tuple[str, str]] = []
    gt = generation.generate(
        aws,
        "ws",
        workshop_core(workshop)[:2],
        timeout=30,
        on_submitted=lambda template_id, action: events.append((action, template_id)),
        on_progress=lambda p: events.append(("progress", p.status)),
    )
    assert events[0] == ("created", gt.template_id)
    assert events[-1] == ("progress", "COMPLETE")


def test_a_failed_template_is_retried_only_with_update(aws: Any, workshop: Any, local_settings: Any) -> None:
    scans.ensure_scan(aws, timeout=30)
    wanted = workshop_core(workshop)[:2]
    local_settings.configure(fail_resource_ids=workshop.subnet_id)
    with pytest.raises(generation.GenerationFailed):
        generation.generate(aws, "ws", wanted, timeout=30)
    local_settings.configure(fail_resource_ids="")
    with pytest.raises(UsageError) as err:
        generation.generate(aws, "ws", wanted, timeout=30)
    assert "FAILED" in err.value.message and "other resources" not in err.value.message
    assert "--update" in (err.value.hint_in(FLAGS) or "")
    retried = generation.generate(aws, "ws", wanted, update=True, timeout=30)
    assert retried.action == "updated" and retried.status == "COMPLETE"
    assert {r["status"] for r in retried.resources} == {"COMPLETE"}
    assert len(retried.resources_to_import) == 2


def test_generate_keeps_vpc_defaults_for_a_python_caller_too(aws: Any, workshop: Any) -> None:
    """The library call does what the CLI shows: Retain on the default SG and NACL (JSON body), only with
    DELETE and unless keep_vpc_defaults=False."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = [{"Name": "vpc-id", "Values": [workshop.vpc_id]}]
    default_sg = next(
        g["GroupId"]
        for g in ec2.describe_security_groups(Filters=vpc)["SecurityGroups"]
        if g["GroupName"] == "default"
    )
    wanted = [
        ScannedResource("AWS::EC2::SecurityGroup", {"Id": default_sg}),
        ScannedResource("AWS::EC2::SecurityGroup", {"Id": workshop.security_group_id}),
        ScannedResource("AWS::EC2::NetworkAcl", {"Id": workshop.network_acl_id}),
    ]
    scans.ensure_scan(aws, timeout=30)
    gt = generation.generate(aws, "ws", wanted, deletion_policy="DELETE", timeout=30, fmt="JSON")
    assert gt.vpc_defaults is not None
    ids = {r["identifier"]["Id"]: r["logical_id"] for r in gt.resources}
    assert sorted(gt.vpc_defaults.logical_ids) == sorted([ids[default_sg], ids[workshop.network_acl_id]])
    body = json.loads(gt.body)["Resources"]
    assert {lid: r["DeletionPolicy"] for lid, r in body.items()} == {
        ids[default_sg]: "Retain",
        ids[workshop.network_acl_id]: "Retain",
        ids[workshop.security_group_id]: "Delete",
    }
    assert gt.to_dict()["vpc_defaults"]["found"][0]["why"].startswith("the VPC's default")

    calls = aws.calls["ec2:DescribeSecurityGroups"]
    plain = generation.generate(
        aws, "ws", wanted, deletion_policy="DELETE", timeout=30, keep_vpc_defaults=False
    )
    assert plain.action == "resumed" and plain.vpc_defaults is None
    assert {r["DeletionPolicy"] for r in YAML(typ="rt").load(plain.body)["Resources"].values()} == {"Delete"}
    assert aws.calls["ec2:DescribeSecurityGroups"] == calls

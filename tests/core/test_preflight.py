"""The import preflight against the local cloud: every refusal names the problem and creates nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from iacgen.cli.flags import FLAGS
from iacgen.core import changeset, preflight
from iacgen.core.errors import UsageError
from tests.import_fixtures import FAKE_WORLD, REGION, WORKSHOP, bucket_files, workshop_resources, write_files


def test_missing_deletion_policy_is_refused_before_any_call(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, no_policy=("VPC", "Instance"))
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert "have no DeletionPolicy: VPC, Instance" in err.value.message
    assert "--patch-deletion-policy" in (err.value.hint_in(FLAGS) or "")
    assert not any(op.endswith("CreateChangeSet") for op in aws.calls)


def test_patch_deletion_policy_changes_the_body_not_the_file(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, policy=None)
    before = template.read_bytes()
    plan = preflight.plan_import(
        aws, stack="ws", template_path=template, resources_path=resources, patch_deletion_policy="retain"
    )
    assert template.read_bytes() == before
    assert plan.deletion_policy == "Retain"
    assert plan.deletion_policy_added == list(WORKSHOP)
    assert plan.body.count("DeletionPolicy: Retain") == len(WORKSHOP)
    assert "!Ref VPC" in plan.body  # short-form tags survive into the body


def test_unknown_deletion_policy(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, policy=None)
    with pytest.raises(UsageError, match="'Keep' is not a valid DeletionPolicy"):
        preflight.plan_import(
            aws, stack="ws", template_path=template, resources_path=resources, patch_deletion_policy="Keep"
        )


def test_resources_file_must_match_template(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, ["VPC", "Subnet"])
    entries = workshop_resources(FAKE_WORLD, ["VPC", "Subnet"])
    entries[1]["ResourceType"] = "AWS::EC2::RouteTable"
    entries.append({**entries[0], "LogicalResourceId": "Ghost"})
    resources.write_text(json.dumps(entries))
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    message = err.value.message
    assert (
        "Subnet is AWS::EC2::Subnet in the template but AWS::EC2::RouteTable in the resources file" in message
    )
    assert "Ghost (AWS::EC2::VPC), which is not in the template" in message
    assert "as VPC and Ghost" in message  # the same VPC twice


def test_missing_and_unknown_parameters(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, parameter=True)
    with pytest.raises(UsageError) as err:
        preflight.plan_import(
            aws, stack="ws", template_path=template, resources_path=resources, parameters={"Bogus": "1"}
        )
    assert "parameter(s) without a value: ImageId" in err.value.message
    assert "unknown parameter(s): Bogus" in err.value.message
    plan = preflight.plan_import(
        aws, stack="ws", template_path=template, resources_path=resources, parameters={"ImageId": "ami-1"}
    )
    assert plan.request_parameters() == [{"ParameterKey": "ImageId", "ParameterValue": "ami-1"}]


def test_a_generated_parameter_is_given_by_its_stable_name(aws: Any) -> None:
    """The generator's OneOf parameters end in five random characters, new with each generation: a value
    given without them (or with an earlier generation's) reaches the name this template declares."""
    template, resources = bucket_files(["stable-names"])
    template.write_text(
        "Parameters:\n"
        "  FnCodeS3BucketOneOfAb3De: {Type: String}\n"
        "  FnCodeS3KeyOneOfQw9Rt: {Type: String}\n"
        "  TwinOneOfAaaaa: {Type: String}\n  TwinOneOfBbbbb: {Type: String}\n" + template.read_text()
    )
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="st", template_path=template, resources_path=resources)
    assert "--parameter FnCodeS3Bucket=VALUE --parameter FnCodeS3Key=VALUE" in (
        err.value.hint_in(FLAGS) or ""
    )
    given = {"FnCodeS3Bucket": "b", "FnCodeS3KeyOneOfZzzzz": "k", "Twin": "?"}
    with pytest.raises(UsageError) as err:
        preflight.plan_import(
            aws, stack="st", template_path=template, resources_path=resources, parameters=given
        )
    assert "unknown parameter(s): Twin" in err.value.message  # two declared parameters have that stable name
    assert "FnCode" not in err.value.message
    given = {
        "FnCodeS3Bucket": "b",
        "FnCodeS3KeyOneOfZzzzz": "k",
        "TwinOneOfAaaaa": "a",
        "TwinOneOfBbbbb": "b",
    }
    plan = preflight.plan_import(
        aws, stack="st", template_path=template, resources_path=resources, parameters=given
    )
    assert plan.parameters == {
        "FnCodeS3BucketOneOfAb3De": "b",
        "FnCodeS3KeyOneOfQw9Rt": "k",
        "TwinOneOfAaaaa": "a",
        "TwinOneOfBbbbb": "b",
    }


def test_outputs_are_set_aside(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, outputs=True)
    plan = preflight.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert plan.outputs_set_aside == ["VpcId"]
    assert "Outputs" not in plan.body
    assert plan.outputs_text is not None and "!Ref VPC" in plan.outputs_text
    assert "Outputs:" in template.read_text()


def test_identifier_not_derivable_names_the_resource(aws: Any) -> None:
    template, _ = write_files(FAKE_WORLD, ["VPC", "KeyPair"])
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="ws", template_path=template)
    assert err.value.message.startswith("no identifier for VPC (AWS::EC2::VPC)")
    assert "KeyPair" not in err.value.message  # KeyName is in the template
    assert "--resources" in (err.value.hint_in(FLAGS) or "")


def test_more_than_200_resources(aws: Any, cloud: None) -> None:
    names = [f"Bucket{i:03d}" for i in range(201)]
    body = "Resources:\n" + "".join(
        f"  {n}:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    Properties:\n"
        f"      BucketName: b-{n.lower()}\n"
        for n in names
    )
    Path("many.yaml").write_text(body)
    Path("many.json").write_text(
        json.dumps(
            [
                {
                    "ResourceType": "AWS::S3::Bucket",
                    "LogicalResourceId": n,
                    "ResourceIdentifier": {"BucketName": f"b-{n.lower()}"},
                }
                for n in names
            ]
        )
    )
    # one change set takes 200: the plan imports the first 200 and leaves the last for the next one
    plan = preflight.plan_import(aws, stack="many", template_path="many.yaml", resources_path="many.json")
    assert [r.logical_id for r in plan.to_import] == names[:200]
    assert plan.later == ["Bucket200"]
    assert "Bucket199:" in plan.body and "Bucket200" not in plan.body


def test_large_body_needs_a_bucket(aws: Any) -> None:
    template, resources = write_files(FAKE_WORLD, padding=60_000)
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert "67,2" in err.value.message and "over the 51,200-byte inline limit" in err.value.message
    assert "--s3-bucket" in (err.value.hint_in(FLAGS) or "")
    plan = preflight.plan_import(
        aws, stack="ws", template_path=template, resources_path=resources, s3_bucket="tpl-bucket"
    )
    assert plan.body_bytes > 51_200
    assert plan.template_url is not None and plan.template_url.startswith("https://tpl-bucket.s3.")
    assert plan.s3_key is not None and plan.s3_key.startswith("iacgen/import-templates/")


def test_json_template_body_stays_json(aws: Any) -> None:
    doc = {
        "Resources": {
            "VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Logs": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Delete",
                "Properties": {"BucketName": "j-logs"},
            },
        },
        "Outputs": {"Vpc": {"Value": {"Ref": "VPC"}}},
    }
    Path("t.json").write_text(json.dumps(doc, indent=4) + "\n")
    Path("r.json").write_text(json.dumps(workshop_resources(FAKE_WORLD, ["VPC"])))
    plan = preflight.plan_import(
        aws, stack="j", template_path="t.json", resources_path="r.json", patch_deletion_policy="Retain"
    )
    body = json.loads(plan.body)
    assert body["Resources"]["VPC"]["DeletionPolicy"] == "Retain"
    assert body["Resources"]["Logs"]["DeletionPolicy"] == "Delete"
    assert "Outputs" not in body and plan.outputs_set_aside == ["Vpc"]
    assert [(r.logical_id, r.identifier_source) for r in plan.to_import] == [
        ("VPC", "resources file"),
        ("Logs", "derived"),
    ]


@pytest.mark.parametrize(
    "name",
    ["my_stack", "1st", "a" * 129, "", "arn:aws:cloudformation:us-east-1:123456789012:stack/gone/0f1e2d3c"],
)
def test_invalid_stack_name_is_refused(aws: Any, name: str) -> None:
    """The service's StackName pattern: a name would otherwise pass and fail only at CreateChangeSet."""
    template, resources = write_files(FAKE_WORLD)
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack=name, template_path=template, resources_path=resources)
    if name.startswith("arn:"):  # an ARN is fine for an existing stack; a new one needs a name
        assert err.value.message == f"stack {name} does not exist"
    else:
        assert err.value.message == f"invalid stack name {name!r}"
        assert not aws.calls


def test_more_than_200_parameters(aws: Any) -> None:
    template, resources = bucket_files(["param-logs"], create=False)
    declared = "".join(f"  P{i}:\n    Type: String\n    Default: x\n" for i in range(201))
    template.write_text("Parameters:\n" + declared + template.read_text())
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="params", template_path=template, resources_path=resources)
    assert err.value.message == "the template declares 201 parameters; a stack takes at most 200"


def test_logical_id_the_stack_holds_as_another_resource_is_refused(aws: Any) -> None:
    """Without a resources file the identifier is derived; one that differs from what the stack holds under
    that logical id must not pass as 'already in the stack' (the user's resource would silently not be
    adopted)."""
    s3 = boto3.client("s3", region_name=REGION)
    for name in ("first-logs", "second-logs"):
        s3.create_bucket(Bucket=name)
    bucket = "Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    Properties:\n"
    Path("first.yaml").write_text(bucket + "      BucketName: first-logs\n")
    Path("second.yaml").write_text(bucket + "      BucketName: second-logs\n")
    plan = preflight.plan_import(aws, stack="logs", template_path="first.yaml")
    changeset.execute(aws, changeset.create_change_set(aws, plan, timeout=60), timeout=60)
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="logs", template_path="second.yaml")
    assert err.value.message == (
        "stack logs already has Logs as first-logs, but the template names second-logs under that logical id"
    )
    again = preflight.plan_import(aws, stack="logs", template_path="first.yaml")
    assert again.nothing_to_import and again.already_in_stack == ["Logs"]


def test_new_value_for_a_stack_parameter_is_refused(aws: Any) -> None:
    """The stack's resources use its parameters; a new value would change them, which an import may not."""
    s3 = boto3.client("s3", region_name=REGION)
    tagged = (
        "Parameters:\n  Env:\n    Type: String\nResources:\n  {lid}:\n    Type: AWS::S3::Bucket\n"
        "    DeletionPolicy: Retain\n    Properties:\n      BucketName: {name}\n"
        "      Tags:\n        - Key: env\n          Value: !Ref Env\n"
    )
    for lid, name in (("Logs", "env-logs"), ("More", "more-logs")):
        s3.create_bucket(Bucket=name)
        Path(f"{lid}.yaml").write_text(tagged.format(lid=lid, name=name))
    plan = preflight.plan_import(aws, stack="env", template_path="Logs.yaml", parameters={"Env": "prod"})
    changeset.execute(aws, changeset.create_change_set(aws, plan, timeout=60), timeout=60)
    with pytest.raises(UsageError) as err:
        preflight.plan_import(aws, stack="env", template_path="More.yaml", parameters={"Env": "dev"})
    assert err.value.message == "an import cannot change stack env's parameter(s): Env is 'prod', not 'dev'"
    kept = preflight.plan_import(aws, stack="env", template_path="More.yaml")
    assert kept.request_parameters() == [{"ParameterKey": "Env", "UsePreviousValue": True}]
    same = preflight.plan_import(aws, stack="env", template_path="More.yaml", parameters={"Env": "prod"})
    assert [r.logical_id for r in same.to_import] == ["More"]

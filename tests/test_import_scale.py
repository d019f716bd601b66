"""Imports beyond one change set, one stack or one inline body: 200 resources per IMPORT change set into the
same stack, a generated set into its stacks, bodies through iacgen's own bucket, and the 1 MB refusal."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.import_fixtures import REGION, bucket_files, physical_ids, stack_names


def test_250_resources_are_imported_in_two_change_sets(cli: Any, cloud: None) -> None:
    names = [f"many-{i:03d}" for i in range(250)]
    bucket_files(names)
    s3 = boto3.client("s3", region_name=REGION)
    before = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    done = cli("--output", "json", "import", "--stack", "many", "--template", "buckets.yaml", "--execute")
    assert done.exit_code == 0, done.stderr
    data = done.json()
    assert len(data["plan"]["to_import"]) == 200 and len(data["plan"]["later"]) == 50
    assert len(data["batches"]) == 1 and len(data["batches"][0]["plan"]["to_import"]) == 50
    assert data["batches"][0]["plan"]["already_in_stack"] and not data["batches"][0]["plan"]["later"]
    assert data["execution"]["status"] == data["batches"][0]["execution"]["status"] == "IMPORT_COMPLETE"
    ids = physical_ids("many")
    assert sorted(ids.values()) == names  # the buckets themselves, adopted: no copy was made
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == before
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert data["api_calls"]["cloudformation:CreateChangeSet"] == 2
    assert data["api_calls"]["cloudformation:ExecuteChangeSet"] == 2
    assert cfn.describe_stacks(StackName="many")["Stacks"][0]["StackStatus"] == "IMPORT_COMPLETE"
    again = cli("--output", "json", "import", "--stack", "many", "--template", "buckets.yaml", "--execute")
    assert again.exit_code == 0 and again.json()["plan"]["to_import"] == []  # done: a re-run does nothing


def test_an_interrupted_batch_import_resumes_with_the_rest(cli: Any, cloud: None) -> None:
    names = [f"rest-{i:03d}" for i in range(230)]
    bucket_files(names)
    # the first change set only (as if the run had stopped after it): a dry run would show the same 200
    from iacgen.core import workflow
    from iacgen.core.session import Aws, AwsSettings
    from iacgen.core.workspace import Workspace

    aws = Aws(AwsSettings(region=REGION))
    request = workflow.ImportRequest(
        stack="rest", template=Path("buckets.yaml"), mode=workflow.ImportMode.EXECUTE
    )
    from iacgen.core.workflow import importing

    importing._import_once(Workspace(), aws, request, importing.NullReporter(), None)
    assert len(physical_ids("rest")) == 200
    done = cli("--output", "json", "import", "--stack", "rest", "--template", "buckets.yaml", "--execute")
    assert done.exit_code == 0, done.stderr
    assert len(done.json()["plan"]["to_import"]) == 30 and done.json()["batches"] == []
    assert sorted(physical_ids("rest").values()) == names


def test_a_large_body_goes_to_iacgens_own_private_encrypted_bucket(cli: Any, cloud: None) -> None:
    bucket_files(["big-logs"], padding=60_000)
    done = cli(
        "--output", "json", "import", "--stack", "big", "--template", "buckets.yaml",
        "--create-bucket", "--execute",
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    bucket = "iacgen-templates-123456789012-us-east-1"
    assert done.json()["plan"]["template_url"].startswith(f"https://{bucket}.s3.us-east-1.amazonaws.com/")
    assert "created the private, encrypted bucket" in done.stderr
    s3 = boto3.client("s3", region_name=REGION)
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert physical_ids("big") == {"BigLogs": "big-logs"}
    # a small body needs no bucket, and the bucket is reused, not made again
    bucket_files(["small-logs"], stem="small")
    small = cli(
        "--output",
        "json",
        "import",
        "--stack",
        "small",
        "--template",
        "small.yaml",
        "--create-bucket",
        "--execute",
    )
    assert small.exit_code == 0, small.stderr
    assert small.json()["plan"]["template_url"] is None
    assert "s3:CreateBucket" not in small.json()["api_calls"]


def test_a_body_over_1_mb_is_refused_before_any_call(cli: Any, cloud: None) -> None:
    bucket_files(["huge-logs"], create=False, padding=1_100_000)
    from iacgen.core import workflow
    from iacgen.core.errors import UsageError
    from iacgen.core.session import Aws, AwsSettings
    from iacgen.core.workspace import Workspace

    aws = Aws(AwsSettings(region=REGION))
    request = workflow.ImportRequest(
        stack="huge", template=Path("buckets.yaml"), create_bucket=True, mode=workflow.ImportMode.EXECUTE
    )
    with pytest.raises(UsageError) as err:
        workflow.run_import(Workspace(), aws, request)
    assert "1,048,576 bytes" in err.value.message
    assert sum(aws.calls.values()) == 0
    refused = cli("import", "--stack", "huge", "--template", "buckets.yaml", "--create-bucket", "--execute")
    assert refused.exit_code == 2 and "huge" not in stack_names()


def test_a_generated_set_is_imported_into_its_stacks_with_ids_unchanged(cloud: None) -> None:
    from iacgen.core import scans, workflow
    from iacgen.core.session import Aws, AwsSettings
    from iacgen.core.workspace import Workspace
    from iacgen.localcloud import sprawl

    sprawl.seed(300, region=REGION)  # 9 networks of 25, data sets, buckets
    aws = Aws(AwsSettings(region=REGION))
    ws = Workspace()
    scans.ensure_scan(aws, timeout=60)
    ec2 = boto3.client("ec2", region_name=REGION)
    instances = sorted(
        i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    )
    generated = workflow.generate(
        ws,
        aws,
        workflow.GenerateRequest(
            "nets", select=["type=AWS::EC2::VPC"], related=True, template_limit=100, format="json"
        ),
    )
    members = generated.to_dict()["set"]
    assert len(members) >= 3
    # one part first, as if a run had stopped there: the set import resumes after it
    first = ws.load().templates[members[0]]
    workflow.run_import(
        ws,
        aws,
        workflow.ImportRequest(
            stack=members[0],
            template=Path(str(first.template_path)),
            mode=workflow.ImportMode.EXECUTE,
            create_bucket=True,  # a generated body of 100 resources is over 51,200 bytes
        ),
    )
    request = workflow.ImportRequest(stack="nets", mode=workflow.ImportMode.EXECUTE, create_bucket=True)
    result = workflow.run_import(ws, aws, request)
    data = result.to_dict()
    assert data["stacks"] == members
    assert data["parts"][members[0]]["plan"]["to_import"] == []  # already done
    for name in members:
        wanted = {
            r["LogicalResourceId"]: "|".join(r["ResourceIdentifier"].values())
            for r in json.loads(Path(f"{name}.resources.json").read_text())
        }
        assert physical_ids(name) == wanted  # the very resources, by id, in the stack of the part's name
    after = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"])
    assert after == instances  # nothing recreated
    again = workflow.run_import(ws, aws, request)

    assert all(p["plan"]["to_import"] == [] for p in again.to_dict()["parts"].values())


def test_a_sets_parameters_go_to_the_template_that_declares_them_checked_before_anything(
    app_world: Any,
) -> None:
    """One template of the set needs the function's code location (write-only, OneOf parameters): without
    it nothing is created for any template; given by stable name, each template gets only its own."""
    from iacgen.core import scans, workflow
    from iacgen.core.errors import UsageError
    from iacgen.core.session import Aws, AwsSettings
    from iacgen.core.workspace import Workspace

    aws = Aws(AwsSettings(region=REGION))
    ws = Workspace()
    scans.ensure_scan(aws, timeout=60)
    select = ["type=AWS::S3::Bucket", "type=AWS::Lambda::Function", "type=AWS::DynamoDB::Table"]
    generated = workflow.generate(ws, aws, workflow.GenerateRequest("app", select=select, template_limit=1))
    members = generated.to_dict()["set"]
    assert len(members) == 3
    request = workflow.ImportRequest(stack="app", mode=workflow.ImportMode.DRY_RUN)
    with pytest.raises(UsageError) as refused:
        workflow.run_import(ws, aws, request)
    assert "LambdaFunctionOrdershandlerCodeS3Bucket" in refused.value.message
    assert "nothing was imported" in refused.value.message
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_stacks()["StackSummaries"] == []  # no change set, no review stack, for any template
    code = {
        "LambdaFunctionOrdershandlerCodeS3Bucket": "code",
        "LambdaFunctionOrdershandlerCodeS3Key": "k.zip",
    }
    with pytest.raises(UsageError, match="no template of the set declares: Bogus"):
        workflow.run_import(ws, aws, dataclasses.replace(request, parameters={**code, "Bogus": "1"}))
    done = workflow.run_import(ws, aws, dataclasses.replace(request, parameters=code)).to_dict()
    given = {name: part["plan"]["parameters"] for name, part in done["parts"].items()}
    assert sorted(len(p) for p in given.values()) == [0, 0, 2]  # the function's template only

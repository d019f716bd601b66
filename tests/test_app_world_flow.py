"""The whole workflow on the second scenario: a Lambda function with its role, a DynamoDB table and a bucket,
selected by tag. The function's code is write-only, so the generated template has parameters the import must
be given: the flow a user goes through for anything beyond EC2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"


def _counts() -> dict[str, int]:
    return {
        "functions": len(boto3.client("lambda", region_name=REGION).list_functions()["Functions"]),
        "roles": len(boto3.client("iam").list_roles()["Roles"]),
        "tables": len(boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]),
        "buckets": len(boto3.client("s3").list_buckets()["Buckets"]),
    }


def test_tagged_serverless_resources_adopted_with_write_only_parameters(cli: Any, app_world: Any) -> None:
    a = app_world
    assert cli("-q", "scan").exit_code == 0
    generated = cli(
        "-o", "json", "generate", "data", "--select", "tag:team=data", "--exclude", "type=AWS::EC2::*"
    )
    assert generated.exit_code == 0, generated.stderr
    body = Path("data.yaml").read_text()
    from iacgen.core.template import load_template

    template = load_template(body)
    assert {r.type for r in template.resources().values()} == {
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
    }
    one_of = sorted(template.parameters())
    assert len(one_of) == 2 and all("OneOf" in p for p in one_of)

    warned = cli("warnings", "data", "--fail-on", "MUTUALLY_EXCLUSIVE_PROPERTIES")
    assert warned.exit_code == 1
    assert "Code/S3Bucket" in warned.stdout and "Code/S3Key" in warned.stdout

    before = _counts()
    missing = cli("import", "--stack", "data", "--execute")
    assert missing.exit_code == 2
    assert all(p in missing.stderr for p in one_of)
    assert boto3.client("cloudformation", region_name=REGION).list_stacks()["StackSummaries"] == []

    values = {p: ("code-bucket" if "Bucket" in p else "handler.zip") for p in one_of}
    args = [arg for p, v in values.items() for arg in ("--parameter", f"{p}={v}")]
    imported = cli("-o", "json", "import", "--stack", "data", "--execute", *args)
    assert imported.exit_code == 0, imported.stderr
    resources = boto3.client("cloudformation", region_name=REGION).describe_stack_resources(StackName="data")
    adopted = {r["ResourceType"]: r["PhysicalResourceId"] for r in resources["StackResources"]}
    assert adopted == {
        "AWS::Lambda::Function": a.function_name,
        "AWS::IAM::Role": a.role_name,
        "AWS::DynamoDB::Table": a.table_name,
        "AWS::S3::Bucket": a.bucket_name,
    }
    assert _counts() == before
    stack = boto3.client("cloudformation", region_name=REGION).describe_stacks(StackName="data")["Stacks"][0]
    # the generator declares them NoEcho: the stack shows each as ****, as CloudFormation does
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == dict.fromkeys(
        values, "****"
    )
    assert json.loads(Path(".iacgen/state.json").read_text())["templates"]["data"]["stack"] == "data"

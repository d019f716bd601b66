"""Production safety: a Delete policy on stateful resources needs --allow-delete-policy and says what could be
lost; VPC defaults are flagged; literal secrets are reported by `warnings` and replaced by `patch --secrets`
with NoEcho parameters, editing only those lines."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
DATA = ("--select", "tag:team=data", "--exclude", "type=AWS::EC2::*")


def one_line(text: str) -> str:
    return " ".join(text.split())


def _account() -> dict[str, Any]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    return {
        "stacks": cfn.list_stacks()["StackSummaries"],
        "templates": [t["TemplateName"] for t in cfn.list_generated_templates()["Summaries"]],
    }


# --- DeletionPolicy Delete on stateful types ---------------------------------------------------------------


def test_generate_delete_on_stateful_types_needs_allow_delete_policy(cli: Any, app_world: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    before = _account()
    refused = cli("generate", "data", *DATA, "--deletion-policy", "DELETE")
    assert refused.exit_code == 2
    err = one_line(refused.stderr)
    assert "DeletionPolicy DELETE on 2 stateful resources would let a stack deletion destroy" in err
    assert f"{app_world.bucket_name} (AWS::S3::Bucket): every object in the bucket" in err
    assert f"{app_world.table_name} (AWS::DynamoDB::Table): every item in the table" in err
    assert "--allow-delete-policy" in err and "Traceback" not in err
    assert _account() == before  # refused before any generated template exists
    assert not Path("data.yaml").exists() and not Path("data.resources.json").exists()

    allowed = cli(
        "-o", "json", "generate", "data", *DATA, "--deletion-policy", "DELETE", "--allow-delete-policy"
    )
    assert allowed.exit_code == 0, allowed.stderr
    assert "DeletionPolicy Delete on 2 stateful resources: deleting the stack would destroy" in one_line(
        allowed.stderr
    )
    assert {r["type"] for r in allowed.json()["at_risk"]} == {"AWS::S3::Bucket", "AWS::DynamoDB::Table"}
    from iacgen.core.template import load_template

    policies = {
        r.type: r.deletion_policy for r in load_template(Path("data.yaml").read_text()).resources().values()
    }
    assert policies["AWS::S3::Bucket"] == policies["AWS::DynamoDB::Table"] == "Delete"


def test_generate_retain_needs_no_permission(cli: Any, app_world: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    result = cli("generate", "data", *DATA)
    assert result.exit_code == 0, result.stderr
    assert "stateful" not in result.stderr


TEMPLATE = {
    "Resources": {
        "Logs": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "Properties": {"LogGroupName": "a"},
        },
        "Queue": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "Properties": {"QueueName": "q"}},
        "Topic": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain", "Properties": {"TopicName": "t"}},
    }
}


def test_patch_delete_on_stateful_types_is_refused_and_the_file_kept(cli: Any) -> None:
    Path("t.json").write_text(json.dumps(TEMPLATE, indent=2))
    before = Path("t.json").read_bytes()
    refused = cli("patch", "t.json", "--deletion-policy", "Delete", "--in-place")
    assert refused.exit_code == 2
    err = one_line(refused.stderr)
    assert "DeletionPolicy Delete on 2 stateful resource(s)" in err
    assert "Logs (AWS::Logs::LogGroup): the log events" in err and "Queue (AWS::SQS::Queue)" in err
    assert "nothing was written" in err
    assert Path("t.json").read_bytes() == before

    # a non-stateful type alone needs no permission
    topic = cli("patch", "t.json", "--deletion-policy", "Delete", "--type", "AWS::SNS::Topic", "--in-place")
    assert topic.exit_code == 0, topic.stderr
    assert json.loads(Path("t.json").read_text())["Resources"]["Topic"]["DeletionPolicy"] == "Delete"

    allowed = cli("patch", "t.json", "--deletion-policy", "Delete", "--in-place", "--allow-delete-policy")
    assert allowed.exit_code == 0, allowed.stderr
    assert "deleting the stack would destroy Logs (AWS::Logs::LogGroup): the log events" in one_line(
        allowed.stderr
    )
    assert {r["DeletionPolicy"] for r in json.loads(Path("t.json").read_text())["Resources"].values()} == {
        "Delete"
    }


def test_the_stateful_list_covers_cfn_lints() -> None:
    from importlib import resources

    from iacgen.core.stateful import STATEFUL_TYPES

    cfn_lint = json.loads(
        resources.files("cfnlint").joinpath("data/AdditionalSpecs/StatefulResources.json").read_text()
    )
    assert set(cfn_lint["ResourceTypes"]) <= set(STATEFUL_TYPES)


# --- VPC defaults -------------------------------------------------------------------------------------------


def test_patch_delete_on_a_default_security_group_warns(cli: Any) -> None:
    template = {
        "Resources": {
            "DefaultSg": {
                "Type": "AWS::EC2::SecurityGroup",
                "DeletionPolicy": "Retain",
                "Properties": {"GroupName": "default", "GroupDescription": "default VPC security group"},
            },
            "WebSg": {
                "Type": "AWS::EC2::SecurityGroup",
                "DeletionPolicy": "Retain",
                "Properties": {"GroupName": "web", "GroupDescription": "web"},
            },
            "LocalRoute": {
                "Type": "AWS::EC2::Route",
                "DeletionPolicy": "Retain",
                "Properties": {
                    "RouteTableId": "rtb-1",
                    "DestinationCidrBlock": "10.0.0.0/16",
                    "GatewayId": "local",
                },
            },
        }
    }
    Path("t.json").write_text(json.dumps(template))
    result = cli("-o", "json", "patch", "t.json", "--deletion-policy", "Delete", "--out", "o.json")
    assert result.exit_code == 0, result.stderr
    err = one_line(result.stderr)
    assert "DefaultSg is a VPC's default security group (GroupName: default)" in err
    assert "a stack deletion fails on it" in err and "WebSg is" not in err
    assert "LocalRoute is a route table's local route (GatewayId: local)" in err
    assert [d["logical_id"] for d in result.json()["vpc_defaults"]] == ["DefaultSg", "LocalRoute"]


def test_generate_flags_vpc_defaults_pulled_in_by_related(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    result = cli("generate", "ws", "--select", f"id={workshop.vpc_id}", "--related-depth", "1")
    assert result.exit_code == 0, result.stderr
    err = one_line(result.stderr)
    assert "3 VPC defaults selected or pulled in by --related" in err  # the group, two local routes
    assert "a VPC's default security group (GroupName: default)" in err
    assert "a route table's local route (GatewayId: local)" in err


# --- literal secrets ----------------------------------------------------------------------------------------


SECRET = "hunter2-s3cr3t-value"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def leaky_function(cloud: None) -> str:
    """A Lambda function whose environment carries a password and an access key, as hand-made ones do."""
    import io
    import zipfile

    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="leaky-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("handler.py", "def handler(e, c):\n    return 1\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="leaky",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": {"DB_PASSWORD": SECRET, "AWS_KEY": ACCESS_KEY, "TABLE": "orders"}},
        Tags={"team": "leaky"},
    )
    return "leaky"


def test_warnings_report_literal_secrets_without_showing_them(cli: Any, leaky_function: str) -> None:
    assert cli("-q", "scan").exit_code == 0
    generated = cli("generate", "fn", "--select", "type=AWS::Lambda::Function")
    assert generated.exit_code == 0, generated.stderr
    assert SECRET in Path("fn.yaml").read_text()  # the generator copies the live value
    table = cli("warnings", "fn")
    assert table.exit_code == 0, table.stderr
    out = one_line(table.stdout)
    assert "2 literal secret(s) in fn.yaml" in out
    assert "Properties.Environment.Variables.DB_PASSWORD" in out and "an AWS access key id" in out
    assert SECRET not in table.stdout + table.stderr and ACCESS_KEY not in table.stdout + table.stderr
    doc = cli("-o", "json", "warnings", "fn").json()
    assert [(s["where"], s["length"]) for s in doc["secrets"]] == [
        ("Properties.Environment.Variables.DB_PASSWORD", len(SECRET)),
        ("Properties.Environment.Variables.AWS_KEY", len(ACCESS_KEY)),
    ]


def test_patch_secrets_replaces_them_with_noecho_parameters_and_nothing_else(
    cli: Any, leaky_function: str
) -> None:
    assert cli("-q", "scan").exit_code == 0
    assert cli("generate", "fn", "--select", "type=AWS::Lambda::Function").exit_code == 0
    before = Path("fn.yaml").read_text()
    result = cli("patch", "fn.yaml", "--secrets", "--in-place")
    assert result.exit_code == 0, result.stderr
    after = Path("fn.yaml").read_text()
    assert SECRET not in after and ACCESS_KEY not in after
    from iacgen.core.template import load_template

    template = load_template(after)
    params = template.parameters()
    names = [n for n, spec in params.items() if spec.get("NoEcho") is True]
    assert len(names) == 2
    assert "--parameter NAME=VALUE" in one_line(result.stderr)
    # the diff: the new parameter entries, and the two values become !Ref lines; nothing else
    changed = [
        line[1:].strip()
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    removed = [line for line in changed if SECRET in line or ACCESS_KEY in line]
    assert len(removed) == 2
    assert all(line.startswith(("DB_PASSWORD: !Ref", "AWS_KEY: !Ref")) for line in changed if "!Ref" in line)
    assert len(changed) == 2 + 2 + len(names) * 3 + (0 if "Parameters:" in before else 1)
    # the import asks for the values, and takes them as NoEcho parameters
    missing = cli("import", "--stack", "fn", "--dry-run")
    assert missing.exit_code == 2 and all(n in missing.stderr for n in names)
    others = [n for n, spec in params.items() if n not in names and "Default" not in spec]  # Code's OneOf
    args = [a for n in names + others for a in ("--parameter", f"{n}=from-the-vault")]
    assert cli("import", "--stack", "fn", "--dry-run", *args).exit_code == 0
    again = cli("patch", "fn.yaml", "--secrets", "--in-place")
    assert again.exit_code == 0 and "no literal secrets to replace" in again.stderr
    assert Path("fn.yaml").read_text() == after


def test_secret_detection_by_name_and_shape() -> None:
    from iacgen.core.secrets import find_secrets
    from iacgen.core.template import load_template

    text = """Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUsername: admin
      MasterUserPassword: "Sup3rSecret!"
      MasterUserSecret: {KmsKeyId: alias/x}
      KmsKeyId: alias/aws/rds
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Environment:
            - {Name: API_TOKEN, Value: abc123}
            - {Name: MODE, Value: prod}
            - {Name: DSN, Value: "Server=db;User Id=app;Password=pw1;"}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          SECRET_ARN: arn:aws:secretsmanager:us-east-1:1:secret:x
          PASSWORD: !Ref DbPassword
          TOKEN: "{{resolve:secretsmanager:app:SecretString:token}}"
          KEY: |
            -----BEGIN RSA PRIVATE KEY-----
            abc
"""
    found = {(f.logical_id, f.where): f.why for f in find_secrets(load_template(text))}
    assert found == {
        ("Db", "Properties.MasterUserPassword"): "its name (MasterUserPassword) says it is a secret",
        (
            "Task",
            "Properties.ContainerDefinitions[0].Environment[0].Value",
        ): "its name (API_TOKEN) says it is a secret",
        (
            "Task",
            "Properties.ContainerDefinitions[0].Environment[2].Value",
        ): "a connection string with a password",
        ("Fn", "Properties.Environment.Variables.KEY"): "a private key",
    }


def test_secrets_made_parameters_import_in_sync_and_stay_masked(cli: Any, leaky_function: str) -> None:
    """After patch --secrets, the import's verification resolves each !Ref to the value given, so the true
    values are in sync; the stack shows the NoEcho values as ****, as CloudFormation does."""
    assert cli("-q", "scan").exit_code == 0
    assert cli("-q", "generate", "fn", "--select", "type=AWS::Lambda::Function").exit_code == 0
    assert cli("-q", "patch", "fn.yaml", "--secrets", "--in-place").exit_code == 0
    from iacgen.core.template import load_template

    params = load_template(Path("fn.yaml").read_text()).parameters()
    secret_names = [n for n, spec in params.items() if spec.get("NoEcho") is True]
    values = {n: (SECRET if "Password" in n or "PASSWORD" in n else ACCESS_KEY) for n in secret_names}
    code = {n: "from-the-vault" for n, spec in params.items() if n not in values and "Default" not in spec}
    args = [a for n, v in {**values, **code}.items() for a in ("--parameter", f"{n}={v}")]
    done = cli("-o", "json", "import", "--stack", "fn", "--execute", *args)
    assert done.exit_code == 0, done.stderr
    verification = done.json()["verification"]
    assert verification["ok"] is True, json.dumps(verification["resources"])  # the true values: in sync
    shown = boto3.client("cloudformation", region_name=REGION).describe_stacks(StackName="fn")["Stacks"][0]
    by_key = {p["ParameterKey"]: p["ParameterValue"] for p in shown.get("Parameters", [])}
    assert all(by_key[n] == "****" for n in secret_names), by_key

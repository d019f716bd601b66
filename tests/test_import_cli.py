"""`iacgen import` through the CLI against the local cloud: exit codes, what is left in the account, and the
user's files untouched. S3 buckets stand in where any importable resource will do: they seed in
milliseconds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.import_fixtures import (
    FAKE_WORLD,
    REGION,
    WORKSHOP,
    bucket_files,
    ec2_counts,
    physical_ids,
    seeded_ids,
    stack_names,
    write_files,
)


def one_line(text: str) -> str:
    """stderr with rich's soft wrapping undone."""
    return " ".join(text.split())


def change_sets(stack: str) -> list[dict[str, Any]]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    try:
        return list(cfn.list_change_sets(StackName=stack)["Summaries"])
    except cfn.exceptions.ClientError:
        return []


def template_body(stack: str) -> str:
    return str(
        boto3.client("cloudformation", region_name=REGION).get_template(StackName=stack)["TemplateBody"]
    )


def test_execute_adopts_with_unchanged_ids(cli: Any, workshop: Any) -> None:
    write_files(workshop)
    before = ec2_counts()
    result = cli(
        "--output", "json", "import", "--stack", "workshop", "--template", "workshop.yaml", "--execute"
    )
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert {c["logical_id"]: c["action"] for c in doc["change_set"]["changes"]} == dict.fromkeys(
        WORKSHOP, "Import"
    )
    assert doc["execution"]["status"] == "IMPORT_COMPLETE"
    assert {r["logical_id"]: r["physical_id"] for r in doc["execution"]["resources"]} == seeded_ids(workshop)
    assert physical_ids("workshop") == seeded_ids(workshop)
    assert ec2_counts() == before
    assert doc["plan"]["resources_path"] == "workshop.resources.json"  # found beside the template
    assert "IMPORT_COMPLETE" in result.stderr


def test_table_output_shows_changes_and_resources(cli: Any, cloud: None) -> None:
    bucket_files(["table-logs-0123456789", "table-data-0123456789"])
    result = cli("import", "--stack", "tbl", "--template", "buckets.yaml", "--yes")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        "TableLogs0123456789" in ln and "table-logs-0123456789" in ln and "Import" in ln for ln in lines
    )
    assert sum("table-data-0123456789" in ln and "IMPORT_COMPLETE" in ln for ln in lines) == 1


def test_dry_run_leaves_nothing(cli: Any, cloud: None) -> None:
    bucket_files(["dry-logs", "dry-data"])
    result = cli("--output", "json", "import", "--stack", "dry", "--template", "buckets.yaml", "--dry-run")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert [c["action"] for c in doc["change_set"]["changes"]] == ["Import", "Import"]
    assert doc["discarded"] == {
        "change_set_deleted": True,
        "stack_deleted": True,
        "template_object_deleted": False,
    }
    assert doc["execution"] is None
    assert "dry" not in stack_names() and change_sets("dry") == []
    s3 = boto3.client("s3", region_name=REGION)
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["dry-data", "dry-logs"]


def test_missing_deletion_policy_exits_2_and_keeps_the_file(cli: Any, cloud: None) -> None:
    template, _ = write_files(FAKE_WORLD, no_policy=("Subnet",))
    before = template.read_bytes()
    result = cli("import", "--stack", "ws", "--template", str(template), "--execute")
    assert result.exit_code == 2
    assert "1 resource(s) to import have no DeletionPolicy: Subnet" in one_line(result.stderr)
    assert "--patch-deletion-policy" in result.stderr
    assert template.read_bytes() == before
    assert "ws" not in stack_names()


def test_patch_deletion_policy_without_touching_the_file(cli: Any, cloud: None) -> None:
    template, _ = bucket_files(["patch-logs", "patch-data"])
    template.write_text(template.read_text().replace("    DeletionPolicy: Retain\n", ""))
    before = template.read_bytes()
    result = cli(
        "--output", "json", "import", "--stack", "ws", "--template", str(template),
        "--patch-deletion-policy", "Retain", "--execute",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.json()["plan"]["deletion_policy_added"] == ["PatchLogs", "PatchData"]
    assert template.read_bytes() == before
    assert physical_ids("ws") == {"PatchLogs": "patch-logs", "PatchData": "patch-data"}
    assert template_body("ws").count("DeletionPolicy: Retain") == 2


def test_missing_parameter_exits_2_naming_it(cli: Any, cloud: None) -> None:
    write_files(FAKE_WORLD, parameter=True)
    result = cli("import", "--stack", "ws", "--template", "workshop.yaml", "--execute")
    assert result.exit_code == 2
    assert "parameter(s) without a value: ImageId" in one_line(result.stderr)
    assert "--parameter ImageId=VALUE" in result.stderr
    bad = cli("import", "--stack", "ws", "--template", "workshop.yaml", "--parameter", "ImageId", "--execute")
    assert bad.exit_code == 2 and "is not KEY=VALUE" in bad.stderr
    assert "ws" not in stack_names()


def test_outputs_are_set_aside_and_the_import_succeeds(cli: Any, cloud: None) -> None:
    template, _ = bucket_files(["out-logs"], outputs=True)
    result = cli("--output", "json", "import", "--stack", "ws", "--template", str(template), "--execute")
    assert result.exit_code == 0, result.stderr
    plan = result.json()["plan"]
    assert plan["outputs_set_aside"] == ["BucketArn"]
    assert "!GetAtt OutLogs.Arn" in plan["outputs_text"]
    assert "Outputs set aside (BucketArn)" in one_line(result.stderr)
    assert physical_ids("ws") == {"OutLogs": "out-logs"}
    assert "Outputs" not in template_body("ws") and "Outputs:" in template.read_text()


def test_large_body_needs_a_bucket_and_works_through_s3(cli: Any, cloud: None) -> None:
    bucket_files(["big-logs"], padding=60_000)
    refused = cli("import", "--stack", "big", "--template", "buckets.yaml", "--execute")
    assert refused.exit_code == 2
    assert "over the 51,200-byte inline limit" in one_line(refused.stderr) and "--s3-bucket" in refused.stderr
    assert "big" not in stack_names()
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="iacgen-templates")
    result = cli(
        "--output", "json", "import", "--stack", "big", "--template", "buckets.yaml",
        "--s3-bucket", "iacgen-templates", "--execute",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    plan = result.json()["plan"]
    assert plan["template_url"].startswith("https://iacgen-templates.s3.us-east-1.amazonaws.com/iacgen/")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="iacgen-templates")["Contents"]]
    assert keys == [plan["s3_key"]]
    assert physical_ids("big") == {"BigLogs": "big-logs"}


def test_dry_run_through_s3_removes_the_uploaded_body(cli: Any, cloud: None) -> None:
    bucket_files(["big-logs"], padding=60_000)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="iacgen-templates")
    result = cli(
        "import", "--stack", "big", "--template", "buckets.yaml",
        "--s3-bucket", "iacgen-templates", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert s3.list_objects_v2(Bucket="iacgen-templates").get("KeyCount") == 0
    assert "big" not in stack_names()


def test_identifiers_derived_without_a_resources_file(cli: Any, cloud: None) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="orders-archive")
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    Path("data.yaml").write_text(
        "Resources:\n"
        "  Archive:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n"
        "    Properties:\n      BucketName: orders-archive\n"
        "  Orders:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Retain\n    Properties:\n"
        "      TableName: orders\n      BillingMode: PAY_PER_REQUEST\n"
        "      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n"
        "      AttributeDefinitions:\n        - AttributeName: id\n          AttributeType: S\n"
    )
    result = cli("--output", "json", "import", "--stack", "data", "--template", "data.yaml", "--execute")
    assert result.exit_code == 0, result.stderr
    assert {
        r["logical_id"]: (r["identifier"], r["identifier_source"]) for r in result.json()["plan"]["to_import"]
    } == {
        "Archive": ({"BucketName": "orders-archive"}, "derived"),
        "Orders": ({"TableName": "orders"}, "derived"),
    }
    assert physical_ids("data") == {"Archive": "orders-archive", "Orders": "orders"}


def test_underivable_identifier_asks_for_resources(cli: Any, cloud: None) -> None:
    write_files(FAKE_WORLD, ["VPC"])
    Path("workshop.resources.json").unlink()
    result = cli("import", "--stack", "ws", "--template", "workshop.yaml", "--execute")
    assert result.exit_code == 2
    assert "no identifier for VPC (AWS::EC2::VPC)" in one_line(result.stderr)
    assert "--resources" in result.stderr


def test_more_than_200_resources_go_in_later_change_sets(cli: Any, cloud: None) -> None:
    # was: 201 resources exit 2; since issue 7 they go 200 per change set (tests/test_import_scale.py)
    bucket_files([f"many-{i:03d}" for i in range(201)])
    result = cli("--output", "json", "import", "--stack", "many", "--template", "buckets.yaml", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert len(result.json()["plan"]["to_import"]) == 200 and result.json()["plan"]["later"] == ["Many200"]
    assert "1 more resource(s) go in later change sets" in one_line(result.stderr)
    assert "many" not in stack_names()


def test_resource_owned_by_another_stack_exits_1_naming_resource_and_stack(cli: Any, cloud: None) -> None:
    """The service creates the change set and fails it ("<id> already exists in stack <ARN>"): the answer is
    no (exit 1, one line naming the resource and the stack), and nothing is left behind."""
    bucket_files(["owned-logs"])
    assert cli("import", "--stack", "owner", "--template", "buckets.yaml", "--execute").exit_code == 0
    result = cli("import", "--stack", "thief", "--template", "buckets.yaml", "--execute")
    assert result.exit_code == 1
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    line = one_line(result.stderr)
    assert (
        "OwnedLogs (AWS::S3::Bucket owned-logs) already belongs to stack owner (arn:aws:cloudformation:"
        in line
    )
    assert "thief" not in stack_names()
    assert physical_ids("owner") == {"OwnedLogs": "owned-logs"}


def test_non_tty_without_execute_or_dry_run_exits_2(cli: Any, cloud: None) -> None:
    write_files(FAKE_WORLD)
    result = cli("import", "--stack", "ws", "--template", "workshop.yaml")
    assert result.exit_code == 2
    assert "--execute" in result.stderr and "--dry-run" in result.stderr
    assert "ws" not in stack_names()
    both = cli("import", "--stack", "ws", "--template", "workshop.yaml", "--execute", "--dry-run")
    assert both.exit_code == 2 and "exclude each other" in both.stderr


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the runner's stdin look like a terminal, as a user at a prompt has."""
    from typer import testing

    wrapper = getattr(testing, "_NamedTextIOWrapper", None)
    if wrapper is None:  # pragma: no cover - typer's runner changed
        pytest.skip("typer's CliRunner no longer exposes its stdin wrapper")
    monkeypatch.setattr(wrapper, "isatty", lambda self: True, raising=False)


def test_confirmation_on_a_terminal(cli: Any, cloud: None, terminal: None) -> None:
    bucket_files(["asked-logs"])
    declined = cli("import", "--stack", "ws", "--template", "buckets.yaml", input="n\n")
    assert declined.exit_code == 0, declined.stderr
    assert "not executed" in declined.stderr and "ws" not in stack_names()
    assert change_sets("ws") == []
    accepted = cli("import", "--stack", "ws", "--template", "buckets.yaml", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert physical_ids("ws") == {"AskedLogs": "asked-logs"}


def test_import_into_an_existing_stack(cli: Any, cloud: None) -> None:
    bucket_files(["first-logs", "first-data"], stem="net", outputs=True)
    assert cli("import", "--stack", "ws", "--template", "net.yaml", "--execute").exit_code == 0
    bucket_files(["second-logs"], stem="more")
    result = cli("--output", "json", "import", "--stack", "ws", "--template", "more.yaml", "--execute")
    assert result.exit_code == 0, result.stderr
    assert result.json()["plan"]["kept_from_stack"] == ["FirstLogs", "FirstData"]
    assert physical_ids("ws") == {
        "FirstLogs": "first-logs",
        "FirstData": "first-data",
        "SecondLogs": "second-logs",
    }
    again = cli("--output", "json", "import", "--stack", "ws", "--template", "net.yaml", "--execute")
    assert again.exit_code == 0 and again.json()["change_set"] is None
    assert "nothing to import" in again.stderr


def test_defaults_come_from_the_state_file(cli: Any, cloud: None) -> None:
    from iacgen.core.state import State, TemplateRecord
    from iacgen.core.workspace import Workspace

    Path("gen").mkdir()
    template, resources = bucket_files(["state-logs"], stem="gen/ws")
    resources.rename("gen/ids.json")
    Workspace(Path(".iacgen")).save(
        State(templates={"ws": TemplateRecord("ws", None, str(template), "gen/ids.json")}, last_template="ws")
    )
    result = cli("--output", "json", "import", "--stack", "ws", "--execute")
    assert result.exit_code == 0, result.stderr
    assert result.json()["plan"]["resources_path"] == "gen/ids.json"
    assert physical_ids("ws") == {"StateLogs": "state-logs"}
    fresh = cli("--state-dir", "elsewhere", "import", "--stack", "x", "--execute")
    assert fresh.exit_code == 2 and "iacgen generate" in fresh.stderr


def test_generated_template_imports_end_to_end(cli: Any, workshop: Any) -> None:
    """scan -> generate --related -> import with the files and state generate leaves behind."""
    assert cli("scan").exit_code == 0
    generated = cli("generate", "ws", "--select", f"id={workshop.instance_id}", "--related")
    assert generated.exit_code == 0, generated.stderr
    before = ec2_counts()
    result = cli("--output", "json", "import", "--stack", "ws", "--execute")
    assert result.exit_code == 0, result.stderr
    assert result.json()["plan"]["resources_path"] == "ws.resources.json"
    adopted = set(physical_ids("ws").values())
    assert set(seeded_ids(workshop).values()) <= adopted
    assert ec2_counts() == before
    state = json.loads(Path(".iacgen/state.json").read_text())
    assert state["templates"]["ws"]["stack"] == "ws"
    # a re-run of the applied import changes nothing and says so
    again = cli("--output", "json", "import", "--stack", "ws", "--execute")
    assert again.exit_code == 0, again.stderr
    assert again.json()["plan"]["to_import"] == [] and again.json()["change_set"] is None
    assert set(physical_ids("ws").values()) == adopted


def test_invalid_stack_name_exits_2_before_any_change_set(cli: Any, cloud: None) -> None:
    bucket_files(["named-logs"])
    result = cli("import", "--stack", "my_stack", "--template", "buckets.yaml", "--execute")
    assert result.exit_code == 2
    assert "error: invalid stack name 'my_stack'" in result.stderr
    assert "starts with a letter" in one_line(result.stderr)
    assert stack_names() == set()


def test_patch_deletion_policy_delete_on_a_bucket_needs_allow_delete_policy(cli: Any, cloud: None) -> None:
    template, _ = bucket_files(["keep-me"])
    template.write_text(template.read_text().replace("    DeletionPolicy: Retain\n", ""))
    before = template.read_bytes()
    args = ("import", "--stack", "ws", "--template", str(template), "--patch-deletion-policy", "Delete")
    refused = cli(*args, "--dry-run")
    assert refused.exit_code == 2
    err = one_line(refused.stderr)
    assert "DeletionPolicy Delete on 1 stateful resource(s) would let a stack deletion destroy" in err
    assert "KeepMe (AWS::S3::Bucket): every object in the bucket" in err
    assert "--allow-delete-policy accepts that" in err
    assert "ws" not in stack_names() and template.read_bytes() == before
    allowed = cli("--output", "json", *args, "--allow-delete-policy", "--dry-run")
    assert allowed.exit_code == 0, allowed.stderr
    assert allowed.json()["plan"]["deletion_policy_added"] == ["KeepMe"]
    assert "ws" not in stack_names()  # a dry run leaves nothing


def test_snapshot_on_a_bucket_names_no_option_import_lacks(cli: Any, cloud: None) -> None:
    template, _ = bucket_files(["snap-me"])
    template.write_text(template.read_text().replace("    DeletionPolicy: Retain\n", ""))
    result = cli(
        "import",
        "--stack",
        "ws",
        "--template",
        str(template),
        "--patch-deletion-policy",
        "Snapshot",
        "--dry-run",
    )
    assert result.exit_code == 2
    assert "Snapshot is not supported by SnapMe (AWS::S3::Bucket)" in one_line(result.stderr)
    assert "--type" not in result.stderr and "set it per resource with iacgen patch" in one_line(
        result.stderr
    )


def test_a_resources_file_with_the_wrong_identifier_keys_is_refused_before_any_change_set(
    cli: Any, cloud: None
) -> None:
    template, resources = bucket_files(["keyed"])
    resources.write_text(resources.read_text().replace('"BucketName"', '"Name"'))
    result = cli(
        "import", "--stack", "ws", "--template", str(template), "--resources", str(resources), "--dry-run"
    )
    assert result.exit_code == 2
    assert (
        "the resources file identifies Keyed (AWS::S3::Bucket) by Name; CloudFormation identifies a "
        "AWS::S3::Bucket by BucketName" in one_line(result.stderr)
    )
    assert "ws" not in stack_names() and change_sets("ws") == []


def test_a_resource_the_stack_holds_under_another_logical_id_is_a_preflight_problem(
    cli: Any, cloud: None
) -> None:
    bucket_files(["held"], stem="first")
    assert cli("import", "--stack", "ws", "--template", "first.yaml", "--execute").exit_code == 0
    executed = change_sets("ws")
    template, resources = bucket_files(["held"], stem="renamed", create=False)
    for path in (template, resources):
        path.write_text(path.read_text().replace("Held", "MyBucket"))
    result = cli("import", "--stack", "ws", "--template", str(template), "--dry-run")
    assert result.exit_code == 2
    err = one_line(result.stderr)
    assert "stack ws already holds held as Held; the template imports it again as MyBucket" in err
    assert "name it Held in the template" in err
    assert change_sets("ws") == executed and physical_ids("ws") == {"Held": "held"}


def test_one_parameter_given_by_its_full_and_its_stable_name_is_refused(cli: Any, cloud: None) -> None:
    template, _ = bucket_files(["params"])
    template.write_text(
        "Parameters:\n  ParamsOwnerOneOfAb12C:\n    Type: String\n"
        + template.read_text().replace(
            "      BucketName: params\n",
            "      BucketName: params\n      Tags:\n"
            "        - Key: owner\n          Value: !Ref ParamsOwnerOneOfAb12C\n",
        )
    )
    result = cli(
        "import", "--stack", "ws", "--template", str(template), "--dry-run",
        "--parameter", "ParamsOwner=a", "--parameter", "ParamsOwnerOneOfAb12C=b",
    )  # fmt: skip
    assert result.exit_code == 2
    assert (
        "parameter ParamsOwnerOneOfAb12C is given twice (as ParamsOwner and as ParamsOwnerOneOfAb12C)"
        in one_line(result.stderr)
    )
    assert "ws" not in stack_names()

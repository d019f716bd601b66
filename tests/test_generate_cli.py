"""`iacgen generate` and `iacgen warnings` through the CLI against the in-process local cloud.

Expected related sets follow the local cloud's relation edges (iacgen/localcloud/inventory.py docstring).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from ruamel.yaml import YAML

REGION = "us-east-1"


def pairs(entries: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(e["type"], "|".join(e["identifier"].values())) for e in entries}


def generate_json(cli: Any, *args: str) -> Any:
    """`iacgen -o json generate ARGS...`."""
    return cli("-o", "json", "generate", *args)


def templates() -> list[str]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    return [s["GeneratedTemplateName"] for s in cfn.list_generated_templates()["Summaries"]]


def workshop_defaults(w: Any) -> tuple[str, str]:
    """The workshop VPC's main route table and default security group (moto makes both; scans see them)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [w.vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [w.vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    return main, default_sg


def test_workshop_generate_related_to_a_fixed_point(cli: Any, workshop: Any) -> None:
    w = workshop
    assert cli("-q", "scan").exit_code == 0
    result = generate_json(
        cli, "ws", "--select", "type=AWS::EC2::Instance", "--related", "--deletion-policy", "delete"
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    sel = data["selection"]
    main_rtb, default_sg = workshop_defaults(w)
    assert pairs(sel["selected"]) == {("AWS::EC2::Instance", w.instance_id)}
    added = {(a["type"], "|".join(a["identifier"].values())): a for a in sel["added"]}
    depths = {k: a["depth"] for k, a in added.items()}
    assert depths == {
        ("AWS::EC2::Subnet", w.subnet_id): 1,
        ("AWS::EC2::SecurityGroup", w.security_group_id): 1,
        ("AWS::EC2::KeyPair", w.key_name): 1,
        ("AWS::EC2::NetworkInterface", w.network_interface_id): 1,
        ("AWS::EC2::VPC", w.vpc_id): 2,
        ("AWS::EC2::SubnetRouteTableAssociation", w.route_table_association_id): 2,
        ("AWS::EC2::SubnetNetworkAclAssociation", w.network_acl_association_id): 2,
        ("AWS::EC2::VPCGatewayAttachment", f"IGW|{w.vpc_id}"): 3,
        ("AWS::EC2::RouteTable", w.route_table_id): 3,
        ("AWS::EC2::RouteTable", main_rtb): 3,
        ("AWS::EC2::SecurityGroup", default_sg): 3,
        ("AWS::EC2::NetworkAcl", w.network_acl_id): 3,
        ("AWS::EC2::InternetGateway", w.internet_gateway_id): 4,
        ("AWS::EC2::Route", f"{w.route_table_id}|0.0.0.0/0"): 4,
        ("AWS::EC2::Route", f"{w.route_table_id}|10.0.0.0/16"): 3,  # local routes, scanned like the service
        ("AWS::EC2::Route", f"{main_rtb}|10.0.0.0/16"): 3,
    }
    assert all(pairs(a["pulled_in_by"]) == {("AWS::EC2::Instance", w.instance_id)} for a in added.values())
    assert sel["fixed_point"] and sel["calls"] == 5

    body = YAML(typ="rt").load(Path("ws.yaml").read_text())
    resources = body["Resources"]
    assert len(resources) == 17
    assert {r["UpdateReplacePolicy"] for r in resources.values()} == {"Retain"}
    to_import = json.loads(Path("ws.resources.json").read_text())
    defaults = {main_rtb, default_sg, w.network_acl_id, w.network_acl_association_id}
    defaults |= {f"{w.route_table_id}|10.0.0.0/16", f"{main_rtb}|10.0.0.0/16"}
    kept = {
        e["LogicalResourceId"] for e in to_import if "|".join(e["ResourceIdentifier"].values()) in defaults
    }
    assert len(kept) == 6  # the VPC's defaults: Retain (tests/test_vpc_defaults.py has the detail)
    assert {lid: r["DeletionPolicy"] for lid, r in resources.items()} == {
        lid: "Retain" if lid in kept else "Delete" for lid in resources
    }
    assert {e["LogicalResourceId"] for e in to_import} == set(resources)
    assert {(e["ResourceType"], "|".join(e["ResourceIdentifier"].values())) for e in to_import} == {
        ("AWS::EC2::Instance", w.instance_id),
        *depths,
    }
    for entry in to_import:
        assert resources[entry["LogicalResourceId"]]["Type"] == entry["ResourceType"]
    state = json.loads(Path(".iacgen/state.json").read_text())
    assert state["last_template"] == "ws"
    assert state["templates"]["ws"]["template_path"] == "ws.yaml"
    assert state["templates"]["ws"]["resources_path"] == "ws.resources.json"
    assert state["templates"]["ws"]["generated_template_id"] == data["template"]["template_id"]

    # warnings: on the instance, its interface and the subnet only; --fail-on decides the exit code
    warned = cli("-o", "json", "warnings", "ws")
    assert warned.exit_code == 0
    assert {r["resource_type"] for r in warned.json()["resources"]} == {
        "AWS::EC2::Instance",
        "AWS::EC2::NetworkInterface",
        "AWS::EC2::Subnet",
    }
    assert warned.json()["total"] == data["template"]["total_warnings"]
    table = cli("warnings", "--fail-on", "UNSUPPORTED_PROPERTIES")
    assert table.exit_code == 1
    assert "AdditionalInfo" in table.stdout and "UNSUPPORTED_PROPERTIES" in table.stderr
    assert cli("warnings", "ws", "--fail-on", "EXCLUDED_RESOURCES,mutually_exclusive_types").exit_code == 0
    unknown = cli("warnings", "ws", "--fail-on", "UNSUPPORTED_PROPERTIES,BOGUS")
    assert unknown.exit_code == 2 and "BOGUS" in unknown.stderr

    # the same name again: refused with a hint, files untouched; --update rewrites them
    before = Path("ws.yaml").read_text()
    again = cli("generate", "ws", "--select", "type=AWS::EC2::Instance")
    assert again.exit_code == 2 and "--update" in again.stderr
    assert Path("ws.yaml").read_text() == before
    updated = generate_json(
        cli, "ws", "--select", "type=AWS::EC2::Instance", "--related-depth", "1", "--update"
    )
    assert updated.exit_code == 0, updated.stderr
    assert updated.json()["template"]["action"] == "updated"
    resources = YAML(typ="rt").load(Path("ws.yaml").read_text())["Resources"]
    assert {r["Type"] for r in resources.values()} == {
        "AWS::EC2::Instance",
        "AWS::EC2::Subnet",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::KeyPair",
        "AWS::EC2::NetworkInterface",
    }
    assert {r["DeletionPolicy"] for r in resources.values()} == {"Retain"}
    assert len(json.loads(Path("ws.resources.json").read_text())) == 5
    assert templates() == ["ws"]


def test_app_world_selections(cli: Any, app_world: Any) -> None:
    a = app_world
    assert cli("-q", "scan").exit_code == 0
    fn = generate_json(cli, "fn", "--select", "type=AWS::Lambda::Function", "--related", "--format", "json")
    assert fn.exit_code == 0, fn.stderr
    sel = fn.json()["selection"]
    assert pairs(sel["selected"]) == {("AWS::Lambda::Function", a.function_name)}
    assert pairs(sel["added"]) == {("AWS::IAM::Role", a.role_name)}
    body = json.loads(Path("fn.json").read_text())
    assert {r["Type"] for r in body["Resources"].values()} == {"AWS::Lambda::Function", "AWS::IAM::Role"}
    assert not Path("fn.yaml").exists()
    table = cli("generate", "fn2", "--select", "type=AWS::Lambda::Function", "--related")
    assert table.exit_code == 0, table.stderr
    assert "LambdaFunction" in table.stdout and "MUTUALLY_EXCLUSIVE_PROPERTIES" in table.stdout
    assert "via orders-handler" in table.stdout
    fn_warnings = cli("-o", "json", "warnings", "fn").json()["resources"]
    kinds = {w["type"]: w["fix"] for r in fn_warnings for w in r["warnings"]}
    assert kinds["MUTUALLY_EXCLUSIVE_PROPERTIES"] == "parameter"

    Path("out").mkdir()  # --out writes into a directory that exists; it never creates one
    data = generate_json(
        cli, "data", "--select", "tag:team=data", "--exclude", "type=AWS::EC2::*", "--out", "out/d.yaml"
    )
    assert data.exit_code == 0, data.stderr
    assert pairs(data.json()["selection"]["selected"]) == {
        ("AWS::IAM::Role", a.role_name),
        ("AWS::Lambda::Function", a.function_name),
        ("AWS::DynamoDB::Table", a.table_name),
        ("AWS::S3::Bucket", a.bucket_name),
    }
    assert pairs(data.json()["selection"]["excluded"]) == {
        ("AWS::EC2::VPC", a.data_vpc_id),
        ("AWS::EC2::Subnet", a.data_subnet_id),
    }
    assert Path("out/d.yaml").exists() and Path("out/d.resources.json").exists()  # as import looks for it

    web = generate_json(
        cli,
        "web",
        "--select",
        "tag:team=web,type=AWS::EC2::Instance",
        "--select",
        f"id={a.data_vpc_id}",
        "--related-depth",
        "1",
    )
    assert web.exit_code == 0, web.stderr
    sel = web.json()["selection"]
    assert pairs(sel["selected"]) == {
        ("AWS::EC2::Instance", a.web_instance_id),
        ("AWS::EC2::VPC", a.data_vpc_id),
    }
    added = {(x["type"], "|".join(x["identifier"].values())): pairs(x["pulled_in_by"]) for x in sel["added"]}
    instance, vpc = {("AWS::EC2::Instance", a.web_instance_id)}, {("AWS::EC2::VPC", a.data_vpc_id)}
    assert added[("AWS::EC2::Subnet", a.web_subnet_ids[0])] == instance
    assert added[("AWS::EC2::SecurityGroup", a.web_security_group_id)] == instance
    assert added[("AWS::EC2::Subnet", a.data_subnet_id)] == vpc
    assert all(by in (instance, vpc) for by in added.values())
    assert not sel["fixed_point"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "colour=red"], "bad selection term 'colour=red'"),
        (["--select", "type=AWS::*::Instance"], "only at the end"),
        (["--select", "tag:team=nobody"], "matches no resource"),
        (["--select", "type=AWS::EC2::VPC", "--exclude", "type=AWS::EC2::*"], "matches no resource"),
        ([], "nothing selected"),
        (["--select", "type=AWS::EC2::VPC", "--deletion-policy", "SNAPSHOT"], "SNAPSHOT"),
    ],
)
def test_bad_selections_exit_2_and_write_nothing(
    cli: Any, cloud: None, args: list[str], message: str
) -> None:
    assert cli("-q", "scan").exit_code == 0
    result = cli("generate", "bad", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr.replace("\n", " ")
    assert "Traceback" not in result.stderr
    assert not Path("bad.yaml").exists() and not Path("bad.resources.json").exists()
    assert templates() == []


def test_no_scan_yet_is_exit_2_with_a_hint(cli: Any, cloud: None) -> None:
    result = cli("generate", "t", "--select", "type=AWS::EC2::VPC")
    assert result.exit_code == 2
    assert "iacgen scan" in result.stderr


def test_failed_generation_exit_3_lists_resources_and_writes_nothing(
    cli: Any, workshop: Any, local_settings: Any
) -> None:
    assert cli("-q", "scan").exit_code == 0
    local_settings.configure(fail_resource_ids=workshop.key_name)
    result = cli("generate", "ws", "--select", "type=AWS::EC2::Instance", "--related-depth", "1")
    assert result.exit_code == 3
    err = result.stderr.replace("\n", " ")
    assert "FAILED" in err and workshop.key_name in err and "AWS::EC2::KeyPair" in err
    assert not Path("ws.yaml").exists() and not Path("ws.resources.json").exists()
    assert (
        not Path(".iacgen/state.json").exists()
        or "ws" not in json.loads(Path(".iacgen/state.json").read_text())["templates"]
    )


def test_regenerating_never_overwrites_a_patched_or_foreign_file(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    args = ("generate", "ws", "--select", f"id={workshop.vpc_id}", "--deletion-policy", "DELETE")
    assert cli(*args).exit_code == 0
    # the same request again, file untouched since: fine (the template is picked up, the file rewritten)
    assert cli(*args).exit_code == 0
    assert cli("patch", "ws.yaml", "--deletion-policy", "Retain", "--in-place").exit_code == 0
    patched = Path("ws.yaml").read_bytes()
    again = cli(*args)
    assert again.exit_code == 2
    assert "was changed since iacgen generate wrote it" in again.stderr and "--force" in again.stderr
    assert Path("ws.yaml").read_bytes() == patched
    forced = cli(*args, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert Path("ws.yaml").read_bytes() != patched
    policies = {
        r["DeletionPolicy"] for r in YAML(typ="rt").load(Path("ws.yaml").read_text())["Resources"].values()
    }
    assert policies == {"Delete"}

    Path("mine.yaml").write_text("# my own notes\n")
    foreign = cli("generate", "mine", "--select", f"id={workshop.vpc_id}")
    assert foreign.exit_code == 2 and "not written by iacgen generate" in foreign.stderr
    assert Path("mine.yaml").read_text() == "# my own notes\n"
    assert not Path("mine.resources.json").exists()


def test_a_template_written_in_another_format_is_still_known_as_generates(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    args = ("generate", "ws", "--select", f"id={workshop.vpc_id}")
    assert cli(*args, "--format", "json").exit_code == 0
    assert cli(*args).exit_code == 0  # ws.yaml now, ws.json still as generate wrote it
    back = cli(*args, "--format", "json", "--update")
    assert back.exit_code == 0, back.stderr
    Path("ws.json").write_text(Path("ws.json").read_text() + "\n")  # an edit
    edited = cli(*args, "--format", "json")
    assert edited.exit_code == 2 and "was changed since iacgen generate wrote it" in edited.stderr


def test_generate_and_warnings_count_and_word_warnings_the_same(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    sentence = (
        "3 warnings on 3 resources, naming 7 properties"  # the instance's, its interface's, the subnet's
    )
    args = ("generate", "ws", "--select", "type=AWS::EC2::Instance", "--related-depth", "1")
    table = cli(*args)
    assert table.exit_code == 0, table.stderr
    assert f"{sentence}; details: iacgen warnings ws" in table.stderr
    assert f"{sentence}; details: iacgen warnings ws" in table.stdout
    row = next(line for line in table.stdout.splitlines() if "UNSUPPORTED_PROPERTIES" in line)
    assert [cell.strip() for cell in row.split("│")][1:4] == ["UNSUPPORTED_PROPERTIES", "3", "7"]
    cells = [[c.strip() for c in line.split("│")][1:5] for line in table.stdout.splitlines() if "│" in line]
    assert [
        "EC2Instance",
        "AWS::EC2::Instance",
        workshop.instance_id,
        "selected",
    ] in cells  # wide: one line each
    assert [
        "EC2KeyPairWorkshopkey",
        "AWS::EC2::KeyPair",
        workshop.key_name,
        f"depth 1 via {workshop.instance_id}",
    ] in cells
    warned = cli("warnings", "ws")
    assert warned.exit_code == 0 and f"ws: {sentence}" in warned.stdout
    generated = cli("-o", "json", *args).json()["template"]
    listed = cli("-o", "json", "warnings", "ws").json()
    assert listed["total"] == generated["total_warnings"] == generated["warning_counts"]["warnings"] == 3
    assert listed["counts"] == generated["warning_counts"]
    assert listed["properties"] == 7


def test_tables_fit_80_columns_without_cutting_names(
    cli: Any, workshop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("-q", "scan").exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    generated = cli("generate", "ws", "--select", "type=AWS::EC2::Instance", "--related")
    assert generated.exit_code == 0, generated.stderr
    warned = cli("warnings", "ws")
    assert warned.exit_code == 0
    for out in (generated.stdout, warned.stdout):
        assert max(len(line) for line in out.splitlines()) <= 80
    for whole in (
        "AWS::EC2::SubnetNetworkAclAssociation",
        "aclassoc-",
        workshop.network_acl_association_id,
        f"depth 1 via {workshop.instance_id}",
    ):
        assert whole in generated.stdout, whole
    assert "EC2Instance  AWS::EC2::Instance" in warned.stdout and "UNSUPPORTED_PROPERTIES" in warned.stdout
    assert "What to do" in warned.stdout


def test_a_selection_that_matches_nothing_says_why(cli: Any, cloud: None) -> None:
    """id= with part of an identifier (a queue is listed by its URL) names the whole one; a selection of
    resources a stack owns says they are owned, not that nothing is there."""
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="orders_01")["QueueUrl"]
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="owner",
        TemplateBody=json.dumps(
            {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "owned-b"}}}}
        ),
    )
    assert cli("-q", "scan").exit_code == 0
    partial = cli("generate", "q", "--select", "id=orders_01")
    assert partial.exit_code == 2
    assert f"hint: id= takes a whole identifier as the scan lists it: {url} (AWS::SQS::Queue)" in " ".join(
        partial.stderr.split()
    )
    assert cli("generate", "q", "--select", f"id={url}").exit_code == 0
    owned = cli("generate", "b", "--select", "id=owned-b")
    assert owned.exit_code == 2
    assert "1 matching resource(s) already belong to a stack" in " ".join(owned.stderr.split())
    assert not Path("b.yaml").exists()

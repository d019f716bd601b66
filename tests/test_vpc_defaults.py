"""VPC defaults keep DeletionPolicy Retain under `generate --deletion-policy DELETE`: exactly the main route
table, default security group, default network ACL and its subnet association, and the route tables' local
routes (ids from EC2), only those
policy lines differ from the service's body, and EC2 is asked only when it matters."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from iacgen.core.template import load_template
from tests.core.test_template import changed_lines

REGION = "us-east-1"
RELATED = ("--select", "tag:Name=workshop", "--related")


def ec2_defaults(w: Any) -> dict[str, str]:
    """The workshop VPC's defaults, straight from EC2: identifier -> type."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = [{"Name": "vpc-id", "Values": [w.vpc_id]}]
    tables = ec2.describe_route_tables(Filters=vpc)["RouteTables"]
    main = [t["RouteTableId"] for t in tables if any(a.get("Main") for a in t["Associations"])]
    groups = ec2.describe_security_groups(Filters=vpc)["SecurityGroups"]
    default_sg = [g["GroupId"] for g in groups if g["GroupName"] == "default"]
    acls = [a for a in ec2.describe_network_acls(Filters=vpc)["NetworkAcls"] if a["IsDefault"]]
    assert len(main) == len(default_sg) == len(acls) == 1
    assocs = [a["NetworkAclAssociationId"] for a in acls[0]["Associations"]]
    assert assocs == [w.network_acl_association_id]
    local_routes = [
        f"{t['RouteTableId']}|{r['DestinationCidrBlock']}"
        for t in tables
        for r in t["Routes"]
        if r.get("GatewayId") == "local"
    ]
    assert len(local_routes) == 2  # the main and the workshop's route table
    return {
        main[0]: "AWS::EC2::RouteTable",
        default_sg[0]: "AWS::EC2::SecurityGroup",
        acls[0]["NetworkAclId"]: "AWS::EC2::NetworkAcl",
        assocs[0]: "AWS::EC2::SubnetNetworkAclAssociation",
        **{route: "AWS::EC2::Route" for route in local_routes},
    }


def deletion_policies(path: Path) -> dict[str, str | None]:
    return {lid: r.deletion_policy for lid, r in load_template(path.read_text()).resources().items()}


def logical_ids_of(ids: set[str], resources_file: Path) -> set[str]:
    entries = json.loads(resources_file.read_text())
    return {e["LogicalResourceId"] for e in entries if "|".join(e["ResourceIdentifier"].values()) in ids}


def api_calls(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith("API calls:"))


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_delete_keeps_exactly_the_vpc_defaults_and_only_their_policy_lines(
    cli: Any, workshop: Any, fmt: str
) -> None:
    assert cli("-q", "scan").exit_code == 0
    args = (
        "-o",
        "json",
        "--verbose",
        "generate",
        "ws",
        *RELATED,
        "--deletion-policy",
        "DELETE",
        "--format",
        fmt,
    )
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    defaults = ec2_defaults(workshop)
    template = Path(f"ws.{fmt}")
    kept = logical_ids_of(set(defaults), Path("ws.resources.json"))
    assert len(kept) == 6

    found = result.json()["template"]["vpc_defaults"]
    assert found["checked"] is True and found["note"] is None
    assert {(d["id"], d["type"]) for d in found["found"]} == set(defaults.items())
    assert {d["logical_id"] for d in found["found"]} == kept
    policies = deletion_policies(template)
    assert len(policies) == 17  # with the instance's interface and the two local routes
    assert policies == {lid: "Retain" if lid in kept else "Delete" for lid in policies}

    service = boto3.client("cloudformation", region_name=REGION).get_generated_template(
        GeneratedTemplateName="ws", Format=fmt.upper()
    )["TemplateBody"]
    removed, added = changed_lines(service, template.read_text())
    assert len(removed) == 6 and all(re.search(r'"?DeletionPolicy"?: "Delete"', line) for line in removed)
    assert [line.replace('"Retain"', '"Delete"') for line in added] == removed

    stderr = " ".join(result.stderr.split())
    assert "DeletionPolicy Retain on 6 VPC defaults (" in stderr
    assert all(lid in stderr for lid in kept)
    calls = api_calls(result.stderr)
    for call in (
        "ec2:DescribeRouteTables 1",
        "ec2:DescribeSecurityGroups 1",
        "ec2:DescribeNetworkAcls 2",
        "ec2:DescribeVpcs 1",  # the workshop's VPC is not the default one: it keeps Delete
    ):
        assert call in calls

    state = json.loads(Path(".iacgen/state.json").read_text())
    assert state["templates"]["ws"]["template_sha256"] == hashlib.sha256(template.read_bytes()).hexdigest()
    written = template.read_bytes()
    again = cli(*args)  # the state records the file as written: the same request is not refused as "changed"
    assert again.exit_code == 0, again.stderr
    assert again.json()["template"]["action"] == "resumed"
    assert template.read_bytes() == written


def test_the_default_vpc_itself_keeps_retain_and_is_named(cli: Any, cloud: None) -> None:
    """The default VPC (IsDefault, 172.31.0.0/16) is one of the defaults the Safety section lists: a stack
    deletion would fail on its default subnets, or take the account's default VPC with it."""
    ec2 = boto3.client("ec2", region_name=REGION)
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    assert cli("-q", "scan").exit_code == 0
    result = cli(
        "-o", "json", "generate", "defvpc", "--select", f"id={vpc['VpcId']}", "--related",
        "--deletion-policy", "DELETE",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    found = result.json()["template"]["vpc_defaults"]["found"]
    (entry,) = [d for d in found if d["type"] == "AWS::EC2::VPC"]
    assert (entry["id"], entry["why"]) == (vpc["VpcId"], "the account's default VPC")
    policies = deletion_policies(Path("defvpc.yaml"))
    assert policies[entry["logical_id"]] == "Retain"
    assert {lid for lid, p in policies.items() if p == "Retain"} == {d["logical_id"] for d in found}
    assert "Delete" in policies.values()  # the default subnets, say: only the defaults were kept
    stderr = " ".join(result.stderr.split())
    assert f"VPC defaults ({', '.join(d['logical_id'] for d in found)}): " in stderr
    assert "and the default VPC only once nothing else is in it" in stderr


def test_opting_out_keeps_delete_everywhere_and_asks_ec2_nothing(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    result = cli(
        "-o", "json", "--verbose", "generate", "ws", *RELATED, "--deletion-policy", "DELETE",
        "--no-retain-vpc-defaults",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert set(deletion_policies(Path("ws.yaml")).values()) == {"Delete"}
    assert result.json()["template"]["vpc_defaults"] is None
    assert "ec2:" not in api_calls(result.stderr)
    assert "VPC default" not in result.stderr


def test_retain_changes_nothing_and_asks_ec2_nothing(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    result = cli("-o", "json", "--verbose", "generate", "ws", *RELATED, "--deletion-policy", "RETAIN")
    assert result.exit_code == 0, result.stderr
    assert set(deletion_policies(Path("ws.yaml")).values()) == {"Retain"}
    assert result.json()["template"]["vpc_defaults"] is None
    assert "ec2:" not in api_calls(result.stderr)
    service = boto3.client("cloudformation", region_name=REGION).get_generated_template(
        GeneratedTemplateName="ws", Format="YAML"
    )["TemplateBody"]
    assert Path("ws.yaml").read_text().rstrip("\n") == service.rstrip("\n")


def test_a_template_without_those_types_asks_ec2_nothing(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    result = cli(
        "-o", "json", "--verbose", "generate", "ws", "--select", f"id={workshop.key_name}",
        "--deletion-policy", "DELETE",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.json()["template"]["vpc_defaults"] == {"checked": False, "found": [], "note": None}
    assert "ec2:" not in api_calls(result.stderr)
    assert set(deletion_policies(Path("ws.yaml")).values()) == {"Delete"}


def test_ec2_access_denied_still_generates_with_a_note(
    cli: Any, workshop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Denied by the local cloud's IAM (moto enforces policies): CloudFormation allowed, EC2 Describe not."""
    from moto.core.authorization import enable_iam_authentication

    assert cli("-q", "scan").exit_code == 0
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="adopter")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:Describe*", "Resource": "*"},
        ],
    }
    iam.put_user_policy(UserName="adopter", PolicyName="no-ec2", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="adopter")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    with enable_iam_authentication():
        result = cli("-o", "json", "generate", "ws", *RELATED, "--deletion-policy", "DELETE")
    assert result.exit_code == 0, result.stderr
    note = result.json()["template"]["vpc_defaults"]["note"]
    assert note.startswith("could not check for VPC defaults: EC2 denied the call (AccessDenied)")
    assert "ec2:DescribeRouteTables" in note
    assert "warning: could not check for VPC defaults" in " ".join(result.stderr.split())
    assert set(deletion_policies(Path("ws.yaml")).values()) == {"Delete"}
    assert (
        len(json.loads(Path("ws.resources.json").read_text())) == 17
    )  # with the interface and the two local routes


# --- the library: chunked filters and a denial seen through a botocore hook on the product's own client


def test_filters_are_chunked_at_200_values_and_checked_on_the_answer(aws: Any, workshop: Any) -> None:
    from iacgen.core.vpc_defaults import TemplateEntry, find_vpc_defaults

    defaults = {v: k for k, v in ec2_defaults(workshop).items()}
    sg = "AWS::EC2::SecurityGroup"
    entries = [TemplateEntry(f"Fake{i}", sg, {"Id": f"sg-{i:017x}"}) for i in range(400)]
    entries += [
        TemplateEntry("Default", sg, {"Id": defaults[sg]}),
        TemplateEntry("Ssh", sg, {"Id": workshop.security_group_id}),
        TemplateEntry("Custom", "AWS::EC2::RouteTable", {"RouteTableId": workshop.route_table_id}),
        TemplateEntry("Vpc", "AWS::EC2::VPC", {"VpcId": workshop.vpc_id}),
    ]
    found = find_vpc_defaults(aws, entries)
    assert [(d.logical_id, d.id) for d in found.found] == [("Default", defaults[sg])]
    assert found.note is None and found.checked
    assert aws.calls["ec2:DescribeSecurityGroups"] == 3  # 402 ids: 200 + 200 + 2
    assert aws.calls["ec2:DescribeRouteTables"] == 1
    assert aws.calls["ec2:DescribeNetworkAcls"] == 0


def test_unauthorized_operation_is_a_note_not_an_error(aws: Any, workshop: Any) -> None:
    from iacgen.core.vpc_defaults import TemplateEntry, find_vpc_defaults

    def deny(**_: Any) -> tuple[Any, dict[str, Any]]:
        error = {
            "Code": "UnauthorizedOperation",
            "Message": "You are not authorized to perform this operation.",
        }
        return SimpleNamespace(status_code=403, headers={}), {"Error": error, "ResponseMetadata": {}}

    aws.client("ec2").meta.events.register("before-call.ec2.DescribeNetworkAcls", deny)
    entries = [
        TemplateEntry("Sg", "AWS::EC2::SecurityGroup", {"Id": workshop.security_group_id}),
        TemplateEntry("Acl", "AWS::EC2::NetworkAcl", {"Id": workshop.network_acl_id}),
    ]
    found = find_vpc_defaults(aws, entries)
    assert found.found == [] and found.checked
    assert found.note is not None
    assert found.note.startswith(
        "could not check for VPC defaults: EC2 denied the call (UnauthorizedOperation)"
    )

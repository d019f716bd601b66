"""`iacgen demo` end to end: it must prove adoption, not just reach IMPORT_COMPLETE."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_demo_adopts_the_workshop_without_recreating_anything(cli: Any, tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    result = cli("--output", "json", "demo", "--pace", "0", "--dir", str(out_dir))
    assert result.exit_code == 0, result.stderr
    proof = result.json()
    assert proof["status"] == "IMPORT_COMPLETE"
    by_type: dict[str, list[str]] = {}
    for row in proof["resources"]:
        assert row["same"], row
        by_type.setdefault(row["type"], []).append(row["physical_id"])
    # The workshop's hand-made resources and the related ones (attachment, route, associations, default NACL).
    for type_name in (
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::Route",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::NetworkAcl",
        "AWS::EC2::SubnetNetworkAclAssociation",
        "AWS::EC2::Instance",
        "AWS::EC2::KeyPair",
    ):
        assert by_type.get(type_name), f"{type_name} missing from the stack"
    assert by_type["AWS::EC2::KeyPair"] == ["workshop-key"]
    assert all(c["before"] == c["after"] for c in proof["counts"].values()), proof["counts"]

    from iacgen.core.template import load_template

    template = load_template((out_dir / "workshop.yaml").read_text())
    resources = template.resources()

    # generate kept the VPC's defaults (EC2 deletes them only with the VPC); the patch step kept the key pair.
    def local(r: Any) -> bool:
        return r.type == "AWS::EC2::Route" and r.properties.get("GatewayId") == "local"

    custom_tables = {
        str(r.properties["RouteTableId"]["Ref"])
        for r in resources.values()
        if r.type in ("AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation") and not local(r)
    }
    retained = {
        lid
        for lid, r in resources.items()
        if r.type in ("AWS::EC2::KeyPair", "AWS::EC2::NetworkAcl", "AWS::EC2::SubnetNetworkAclAssociation")
        or (r.type == "AWS::EC2::SecurityGroup" and r.properties.get("GroupName") == "default")
        or (r.type == "AWS::EC2::RouteTable" and lid not in custom_tables)
        or local(r)  # the route tables' local routes: EC2 removes them only with their table
    }
    assert len(retained) == 7 and len(custom_tables) == 1
    for lid, res in resources.items():
        assert res.deletion_policy == ("Retain" if lid in retained else "Delete"), lid
        assert res.update_replace_policy == "Delete", lid
    assert len(resources) == len(proof["resources"])


def test_demo_verbose_counts_the_api_calls_of_every_step(cli: Any, tmp_path: Path) -> None:
    result = cli("--verbose", "--quiet", "demo", "--pace", "0", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("API calls: ")]
    for operation in ("StartResourceScan", "CreateGeneratedTemplate", "CreateChangeSet", "ExecuteChangeSet"):
        assert f"{operation} 1" in line, line


def test_demo_refuses_a_directory_that_is_not_empty(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    result = cli("demo", "--dir", str(target))
    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert (target / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in target.iterdir()) == ["mine.txt"]


def _run_demo_steps(cli: Any, *extra_generate: str) -> None:
    """The demo's own steps, against the `workshop` fixture's world (the demo's cloud ends with it)."""
    from iacgen.cli.demo import _steps

    for _, args in _steps({}):
        if args[0] == "generate":
            args = [*args, *extra_generate]
        result = cli("-q", *args)
        assert result.exit_code == 0, (args, result.stderr)


def _deleted_resources(stack_id: str) -> dict[str, set[str]]:
    """Per final resource status (DELETE_COMPLETE, DELETE_SKIPPED, DELETE_FAILED): the logical ids."""
    import boto3

    cfn = boto3.client("cloudformation", region_name="us-east-1")
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]  # newest first
    final: dict[str, str] = {}
    for e in events:
        if e["LogicalResourceId"] != e["StackName"] and e["ResourceStatus"].startswith("DELETE_"):
            final.setdefault(e["LogicalResourceId"], e["ResourceStatus"])
    by_status: dict[str, set[str]] = {}
    for lid, status in final.items():
        by_status.setdefault(status, set()).add(lid)
    return by_status


def test_the_demos_stack_deletes_cleanly_keeping_the_defaults_and_the_key_pair(
    cli: Any, workshop: Any
) -> None:
    import boto3

    from iacgen.core.template import load_template

    _run_demo_steps(cli)
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    stack_id = cfn.describe_stacks(StackName="workshop")["Stacks"][0]["StackId"]
    resources = load_template(Path("workshop.yaml").read_text()).resources()
    retained = {lid for lid, r in resources.items() if r.deletion_policy == "Retain"}
    cfn.delete_stack(StackName="workshop")

    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_COMPLETE", stack.get("StackStatusReason")
    outcome = _deleted_resources(stack_id)
    assert outcome["DELETE_SKIPPED"] == retained
    assert {resources[lid].type for lid in retained} == {
        "AWS::EC2::KeyPair",
        "AWS::EC2::Route",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::NetworkAcl",
        "AWS::EC2::SubnetNetworkAclAssociation",
    }
    assert outcome["DELETE_COMPLETE"] == set(resources) - retained
    assert "DELETE_FAILED" not in outcome
    # Kept: the key pair (its private key could not be downloaded again). Gone: everything with Delete.
    assert [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]] == ["workshop-key"]
    state = ec2.describe_instances(InstanceIds=[workshop.instance_id])["Reservations"][0]["Instances"][0][
        "State"
    ]
    assert state["Name"] == "terminated"
    assert workshop.vpc_id not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    assert workshop.subnet_id not in {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    assert workshop.security_group_id not in {
        g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]
    }
    igws = {g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]}
    assert workshop.internet_gateway_id not in igws
    # The defaults went with their VPC, as in EC2: retained by the stack, deleted by EC2 with the VPC.
    assert not ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [workshop.vpc_id]}])[
        "NetworkAcls"
    ]


def test_without_retained_defaults_the_stack_deletion_fails_on_them(cli: Any, workshop: Any) -> None:
    """The contrast: what --no-retain-vpc-defaults leads to (EC2 refuses to delete a VPC's defaults)."""
    import boto3

    from iacgen.core.template import load_template

    _run_demo_steps(cli, "--no-retain-vpc-defaults")
    resources = load_template(Path("workshop.yaml").read_text()).resources()
    assert {lid for lid, r in resources.items() if r.deletion_policy == "Retain"} == {"EC2KeyPairWorkshopkey"}
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stack_id = cfn.describe_stacks(StackName="workshop")["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName="workshop")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    failed = _deleted_resources(stack_id)["DELETE_FAILED"]
    assert sorted(resources[lid].type for lid in failed) == [
        "AWS::EC2::NetworkAcl",
        "AWS::EC2::Route",  # the local routes: "cannot remove local route"; the main route table,
        "AWS::EC2::Route",  # which they refer to, is blocked by them (not attempted)
        "AWS::EC2::SecurityGroup",
    ]
    ec2 = boto3.client("ec2", region_name="us-east-1")
    assert workshop.vpc_id in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}  # blocked by its defaults

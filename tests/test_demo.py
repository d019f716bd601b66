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
    custom_tables = {
        str(r.properties["RouteTableId"]["Ref"])
        for r in resources.values()
        if r.type in ("AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation")
    }
    retained = {
        lid
        for lid, r in resources.items()
        if r.type in ("AWS::EC2::KeyPair", "AWS::EC2::NetworkAcl", "AWS::EC2::SubnetNetworkAclAssociation")
        or (r.type == "AWS::EC2::SecurityGroup" and r.properties.get("GroupName") == "default")
        or (r.type == "AWS::EC2::RouteTable" and lid not in custom_tables)
    }
    assert len(retained) == 5 and len(custom_tables) == 1
    for lid, res in resources.items():
        assert res.deletion_policy == ("Retain" if lid in retained else "Delete"), lid
        assert res.update_replace_policy == "Delete", lid
    assert len(resources) == len(proof["resources"])


def test_demo_refuses_a_directory_that_is_not_empty(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    result = cli("demo", "--dir", str(target))
    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert (target / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in target.iterdir()) == ["mine.txt"]

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

    resources = load_template((out_dir / "workshop.yaml").read_text()).resources()
    kept = {"AWS::EC2::NetworkAcl", "AWS::EC2::SubnetNetworkAclAssociation"}  # the demo's patch step
    for res in resources.values():
        assert res.deletion_policy == ("Retain" if res.type in kept else "Delete"), res.logical_id
        assert res.update_replace_policy == "Delete", res.logical_id
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

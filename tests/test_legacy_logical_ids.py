"""Templates generated before mid-2025 use `<Type>00<id>00<5 random>` logical ids and `Metadata: TemplateId`.
Users still hold such files: generate, patch and import must work on them as on the current scheme."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3

from iacgen.core.template import load_template

REGION = "us-east-1"
LEGACY_ID = re.compile(r"^(?P<type>[A-Za-z0-9]+?)00(?P<id>[A-Za-z0-9]+)00[A-Za-z0-9]{5}$")


def _ec2_counts() -> dict[str, int]:
    ec2 = boto3.client("ec2", region_name=REGION)
    return {
        "vpcs": len(ec2.describe_vpcs()["Vpcs"]),
        "subnets": len(ec2.describe_subnets()["Subnets"]),
        "instances": sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"]),
        "groups": len(ec2.describe_security_groups()["SecurityGroups"]),
        "interfaces": len(ec2.describe_network_interfaces()["NetworkInterfaces"]),
    }


def test_legacy_scheme_is_generated_patched_and_imported_with_ids_unchanged(
    cli: Any, workshop: Any, local_settings: Any
) -> None:
    local_settings.configure(logical_id_scheme="legacy")
    assert cli("-q", "scan").exit_code == 0
    generated = cli("-o", "json", "generate", "ws", "--select", "tag:Name=workshop", "--related")
    assert generated.exit_code == 0, generated.stderr
    text = Path("ws.yaml").read_text()
    template = load_template(text)
    resources = template.resources()
    arn = generated.json()["template"]["template_id"]
    assert text.startswith(f'---\nMetadata:\n  TemplateId: "{arn}"\nResources:\n')
    for lid, resource in resources.items():
        match = LEGACY_ID.match(lid)
        assert match, lid
        assert match["type"] == resource.type.removeprefix("AWS::").replace("::", "")
    vpc_id = next(lid for lid, r in resources.items() if r.type == "AWS::EC2::VPC")
    assert LEGACY_ID.match(vpc_id)["id"] == workshop.vpc_id.replace("-", "")  # type: ignore[index]
    instance = next(r for r in resources.values() if r.type == "AWS::EC2::Instance")
    eni_ref = instance.properties["NetworkInterfaces"][0]["NetworkInterfaceId"]["Ref"]
    assert resources[eni_ref].type == "AWS::EC2::NetworkInterface"

    key_pair = next(lid for lid, r in resources.items() if r.type == "AWS::EC2::KeyPair")
    patched = cli("patch", "ws.yaml", "--deletion-policy", "Delete", "--resource", key_pair, "--in-place")
    assert patched.exit_code == 0, patched.stderr
    after = load_template(Path("ws.yaml").read_text()).resources()
    assert after[key_pair].deletion_policy == "Delete"
    assert {lid for lid, r in after.items() if r.deletion_policy == "Delete"} == {key_pair}

    before = _ec2_counts()
    imported = cli("-o", "json", "import", "--stack", "legacy", "--execute")
    assert imported.exit_code == 0, imported.stderr
    cfn = boto3.client("cloudformation", region_name=REGION)
    stack = cfn.describe_stack_resources(StackName="legacy")["StackResources"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in stack}
    assert set(physical) == set(resources)
    assert physical[vpc_id] == workshop.vpc_id
    assert physical[key_pair] == workshop.key_name
    assert physical[eni_ref] == workshop.network_interface_id
    assert _ec2_counts() == before

"""Two security groups whose rules name each other: the generated template has a circular dependency,
which CloudFormation refuses. The preflight says so before anything is created, with the literal id that
breaks it; written in, the import adopts both groups with their ids."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"


def _seed_pair() -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ids = {}
    for name in ("web", "db"):
        ids[name] = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        ec2.create_tags(Resources=[ids[name]], Tags=[{"Key": "tier", "Value": "pair"}])
    for name, other in (("web", "db"), ("db", "web")):
        ec2.authorize_security_group_ingress(
            GroupId=ids[name],
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                 "UserIdGroupPairs": [{"GroupId": ids[other]}]}
            ],
        )  # fmt: skip
    return ids


def test_a_circular_template_is_refused_before_any_change_set_and_the_literal_id_breaks_it(
    cli: Any, cloud: None, local_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    local_settings.configure(scan_seconds=0, template_seconds=0)
    ids = _seed_pair()
    assert cli("scan").exit_code == 0
    generated = cli("generate", "pair", "--select", "tag:tier=pair")
    assert generated.exit_code == 0, generated.stderr
    assert "pair.yaml: circular dependency between resources [" in " ".join(generated.stderr.split())
    template = Path("pair.yaml")
    before = template.read_bytes()
    lids = {
        e["ResourceIdentifier"]["Id"]: e["LogicalResourceId"]
        for e in json.loads(Path("pair.resources.json").read_text())
    }
    web, db = lids[ids["web"]], lids[ids["db"]]

    refused = cli("import", "--stack", "pair", "--dry-run")
    assert refused.exit_code == 2
    err = " ".join(refused.stderr.split())
    assert re.search(rf"circular dependency between resources \[({web}, {db}|{db}, {web})\]", err), err
    first, other = (web, db) if err.index(web) < err.index(db) else (db, web)
    literal = ids["web"] if other == web else ids["db"]
    assert f"in {first}, write {other}'s id {literal} instead of the reference to it" in err
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]] == []
    assert template.read_bytes() == before

    # the local cloud refuses it as the service does, whoever sends it
    with pytest.raises(cfn.exceptions.ClientError, match="Circular dependency between resources"):
        cfn.create_change_set(
            StackName="raw", ChangeSetName="raw", ChangeSetType="IMPORT", TemplateBody=before.decode(),
            ResourcesToImport=json.loads(Path("pair.resources.json").read_text()),
        )  # fmt: skip

    # the hint followed: the first group's rule names the other by its id
    text = before.decode()
    body_start = text.index(f"  {first}:\n")
    chunk = text[body_start:]
    fixed_chunk = re.sub(rf'!Ref "?{other}"?|Ref: "?{other}"?', f'"{literal}"', chunk, count=1)
    assert fixed_chunk != chunk, text
    template.write_text(text[:body_start] + fixed_chunk)
    adopted = cli("--output", "json", "import", "--stack", "pair", "--execute", "--no-verify")
    assert adopted.exit_code == 0, adopted.stderr
    owned = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName="pair")["StackResources"]
    }
    assert owned == {web: ids["web"], db: ids["db"]}

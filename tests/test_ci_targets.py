"""`iacgen ci` fanned out over the manifest's targets: the workshop seeded in the caller's us-east-1 and in a
member account's eu-west-1 (reached through OrganizationAccountAccessRole); one report with a section per
target and one verdict, each section planning that target's own resources, and nothing left behind in
either. A target whose role cannot be assumed is an error section while the other completes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

EAST, WEST = "us-east-1", "eu-west-1"
MANAGEMENT = "123456789012"

TEMPLATES = """\
templates:
  - name: workshop
    select: ["tag:Name=workshop"]
    related: true
    path: workshop.yaml
    policies:
      deletion: DELETE
      overrides:
        - {type: "AWS::EC2::KeyPair", deletion: Retain}
    stack: {name: workshop, mode: new}
"""


@pytest.fixture
def member(cloud: None) -> str:
    """A member account of a new organization (CreateAccount gives it OrganizationAccountAccessRole)."""
    org = boto3.client("organizations", region_name=EAST)
    org.create_organization(FeatureSet="ALL")
    return str(
        org.create_account(AccountName="prod", Email="prod@example.com")["CreateAccountStatus"]["AccountId"]
    )


def _seed_in(account: str, region: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    from iacgen.localcloud.scenarios import seed_workshop

    if account == MANAGEMENT:
        return seed_workshop(region=region)
    with monkeypatch.context() as m:
        m.setenv("MOTO_ACCOUNT_ID", account)  # moto: every request acts in this account
        return seed_workshop(region=region)


def _cfn(account: str, region: str) -> Any:
    if account == MANAGEMENT:
        return boto3.client("cloudformation", region_name=region)
    creds = boto3.client("sts", region_name=EAST).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="check"
    )["Credentials"]
    return boto3.client(
        "cloudformation",
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _clean(account: str, region: str) -> None:
    cfn = _cfn(account, region)
    assert cfn.list_generated_templates()["Summaries"] == []
    assert [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"] == []


def _manifest(targets: str) -> None:
    Path("iacgen.yaml").write_text(f"version: 1\ntargets:\n{targets}{TEMPLATES}")


def test_two_targets_one_report_a_section_each_and_nothing_left_behind(
    cli: Any, member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    home_world = _seed_in(MANAGEMENT, EAST, monkeypatch)
    member_world = _seed_in(member, WEST, monkeypatch)
    _manifest(
        f"  - {{name: home, region: {EAST}}}\n  - {{name: prod, account: '{member}', region: {WEST}}}\n"
    )
    result = cli("ci")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "iacgen ci: PASS (exit 0) over 2 targets" in result.stdout
    # one verdict line for the run and one per target, with that target's plan under it
    assert result.stdout.count("iacgen ci:") == 1
    assert f"target prod ({member}, {WEST}): PASS: 1 template(s)" in result.stdout
    # the targets' narration interleaves on stderr: every line says whose it is
    narration = [line.removeprefix("warning: ") for line in result.stderr.splitlines() if line.strip()]
    assert any(line.startswith("[prod] selected ") for line in narration), result.stderr
    assert any(line.startswith("[home] created change set ") for line in narration), result.stderr
    assert all(line.startswith(("[home] ", "[prod] ")) for line in narration), result.stderr
    assert "  workshop -> stack " in result.stdout
    data = json.loads(Path("iacgen-report/report.json").read_text())
    assert (data["verdict"], data["exit_code"], data["reasons"]) == ("pass", 0, [])
    sections = {t["name"]: t for t in data["targets"]}
    assert [(t["name"], t["account"], t["region"]) for t in data["targets"]] == [
        ("home", MANAGEMENT, EAST),
        ("prod", member, WEST),
    ]
    for name, world, other in (("home", home_world, member_world), ("prod", member_world, home_world)):
        section = sections[name]
        assert section["verdict"] == "pass" and section["error"] is None
        run = section["report"]
        assert run["region"] == section["region"]
        (template,) = run["templates"]
        ids = {r["logical_id"]: r["identifier"] for r in template["resources"]}
        assert ids["EC2VPC"] == {"VpcId": world.vpc_id} and world.vpc_id != other.vpc_id
        assert ids["EC2Instance"] == {"InstanceId": world.instance_id}
        assert template["change_set"]["status"] == "CREATE_COMPLETE"
        changes = template["change_set"]["changes"]
        assert [c["action"] for c in changes] == ["Import"] * len(template["resources"]) and changes
        assert all(c["removed"] for c in run["cleanup"]) and run["cleanup"]
        assert "cloudformation:ExecuteChangeSet" not in run["api_calls"]
        assert Path(section["report_dir"], "report.json").exists()
    md = Path("iacgen-report/report.md").read_text()
    assert md.startswith("## iacgen ci: ✅ PASS (exit 0) over 2 targets")
    assert f"### Target home ({MANAGEMENT}, {EAST})" in md and f"### Target prod ({member}, {WEST})" in md
    sarif = json.loads(Path("iacgen-report/report.sarif").read_text())
    assert [r["automationDetails"]["id"] for r in sarif["runs"]] == ["iacgen/home/", "iacgen/prod/"]
    assert all(log_run["results"] for log_run in sarif["runs"])  # the workshop's warnings, in each target
    for log_run, name in zip(sarif["runs"], ("home", "prod"), strict=True):
        assert all(r["message"]["text"].startswith(f"[{name}] ") for r in log_run["results"])
    _clean(MANAGEMENT, EAST)
    _clean(member, WEST)
    _clean(MANAGEMENT, WEST)  # nothing of one target's plan landed in the other's Region or account
    _clean(member, EAST)


def test_an_unreachable_target_is_an_error_section_and_the_other_completes(
    cli: Any, member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_in(MANAGEMENT, EAST, monkeypatch)
    _manifest(
        f"  - {{name: home, region: {EAST}}}\n  - {{name: ghost, account: '999999999999', region: {WEST}}}\n"
    )
    result = cli("ci", "--max-workers", "1")  # one at a time: the failing target does not stop the next
    assert result.exit_code == 3
    data = json.loads(Path("iacgen-report/report.json").read_text())
    sections = {t["name"]: t for t in data["targets"]}
    assert sections["home"]["verdict"] == "pass"
    assert sections["ghost"]["verdict"] == "error" and sections["ghost"]["report"] is None
    assert sections["ghost"]["report_dir"] is None  # nothing ran there
    assert "reports: iacgen-report/report.json, iacgen-report/report.md, iacgen-report/report.sarif" in (
        result.stdout
    )
    assert "AccessDenied" in sections["ghost"]["error"]
    assert f"target ghost (999999999999, {WEST}): ERROR: not run: " in result.stdout
    ghost = json.loads(Path("iacgen-report/report.sarif").read_text())["runs"][1]
    assert ghost["automationDetails"]["id"] == "iacgen/ghost/" and ghost["results"] == []
    assert ghost["invocations"][0]["executionSuccessful"] is False
    import jsonschema

    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(json.loads(Path("iacgen-report/report.sarif").read_text()), schema)
    assert data["verdict"] == "error" and any(r.startswith("ghost: ") for r in data["reasons"])
    _clean(MANAGEMENT, EAST)


def test_a_bad_target_is_a_manifest_error_before_any_call(cli: Any) -> None:
    _manifest("  - {account: '12345', region: us-east-1}\n")
    result = cli("ci")
    assert result.exit_code == 2
    assert "targets" in result.stderr and "Traceback" not in result.stderr
    workers = cli("ci", "--max-workers", "0")
    assert workers.exit_code == 2 and "--max-workers must be 1-64, got 0" in workers.stderr

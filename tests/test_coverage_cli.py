"""`iacgen coverage` on the seeded estate (an organization of four accounts in two Regions, one account whose
role cannot be assumed, prod's us-east-1 network imported into a stack): every count against what the
scenario created, the failing targets reported while the others complete, the exit codes, and the JSON,
Markdown and CSV outputs.

The estate is seeded once per module (in-process local cloud) and scanned once per target with plain boto3;
the tests read those scans (reused) unless they ask for new ones with --scan."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from iacgen.localcloud.estate import EstateWorld

EAST, WEST = "us-east-1", "eu-west-1"
GLOBAL = "AWS::IAM::Role"


@pytest.fixture(scope="module")
def estate() -> Iterator[tuple[EstateWorld, dict[tuple[str, str], str]]]:
    """The seeded estate and the scan id of every reachable target."""
    from moto import mock_aws

    from iacgen.localcloud import install, settings
    from iacgen.localcloud.estate import seed_estate

    install()
    previous = settings.configure(scan_seconds=0.0)
    try:
        with mock_aws():
            world = seed_estate()
            scan_ids: dict[tuple[str, str], str] = {}
            for account in world.accounts.values():
                session = _session(world, account)
                for region in world.regions:
                    cfn = session.client("cloudformation", region_name=region)
                    scan_ids[(account, region)] = cfn.start_resource_scan()["ResourceScanId"]
            yield world, scan_ids
    finally:
        settings.restore(previous)


def _session(world: EstateWorld, account: str) -> Any:
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    if account == world.management:
        return boto3.Session(**keys)
    sts = boto3.client("sts", region_name=EAST, **keys)
    arn = f"arn:aws:iam::{account}:role/{world.role_name}"
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="fixture")["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _both_regions() -> list[str]:
    return ["--region", EAST, "--region", WEST]


def _expected_account(world: EstateWorld, account: str) -> dict[str, tuple[int, int]]:
    """type -> (found, managed) for an account: regional types summed over the Regions, IAM roles once."""
    out: dict[str, tuple[int, int]] = {}
    for region in world.regions:
        managed = world.managed_counts(account, region)
        for type_name, found in world.found(account, region).items():
            if type_name == GLOBAL:
                out[type_name] = (found, 0)
                continue
            f, m = out.get(type_name, (0, 0))
            out[type_name] = (f + found, m + managed.get(type_name, 0))
    return out


def _figures(found: int, managed: int) -> dict[str, Any]:
    return {
        "found": found,
        "managed": managed,
        "unmanaged": found - managed,
        "share": round(managed / found, 4) if found else None,
    }


def test_every_count_matches_the_scenario_and_the_unassumable_account_is_reported(
    estate: Any, cli: Any
) -> None:
    world, scan_ids = estate
    result = cli("--output", "json", "coverage", "--organization", *_both_regions())
    assert result.exit_code == 3, result.stderr
    assert "1 of 7 targets have no counts" in result.stderr
    assert "--scan starts" not in result.stderr  # a role that cannot be assumed: a scan would not help
    data = result.json()
    assert data["caller_account"] == world.management
    assert data["complete"] is False and data["interrupted"] is False

    legacy = world.unreachable["legacy"]
    by_target = {(t["account"], t["region"]): t for t in data["targets"]}
    failed = by_target.pop((legacy, None))
    assert failed["status"] == "failed"
    assert failed["reason"] == "cannot assume OrganizationAccountAccessRole (AccessDenied)"
    assert "not authorized to perform: sts:AssumeRole" in failed["detail"] and failed["found"] == 0
    assert set(by_target) == {(a, r) for a in world.accounts.values() for r in world.regions}

    rows: dict[tuple[str, str], dict[str, tuple[int, int, int]]] = {}
    for row in data["rows"]:
        rows.setdefault((row["account"], row["region"]), {})[row["type"]] = (
            row["found"],
            row["managed"],
            row["unmanaged"],
        )
    for (account, region), target in by_target.items():
        assert target["status"] == "ok"
        assert target["scan_id"] == scan_ids[(account, region)] and target["scan_action"] == "reused"
        found, managed = world.found(account, region), world.managed_counts(account, region)
        expected = {t: (n, managed.get(t, 0), n - managed.get(t, 0)) for t, n in found.items()}
        assert rows.get((account, region), {}) == expected, (account, region)
        assert target["found"] == sum(found.values()) and target["managed"] == sum(managed.values())

    # the stack holds 4 resources of prod's us-east-1 and nothing anywhere else
    prod = world.accounts["prod"]
    managed_rows = {
        (r["account"], r["region"], r["type"]): r["managed"] for r in data["rows"] if r["managed"]
    }
    assert managed_rows == {
        (prod, EAST, "AWS::EC2::VPC"): 1,
        (prod, EAST, "AWS::EC2::Subnet"): 2,
        (prod, EAST, "AWS::EC2::SecurityGroup"): 1,
    }
    assert by_target[(world.management, WEST)]["found"] == 0

    totals = data["totals"]
    for account in world.accounts.values():
        per_type = _expected_account(world, account)
        found = sum(f for f, _ in per_type.values())
        managed = sum(m for _, m in per_type.values())
        assert totals["by_account"][account] == _figures(found, managed), account
    for region in world.regions:
        found = sum(sum(world.found(a, region).values()) for a in world.accounts.values())
        managed = sum(sum(world.managed_counts(a, region).values()) for a in world.accounts.values())
        assert totals["by_region"][region] == _figures(found, managed), region
    every = [_expected_account(world, a) for a in world.accounts.values()]
    overall_found = sum(f for per in every for f, _ in per.values())
    assert totals["overall"] == _figures(overall_found, 4)
    # IAM roles (global) once per account: prod and dev have two each, management none
    assert totals["by_type"][GLOBAL] == _figures(4, 0)
    assert totals["by_type"]["AWS::EC2::VPC"] == _figures(4, 1)


def test_named_accounts_all_answer_with_one_listing_pass_per_target(estate: Any, cli: Any) -> None:
    world, _ = estate
    accounts = [a for name, a in world.accounts.items() if name != "management"]
    args = [arg for a in accounts for arg in ("--account", a)]
    result = cli("--output", "json", "coverage", *args, *_both_regions(), "--max-workers", "3")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["complete"] is True
    assert {(t["account"], t["region"]) for t in data["targets"]} == {
        (a, r) for a in accounts for r in world.regions
    }
    calls = data["calls"]
    assert calls["sts:AssumeRole"] == 2  # once per account, not per Region
    assert calls["cloudformation:ListResourceScans"] == 4  # one page per target (FULL scans only)
    assert calls["cloudformation:ListResourceScanResources"] == 4  # each target's listing is one page
    assert "cloudformation:StartResourceScan" not in calls


def test_scan_starts_a_new_scan_in_each_target(estate: Any, cli: Any) -> None:
    world, scan_ids = estate
    dev = world.accounts["dev"]
    result = cli("--output", "json", "coverage", "--account", dev, "--region", WEST, "--scan")
    assert result.exit_code == 0, result.stderr
    [target] = result.json()["targets"]
    assert target["scan_action"] == "started"
    assert target["scan_id"] != scan_ids[(dev, WEST)]
    assert target["found"] == sum(world.found(dev, WEST).values())


def test_markdown_report_file_and_csv_on_stdout(estate: Any, cli: Any, tmp_path: Path) -> None:
    world, _ = estate
    prod = world.accounts["prod"]
    report = tmp_path / "coverage.md"
    result = cli(
        "coverage", "--account", prod, *_both_regions(), "--format", "markdown", "--out", str(report)
    )
    assert result.exit_code == 0, result.stderr
    assert "IaC coverage by target" in result.stdout  # the table still goes to stdout
    text = report.read_text()
    per_type = _expected_account(world, prod)
    found = sum(f for f, _ in per_type.values())
    assert text.startswith("# IaC coverage\n")
    assert f"| overall | {found} | 4 | {found - 4} | {100 * 4 / found:.1f}% |" in text
    assert f"| {prod} | {EAST} | AWS::EC2::Subnet | 2 | 2 | 0 | 100.0% |" in text
    assert f"| {prod} | {WEST} | AWS::DynamoDB::Table | 1 | 0 | 1 | 0.0% |" in text
    assert f"| {GLOBAL} | 2 | 0 | 2 | 0.0% |" in text  # by type: once for the account

    result = cli("coverage", "--account", prod, *_both_regions(), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and set(rows[0]) == {
        "account",
        "region",
        "status",
        "type",
        "found",
        "managed",
        "unmanaged",
        "share",
        "reason",
    }
    got = {(r["region"], r["type"]): (int(r["found"]), int(r["managed"])) for r in rows}
    for region in world.regions:
        managed = world.managed_counts(prod, region)
        for type_name, n in world.found(prod, region).items():
            assert got.pop((region, type_name)) == (n, managed.get(type_name, 0))
    assert got == {}


def test_a_disabled_region_and_a_target_without_a_scan_are_rows_with_reasons(estate: Any, cli: Any) -> None:
    world, _ = estate
    args = ["--region", EAST, "--region", "ap-east-1", "--region", "us-west-2"]
    result = cli("--output", "json", "coverage", *args)
    assert result.exit_code == 3
    assert "2 of 3 targets have no counts" in result.stderr
    targets = {t["region"]: t for t in result.json()["targets"]}
    assert targets[EAST]["status"] == "ok"
    assert targets[EAST]["found"] == sum(world.found(world.management, EAST).values())
    assert targets["ap-east-1"]["status"] == "failed"
    assert "enabled in this account" in targets["ap-east-1"]["reason"]
    assert targets["us-west-2"]["status"] == "no_scan"
    assert "--scan starts one" in targets["us-west-2"]["reason"]


def test_all_regions_covers_the_enabled_regions(estate: Any, cli: Any) -> None:
    world, _ = estate
    dev = world.accounts["dev"]
    result = cli("--output", "json", "coverage", "--account", dev, "--all-regions")
    assert result.exit_code == 3  # the Regions without a scan
    targets = {t["region"]: t for t in result.json()["targets"]}
    enabled = {r["RegionName"] for r in boto3.client("ec2", region_name=EAST).describe_regions()["Regions"]}
    assert set(targets) == enabled and "ap-east-1" not in targets
    assert {r for r, t in targets.items() if t["status"] == "ok"} == set(world.regions)
    assert {t["status"] for r, t in targets.items() if r not in world.regions} == {"no_scan"}


def test_fail_under(estate: Any, cli: Any) -> None:
    world, _ = estate
    prod = world.accounts["prod"]
    result = cli("coverage", "--account", prod, "--region", EAST, "--fail-under", "50")
    assert result.exit_code == 1
    assert "below 50%" in result.stderr
    result = cli("coverage", "--account", prod, "--region", EAST, "--fail-under", "20")
    assert result.exit_code == 0, result.stderr


def test_a_share_just_below_the_threshold_is_shown_below_it() -> None:
    from iacgen.cli.coverage import _percent

    assert _percent(100 * 4 / 14, 28.6) == "28.57"  # not "28.6% ... below 28.6%"
    assert _percent(10.0, 50) == "10.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", EAST, "--all-regions"], "--region and --all-regions exclude each other"),
        (["--account", "123", "--region", EAST], "account id '123' is not 12 digits"),
        (["--account", "123456789012", "--organization"], "--account and --organization exclude"),
        (["--max-workers", "0"], "--max-workers must be 1-64"),
        (["--region", "us-east-1", "--region", "mars"], "unknown AWS Region 'mars'"),
        (["--out", "x.md"], "--out needs --format"),
    ],
)
def test_bad_input_is_exit_2_before_any_call(cli: Any, args: list[str], message: str) -> None:
    result = cli("coverage", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not Path("x.md").exists()


def test_interrupt_keeps_what_was_gathered_and_stops_the_workers(estate: Any) -> None:
    from iacgen.core.coverage import CoverageRequest, TargetStatus, coverage
    from iacgen.core.session import Aws, AwsSettings

    world, _ = estate
    seen: list[Any] = []

    def interrupt_after_first(target: Any) -> None:
        seen.append(target)
        raise KeyboardInterrupt

    request = CoverageRequest(regions=tuple(world.regions), organization=True, max_workers=1)
    result = coverage(Aws(AwsSettings(region=EAST)), request, on_target=interrupt_after_first)
    assert result.interrupted and not result.complete
    assert len(seen) == 1 and seen[0] in result.targets
    others = [t for t in result.targets if t is not seen[0]]
    assert others and {t.status for t in others} == {TargetStatus.INTERRUPTED}
    for thread in threading.enumerate():
        if thread.name.startswith("iacgen-coverage"):
            thread.join(timeout=30)  # a safety net: the stop event ends them at their next call
            assert not thread.is_alive()

"""Manifest defects seen through the CLI: a bad value in iacgen.yaml is exit 2 with the file, line and key,
never an internal error, and nothing is created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MINIMAL = "version: 1\ntemplates:\n  - name: w\n    select: [type=AWS::EC2::VPC]\n"


def test_a_max_age_too_large_for_a_timedelta_is_exit_2_with_the_line(cli: Any) -> None:
    Path("iacgen.yaml").write_text("version: 1\nscan: {max_age: 100000000000d}\n" + MINIMAL[11:])
    result = cli("ci")
    assert result.exit_code == 2, result.stderr
    assert "iacgen.yaml:2: scan.max_age: expected a duration above 0 and at most 30d" in result.stderr
    assert "internal error" not in result.stderr and not Path("iacgen-report").exists()


def test_role_name_and_external_id_have_one_rule_for_coverage_and_the_manifest(cli: Any) -> None:
    for flag, value, says in (
        ("--role-name", "bad role", "role name 'bad role' is not valid: 1-64 letters"),
        ("--external-id", "", "external id '' is not valid: 2-1224 characters"),
    ):
        refused = cli("coverage", "--region", "us-east-1", flag, value)
        assert refused.exit_code == 2, refused.stderr
        assert says in refused.stderr and f"give {flag}" in refused.stderr
        key = flag.removeprefix("--").replace("-", "_")
        Path("iacgen.yaml").write_text(MINIMAL + f"targets: [{{region: us-east-1, {key}: '{value}'}}]\n")
        result = cli("ci")
        assert result.exit_code == 2, result.stderr
        assert f"iacgen.yaml:5: targets[0].{key}: {says}" in " ".join(result.stderr.split())


def test_a_bad_manifest_endpoint_names_the_file_line_and_key(cli: Any) -> None:
    Path("iacgen.yaml").write_text("version: 1\nendpoint: 'not a url'\n" + MINIMAL[11:])
    result = cli("ci")
    assert result.exit_code == 2, result.stderr
    assert "iacgen.yaml:2: endpoint: URL 'not a url' is not an http:// or https:// URL" in result.stderr
    assert "--endpoint-url" not in result.stderr


def test_generate_and_the_manifest_suggest_the_real_spelling_of_a_type(cli: Any, cloud: None) -> None:
    result = cli("generate", "x", "--select", "type=aws::ec2::vpc")
    assert result.exit_code == 2, result.stderr
    assert "write AWS::EC2::VPC" in result.stderr and "AWS::EC2::Vpc" not in result.stderr
    Path("iacgen.yaml").write_text(MINIMAL.replace("type=AWS::EC2::VPC", "type=aws::ec2::vpc"))
    result = cli("ci")
    assert result.exit_code == 2, result.stderr
    assert "templates[0].select[0]" in result.stderr and "write AWS::EC2::VPC" in result.stderr


def _policies(path: Path) -> set[tuple[str, str]]:
    from ruamel.yaml import YAML

    body = YAML(typ="safe", pure=True).load(path.read_text())
    return {
        (str(r.get("DeletionPolicy")), str(r.get("UpdateReplacePolicy"))) for r in body["Resources"].values()
    }


def test_init_writes_the_policies_generate_recorded_so_ci_generates_the_same_template(
    cli: Any, workshop: Any
) -> None:
    assert cli("-q", "scan").exit_code == 0
    made = cli(
        "-q",
        "generate",
        "vpcs",
        "--select",
        "type=AWS::EC2::VPC",
        "--deletion-policy",
        "DELETE",
        "--no-retain-vpc-defaults",
    )
    assert made.exit_code == 0, made.stderr
    assert _policies(Path("vpcs.yaml")) == {("Delete", "Retain")}
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    from iacgen.core.manifest import load_manifest

    (entry,) = load_manifest(Path("iacgen.yaml")).templates
    assert (entry.policies.deletion, entry.policies.update_replace) == ("DELETE", "RETAIN")
    assert (entry.policies.retain_vpc_defaults, entry.policies.allow_delete_policy) == (False, False)
    assert "drift and/or secrets" in Path("iacgen.yaml").read_text()
    planned = cli("ci")
    assert planned.exit_code == 0, planned.stderr
    assert _policies(Path("iacgen-report/templates/vpcs.yaml")) == _policies(Path("vpcs.yaml"))


def test_init_out_a_directory_says_it_is_one(cli: Any) -> None:
    Path("d").mkdir()
    result = cli("init", "--out", "d")
    assert result.exit_code == 2, result.stderr
    assert "d is a directory" in result.stderr and "already exists" not in result.stderr
    assert list(Path("d").iterdir()) == []

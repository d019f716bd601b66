"""cfn-lint as a library: findings typed by level, with the rule, the resource and the line."""

from __future__ import annotations

from typing import Any

from iacgen.core.lint import lint_template

BODY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  EC2VPC:
    Type: AWS::EC2::VPC
    DeletionPolicy: Retain
    Properties:
      CidrBlock: 10.0.0.0/16
      Bogus: 1
"""


def test_findings_carry_rule_level_resource_and_line() -> None:
    result = lint_template(BODY, "us-east-1")
    by_rule = {f.rule.id: f for f in result.findings}
    error = by_rule["E3002"]
    assert (error.level, error.logical_id, error.line, error.path) == (
        "error",
        "EC2VPC",
        8,
        "Resources.EC2VPC.Properties.Bogus",
    )
    assert "Bogus" in error.message
    assert error.rule.short and error.rule.url.startswith("https://")
    warning = by_rule["W3011"]  # DeletionPolicy without UpdateReplacePolicy
    assert (warning.level, warning.logical_id, warning.line) == ("warning", "EC2VPC", 3)
    assert result.errors == [error] and result.warnings == [warning]
    assert result.to_dict()["errors"] == 1 and result.version


def test_ignored_rules_are_left_out_and_a_clean_body_has_no_findings() -> None:
    assert [f.rule.id for f in lint_template(BODY, "us-east-1", ignore=("W3011",)).findings] == ["E3002"]
    clean = BODY.replace("      Bogus: 1\n", "").replace("    DeletionPolicy: Retain\n", "")
    assert lint_template(clean, "us-east-1").findings == []


def test_a_template_the_local_cloud_generated_lints_without_errors(aws: Any, workshop: Any) -> None:
    from iacgen.core.generation import generate
    from iacgen.core.scans import ensure_scan, list_resources

    scan = ensure_scan(aws)
    resources = list_resources(aws, scan.scan.scan_id)
    body = generate(aws, "ws", resources).body
    assert lint_template(body, "us-east-1").errors == []

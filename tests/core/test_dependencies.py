"""Cycles among a template's resources: CloudFormation refuses a template that has one."""

from __future__ import annotations

from typing import Any

from iacgen.core.dependencies import cycles


def _sg(*refs: str) -> dict[str, Any]:
    rules = [{"IpProtocol": "tcp", "SourceSecurityGroupId": {"Ref": r}} for r in refs]
    return {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": rules}}


def test_two_groups_naming_each_other_are_a_cycle_and_a_chain_is_not() -> None:
    section = {
        "Vpc": {"Type": "AWS::EC2::VPC"},
        "Web": _sg("Db"),
        "Db": _sg("Web"),
        "Lb": _sg("Web"),
        "Self": _sg("Self"),
    }
    assert cycles(section) == [["Web", "Db"], ["Self"]]
    assert cycles({"A": _sg(), "B": _sg("A"), "C": _sg("B")}) == []


def test_every_kind_of_reference_closes_a_cycle() -> None:
    section = {
        "A": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["B", "Arn"]}}},
        "B": {"Type": "T", "Properties": {"X": {"Fn::Sub": "arn:${C.Arn}"}}},
        "C": {"Type": "T", "DependsOn": ["A"]},
        "D": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": "E.Arn"}}},
        "E": {"Type": "T", "DependsOn": "D"},
    }
    assert cycles(section) == [["A", "B", "C"], ["D", "E"]]


def test_a_long_chain_does_not_reach_the_recursion_limit() -> None:
    n = 5000
    section = {f"R{i}": _sg(f"R{i + 1}") for i in range(n - 1)} | {f"R{n - 1}": _sg("R0")}
    (group,) = cycles(section)
    assert len(group) == n and group[0] == "R0"

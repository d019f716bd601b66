"""Suggested spellings of a type are real type names (cfn-lint's provider schemas), never a guess."""

from __future__ import annotations

import pytest

from iacgen.core.resource_types import known_types, real_spelling
from iacgen.core.validation import case_problem


@pytest.mark.parametrize(
    ("written", "real"),
    [
        ("aws::ec2::vpc", "AWS::EC2::VPC"),
        ("aws::ec2::vpcgatewayattachment", "AWS::EC2::VPCGatewayAttachment"),
        ("aws::s3::bucket", "AWS::S3::Bucket"),
        ("aws::ec2::*", "AWS::EC2::*"),
        ("aws::ec2::vpc*", "AWS::EC2::VPC*"),
        ("aws::elasticloadbalancingv2::loadbalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        ("aws::ec2::nosuchthing", None),
    ],
)
def test_a_type_in_another_case_is_spelt_as_a_known_type(written: str, real: str | None) -> None:
    assert real_spelling(written) == real
    if real is not None and not real.endswith("*"):
        assert real in known_types(every_region=True)


def test_the_hint_names_the_real_type_and_no_guess_when_none_is_known() -> None:
    problem = case_problem("aws::ec2::vpc")
    assert problem is not None and "write AWS::EC2::VPC" in problem[1] and "Vpc" not in problem[1]
    unknown = case_problem("aws::ec2::nosuchthing")
    assert unknown is not None and "Nosuchthing" not in unknown[1]

"""The write-only rules of iacgen.localcloud.warnings against real provider schemas (cfn-lint's copy), and the
state reset that comes with moto's."""

from __future__ import annotations

from typing import Any

import pytest

from iacgen.localcloud.warnings import analyse


def paths(type_name: str, properties: dict[str, Any]) -> dict[str, list[tuple[str, bool]]]:
    return {
        w["Type"]: [(p["PropertyPath"], p["Required"]) for p in w["Properties"]]
        for w in analyse(type_name, properties).warnings
    }


@pytest.mark.parametrize(
    "type_name",
    ["AWS::EC2::VPC", "AWS::EC2::KeyPair", "AWS::EC2::SecurityGroup", "AWS::IAM::Role", "AWS::EC2::Route"],
)
def test_types_without_warnings(type_name: str) -> None:
    # VPC: IPAM alternatives of CidrBlock (rule 4), absent VpcEncryptionControl (rule 2); KeyPair: KeyFormat
    # has a default (rule 3); SecurityGroup: SourceSecurityGroupName is an alternative of CidrIp (rule 4)
    props = {"SecurityGroupIngress": [{"IpProtocol": "tcp", "CidrIp": "0.0.0.0/0"}]}
    assert analyse(type_name, props).warnings == []


def test_nested_write_only_reported_only_when_the_parent_is_present() -> None:
    assert paths("AWS::EC2::VPC", {}) == {}
    present = paths("AWS::EC2::VPC", {"VpcEncryptionControl": {"Mode": "monitor"}})
    assert ("VpcEncryptionControl/InternetGatewayExclusion", False) in present["UNSUPPORTED_PROPERTIES"]
    assert not any(p.startswith("Ipv4") for p, _ in present["UNSUPPORTED_PROPERTIES"])


def test_subnet_ipam_alternatives_are_silent_but_lni_is_unsupported() -> None:
    assert paths("AWS::EC2::Subnet", {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}) == {
        "UNSUPPORTED_PROPERTIES": [("EnableLniAtDeviceIndex", False)]
    }


def test_instance_block_device_alternatives_are_silent() -> None:
    found = paths("AWS::EC2::Instance", {"BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {}}]})
    assert {p for p, _ in found["UNSUPPORTED_PROPERTIES"]} == {
        "AdditionalInfo",
        "Ipv6AddressCount",
        "Ipv6Addresses",
        "LicenseSpecifications",
        "PropagateTagsToVolumeOnCreation",
    }


def test_lambda_code_picks_the_first_exclusive_set() -> None:
    result = analyse("AWS::Lambda::Function", {"Role": "arn:aws:iam::123456789012:role/r"})
    found = {w["Type"]: [p["PropertyPath"] for p in w["Properties"]] for w in result.warnings}
    assert found["MUTUALLY_EXCLUSIVE_PROPERTIES"] == ["Code/S3Bucket", "Code/S3Key"]
    assert "Code/S3ObjectVersion" in found["UNSUPPORTED_PROPERTIES"]
    # the service names the write-only member, not its write-only parent, and lists UNSUPPORTED first
    assert found["UNSUPPORTED_PROPERTIES"][:2] == ["SnapStart/ApplyOn", "Code/S3ObjectVersion"]
    assert "SnapStart" not in found["UNSUPPORTED_PROPERTIES"]
    assert [w["Type"] for w in result.warnings] == ["UNSUPPORTED_PROPERTIES", "MUTUALLY_EXCLUSIVE_PROPERTIES"]
    assert not {"Code/ImageUri", "Code/ZipFile"} & set(found["UNSUPPORTED_PROPERTIES"])
    assert [(p.path, p.one_of) for p in result.parameters] == [("Code/S3Bucket", True), ("Code/S3Key", True)]
    note = "\nThis property can be replaced with other exclusive properties"
    assert all(p.description.endswith(note) for p in result.parameters)


def test_required_write_only_scalar_becomes_a_parameter_without_warning() -> None:
    result = analyse("AWS::CodeBuild::SourceCredential", {"AuthType": "PERSONAL_ACCESS_TOKEN"})
    assert [(p.path, p.one_of) for p in result.parameters] == [("Token", False)]
    assert paths("AWS::CodeBuild::SourceCredential", {}) == {"UNSUPPORTED_PROPERTIES": [("Username", False)]}


def test_generated_templates_are_wiped_with_moto_state(cloud: None) -> None:
    import boto3
    from moto.core.base_backend import BackendDict

    cf = boto3.client("cloudformation", region_name="us-east-1")
    cf.create_generated_template(GeneratedTemplateName="gone")
    assert len(cf.list_generated_templates()["Summaries"]) == 1
    BackendDict.reset()  # what mock_aws and the server's /moto-api/reset do
    assert cf.list_generated_templates()["Summaries"] == []

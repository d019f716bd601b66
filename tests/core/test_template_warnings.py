"""The warnings of a generated template: grouping by resource, advice per type, counts, the fail-on check."""

from __future__ import annotations

import pytest

from iacgen.core import template_warnings
from iacgen.core.errors import PolicyFailure, UsageError

DESCRIBE = {
    "Resources": [
        {
            "ResourceType": "AWS::EC2::Instance",
            "LogicalResourceId": "EC2Instance",
            "ResourceIdentifier": {"InstanceId": "i-1"},
            "ResourceStatus": "COMPLETE",
            "Warnings": [
                {
                    "Type": "UNSUPPORTED_PROPERTIES",
                    "Properties": [
                        {"PropertyPath": "AdditionalInfo", "Required": False, "Description": "d1"},
                        {"PropertyPath": "Ipv6Addresses", "Required": False, "Description": "d2"},
                    ],
                },
                {
                    "Type": "MUTUALLY_EXCLUSIVE_TYPES",
                    "Properties": [{"PropertyPath": "Body", "Required": True}],
                },
            ],
        },
        {
            "ResourceType": "AWS::EC2::VPC",
            "LogicalResourceId": "EC2VPC",
            "ResourceIdentifier": {"VpcId": "vpc-1"},
            "ResourceStatus": "COMPLETE",
            "Warnings": [],
        },
        {
            "ResourceType": "AWS::EC2::Subnet",
            "LogicalResourceId": "EC2Subnet",
            "ResourceIdentifier": {"SubnetId": "subnet-1"},
            "ResourceStatus": "FAILED",
            "ResourceStatusReason": "gone",
        },
    ]
}


def test_warnings_are_grouped_by_resource_with_advice() -> None:
    found = template_warnings.warnings_from_describe(DESCRIBE)
    assert [r.logical_id for r in found] == ["EC2Instance"]
    items = found[0].warnings
    assert [(w.type, w.property_path, w.required, w.fix) for w in items] == [
        ("UNSUPPORTED_PROPERTIES", "AdditionalInfo", False, "dropped"),
        ("UNSUPPORTED_PROPERTIES", "Ipv6Addresses", False, "dropped"),
        ("MUTUALLY_EXCLUSIVE_TYPES", "Body", True, "string"),
    ]
    assert "string" in items[2].advice


def test_every_warning_type_has_advice() -> None:
    for kind in template_warnings.WARNING_TYPES:
        fix, advice = template_warnings.advice_for(kind, False)
        assert fix != "other" and advice
    assert template_warnings.advice_for("MUTUALLY_EXCLUSIVE_PROPERTIES", True)[0] == "parameter"


def test_fail_on_parsing_and_check() -> None:
    assert template_warnings.parse_fail_on(["unsupported_properties, MUTUALLY_EXCLUSIVE_TYPES"]) == {
        "UNSUPPORTED_PROPERTIES",
        "MUTUALLY_EXCLUSIVE_TYPES",
    }
    with pytest.raises(UsageError, match="NOPE"):
        template_warnings.parse_fail_on(["UNSUPPORTED_PROPERTIES,NOPE"])
    found = template_warnings.warnings_from_describe(DESCRIBE)
    template_warnings.check_fail_on(found, {"EXCLUDED_RESOURCES"})
    with pytest.raises(PolicyFailure) as err:
        template_warnings.check_fail_on(found, {"MUTUALLY_EXCLUSIVE_TYPES", "UNSUPPORTED_PROPERTIES"})
    assert err.value.message == (
        "--fail-on: MUTUALLY_EXCLUSIVE_TYPES, UNSUPPORTED_PROPERTIES on 1 resource (3 properties): "
        "EC2Instance"
    )


def test_warning_counts_are_worded_once() -> None:
    counts = template_warnings.WarningCounts.of(template_warnings.warnings_from_describe(DESCRIBE))
    assert (counts.warnings, counts.properties, counts.resources) == (2, 3, 1)
    assert counts.by_type == {
        "UNSUPPORTED_PROPERTIES": {"resources": 1, "properties": 2},
        "MUTUALLY_EXCLUSIVE_TYPES": {"resources": 1, "properties": 1},
    }
    assert counts.sentence() == "2 warnings on 1 resource, naming 3 properties"
    assert template_warnings.WarningCounts.of([]).sentence() == "no warnings"

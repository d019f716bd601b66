"""Round-trip templates and policy patching: byte identity, minimal diffs, and every refusal."""

from __future__ import annotations

import difflib
import io
import itertools
import json
import re
from typing import Any

import pytest

from iacgen.core.errors import Option, UsageError
from iacgen.core.policies import SNAPSHOT_TYPES, normalize_policy
from iacgen.core.template import body_size, dump_template, load_template
from iacgen.core.template_edits import patch_policies, set_missing_deletion_policy, strip_outputs

# What the IaC generator returns (YAML): quoted scalars, long-form intrinsics, sequences not indented.
GENERATED_YAML = """---
Metadata:
  AWSToolsMetrics:
    IaC_Generator: "arn:aws:cloudformation:us-east-1:123456789012:generatedTemplate/6b1f3c9e-0d1a-4a8e"
Parameters:
  EC2InstanceUserData:
    NoEcho: "true"
    Type: "String"
    Description: "write-only property UserData"
Resources:
  EC2VPC00a1b2c3:
    UpdateReplacePolicy: "Retain"
    Type: "AWS::EC2::VPC"
    DeletionPolicy: "Retain"
    Properties:
      CidrBlock: "10.0.0.0/16"
      EnableDnsSupport: true
      InstanceTenancy: "default"
      Tags:
      - Value: "workshop-vpc"
        Key: "Name"
  EC2Subnet00d4e5f6:
    Type: "AWS::EC2::Subnet"
    Properties:
      VpcId:
        Ref: "EC2VPC00a1b2c3"
      MapPublicIpOnLaunch: false
      AvailabilityZone: "us-east-1a"
      CidrBlock: "10.0.1.0/24"
  EC2Instance0123456789:
    Type: "AWS::EC2::Instance"
    Properties:
      UserData:
        Ref: "EC2InstanceUserData"
      SubnetId:
        Ref: "EC2Subnet00d4e5f6"
      ImageId: "ami-0abcdef1234567890"
      InstanceType: "t3.micro"
      BlockDeviceMappings:
      - Ebs:
          VolumeSize: 8
          DeleteOnTermination: true
        DeviceName: "/dev/xvda"
  EC2Volume0aa:
    Type: "AWS::EC2::Volume"
    Properties:
      Size: 20
      AvailabilityZone: "us-east-1a"
"""

# Hand-written: comments everywhere, every short-form tag as scalar, sequence and mapping, anchors,
# odd quoting, block scalars, flow collections, 4-space indentation and indented sequences.
HAND_YAML = """# Hand-made web stack, adopted later.
AWSTemplateFormatVersion: "2010-09-09"   # quoted on purpose
Description: >-
    Web tier: a bucket, a role and a function,
    written by hand in 2021.
Transform: AWS::LanguageExtensions

Parameters:
    Env:
        Type: String
        AllowedValues: [dev, 'prod']   # flow sequence, mixed quoting
        Default: 'dev'

Mappings:
    RegionMap:
        us-east-1: {AMI: ami-0ff8a91507f77f867}

Conditions:
    IsProd: !Equals [!Ref Env, prod]
    NotProd: !Not
        - !Condition IsProd
    Both: !And [!Condition IsProd, !Or [!Equals ['a', 'a'], !Condition NotProd]]

Resources:
    # the bucket holds customer uploads
    Bucket:
        Type: AWS::S3::Bucket     # trailing comment
        DeletionPolicy: retain    # lowercase: wrong, and patch must fix it
        Properties:
            BucketName: !Sub '${AWS::StackName}-uploads-${Env}'
            Tags: &common_tags
                -   Key: team
                    Value: "web"
                -   Key: 'cost-center'
                    Value: !Select [0, !Split ['-', !Ref Env]]

    Role:
        Type: 'AWS::IAM::Role'
        Properties:
            AssumeRolePolicyDocument:
                Version: '2012-10-17'
                Statement:
                    -   Effect: Allow
                        Principal: {Service: lambda.amazonaws.com}
                        Action: sts:AssumeRole
            Tags: *common_tags

    Function:
        Properties:
            Role: !GetAtt Role.Arn
            Runtime: python3.12
            Handler: index.handler
            Code:
                ZipFile: |
                    import json
                    def handler(event, context):
                        return {"ok": True}
            Environment:
                Variables:
                    BUCKET: !Ref Bucket
                    AZ: !Select [0, !GetAZs '']
                    CIDRS: !Join [',', !Cidr ['10.0.0.0/16', 4, 8]]
                    DATA: !Base64 {'Fn::Sub': 'x-${Env}'}
                    AMI: !FindInMap [RegionMap, !Ref 'AWS::Region', AMI]
                    SHARED: !ImportValue shared-vpc-id
                    MODE: !If [IsProd, "prod", !Ref 'AWS::NoValue']
        Type: "AWS::Lambda::Function"
        UpdateReplacePolicy: 'Delete'

    Table:
        Type: AWS::DynamoDB::Table
        DeletionPolicy: !If [IsProd, Retain, Delete]
        Properties:
            BillingMode: PAY_PER_REQUEST
            KeySchema: [{AttributeName: pk, KeyType: HASH}]
            AttributeDefinitions:
                - {AttributeName: pk, AttributeType: S}
            Tags: !Transform {Name: AWS::Include, Parameters: {Location: s3://bucket/tags.yaml}}

Outputs:
    BucketName:
        Value: !Ref Bucket
        Export: {Name: !Sub '${AWS::StackName}-bucket'}
    RoleArn:
        Description: "the role's ARN"
        Value: !GetAtt [Role, Arn]
...
"""


def generated_json(indent: int | str | None) -> str:
    """The generated template as JSON, the way json.dumps (and the IaC generator) lays it out."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(GENERATED_YAML)
    text = json.dumps(data, indent=indent)
    return text + "\n" if indent is not None else text


JSON_4 = generated_json(4)
JSON_2 = generated_json(2)
JSON_TAB = generated_json("\t")
JSON_MINIFIED = generated_json(None)
CRLF_YAML = HAND_YAML.replace("\n", "\r\n")
NON_ASCII_YAML = (
    "\ufeffResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n"
    "      DisplayName: 'Café \u2013 \u201cquoted\u201d'  # ünïcode\n"
)

ALL_SAMPLES = {
    "generated-yaml": GENERATED_YAML,
    "hand-yaml": HAND_YAML,
    "crlf-yaml": CRLF_YAML,
    "bom-non-ascii-yaml": NON_ASCII_YAML,
    "json-4": JSON_4,
    "json-2": JSON_2,
    "json-tab": JSON_TAB,
    "json-minified": JSON_MINIFIED,
}


# A changed line of a patched template must be one of these.
POLICY_LINE = re.compile(
    r"""^\s*["']?(DeletionPolicy|UpdateReplacePolicy)["']?\s*:\s*"""
    r"""["']?(Delete|Retain|RetainExceptOnCreate|Snapshot)["']?\s*,?\s*(#.*)?$"""
)


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of a line diff, line endings kept out of the comparison."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


OLD_POLICY_LINE = re.compile(r"""^\s*["']?(DeletionPolicy|UpdateReplacePolicy)["']?\s*:.*$""")


def assert_only_policy_lines(before: str, after: str) -> None:
    """Every added line sets a policy to a valid value; every removed line held a policy."""
    removed, added = changed_lines(before, after)
    assert added, "nothing changed"
    for line in added:
        assert POLICY_LINE.match(line), f"non-policy line added: {line!r}"
    for line in removed:
        assert OLD_POLICY_LINE.match(line), f"non-policy line removed: {line!r}"


def policies(text: str) -> dict[str, tuple[Any, Any]]:
    return {
        lid: (r.deletion_policy, r.update_replace_policy)
        for lid, r in load_template(text).resources().items()
    }


# --- round trip


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_unchanged_template_dumps_byte_identical(name: str) -> None:
    text = ALL_SAMPLES[name]
    t = load_template(text, f"{name}.tpl")
    assert dump_template(t) == text
    assert t.format == ("json" if name.startswith("json") else "yaml")
    assert not t.modified


def test_reads_resources_parameters_outputs() -> None:
    t = load_template(HAND_YAML)
    resources = t.resources()
    assert {lid: r.type for lid, r in resources.items()} == {
        "Bucket": "AWS::S3::Bucket",
        "Role": "AWS::IAM::Role",
        "Function": "AWS::Lambda::Function",
        "Table": "AWS::DynamoDB::Table",
    }
    assert resources["Bucket"].deletion_policy == "retain"
    assert resources["Bucket"].line == 26
    assert resources["Function"].update_replace_policy == "Delete"
    assert resources["Function"].deletion_policy is None
    assert resources["Table"].deletion_policy == "!If"  # an expression is present, reported by name
    assert resources["Role"].properties["AssumeRolePolicyDocument"]["Version"] == "2012-10-17"
    assert resources["Table"].properties["BillingMode"] == "PAY_PER_REQUEST"
    assert list(t.parameters()) == ["Env"]
    assert list(t.outputs()) == ["BucketName", "RoleArn"]
    assert load_template(JSON_2).resources()["EC2VPC00a1b2c3"].deletion_policy == "Retain"


def test_short_form_tags_survive_a_modified_dump() -> None:
    t = load_template(HAND_YAML)
    t.data["Resources"]["Bucket"]["Properties"]["VersioningConfiguration"] = {"Status": "Enabled"}
    assert t.modified
    out = dump_template(t)
    for fragment in (
        "!Sub '${AWS::StackName}-uploads-${Env}'",
        "!GetAtt Role.Arn",
        "!If [IsProd, \"prod\", !Ref 'AWS::NoValue']",
        "!Select [0, !GetAZs '']",
        "!Transform {Name: AWS::Include, Parameters: {Location: s3://bucket/tags.yaml}}",
        "# the bucket holds customer uploads",
        "Type: AWS::S3::Bucket     # trailing comment",
        "&common_tags",
        "Tags: *common_tags",
    ):
        assert fragment in out
    again = load_template(out)
    assert again.data["Resources"]["Bucket"]["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert again.data["Resources"]["Function"]["Properties"]["Role"].tag.value == "!GetAtt"


@pytest.mark.parametrize("indent", [2, 4, "\t"])
def test_modified_json_stays_json_with_its_indentation(indent: int | str) -> None:
    text = generated_json(indent)
    t = load_template(text)
    t.data["Resources"]["EC2Volume0aa"]["Properties"]["Size"] = 30
    out = dump_template(t)
    assert json.loads(out)["Resources"]["EC2Volume0aa"]["Properties"]["Size"] == 30
    assert out == generated_json(indent).replace('"Size": 20', '"Size": 30')


def test_modified_crlf_yaml_keeps_crlf() -> None:
    t = load_template(CRLF_YAML)
    t.data["Description"] = "short"
    out = dump_template(t)
    assert out.count("\r\n") == out.count("\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources:\n  B:\n    Type: [unclosed\n", "<t>:4:1: not valid YAML"),
        ("Resources:\n  B:\n  Type: x\n   Properties: 1\n", "<t>:4:14: not valid YAML"),
        ('{\n  "Resources": {\n    "B": {"Type": "X",}\n  }\n}\n', "<t>:3:23: not valid JSON"),
        (
            "Resources:\n  B:\n    Type: A\n  B:\n    Type: C\n",
            "<t>:4:3: not valid YAML: found duplicate key",
        ),
        ("", "<t>: the template is empty"),
        ("- a\n- b\n", "the top level is a list, not a mapping"),
        ("just words\n", "the top level is a scalar"),
        ("AWSTemplateFormatVersion: '2010-09-09'\n", "no Resources section"),
        ("Resources:\n  - Type: x\n", "<t>:2:3: Resources must be a mapping"),
        ("Resources:\n  B:\n    Properties: {}\n", "<t>:2:3: resource B has no Type"),
        ("Resources:\n  B: 3\n", "<t>:2:6: resource B must be a mapping"),
    ],
)
def test_bad_templates_are_usage_errors_with_a_position(text: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        load_template(text, "<t>")
    assert message in info.value.message
    assert "\n" not in info.value.message
    assert info.value.hint


# --- patch: minimal diffs


@pytest.mark.parametrize("name", ["generated-yaml", "hand-yaml", "crlf-yaml", "json-4", "json-2", "json-tab"])
def test_patch_diff_is_only_policy_lines(name: str) -> None:
    before = ALL_SAMPLES[name]
    ids = [lid for lid in policies(before) if lid != "Table"]  # its DeletionPolicy is an expression
    result = patch_policies(before, deletion_policy="delete", update_replace_policy="RETAIN", logical_ids=ids)
    assert_only_policy_lines(before, result.text)
    after = policies(result.text)
    for lid, (deletion, replace) in after.items():
        if lid == "Table":
            assert (deletion, replace) == ("!If", None)
            continue
        assert (deletion, replace) == ("Delete", "Retain"), lid
    if "\r\n" in before:
        assert result.text.count("\r\n") == result.text.count("\n")
    if name.startswith("json"):
        json.loads(result.text)


def test_patch_generated_yaml_exact_text() -> None:
    result = patch_policies(GENERATED_YAML, deletion_policy="Delete")
    expected = (
        GENERATED_YAML.replace('    DeletionPolicy: "Retain"\n', '    DeletionPolicy: "Delete"\n')
        .replace(
            '    Type: "AWS::EC2::Subnet"\n', '    Type: "AWS::EC2::Subnet"\n    DeletionPolicy: "Delete"\n'
        )
        .replace(
            '    Type: "AWS::EC2::Instance"\n',
            '    Type: "AWS::EC2::Instance"\n    DeletionPolicy: "Delete"\n',
        )
        .replace(
            '    Type: "AWS::EC2::Volume"\n', '    Type: "AWS::EC2::Volume"\n    DeletionPolicy: "Delete"\n'
        )
    )
    assert result.text == expected
    assert [(c.logical_id, c.attribute, c.old, c.new) for c in result.changed] == [
        ("EC2VPC00a1b2c3", "DeletionPolicy", "Retain", "Delete"),
        ("EC2Subnet00d4e5f6", "DeletionPolicy", None, "Delete"),
        ("EC2Instance0123456789", "DeletionPolicy", None, "Delete"),
        ("EC2Volume0aa", "DeletionPolicy", None, "Delete"),
    ]
    assert result.resources_changed == 4


def test_patch_hand_yaml_keeps_comments_and_indentation() -> None:
    result = patch_policies(
        HAND_YAML,
        deletion_policy="RetainExceptOnCreate",
        update_replace_policy="retain",
        logical_ids=["Bucket", "Role", "Function"],
    )
    expected = (
        HAND_YAML.replace(
            "        Type: AWS::S3::Bucket     # trailing comment\n"
            "        DeletionPolicy: retain    # lowercase",
            "        Type: AWS::S3::Bucket     # trailing comment\n"
            "        UpdateReplacePolicy: Retain\n"
            "        DeletionPolicy: RetainExceptOnCreate    # lowercase",
        )
        .replace(  # the inserted value is quoted like the resource's Type
            "        Type: 'AWS::IAM::Role'\n",
            "        Type: 'AWS::IAM::Role'\n"
            "        DeletionPolicy: 'RetainExceptOnCreate'\n"
            "        UpdateReplacePolicy: 'Retain'\n",
        )
        .replace(
            "        Type: \"AWS::Lambda::Function\"\n        UpdateReplacePolicy: 'Delete'\n",
            '        Type: "AWS::Lambda::Function"\n'
            '        DeletionPolicy: "RetainExceptOnCreate"\n'
            "        UpdateReplacePolicy: 'Retain'\n",
        )
    )
    assert result.text == expected
    skipped = [(s.logical_id, s.attribute, s.reason) for s in result.skipped]
    assert skipped == [("Table", None, "not selected")]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (HAND_YAML, "!If [IsProd, Retain, Delete]"),
        ('{"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": {"Fn::If": []}}}}', "{"),
        ("Resources:\n  Table:\n    Type: X::Y::Z\n    DeletionPolicy: &d !Ref P\n", "!Ref P"),
    ],
)
def test_a_policy_expression_is_refused_never_skipped(text: str, shown: str) -> None:
    with pytest.raises(UsageError) as info:
        patch_policies(text, deletion_policy="Retain", source="t")
    assert info.value.message.startswith(f"t: Table's DeletionPolicy is an expression ({shown}")
    assert "--resource" in info.value.hint_in({o: "--" + o.value for o in Option})


def test_patch_json_inserts_after_type_or_before_a_last_type() -> None:
    text = (
        '{\n  "Resources": {\n'
        '    "A": {\n      "Type": "AWS::SNS::Topic",\n      "Properties": {}\n    },\n'
        '    "B": {\n      "Properties": {},\n      "Type": "AWS::SNS::Topic"\n    },\n'
        '    "C": {"Type": "AWS::SNS::Topic"}\n'
        "  }\n}\n"
    )
    result = patch_policies(text, deletion_policy="Retain")
    assert result.text == (
        '{\n  "Resources": {\n'
        '    "A": {\n      "Type": "AWS::SNS::Topic",\n      "DeletionPolicy": "Retain",\n'
        '      "Properties": {}\n    },\n'
        '    "B": {\n      "Properties": {},\n      "DeletionPolicy": "Retain",\n'
        '      "Type": "AWS::SNS::Topic"\n    },\n'
        '    "C": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain"}\n'
        "  }\n}\n"
    )
    assert load_template(result.text).format == "json"


def test_patch_minified_json_and_flow_yaml_stay_valid() -> None:
    result = patch_policies(JSON_MINIFIED, deletion_policy="Delete")
    data = json.loads(result.text)
    assert {r["DeletionPolicy"] for r in data["Resources"].values()} == {"Delete"}
    assert "\n" not in result.text
    flow = "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {}}  # flow\n"
    patched = patch_policies(flow, deletion_policy="Delete", update_replace_policy="Delete").text
    assert patched == (
        "Resources:\n  T: {Type: AWS::SNS::Topic, DeletionPolicy: Delete, UpdateReplacePolicy: Delete, "
        "Properties: {}}  # flow\n"
    )


def test_patch_last_line_without_newline_and_bom() -> None:
    text = "\ufeffResources:\n  Q:\n    Type: AWS::SQS::Queue"
    result = patch_policies(text, deletion_policy="retain")
    assert result.text == "\ufeffResources:\n  Q:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Retain"


LOOP = (
    "Transform: AWS::LanguageExtensions\n"
    "Resources:\n"
    "  Fn::ForEach::Topics:\n    - Name\n    - [a, b]\n    - Topic${Name}:\n        Type: AWS::SNS::Topic\n"
    "  Q:\n    Type: AWS::SQS::Queue\n"
)


def test_a_selection_that_takes_in_a_loop_is_refused_one_that_leaves_it_out_patches() -> None:
    for types in (None, ["AWS::S*"]):
        with pytest.raises(UsageError, match="Fn::ForEach::Topics is an Fn::ForEach loop: its resources"):
            patch_policies(LOOP, deletion_policy="Retain", types=types)
    for kwargs in ({"types": ["AWS::SQS::*"]}, {"logical_ids": ["Q"]}):
        result = patch_policies(LOOP, deletion_policy="Retain", **kwargs)  # type: ignore[arg-type]
        assert result.text == LOOP + "    DeletionPolicy: Retain\n"


def test_patch_is_idempotent() -> None:
    ids = ["Bucket", "Role", "Function"]
    first = patch_policies(
        HAND_YAML, deletion_policy="Retain", update_replace_policy="Retain", logical_ids=ids
    )
    second = patch_policies(
        first.text, deletion_policy="Retain", update_replace_policy="Retain", logical_ids=ids
    )
    assert second.text == first.text
    assert second.changed == []
    assert {(s.logical_id, s.reason) for s in second.skipped} >= {("Bucket", "already Retain")}


def test_aliased_resource_is_edited_once_for_both_ids() -> None:
    text = "Resources:\n  A: &q\n    Type: AWS::SQS::Queue\n  B: *q\n"
    result = patch_policies(text, deletion_policy="Delete")
    assert (
        result.text == "Resources:\n  A: &q\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Delete\n  B: *q\n"
    )
    assert [c.logical_id for c in result.changed] == ["A", "B"]


# --- patch: selection and values


def test_type_globs_select_resources() -> None:
    with pytest.raises(UsageError, match="not spelled as the service spells types"):  # case-sensitive
        patch_policies(GENERATED_YAML, deletion_policy="Delete", types=["aws::ec2::subnet"])
    result = patch_policies(GENERATED_YAML, deletion_policy="Delete", types=["AWS::EC2::Subnet", "*::Volume"])
    assert [c.logical_id for c in result.changed] == ["EC2Subnet00d4e5f6", "EC2Volume0aa"]
    assert policies(result.text)["EC2VPC00a1b2c3"] == ("Retain", "Retain")
    assert policies(result.text)["EC2Instance0123456789"] == (None, None)
    not_selected = {s.logical_id for s in result.skipped if s.reason == "not selected"}
    assert not_selected == {"EC2VPC00a1b2c3", "EC2Instance0123456789"}


def test_glob_matching_nothing_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as info:
        patch_policies(
            GENERATED_YAML, deletion_policy="Delete", types=["AWS::EC2::*", "AWS::RDS::*"], source="g"
        )
    assert info.value.message == "g: type glob 'AWS::RDS::*' matches no resource"
    assert "AWS::EC2::Instance" in (info.value.hint or "")


def test_logical_ids_select_exactly_those_resources_and_only_their_policy_lines() -> None:
    ids = ["EC2Volume0aa", "EC2Subnet00d4e5f6"]
    result = patch_policies(GENERATED_YAML, deletion_policy="Retain", logical_ids=ids)
    assert sorted(c.logical_id for c in result.changed) == sorted(ids)
    assert_only_policy_lines(GENERATED_YAML, result.text)
    after = policies(result.text)
    assert after["EC2Subnet00d4e5f6"][0] == "Retain" and after["EC2Volume0aa"][0] == "Retain"
    assert after["EC2Instance0123456789"] == (None, None)
    before = policies(GENERATED_YAML)
    assert {k: v for k, v in after.items() if k not in ids} == {
        k: v for k, v in before.items() if k not in ids
    }


def test_logical_ids_and_types_are_an_and() -> None:
    result = patch_policies(
        GENERATED_YAML,
        deletion_policy="Delete",
        types=["AWS::EC2::*"],
        logical_ids=["EC2Instance0123456789", "EC2Subnet00d4e5f6"],
    )
    assert [c.logical_id for c in result.changed] == ["EC2Subnet00d4e5f6", "EC2Instance0123456789"]
    with pytest.raises(UsageError) as info:
        patch_policies(
            GENERATED_YAML, deletion_policy="Delete", types=["AWS::EC2::Subnet"], logical_ids=["EC2Volume0aa"]
        )
    assert (
        info.value.message
        == "<template>: EC2Volume0aa is of type AWS::EC2::Volume, which no type glob matches"
    )


def test_unknown_logical_id_is_a_usage_error_naming_it() -> None:
    with pytest.raises(UsageError) as info:
        patch_policies(
            GENERATED_YAML,
            deletion_policy="Retain",
            logical_ids=["EC2Volume0aa", "ec2vpc00a1b2c3"],
            source="g",
        )
    assert info.value.message == "g: no resource with logical id 'ec2vpc00a1b2c3'"
    assert "case-sensitive" in (info.value.hint or "") and "EC2VPC00a1b2c3" in (info.value.hint or "")
    with pytest.raises(UsageError) as info:
        patch_policies(GENERATED_YAML, deletion_policy="Retain", logical_ids=["A", "B"], source="g")
    assert info.value.message == "g: no resource with logical id 'A' (and 1 more: B)"


def test_logical_ids_in_json_keep_the_diff_to_policy_lines() -> None:
    result = patch_policies(JSON_4, deletion_policy="Delete", logical_ids=["EC2Volume0aa"])
    assert [(c.logical_id, c.new) for c in result.changed] == [("EC2Volume0aa", "Delete")]
    assert_only_policy_lines(JSON_4, result.text)


def test_snapshot_only_on_supporting_types() -> None:
    with pytest.raises(UsageError) as info:
        patch_policies(GENERATED_YAML, deletion_policy="snapshot", source="g.yaml")
    assert (
        info.value.message
        == "g.yaml:11: Snapshot is not supported by EC2VPC00a1b2c3 (AWS::EC2::VPC) and 2 more"
    )
    result = patch_policies(GENERATED_YAML, update_replace_policy="SNAPSHOT", types=["AWS::EC2::Volume"])
    assert [(c.logical_id, c.attribute, c.new) for c in result.changed] == [
        ("EC2Volume0aa", "UpdateReplacePolicy", "Snapshot")
    ]
    with pytest.raises(UsageError, match="Snapshot is not supported by EC2Instance0123456789"):
        patch_policies(GENERATED_YAML, deletion_policy="Snapshot", types=["AWS::EC2::Volume", "*Instance"])
    assert "AWS::RDS::DBInstance" in SNAPSHOT_TYPES and "AWS::S3::Bucket" not in SNAPSHOT_TYPES


@pytest.mark.parametrize(
    ("attribute", "given", "spelled"),
    [
        ("DeletionPolicy", "DELETE", "Delete"),
        ("DeletionPolicy", "retain", "Retain"),
        ("DeletionPolicy", "retain_except_on_create", "RetainExceptOnCreate"),
        ("UpdateReplacePolicy", "snapshot", "Snapshot"),
    ],
)
def test_policy_values_are_accepted_in_any_case(attribute: str, given: str, spelled: str) -> None:
    assert normalize_policy(given, attribute) == spelled


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deletion_policy": "keep"}, "'keep' is not a valid DeletionPolicy"),
        ({"update_replace_policy": "RetainExceptOnCreate"}, "is not a valid UpdateReplacePolicy"),
        ({}, "no policy to set"),
    ],
)
def test_bad_policy_requests(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        patch_policies(GENERATED_YAML, **kwargs)


# --- helpers for the import step


def test_strip_outputs_yaml_removes_only_the_section() -> None:
    t = load_template(HAND_YAML)
    assert strip_outputs(t) == ["BucketName", "RoleArn"]
    assert "Outputs" not in t.data and t.outputs() == {}
    removed, added = changed_lines(HAND_YAML, t.text)
    assert added == []
    assert removed == [
        "Outputs:",
        "    BucketName:",
        "        Value: !Ref Bucket",
        "        Export: {Name: !Sub '${AWS::StackName}-bucket'}",
        "    RoleArn:",
        '        Description: "the role\'s ARN"',
        "        Value: !GetAtt [Role, Arn]",
    ]
    assert t.text.endswith(
        "Tags: !Transform {Name: AWS::Include, Parameters: {Location: s3://bucket/tags.yaml}}\n\n...\n"
    )
    assert dump_template(t) == t.text
    assert strip_outputs(t) == []


@pytest.mark.parametrize("where", ["last", "middle"])
def test_strip_outputs_json(where: str) -> None:
    data = json.loads(JSON_2)
    data["Outputs"] = {"VpcId": {"Value": {"Ref": "EC2VPC00a1b2c3"}}}
    if where == "middle":
        data = {"Outputs": data.pop("Outputs"), **data}
    text = json.dumps(data, indent=2) + "\n"
    t = load_template(text)
    assert strip_outputs(t) == ["VpcId"]
    assert t.text == JSON_2  # the lines of Outputs and one comma gone, nothing else


def test_set_missing_deletion_policy_touches_only_resources_without_one() -> None:
    t = load_template(HAND_YAML)
    assert set_missing_deletion_policy(t, "retain") == ["Role", "Function"]
    assert_only_policy_lines(HAND_YAML, t.text)
    assert policies(t.text)["Bucket"][0] == "retain"
    assert policies(t.text)["Table"][0] == "!If"
    assert t.resources()["Role"].deletion_policy == "Retain"
    assert dump_template(t) == t.text
    assert set_missing_deletion_policy(t, "Retain") == []


def test_body_size_counts_utf8_bytes() -> None:
    assert body_size("abc") == 3
    assert body_size(NON_ASCII_YAML) == len(NON_ASCII_YAML.encode("utf-8")) > len(NON_ASCII_YAML)


def test_import_helpers_on_a_template_the_caller_changed_keep_the_change() -> None:
    t = load_template(HAND_YAML)
    t.data["Resources"]["Role"]["Properties"]["Path"] = "/adopted/"
    assert set_missing_deletion_policy(t, "Retain") == ["Role", "Function"]
    assert strip_outputs(t) == ["BucketName", "RoleArn"]
    again = load_template(dump_template(t))
    assert again.data["Resources"]["Role"]["Properties"]["Path"] == "/adopted/"
    assert list(again.data["Resources"]["Role"])[:2] == ["Type", "DeletionPolicy"]
    assert policies(again.text)["Function"] == ("Retain", "Delete")
    assert again.outputs() == {}


def test_modified_yaml_dump_keeps_the_files_layout() -> None:
    t = load_template(GENERATED_YAML)
    t.data["Resources"]["EC2Volume0aa"]["Properties"]["Size"] = 30
    assert dump_template(t) == GENERATED_YAML.replace("      Size: 20\n", "      Size: 30\n")
    hand = load_template(HAND_YAML)
    hand.data["Parameters"]["Env"]["Default"] = "prod"
    removed, added = changed_lines(HAND_YAML, dump_template(hand))
    assert removed == ["        Default: 'dev'", "                - {AttributeName: pk, AttributeType: S}"]
    assert added == ["        Default: 'prod'", "                -   {AttributeName: pk, AttributeType: S}"]


def test_cfn_lint_accepts_patched_templates() -> None:
    """An independent reader: cfn-lint's E3035 knows the valid policies and the types that take Snapshot."""
    from cfnlint.api import ManualArgs, lint

    config = ManualArgs(regions=["us-east-1"])
    for text in (GENERATED_YAML, JSON_2):
        patched = patch_policies(text, deletion_policy="Snapshot", types=["AWS::EC2::Volume"]).text
        patched = patch_policies(
            patched, deletion_policy="retainexceptoncreate", types=["*VPC", "*Subnet"]
        ).text
        patched = patch_policies(patched, update_replace_policy="delete").text
        errors = [m for m in lint(patched, config=config) if m.rule.id.startswith("E")]
        assert errors == []
    wrong = GENERATED_YAML.replace('DeletionPolicy: "Retain"', 'DeletionPolicy: "Snapshot"')  # what we refuse
    assert [m.rule.id for m in lint(wrong, config=config) if m.rule.id.startswith("E")] == ["E3035"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Resources:\n  A:\n    Type: X::Y::Z\n    DeletionPolicy:   # none yet\n    Properties: {}\n",
            "Resources:\n  A:\n    Type: X::Y::Z\n    DeletionPolicy: Retain   # none yet\n"
            "    Properties: {}\n",
        ),
        ("Resources:\n  A:\n    Type: X::Y::Z\n    DeletionPolicy: ~\n", None),
        ("Resources:\n  A:\n    Type: X::Y::Z\n    DeletionPolicy:", None),
        ('{"Resources": {"A": {"Type": "X", "DeletionPolicy": null}}}', None),
    ],
)
def test_empty_policy_values_are_filled(text: str, expected: str | None) -> None:
    result = patch_policies(text, deletion_policy="retain")
    if expected is not None:
        assert result.text == expected
    assert policies(result.text)["A"][0] == "Retain"
    assert [(c.old, c.new) for c in result.changed] == [(None, "Retain")]
    t = load_template(text)
    assert set_missing_deletion_policy(t, "Delete") == ["A"]  # an empty policy counts as missing
    assert t.resources()["A"].deletion_policy == "Delete"


def _layouts() -> list[tuple[str, str]]:
    """Resources in every arrangement of Type position, existing policies and quoting, in each format."""
    cases = []
    existing_options: list[dict[str, str]] = [
        {},
        {"DeletionPolicy": "Retain"},
        {"UpdateReplacePolicy": "Delete"},
    ]
    for position, existing, quoted in itertools.product(
        ("first", "middle", "last"), existing_options, (0, 1)
    ):
        body: dict[str, Any] = {"Properties": {"Name": "x", "Tags": [{"Key": "a", "Value": "b"}]}}
        body.update(existing)
        items = list(body.items())
        index = {"first": 0, "middle": 1, "last": len(items)}[position]
        items.insert(index, ("Type", "AWS::SQS::Queue"))
        resource = dict(items)
        data = {
            "Resources": {"Q": resource, "T": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"O": {"Value": 1}},
        }
        for indent in (2, 4) if not quoted else ():
            cases.append((f"json{indent}-{position}-{len(existing)}", json.dumps(data, indent=indent) + "\n"))
        from ruamel.yaml import YAML

        y = YAML()
        y.default_flow_style = False
        if quoted:
            y.default_style = '"'
        stream = io.StringIO()
        y.dump(data, stream)
        cases.append((f"yaml-{position}-{len(existing)}-{quoted}", stream.getvalue()))
        cases.append((f"crlf-{position}-{len(existing)}-{quoted}", stream.getvalue().replace("\n", "\r\n")))
    return cases


@pytest.mark.parametrize(("name", "text"), _layouts(), ids=[n for n, _ in _layouts()])
def test_every_layout_patches_to_policy_lines_only(name: str, text: str) -> None:
    result = patch_policies(text, deletion_policy="Delete", update_replace_policy="Retain")
    assert_only_policy_lines(text, result.text)
    assert policies(result.text) == {"Q": ("Delete", "Retain"), "T": ("Delete", "Retain")}
    t = load_template(result.text)
    assert strip_outputs(t) == ["O"]
    assert load_template(t.text).format == ("json" if name.startswith("json") else "yaml")

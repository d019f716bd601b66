"""Drift between a generated template and the committed one: matched by identifier, logical id or an
identical body; policies and Metadata ignored; references renamed across logical-id schemes."""

from __future__ import annotations

from iacgen.core.drift import DriftKind, compare
from iacgen.core.template import load_template

COMMITTED = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  EC2VPC:
    Type: AWS::EC2::VPC
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Metadata: {Owner: platform}
    Properties:
      CidrBlock: 10.0.0.0/16
      EnableDnsSupport: true
      Tags:
        - Key: Name
          Value: workshop
        - Key: team
          Value: web
  EC2Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref EC2VPC
      CidrBlock: 10.0.1.0/24
  S3BucketLogs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: logs-bucket
  EC2KeyPair:
    Type: AWS::EC2::KeyPair
    Properties:
      KeyName: old-key
"""

# The same account, generated again: the older logical-id scheme, JSON, other quoting, policies Delete, the
# tags in another order with one value changed, the bucket renamed in the template, the key pair gone and an
# instance new.
GENERATED = """\
{
  "Resources": {
    "EC2VPC00vpc0abc00Xy1z2": {
      "Type": "AWS::EC2::VPC",
      "DeletionPolicy": "Delete",
      "Properties": {
        "CidrBlock": "10.0.0.0/16",
        "EnableDnsSupport": "true",
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "Name", "Value": "workshop"}]
      }
    },
    "EC2Subnet00subnet0def00Ab3c4": {
      "Type": "AWS::EC2::Subnet",
      "Properties": {"VpcId": {"Ref": "EC2VPC00vpc0abc00Xy1z2"}, "CidrBlock": "10.0.1.0/24"}
    },
    "S3Bucket": {
      "Type": "AWS::S3::Bucket",
      "Properties": {"BucketName": "logs-bucket", "VersioningConfiguration": {"Status": "Enabled"}}
    },
    "EC2Instance": {
      "Type": "AWS::EC2::Instance",
      "Properties": {"SubnetId": {"Ref": "EC2Subnet00subnet0def00Ab3c4"}}
    }
  }
}
"""

GENERATED_IDS = {
    "EC2VPC00vpc0abc00Xy1z2": {"VpcId": "vpc-0abc"},
    "EC2Subnet00subnet0def00Ab3c4": {"SubnetId": "subnet-0def"},
    "S3Bucket": {"BucketName": "logs-bucket"},
    "EC2Instance": {"InstanceId": "i-0123"},
}
COMMITTED_IDS = {"EC2VPC": {"VpcId": "vpc-0abc"}}  # a partial resources file: the rest must be inferred


def test_drift_per_resource_with_property_paths() -> None:
    drift = compare(
        load_template(GENERATED, "generated"),
        load_template(COMMITTED, "infra/workshop.yaml"),
        generated_ids=GENERATED_IDS,
        committed_ids=COMMITTED_IDS,
    )
    by_id = {i.logical_id: i for i in drift.items}
    assert drift.committed == "infra/workshop.yaml"
    assert drift.drifted
    assert sorted((i.kind.value, i.logical_id) for i in drift.items) == [
        ("added", "EC2Instance"),
        ("changed", "EC2VPC"),
        ("changed", "S3BucketLogs"),
        ("removed", "EC2KeyPair"),
    ]
    # The VPC: matched through the resources file's identifier; only the changed tag differs (order, quoting,
    # policies and Metadata do not count).
    vpc = by_id["EC2VPC"]
    assert (vpc.matched_by, vpc.generated_logical_id, vpc.identifier) == (
        "identifier",
        "EC2VPC00vpc0abc00Xy1z2",
        {"VpcId": "vpc-0abc"},
    )
    assert [(d.path, d.committed, d.generated) for d in vpc.diffs] == [
        ("Properties.Tags[1].Value", "web", "platform")
    ]
    assert vpc.line == 3
    # The bucket: matched by its BucketName stated in the committed template, under another logical id.
    bucket = by_id["S3BucketLogs"]
    assert (bucket.matched_by, bucket.generated_logical_id) == ("identifier", "S3Bucket")
    assert [(d.path, d.committed, d.generated) for d in bucket.diffs] == [
        ("Properties.VersioningConfiguration", None, {"Status": "Enabled"})
    ]
    assert bucket.line == 21
    # The subnet has another logical id and no identifier on the committed side, but its body is the same
    # once the generated Ref is renamed to the committed VPC: no drift.
    assert "EC2Subnet" not in by_id
    assert drift.unchanged == 1
    assert by_id["EC2KeyPair"].line == 25
    assert by_id["EC2Instance"].line == 2  # an added resource points at the committed file's Resources:
    assert by_id["EC2Instance"].identifier == {"InstanceId": "i-0123"}
    assert drift.to_dict()["added"] == 1 and drift.to_dict()["changed"] == 2


def test_no_drift_when_only_policies_and_metadata_differ() -> None:
    committed = load_template(COMMITTED)
    regenerated = COMMITTED.replace("DeletionPolicy: Retain", "DeletionPolicy: Delete").replace(
        "Metadata: {Owner: platform}", "Metadata: {}"
    )
    drift = compare(load_template(regenerated), committed)
    assert not drift.drifted
    assert drift.unchanged == 4


def test_same_logical_id_with_different_identifiers_is_a_replacement_not_a_change() -> None:
    committed = load_template(COMMITTED)
    drift = compare(
        load_template(COMMITTED.replace("old-key", "new-key")),
        committed,
        generated_ids={"EC2KeyPair": {"KeyName": "new-key"}},
    )
    kinds = sorted((i.kind, i.logical_id) for i in drift.items)
    assert kinds == [(DriftKind.ADDED, "EC2KeyPair"), (DriftKind.REMOVED, "EC2KeyPair")]


def test_a_changed_reference_is_drift() -> None:
    committed = load_template(COMMITTED)
    generated = COMMITTED.replace("VpcId: !Ref EC2VPC", "VpcId: vpc-0other")
    (item,) = compare(load_template(generated), committed).items
    assert (item.kind, item.logical_id, item.matched_by) == (DriftKind.CHANGED, "EC2Subnet", "logical id")
    assert [(d.path, d.committed, d.generated) for d in item.diffs] == [
        ("Properties.VpcId", {"Ref": "EC2VPC"}, "vpc-0other")
    ]

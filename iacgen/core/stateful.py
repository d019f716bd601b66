"""Resource types that hold data a deletion destroys, and what would be lost: the one list iacgen consults
before it lets `DeletionPolicy: Delete` onto such a resource (generate --deletion-policy DELETE, patch
--deletion-policy Delete need --allow-delete-policy).

Source: cfn-lint's list of stateful resource types (cfnlint/data/AdditionalSpecs/StatefulResources.json,
used by its rule I3011 "stateful resources should set DeletionPolicy/UpdateReplacePolicy"), cfn-lint 1.58; a
test checks this list still covers cfn-lint's. The "what could be lost" wording is ours, from each service's
documentation of what deleting the resource removes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

STATEFUL_TYPES: dict[str, str] = {
    "AWS::Backup::BackupVault": "the recovery points in the vault",
    "AWS::CloudFormation::Stack": "every resource of the nested stack",
    "AWS::Cognito::UserPool": "the user pool's users and their credentials",
    "AWS::DocDB::DBCluster": "the cluster's databases (unless a final snapshot is taken)",
    "AWS::DocDB::DBInstance": "the instance's data",
    "AWS::DynamoDB::GlobalTable": "every item in every replica",
    "AWS::DynamoDB::Table": "every item in the table",
    "AWS::EC2::Volume": "the volume's data",
    "AWS::EFS::FileSystem": "every file in the file system",
    "AWS::EMR::Cluster": "data on the cluster's HDFS",
    "AWS::ElastiCache::CacheCluster": "the cached data",
    "AWS::ElastiCache::ReplicationGroup": "the cached data",
    "AWS::Elasticsearch::Domain": "the domain's indices",
    "AWS::FSx::FileSystem": "every file in the file system",
    "AWS::KMS::Key": "everything encrypted under the key (deletion is scheduled, then final)",
    "AWS::Kinesis::Stream": "the records in the stream",
    "AWS::Logs::LogGroup": "the log events",
    "AWS::Neptune::DBCluster": "the graph data",
    "AWS::Neptune::DBInstance": "the instance's data",
    "AWS::OpenSearchService::Domain": "the domain's indices",
    "AWS::Organizations::Account": "the member account and what it holds",
    "AWS::QLDB::Ledger": "the ledger's journal",
    "AWS::RDS::DBCluster": "the cluster's databases and automated backups",
    "AWS::RDS::DBInstance": "the database and its automated backups",
    "AWS::Redshift::Cluster": "the warehouse's data",
    "AWS::S3::Bucket": "every object in the bucket (the bucket must be emptied first)",
    "AWS::SDB::Domain": "the domain's items",
    "AWS::SQS::Queue": "the messages in the queue",
    "AWS::SecretsManager::Secret": "the secret's value (after its recovery window)",
}


@dataclass(frozen=True)
class AtRisk:
    """A resource that a Delete policy would destroy with its data."""

    logical_id: str
    type: str
    identifier: str | None
    could_lose: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        what = f"{self.logical_id} ({self.type}" + (f" {self.identifier}" if self.identifier else "") + ")"
        return f"{what}: {self.could_lose}"


def at_risk(resources: Iterable[tuple[str, str, str | None]]) -> list[AtRisk]:
    """The stateful ones among (logical id, type, identifier) triples."""
    return [
        AtRisk(lid, type_name, identifier, STATEFUL_TYPES[type_name])
        for lid, type_name, identifier in resources
        if type_name in STATEFUL_TYPES
    ]


def summary(risks: list[AtRisk], limit: int = 5) -> str:
    shown = "; ".join(r.describe() for r in risks[:limit])
    return shown + (f"; and {len(risks) - limit} more" if len(risks) > limit else "")

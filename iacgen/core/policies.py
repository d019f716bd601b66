"""The one vocabulary for policies, and the rules that go with them.

Two spellings of the same idea meet in iacgen: the IaC generator's TemplateConfiguration takes DELETE or
RETAIN (GeneratorPolicy) and writes them on every resource as the DeletionPolicy / UpdateReplacePolicy
attributes Delete or Retain (Policy), which also take RetainExceptOnCreate (DeletionPolicy only) and Snapshot
(some types only). GeneratorPolicy.attribute relates the two."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from iacgen.core.errors import UsageError

DELETION_POLICY = "DeletionPolicy"
UPDATE_REPLACE_POLICY = "UpdateReplacePolicy"
POLICY_ATTRIBUTES = (DELETION_POLICY, UPDATE_REPLACE_POLICY)

# Types whose DeletionPolicy/UpdateReplacePolicy may be Snapshot: the DeletionPolicy attribute page of the
# CloudFormation User Guide, and cfn-lint's `valid_snapshot_types` (rule E3035), which adds DocDB and Neptune.
SNAPSHOT_TYPES = frozenset(
    {
        "AWS::DocDB::DBCluster",
        "AWS::EC2::Volume",
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::Neptune::DBCluster",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::Redshift::Cluster",
    }
)


class Policy(StrEnum):
    """A resource's DeletionPolicy / UpdateReplacePolicy attribute, as CloudFormation spells it."""

    DELETE = "Delete"
    RETAIN = "Retain"
    RETAIN_EXCEPT_ON_CREATE = "RetainExceptOnCreate"  # DeletionPolicy only
    SNAPSHOT = "Snapshot"  # SNAPSHOT_TYPES only


class GeneratorPolicy(StrEnum):
    """The IaC generator's TemplateConfiguration DeletionPolicy / UpdateReplacePolicy."""

    DELETE = "DELETE"
    RETAIN = "RETAIN"

    @property
    def attribute(self) -> Policy:
        """The attribute value the generator writes on each resource for this setting."""
        return Policy.DELETE if self is GeneratorPolicy.DELETE else Policy.RETAIN

    @classmethod
    def parse(cls, value: str, label: str = "policy") -> GeneratorPolicy:
        """DELETE or RETAIN in any case; anything else is a UsageError."""
        try:
            return cls(value.strip().upper())
        except ValueError:
            raise UsageError(
                f"{label} {value!r} is not one of {', '.join(p.value for p in cls)}", None
            ) from None


# The attribute values each policy attribute accepts.
POLICY_VALUES: dict[str, tuple[Policy, ...]] = {
    DELETION_POLICY: (Policy.DELETE, Policy.RETAIN, Policy.RETAIN_EXCEPT_ON_CREATE, Policy.SNAPSHOT),
    UPDATE_REPLACE_POLICY: (Policy.DELETE, Policy.RETAIN, Policy.SNAPSHOT),
}


def normalize_policy(value: str, attribute: str = DELETION_POLICY) -> Policy:
    """The CloudFormation spelling of a policy in any case: 'delete', 'RETAIN', 'retain_except_on_create'."""
    allowed = POLICY_VALUES[attribute]
    key = re.sub(r"[\s_-]", "", value).lower()
    for spelling in allowed:
        if spelling.lower() == key:
            return spelling
    raise UsageError(f"{value!r} is not a valid {attribute}", f"use one of: {', '.join(allowed)}")


class _Typed(Protocol):
    logical_id: str
    type: str
    line: int | None


def check_snapshot(
    resources: Mapping[str, _Typed],
    selected: list[str],
    source: str,
    narrow: str = "limit it with {opt:type}",
) -> None:
    """Snapshot is valid only on SNAPSHOT_TYPES: a UsageError naming the first resource that is not one."""
    unsupported = [resources[lid] for lid in selected if resources[lid].type not in SNAPSHOT_TYPES]
    if not unsupported:
        return
    first = unsupported[0]
    more = f" and {len(unsupported) - 1} more" if len(unsupported) > 1 else ""
    where = f"{source}:{first.line}" if first.line else source
    raise UsageError(
        f"{where}: Snapshot is not supported by {first.logical_id} ({first.type}){more}",
        "Snapshot works only for " + ", ".join(sorted(SNAPSHOT_TYPES)) + f"; {narrow}, or use Retain",
    )

"""The CloudFormation resource type names, read offline from cfn-lint's bundled provider schemas, so a hint
that suggests a spelling suggests a real one (AWS::EC2::VPC, not AWS::EC2::Vpc). Shared by the checks of
types given on the command line and in iacgen.yaml."""

from __future__ import annotations

from functools import lru_cache

SCHEMA_REGION = "us-east-1"  # the Region whose schemas cfn-lint bundles in full


@lru_cache(maxsize=1)
def known_types() -> frozenset[str]:
    """Every type cfn-lint has a provider schema for (about 1,900; read once, about a second)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return frozenset(PROVIDER_SCHEMA_MANAGER.get_resource_types(SCHEMA_REGION))


@lru_cache(maxsize=1)
def _segments() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each leading run of a known type's segments, upper-cased, to its real spelling."""
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    for name in known_types():
        parts = tuple(name.split("::"))
        for end in range(1, len(parts) + 1):
            out.setdefault(tuple(p.upper() for p in parts[:end]), parts[:end])
    return out


def real_spelling(pattern: str) -> str | None:
    """The known spelling of a type or type glob written in another case ('aws::ec2::vpc' -> AWS::EC2::VPC,
    'aws::ec2::*' -> AWS::EC2::*, 'aws::ec2::vpc*' -> AWS::EC2::VPC*); None when no known type fits."""
    stem = pattern.removesuffix("*")
    parts = stem.split("::")
    partial = parts.pop() if pattern.endswith("*") else ""  # AWS::EC2::Vpc*: a segment's start
    if pattern.endswith("*") and not partial and parts and not parts[-1]:
        parts.pop()  # AWS::EC2::* splits as [..., 'EC2', '']
    found = _segments().get(tuple(p.upper() for p in parts)) if parts else ()
    if found is None:
        return None
    if partial:
        starts = sorted(
            spelt[-1]
            for key, spelt in _segments().items()
            if len(key) == len(parts) + 1 and spelt[:-1] == found and key[-1].startswith(partial.upper())
        )
        if not starts:
            return None
        found = (*found, starts[0][: len(partial)])
    return "::".join(found) + ("::*" if pattern.endswith("::*") else "*" if pattern.endswith("*") else "")

"""Provider schemas (cfn-lint's bundled copy) as the local cloud's source of truth for identifiers, write-only
properties and property descriptions, so nothing about a resource type is typed in by hand."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

SCHEMA_REGION = "us-east-1"


class UnknownResourceType(KeyError):
    pass


@lru_cache(maxsize=512)
def provider_schema(type_name: str) -> dict[str, Any]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        schema: dict[str, Any] = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, type_name).schema
    except Exception as exc:  # cfn-lint raises its own ResourceNotFoundError
        raise UnknownResourceType(type_name) from exc
    return schema


def _prop_name(pointer: str) -> str:
    return pointer.removeprefix("/properties/")


def primary_identifier(type_name: str) -> list[str]:
    """Property names of the primary identifier, in schema order (e.g. ['RouteTableId', 'CidrBlock'])."""
    return [_prop_name(p) for p in provider_schema(type_name)["primaryIdentifier"]]


def write_only_paths(type_name: str) -> list[str]:
    """Write-only properties as '/'-separated paths ('Code/S3Bucket', 'BlockDeviceMappings/*/NoDevice')."""
    return [_prop_name(p) for p in provider_schema(type_name).get("writeOnlyProperties", [])]

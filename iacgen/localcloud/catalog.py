"""The resource types added beside the original 16: each type's scan enumerator, template renderer and stack
deleter in one place, registered into inventory, properties and deletion when the local cloud is installed.

A type is one `TypeSupport`: what a scan lists (primary identifier from the provider schema, tags, the
resources it points at for the relation graph), what a generated template writes, and what deleting a stack
that imported it with DeletionPolicy Delete does in moto's backends. The modules holding them are grouped by
service family (network_types: EC2 networking; service_types: logs, queues, topics, keys, databases, load
balancers, secrets, IAM, bucket policies).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iacgen.localcloud.importing import AdoptedResource
    from iacgen.localcloud.inventory import ScannedResource, _World


@dataclass(frozen=True)
class TypeSupport:
    type: str
    enumerate: Callable[[_World], Iterator[ScannedResource]]
    render: Callable[[Any, ScannedResource], dict[str, Any]]  # (properties._Ctx, resource) -> properties
    delete: Callable[[str, str, AdoptedResource], None]
    delete_rank: int = 3  # lower goes first among resources no one else refers to (deletion._DELETE_RANK)


_registered = False


def register() -> None:
    """Add every type of the family modules to the scan, the templates and stack deletion (idempotent)."""
    global _registered
    if _registered:
        return
    from iacgen.localcloud import deletion, inventory, network_types, properties, service_types

    supports: Iterable[TypeSupport] = (*network_types.TYPES, *service_types.TYPES)
    for support in supports:
        inventory.ENUMERATORS[support.type] = support.enumerate
        properties.RENDERERS[support.type] = support.render
        deletion.DELETERS[support.type] = support.delete
        deletion._DELETE_RANK[support.type] = support.delete_rank
    inventory.SUPPORTED_TYPES = tuple(inventory.ENUMERATORS)
    _registered = True

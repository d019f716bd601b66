"""What a scan finds: one enumerator per resource type over moto's backends, and the relation graph.

Contract used by the other local-cloud modules (generated templates render ScannedResource.obj; the import
override uses find() and owned_keys()). Implementation: see the functions below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacgen.localcloud.schemas import primary_identifier


@dataclass(frozen=True)
class ScannedResource:
    type: str
    identifier: dict[str, str]  # primary-identifier property -> value, as the service returns it
    tags: dict[str, str] = field(default_factory=dict, compare=False)
    obj: Any = field(default=None, compare=False, repr=False)  # the moto model object behind it

    @property
    def key(self) -> str:
        """The physical id CloudFormation shows for it: identifier values in schema order, '|'-joined."""
        return "|".join(self.identifier[name] for name in primary_identifier(self.type))


def scan(account_id: str, region: str) -> list[ScannedResource]:
    """Every supported resource in the account and Region, as the IaC generator's scan would list it."""
    raise NotImplementedError


def find(account_id: str, region: str, type_name: str, identifier: dict[str, str]) -> ScannedResource | None:
    """The live resource with this type and identifier, or None."""
    raise NotImplementedError


def related(account_id: str, region: str, resource: ScannedResource) -> list[ScannedResource]:
    """Direct neighbours of one resource in the relation graph (both directions)."""
    raise NotImplementedError


def owned_keys(account_id: str, region: str) -> dict[tuple[str, str], str]:
    """(type, key) -> stack id for every resource a live stack owns (ManagedByStack, import ownership)."""
    raise NotImplementedError

"""moto's EC2 put right where deleting a default VPC relies on it (estates often delete them).

EC2 deletes a VPC's default network ACL together with the VPC; moto keeps it, orphaned, with associations to
subnets that no longer exist, and refuses to delete it (DependencyViolation), so every later scan would list
it. DeleteVpc here removes the VPC's network ACLs after moto's own deletion succeeded (moto already refuses a
VPC that still has subnets, and removes the main route table and the default security group).
"""

from __future__ import annotations

from typing import Any

_originals: dict[str, Any] = {}


def _delete_vpc(self: Any, vpc_id: str) -> Any:
    vpc = _originals["delete_vpc"](self, vpc_id)
    for acl_id in [a.id for a in list(self.network_acls.values()) if a.vpc_id == vpc_id]:
        self.network_acls.pop(acl_id, None)
    return vpc


def install() -> None:
    from moto.ec2.models import EC2Backend

    if "delete_vpc" not in _originals:
        _originals["delete_vpc"] = EC2Backend.delete_vpc
        EC2Backend.delete_vpc = _delete_vpc

"""Find the VPC defaults among a template's resources: the ones EC2 deletes only together with their VPC,
and the default VPC itself.

`generate --related` reaches a VPC's main route table, default security group and default network ACL (and a
subnet's association with that ACL) and its route tables' local routes (the service scans and writes those:
`GatewayId: "local"`) through the VPC. EC2 refuses to delete them on their own, so a stack
that owns them with DeletionPolicy Delete fails to delete (DELETE_FAILED). The default VPC is kept too: it
holds a default subnet per Availability Zone and an internet gateway that a stack rarely owns, so deleting
it fails (DependencyViolation), and where it succeeds it takes the account's default VPC, which launches
without a subnet rely on. Which resources are defaults is not in the template: it takes one EC2 Describe per
type, filtered by the template's ids. The answer is checked on the response fields too (Main, GroupName,
IsDefault), so an emulator that ignores a filter cannot make a custom resource look like a default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from iacgen.core.errors import error_code

if TYPE_CHECKING:
    from iacgen.core.session import Aws
    from iacgen.core.template import Template

ROUTE_TABLE = "AWS::EC2::RouteTable"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
NETWORK_ACL = "AWS::EC2::NetworkAcl"
ACL_ASSOCIATION = "AWS::EC2::SubnetNetworkAclAssociation"
ROUTE = "AWS::EC2::Route"
VPC = "AWS::EC2::VPC"
TYPES = frozenset({ROUTE_TABLE, SECURITY_GROUP, NETWORK_ACL, ACL_ASSOCIATION, ROUTE, VPC})

# The primary identifier of each type (its provider schema), as the IaC generator reports it.
_ID_KEYS = {
    ROUTE_TABLE: "RouteTableId",
    SECURITY_GROUP: "Id",
    NETWORK_ACL: "Id",
    ACL_ASSOCIATION: "AssociationId",
    VPC: "VpcId",
}
_WHY = {
    ROUTE_TABLE: "the VPC's main route table",
    SECURITY_GROUP: "the VPC's default security group",
    NETWORK_ACL: "the VPC's default network ACL",
    ACL_ASSOCIATION: "a subnet's association with the default network ACL",
    ROUTE: "a route table's local route",
    VPC: "the account's default VPC",
}
# EC2 documents at most 200 values per filter.
FILTER_VALUES = 200
_DENIED = ("UnauthorizedOperation", "AccessDenied")  # error_code() drops an "Exception" suffix
PERMISSIONS = (
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeVpcs",
)


@dataclass(frozen=True)
class TemplateEntry:
    """One resource of a generated template, as DescribeGeneratedTemplate lists it."""

    logical_id: str
    type: str
    identifier: dict[str, str]

    @property
    def id(self) -> str:
        if self.type == ROUTE and {"RouteTableId", "CidrBlock"} <= set(self.identifier):
            return f"{self.identifier['RouteTableId']}|{self.identifier['CidrBlock']}"
        key = _ID_KEYS.get(self.type)
        if key and key in self.identifier:
            return str(self.identifier[key])
        return "|".join(str(v) for v in self.identifier.values())


@dataclass
class VpcDefault:
    logical_id: str
    type: str
    id: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VpcDefaults:
    """The defaults found, in template order; `note` says why the answer may be incomplete (EC2 denied)."""

    found: list[VpcDefault] = field(default_factory=list)
    note: str | None = None
    checked: bool = False  # False when the template holds none of the types (no EC2 call was made)

    @property
    def logical_ids(self) -> list[str]:
        return [d.logical_id for d in self.found]

    @property
    def has_default_vpc(self) -> bool:
        return any(d.type == VPC for d in self.found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "found": [d.to_dict() for d in self.found],
            "note": self.note,
        }


def entries_of(resources: Iterable[dict[str, Any]]) -> list[TemplateEntry]:
    """TemplateEntry values from GeneratedTemplate.resources-shaped dicts (logical_id, type, identifier)."""
    return [
        TemplateEntry(str(r["logical_id"]), str(r["type"]), {k: str(v) for k, v in r["identifier"].items()})
        for r in resources
        if r.get("logical_id")
    ]


def find_vpc_defaults(aws: Aws, entries: Iterable[TemplateEntry]) -> VpcDefaults:
    """The VPC defaults among `entries`, by asking EC2. No call at all when no entry has a candidate type;
    when EC2 denies the calls, nothing is found and `note` says so (the caller carries on)."""
    candidates = [e for e in entries if e.type in TYPES]
    result = VpcDefaults()
    if not candidates:
        return result
    result.checked = True
    by_type: dict[str, list[TemplateEntry]] = {}
    for e in candidates:
        by_type.setdefault(e.type, []).append(e)
    from botocore.exceptions import BotoCoreError, ClientError

    ec2 = aws.client("ec2")
    try:
        defaults: set[tuple[str, str]] = set()
        if ROUTE_TABLE in by_type or ROUTE in by_type:
            defaults |= _route_table_defaults(ec2, _ids(by_type.get(ROUTE_TABLE, [])), by_type.get(ROUTE, []))
        if SECURITY_GROUP in by_type:
            defaults |= {(SECURITY_GROUP, i) for i in _default_groups(ec2, _ids(by_type[SECURITY_GROUP]))}
        if NETWORK_ACL in by_type or ACL_ASSOCIATION in by_type:
            defaults |= _default_acls_and_associations(
                ec2, _ids(by_type.get(NETWORK_ACL, [])), _ids(by_type.get(ACL_ASSOCIATION, []))
            )
        if VPC in by_type:
            defaults |= {(VPC, i) for i in _default_vpcs(ec2, _ids(by_type[VPC]))}
    except (ClientError, BotoCoreError) as exc:
        code = error_code(exc)
        if code in _DENIED:
            result.note = (
                f"could not check for VPC defaults: EC2 denied the call ({code}); every resource keeps the "
                f"DeletionPolicy asked for (grant {', '.join(PERMISSIONS)} to have the defaults kept)"
            )
        else:
            result.note = (
                f"could not check for VPC defaults: EC2 failed ({code or type(exc).__name__}); "
                "every resource keeps the DeletionPolicy asked for"
            )
        return result
    result.found = [
        VpcDefault(e.logical_id, e.type, e.id, _WHY[e.type]) for e in candidates if (e.type, e.id) in defaults
    ]
    return result


def _ids(entries: list[TemplateEntry]) -> list[str]:
    return list(dict.fromkeys(e.id for e in entries))


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), FILTER_VALUES):
        yield ids[start : start + FILTER_VALUES]


def _pages(ec2: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in ec2.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key) or []


def _route_table_defaults(
    ec2: Any, table_ids: list[str], routes: list[TemplateEntry]
) -> set[tuple[str, str]]:
    """One DescribeRouteTables for both types: the main route tables among `table_ids`, and the `routes`
    that are their table's local route (GatewayId "local")."""
    found: set[tuple[str, str]] = set()
    wanted_routes = {e.id for e in routes}
    route_tables = [e.identifier.get("RouteTableId", "") for e in routes]
    ids = list(dict.fromkeys([*table_ids, *[t for t in route_tables if t]]))
    for chunk in _chunks(ids):
        filters = [{"Name": "route-table-id", "Values": chunk}]
        for table in _pages(ec2, "describe_route_tables", "RouteTables", Filters=filters):
            table_id = str(table.get("RouteTableId"))
            if table_id in table_ids and any(a.get("Main") for a in table.get("Associations") or []):
                found.add((ROUTE_TABLE, table_id))
            for route in table.get("Routes") or []:
                key = f"{table_id}|{route.get('DestinationCidrBlock')}"
                if route.get("GatewayId") == "local" and key in wanted_routes:
                    found.add((ROUTE, key))
    return found


def _default_groups(ec2: Any, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        filters = [{"Name": "group-id", "Values": chunk}, {"Name": "group-name", "Values": ["default"]}]
        for group in _pages(ec2, "describe_security_groups", "SecurityGroups", Filters=filters):
            if group.get("GroupName") == "default" and group.get("VpcId"):
                found.add(str(group["GroupId"]))
    return found & set(ids)


def _default_vpcs(ec2: Any, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        filters = [{"Name": "vpc-id", "Values": chunk}, {"Name": "is-default", "Values": ["true"]}]
        for vpc in _pages(ec2, "describe_vpcs", "Vpcs", Filters=filters):
            if vpc.get("IsDefault") is True:
                found.add(str(vpc["VpcId"]))
    return found & set(ids)


def _default_acls_and_associations(
    ec2: Any, acl_ids: list[str], association_ids: list[str]
) -> set[tuple[str, str]]:
    """One DescribeNetworkAcls for both types: the default ACLs among `acl_ids`, and those of
    `association_ids` that belong to a default ACL (the ACL itself need not be in the template)."""
    found: set[tuple[str, str]] = set()
    wanted_acls, wanted_assocs = set(acl_ids), set(association_ids)
    default = {"Name": "default", "Values": ["true"]}
    # ACLs by NetworkAclIds: the documented network-acl-id filter is one moto lacks.
    queries = [{"NetworkAclIds": chunk, "Filters": [default]} for chunk in _chunks(acl_ids)]
    queries += [
        {"Filters": [{"Name": "association.association-id", "Values": chunk}, default]}
        for chunk in _chunks(association_ids)
    ]
    for query in queries:
        for acl in _pages(ec2, "describe_network_acls", "NetworkAcls", **query):
            if not acl.get("IsDefault"):
                continue
            if acl.get("NetworkAclId") in wanted_acls:
                found.add((NETWORK_ACL, str(acl["NetworkAclId"])))
            for assoc in acl.get("Associations") or []:
                if assoc.get("NetworkAclAssociationId") in wanted_assocs:
                    found.add((ACL_ASSOCIATION, str(assoc["NetworkAclAssociationId"])))
    return found


DEFAULT_VPC_CIDR = "172.31.0.0/16"  # every default VPC's IPv4 block (Amazon VPC User Guide, "Default VPCs")


def template_vpc_defaults(template: Template) -> list[tuple[str, str]]:
    """(logical id, what it is) for the VPC defaults a template itself shows, without asking EC2: a security
    group named "default" (how the generator writes a VPC's default group), a route table's local route
    (`GatewayId: local`) and a VPC with the default VPC's 172.31.0.0/16 block. Main route tables and default
    network ACLs carry no marker in a template; generate finds those through EC2 (find_vpc_defaults)."""
    found: list[tuple[str, str]] = []
    for lid, resource in template.resources().items():
        props = resource.properties
        if resource.type == "AWS::EC2::SecurityGroup" and props.get("GroupName") == "default":
            found.append((lid, "a VPC's default security group (GroupName: default)"))
        elif resource.type == ROUTE and props.get("GatewayId") == "local":
            found.append((lid, "a route table's local route (GatewayId: local)"))
        elif resource.type == "AWS::EC2::VPC" and props.get("CidrBlock") == DEFAULT_VPC_CIDR:
            found.append((lid, f"probably the default VPC (CidrBlock {DEFAULT_VPC_CIDR})"))
    return found

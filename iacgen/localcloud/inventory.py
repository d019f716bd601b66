"""What a scan finds: one enumerator per resource type over moto's backends, and the relation graph.

Contract used by the other local-cloud modules (generated templates render ScannedResource.obj; the import
override uses find() and owned_keys()).

Types and what `obj` holds:

    AWS::EC2::VPC / Subnet / InternetGateway / RouteTable / SecurityGroup / NetworkAcl / Instance / KeyPair /
    NetworkInterface
        the moto object (ec2 backend), identifier from the provider schema's primary identifier
    AWS::EC2::VPCGatewayAttachment      GatewayAttachment(gateway, vpc)   {"AttachmentType": "IGW", "VpcId"}
    AWS::EC2::Route                     the moto Route (local routes included, as the service scans them)
    AWS::EC2::SubnetRouteTableAssociation   RouteTableAssociation(association_id, route_table, subnet)
                                        (main associations skipped)
    AWS::EC2::SubnetNetworkAclAssociation   AclAssociation(association_id, network_acl, subnet)
    AWS::S3::Bucket                     moto FakeBucket (one backend per account; a scan lists the buckets
                                        whose Region, GetBucketLocation's, is the scan's)
    AWS::IAM::Role                      moto Role (global; roles under /aws-service-role/ skipped)
    AWS::Lambda::Function               moto LambdaFunction (latest version)
    AWS::DynamoDB::Table                moto Table

Relation graph: undirected; each edge is listed once here, and `related()` returns neighbours both ways.

    Subnet                      -- VPC
    VPCGatewayAttachment        -- VPC, InternetGateway
    RouteTable                  -- VPC
    Route                       -- RouteTable, InternetGateway or NatGateway (when the route targets one), VPC
                                   (a local route)
    SubnetRouteTableAssociation -- RouteTable, Subnet
    SecurityGroup               -- VPC
    NetworkAcl                  -- VPC
    SubnetNetworkAclAssociation -- NetworkAcl, Subnet
    Instance                    -- Subnet, each SecurityGroup, KeyPair, each NetworkInterface, InstanceProfile
    NetworkInterface            -- Subnet, each SecurityGroup
    Lambda::Function            -- IAM::Role (by role ARN), each Subnet and SecurityGroup of its VpcConfig
    S3::Bucket, DynamoDB::Table -- (none)

The types of catalog.py (network_types, service_types) list their own edges in their modules.

An edge exists only when both ends are in the same scan (a partial scan's snapshot keeps the edges among the
types it covers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from iacgen.localcloud.schemas import primary_identifier, provider_schema

VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
IGW = "AWS::EC2::InternetGateway"
ATTACHMENT = "AWS::EC2::VPCGatewayAttachment"
ROUTE_TABLE = "AWS::EC2::RouteTable"
ROUTE = "AWS::EC2::Route"
RT_ASSOCIATION = "AWS::EC2::SubnetRouteTableAssociation"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
NETWORK_ACL = "AWS::EC2::NetworkAcl"
ACL_ASSOCIATION = "AWS::EC2::SubnetNetworkAclAssociation"
INSTANCE = "AWS::EC2::Instance"
NETWORK_INTERFACE = "AWS::EC2::NetworkInterface"
NAT_GATEWAY = "AWS::EC2::NatGateway"
INSTANCE_PROFILE = "AWS::IAM::InstanceProfile"
KEY_PAIR = "AWS::EC2::KeyPair"
BUCKET = "AWS::S3::Bucket"
ROLE = "AWS::IAM::Role"
FUNCTION = "AWS::Lambda::Function"
TABLE = "AWS::DynamoDB::Table"

Ref = tuple[str, str]  # (type, key): a pointer to another resource of the same scan


@dataclass(frozen=True)
class ScannedResource:
    type: str
    identifier: dict[str, str]  # primary-identifier property -> value, as the service returns it
    tags: dict[str, str] = field(default_factory=dict, compare=False)
    obj: Any = field(default=None, compare=False, repr=False)  # the moto model object behind it
    # resources this one points at (one end of each edge in the module docstring); the graph adds the reverse
    refs: tuple[Ref, ...] = field(default=(), compare=False, repr=False)
    # the name a user gave it, which the service puts into its logical id (`EC2KeyPairSshkeypair`): the
    # identifier itself for types named by their user (see `user_name_of`), a name property for others
    name: str | None = field(default=None, compare=False)

    @cached_property
    def user_name(self) -> str | None:
        return self.name if self.name is not None else user_name_of(self.type, self.identifier)

    @cached_property
    def key(self) -> str:
        """The physical id CloudFormation shows for it: identifier values in schema order, '|'-joined."""
        return "|".join(self.identifier[name] for name in primary_identifier(self.type))

    @cached_property
    def ref(self) -> Ref:
        return (self.type, self.key)


@dataclass(frozen=True)
class GatewayAttachment:
    """An IGW attached to a VPC: moto keeps this only as the gateway's `vpc`."""

    gateway: Any
    vpc: Any


@dataclass(frozen=True)
class RouteTableAssociation:
    """A subnet's explicit route-table association: moto keeps only association id -> subnet id."""

    association_id: str
    route_table: Any
    subnet: Any


@dataclass(frozen=True)
class AclAssociation:
    """A subnet's network ACL association, with both parents resolved."""

    association_id: str
    network_acl: Any
    subnet: Any


def user_name_of(type_name: str, identifier: dict[str, str]) -> str | None:
    """A one-part primary identifier that is not read-only is a name the user chose (KeyName, BucketName,
    RoleName, FunctionName, TableName); ids AWS assigns (VpcId, Id, an ARN) are read-only in the schema."""
    names = primary_identifier(type_name)
    if len(names) != 1:
        return None
    read_only = provider_schema(type_name).get("readOnlyProperties", [])
    return None if f"/properties/{names[0]}" in read_only else identifier.get(names[0])


def _one(type_name: str, value: str) -> dict[str, str]:
    return {primary_identifier(type_name)[0]: value}


class _World:
    """moto's backends for one account and Region, with the flat lookups enumerators share (built once per
    scan, so enumeration stays linear). Enumerators iterate over list() copies of moto's dicts: in server mode
    another request thread may add a VPC or a bucket meanwhile, which would break a live dict iteration."""

    def __init__(self, account_id: str, region: str) -> None:
        from moto.ec2.models import ec2_backends

        self.account_id = account_id
        self.region = region
        self.ec2 = ec2_backends[account_id][region]
        self._subnets: dict[str, Any] | None = None

    @property
    def subnets(self) -> dict[str, Any]:
        if self._subnets is None:
            self._subnets = {
                sid: s for per_az in list(self.ec2.subnets.values()) for sid, s in list(per_az.items())
            }
        return self._subnets

    def ec2_tags(self, resource_id: str) -> dict[str, str]:
        # ec2.tags is a defaultdict: .get() avoids growing it
        return dict(self.ec2.tags.get(resource_id) or {})


def _vpcs(w: _World) -> Iterator[ScannedResource]:
    for vpc in list(w.ec2.vpcs.values()):
        yield ScannedResource(VPC, _one(VPC, vpc.id), w.ec2_tags(vpc.id), vpc)


def _subnets(w: _World) -> Iterator[ScannedResource]:
    for subnet in list(w.subnets.values()):
        yield ScannedResource(
            SUBNET, _one(SUBNET, subnet.id), w.ec2_tags(subnet.id), subnet, ((VPC, subnet.vpc_id),)
        )


def _internet_gateways(w: _World) -> Iterator[ScannedResource]:
    for igw in list(w.ec2.internet_gateways.values()):
        yield ScannedResource(IGW, _one(IGW, igw.id), w.ec2_tags(igw.id), igw)


def _gateway_attachments(w: _World) -> Iterator[ScannedResource]:
    for igw in list(w.ec2.internet_gateways.values()):
        if igw.vpc is None:
            continue
        yield ScannedResource(
            ATTACHMENT,
            {"AttachmentType": "IGW", "VpcId": igw.vpc.id},
            {},
            GatewayAttachment(igw, igw.vpc),
            ((VPC, igw.vpc.id), (IGW, igw.id)),
        )


def _route_tables(w: _World) -> Iterator[ScannedResource]:
    for rtb in list(w.ec2.route_tables.values()):
        yield ScannedResource(
            ROUTE_TABLE, _one(ROUTE_TABLE, rtb.id), w.ec2_tags(rtb.id), rtb, ((VPC, rtb.vpc_id),)
        )


def _routes(w: _World) -> Iterator[ScannedResource]:
    for rtb in list(w.ec2.route_tables.values()):
        for route in list(rtb._routes.values()):
            if not route.destination_cidr_block:
                continue
            refs: list[Ref] = [(ROUTE_TABLE, rtb.id)]
            if route.local:  # scanned like the service does; its destination is the VPC's CIDR block
                refs.append((VPC, rtb.vpc_id))
            gateway_id = getattr(route.gateway, "id", "") or ""
            if gateway_id.startswith("igw-"):
                refs.append((IGW, gateway_id))
            nat = getattr(route, "nat_gateway", None)
            if nat is not None:
                refs.append((NAT_GATEWAY, nat.id))
            yield ScannedResource(
                ROUTE,
                {"RouteTableId": rtb.id, "CidrBlock": route.destination_cidr_block},
                {},
                route,
                tuple(refs),
            )


def _route_table_associations(w: _World) -> Iterator[ScannedResource]:
    for rtb in list(w.ec2.route_tables.values()):
        for association_id, target_id in list(rtb._associations.items()):
            subnet = w.subnets.get(target_id)
            if subnet is None:  # gateway (edge) associations are another resource type
                continue
            yield ScannedResource(
                RT_ASSOCIATION,
                _one(RT_ASSOCIATION, association_id),
                {},
                RouteTableAssociation(association_id, rtb, subnet),
                ((ROUTE_TABLE, rtb.id), (SUBNET, subnet.id)),
            )


def _security_groups(w: _World) -> Iterator[ScannedResource]:
    for per_vpc in list(w.ec2.groups.values()):
        for group in list(per_vpc.values()):
            refs: tuple[Ref, ...] = ((VPC, group.vpc_id),) if group.vpc_id else ()
            yield ScannedResource(
                SECURITY_GROUP, _one(SECURITY_GROUP, group.id), w.ec2_tags(group.id), group, refs
            )


def _network_acls(w: _World) -> Iterator[ScannedResource]:
    for acl in list(w.ec2.network_acls.values()):
        yield ScannedResource(
            NETWORK_ACL, _one(NETWORK_ACL, acl.id), w.ec2_tags(acl.id), acl, ((VPC, acl.vpc_id),)
        )


def _acl_associations(w: _World) -> Iterator[ScannedResource]:
    for acl in list(w.ec2.network_acls.values()):
        for association in list(acl._associations.values()):
            subnet = w.subnets.get(association.subnet_id)
            if subnet is None:
                continue
            yield ScannedResource(
                ACL_ASSOCIATION,
                _one(ACL_ASSOCIATION, association.id),
                {},
                AclAssociation(association.id, acl, subnet),
                ((NETWORK_ACL, acl.id), (SUBNET, subnet.id)),
            )


def _instances(w: _World) -> Iterator[ScannedResource]:
    for reservation in list(w.ec2.reservations.values()):
        for instance in reservation.instances:
            if instance._state.name == "terminated":
                continue
            refs: list[Ref] = []
            if instance.subnet_id:
                refs.append((SUBNET, instance.subnet_id))
            refs.extend((SECURITY_GROUP, group.id) for group in instance.security_groups)
            refs.extend((NETWORK_INTERFACE, nic.id) for nic in instance.nics.values())
            profile = instance.iam_instance_profile
            arn = profile.get("Arn") if isinstance(profile, dict) else getattr(profile, "arn", None)
            if arn:
                refs.append((INSTANCE_PROFILE, str(arn).rsplit("/", 1)[-1]))
            if instance.key_name:
                refs.append((KEY_PAIR, instance.key_name))
            yield ScannedResource(
                INSTANCE, _one(INSTANCE, instance.id), w.ec2_tags(instance.id), instance, tuple(refs)
            )


def _network_interfaces(w: _World) -> Iterator[ScannedResource]:
    """Interfaces a user can manage: those AWS creates for a NAT gateway are the gateway's (unverified)."""
    owned = {id(getattr(nat, "_eni", None)) for nat in list(w.ec2.nat_gateways.values())}
    for eni in list(w.ec2.enis.values()):
        if id(eni) in owned:
            continue
        refs: list[Ref] = [(SUBNET, eni.subnet.id)]
        refs.extend((SECURITY_GROUP, group.id) for group in eni.group_set)
        yield ScannedResource(
            NETWORK_INTERFACE, _one(NETWORK_INTERFACE, eni.id), w.ec2_tags(eni.id), eni, tuple(refs)
        )


def _key_pairs(w: _World) -> Iterator[ScannedResource]:
    for name, pair in list(w.ec2.key_pairs.items()):
        yield ScannedResource(KEY_PAIR, _one(KEY_PAIR, name), w.ec2_tags(pair.id), pair)


def _tag_list(tags: Iterable[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or ()}


def _buckets(w: _World) -> Iterator[ScannedResource]:
    from moto.s3.models import s3_backends

    s3 = s3_backends[w.account_id]["aws"]
    for bucket in list(s3.buckets.values()):
        if bucket.region_name != w.region:  # the bucket namespace is global, a bucket lives in one Region
            continue
        tags = s3.tagger.get_tag_dict_for_resource(bucket.arn)
        yield ScannedResource(BUCKET, _one(BUCKET, bucket.name), dict(tags), bucket)


def _roles(w: _World) -> Iterator[ScannedResource]:
    from moto.iam.models import iam_backends

    for role in list(iam_backends[w.account_id]["aws"].roles.values()):
        if role.path.startswith("/aws-service-role/"):
            continue
        yield ScannedResource(ROLE, _one(ROLE, role.name), _tag_list(role.tags), role)


def _functions(w: _World) -> Iterator[ScannedResource]:
    from moto.awslambda.models import lambda_backends

    role_names = _role_names_by_arn(w.account_id)
    for function in lambda_backends[w.account_id][w.region].list_functions():
        refs: list[Ref] = []
        role_name = role_names.get(function.role)
        if role_name:
            refs.append((ROLE, role_name))
        vpc_config = function._vpc_config or {}
        refs.extend((SUBNET, sid) for sid in vpc_config.get("SubnetIds") or ())
        refs.extend((SECURITY_GROUP, gid) for gid in vpc_config.get("SecurityGroupIds") or ())
        tags = dict(function.tags or {})
        yield ScannedResource(FUNCTION, _one(FUNCTION, function.function_name), tags, function, tuple(refs))


def _role_names_by_arn(account_id: str) -> dict[str, str]:
    from moto.iam.models import iam_backends

    return {role.arn: role.name for role in list(iam_backends[account_id]["aws"].roles.values())}


def _tables(w: _World) -> Iterator[ScannedResource]:
    from moto.dynamodb.models import dynamodb_backends

    for table in list(dynamodb_backends[w.account_id][w.region].tables.values()):
        yield ScannedResource(TABLE, _one(TABLE, table.name), _tag_list(table.tags), table)


ENUMERATORS: dict[str, Callable[[_World], Iterator[ScannedResource]]] = {
    VPC: _vpcs,
    SUBNET: _subnets,
    IGW: _internet_gateways,
    ATTACHMENT: _gateway_attachments,
    ROUTE_TABLE: _route_tables,
    ROUTE: _routes,
    RT_ASSOCIATION: _route_table_associations,
    SECURITY_GROUP: _security_groups,
    NETWORK_ACL: _network_acls,
    ACL_ASSOCIATION: _acl_associations,
    INSTANCE: _instances,
    NETWORK_INTERFACE: _network_interfaces,
    KEY_PAIR: _key_pairs,
    BUCKET: _buckets,
    ROLE: _roles,
    FUNCTION: _functions,
    TABLE: _tables,
}

SUPPORTED_TYPES: tuple[str, ...] = tuple(ENUMERATORS)


def scan(account_id: str, region: str, types: Iterable[str] | None = None) -> list[ScannedResource]:
    """Every supported resource in the account and Region, as the IaC generator's scan would list it
    (only the given types, when `types` is set)."""
    world = _World(account_id, region)
    wanted = SUPPORTED_TYPES if types is None else [t for t in SUPPORTED_TYPES if t in set(types)]
    return [resource for type_name in wanted for resource in ENUMERATORS[type_name](world)]


def find(account_id: str, region: str, type_name: str, identifier: dict[str, str]) -> ScannedResource | None:
    """The live resource with this type and identifier, or None."""
    if type_name not in ENUMERATORS:
        return None
    for resource in ENUMERATORS[type_name](_World(account_id, region)):
        if resource.identifier == identifier:
            return resource
    return None


def graph(resources: Iterable[ScannedResource]) -> dict[Ref, list[ScannedResource]]:
    """Undirected adjacency over one set of resources: ref -> neighbours, in discovery order, no duplicates.
    Linear in resources + edges; refs to resources outside the set are dropped."""
    by_ref: dict[Ref, ScannedResource] = {}
    for resource in resources:
        by_ref.setdefault(resource.ref, resource)
    adjacency: dict[Ref, dict[Ref, ScannedResource]] = {ref: {} for ref in by_ref}
    for ref, resource in by_ref.items():
        for target in resource.refs:
            other = by_ref.get(target)
            if other is None or target == ref:
                continue
            adjacency[ref].setdefault(target, other)
            adjacency[target].setdefault(ref, resource)
    return {ref: list(neighbours.values()) for ref, neighbours in adjacency.items()}


def related(account_id: str, region: str, resource: ScannedResource) -> list[ScannedResource]:
    """Direct neighbours of one resource in the relation graph (both directions)."""
    return graph(scan(account_id, region)).get(resource.ref, [])


def owned_keys(account_id: str, region: str) -> dict[tuple[str, str], str]:
    """(type, key) -> stack id for every resource a live stack owns (ManagedByStack, import ownership).

    Reads the resources each stack has materialised (moto's resource map, without creating any): objects
    created by a CREATE stack are keyed like the scan keys them; anything else (the import override's adopted
    resources) by its `physical_resource_id`, which must equal ScannedResource.key."""
    from moto.cloudformation.models import cloudformation_backends
    from moto.ec2.models import ec2_backends

    owned: dict[tuple[str, str], str] = {}
    ec2 = ec2_backends[account_id][region]
    backend = cloudformation_backends[account_id][region]
    for stack in list(backend.stacks.values()):
        if stack.status == "DELETE_COMPLETE":
            continue
        resource_map = stack.resource_map
        declared: dict[str, Any] = resource_map._resource_json_map
        for logical_id, obj in list(resource_map._parsed_resources.items()):
            spec = declared.get(logical_id)
            declared_type = spec.get("Type") if isinstance(spec, dict) else None
            type_name = str(declared_type or getattr(obj, "cf_resource_type", None) or "")
            key = _owned_key(obj, ec2)
            if type_name and key:
                owned[(type_name, key)] = stack.stack_id
    return owned


def _owned_key(obj: Any, ec2: Any) -> str | None:
    """The scan key of an object a CREATE stack made: moto's physical ids differ from the service's for the
    multi-part types (Route 'rtb~cidr', association = the route table id, attachment = no id)."""
    from moto.ec2.models.route_tables import Route
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    if isinstance(obj, Route):
        return f"{obj.route_table.id}|{obj.destination_cidr_block}"
    if isinstance(obj, VPCGatewayAttachment):
        kind = "VGW" if str(obj.gateway_id or "").startswith("vgw-") else "IGW"
        return f"{kind}|{obj.vpc_id}"
    if isinstance(obj, SubnetRouteTableAssociation):
        rtb = ec2.route_tables.get(obj.route_table_id)
        return _association_id(rtb, obj.subnet_id) if rtb is not None else None
    physical = getattr(obj, "physical_resource_id", None)
    return str(physical) if physical else None


def _association_id(route_table: Any, subnet_id: str) -> str | None:
    for association_id, target in list(route_table._associations.items()):
        if target == subnet_id:
            return str(association_id)
    return None

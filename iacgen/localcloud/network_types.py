"""EC2 networking types beyond the workshop's: Elastic IPs, NAT gateways, VPC endpoints, DHCP option sets and
their VPC associations. Identifiers from the provider schemas; properties in the schemas' shape (no real
generated sample was found for these, except DHCP options and their association: unverified otherwise).

Relations: EIP -- Instance or NetworkInterface it is associated with; NatGateway -- Subnet, EIP;
VPCEndpoint -- VPC, each RouteTable, Subnet and SecurityGroup; VPCDHCPOptionsAssociation -- VPC, DHCPOptions.
Routes to a NAT gateway link it (inventory adds the edge).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from iacgen.localcloud.catalog import TypeSupport
from iacgen.localcloud.deletion import DeleteRefused
from iacgen.localcloud.importing import AdoptedResource
from iacgen.localcloud.inventory import (
    INSTANCE,
    NETWORK_INTERFACE,
    ROUTE_TABLE,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    Ref,
    ScannedResource,
    _one,
    _World,
)
from iacgen.localcloud.properties import Link, _Ctx, _obj, _sg_link, _subnet_link, _vpc_link, _with_tags

EIP = "AWS::EC2::EIP"
NAT_GATEWAY = "AWS::EC2::NatGateway"
VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"
DHCP_OPTIONS = "AWS::EC2::DHCPOptions"
DHCP_ASSOCIATION = "AWS::EC2::VPCDHCPOptionsAssociation"


def _ec2(account: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


def _eip_key(address: Any) -> str:
    return f"{address.public_ip}|{address.allocation_id}"


# --- Elastic IP --------------------------------------------------------------------------------------------


def _eips(w: _World) -> Iterator[ScannedResource]:
    for address in list(w.ec2.addresses):
        if not address.allocation_id:
            continue
        refs: list[Ref] = []
        if address.instance is not None:
            refs.append((INSTANCE, address.instance.id))
        elif address.eni is not None and getattr(address.eni, "instance", None) is not None:
            refs.append((NETWORK_INTERFACE, address.eni.id))
        identifier = {"PublicIp": address.public_ip, "AllocationId": address.allocation_id}
        yield ScannedResource(EIP, identifier, w.ec2_tags(address.allocation_id), address, tuple(refs))


def _render_eip(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    address = _obj(r, lambda: ctx.ec2.address_by_allocation([r.identifier["AllocationId"]])[0])
    props: dict[str, Any] = {"Domain": address.domain or "vpc", "NetworkBorderGroup": ctx.region}
    props["PublicIpv4Pool"] = "amazon"
    if address.instance is not None:
        props["InstanceId"] = Link(INSTANCE, address.instance.id, address.instance.id)
    return _with_tags(props, r)


def _delete_eip(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    allocation = res.identifier["AllocationId"]
    address = next((a for a in ec2.addresses if a.allocation_id == allocation), None)
    if address is None:
        return
    in_use = any(
        any(x.get("allocationId") == allocation for x in n.address_set)
        for n in ec2.nat_gateways.values()
        if n.state != "deleted"
    )
    if in_use:
        raise DeleteRefused("AuthFailure", f"The address with allocation id [{allocation}] is in use")
    ec2.release_address(allocation_id=allocation)


# --- NAT gateway -------------------------------------------------------------------------------------------


def _nat_gateways(w: _World) -> Iterator[ScannedResource]:
    by_allocation = {a.allocation_id: a for a in list(w.ec2.addresses) if a.allocation_id}
    for nat in list(w.ec2.nat_gateways.values()):
        if nat.state == "deleted":
            continue
        refs: list[Ref] = [(SUBNET, nat.subnet_id)]
        for entry in nat.address_set:
            address = by_allocation.get(entry.get("allocationId"))
            if address is not None:
                refs.append((EIP, _eip_key(address)))
        yield ScannedResource(NAT_GATEWAY, _one(NAT_GATEWAY, nat.id), w.ec2_tags(nat.id), nat, tuple(refs))


def _render_nat_gateway(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    nat = _obj(r, lambda: ctx.ec2.nat_gateways[r.identifier["NatGatewayId"]])
    by_allocation = {a.allocation_id: a for a in ctx.ec2.addresses if a.allocation_id}
    props: dict[str, Any] = {"SubnetId": _subnet_link(nat.subnet_id)}
    connectivity = nat.connectivity_type or "public"
    props["ConnectivityType"] = connectivity
    allocations = [e.get("allocationId") for e in nat.address_set if e.get("allocationId")]
    if connectivity == "public" and allocations:
        address = by_allocation.get(allocations[0])
        key = _eip_key(address) if address is not None else ""
        props["AllocationId"] = Link(EIP, key, allocations[0], attribute="AllocationId")
    return _with_tags(props, r)


def _delete_nat_gateway(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    nat = ec2.nat_gateways.get(res.physical_resource_id)
    if nat is not None and nat.state != "deleted":
        ec2.delete_nat_gateway(nat.id)
        ec2.nat_gateways.pop(nat.id, None)


# --- VPC endpoint ------------------------------------------------------------------------------------------


def _vpc_endpoints(w: _World) -> Iterator[ScannedResource]:
    for endpoint in list(w.ec2.vpc_end_points.values()):
        if endpoint.state == "deleted":
            continue
        refs: list[Ref] = [(VPC, endpoint.vpc_id)]
        refs.extend((ROUTE_TABLE, t) for t in endpoint.route_table_ids or [])
        refs.extend((SUBNET, s) for s in endpoint.subnet_ids or [])
        refs.extend((SECURITY_GROUP, g) for g in endpoint.security_group_ids or [])
        yield ScannedResource(
            VPC_ENDPOINT, _one(VPC_ENDPOINT, endpoint.id), w.ec2_tags(endpoint.id), endpoint, tuple(refs)
        )


def _policy(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _render_vpc_endpoint(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    endpoint = _obj(r, lambda: ctx.ec2.vpc_end_points[r.identifier["Id"]])
    kind = endpoint.vpc_endpoint_type or "Gateway"
    props: dict[str, Any] = {
        "VpcEndpointType": kind,
        "VpcId": _vpc_link(endpoint.vpc_id),
        "ServiceName": endpoint.service_name,
        "PolicyDocument": _policy(endpoint.policy_document),
        "RouteTableIds": [Link(ROUTE_TABLE, t, t) for t in endpoint.route_table_ids or []],
        "SubnetIds": [_subnet_link(s) for s in endpoint.subnet_ids or []],
        "SecurityGroupIds": [_sg_link(g) for g in endpoint.security_group_ids or []],
    }
    if kind == "Interface":
        props["PrivateDnsEnabled"] = bool(endpoint.private_dns_enabled)
    return _with_tags(props, r)


def _delete_vpc_endpoint(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    if res.physical_resource_id in ec2.vpc_end_points:
        ec2.delete_vpc_endpoints([res.physical_resource_id])
        ec2.vpc_end_points.pop(res.physical_resource_id, None)


# --- DHCP options and their association --------------------------------------------------------------------

_DHCP_KEYS = (
    ("domain-name", "DomainName", False),
    ("domain-name-servers", "DomainNameServers", True),
    ("ntp-servers", "NtpServers", True),
    ("netbios-name-servers", "NetbiosNameServers", True),
)


def _dhcp_options(w: _World) -> Iterator[ScannedResource]:
    for options in list(w.ec2.dhcp_options_sets.values()):
        yield ScannedResource(DHCP_OPTIONS, _one(DHCP_OPTIONS, options.id), w.ec2_tags(options.id), options)


def _render_dhcp_options(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    """As in a real generated template: DomainName, DomainNameServers, Tags (`[]` when untagged)."""
    options = _obj(r, lambda: ctx.ec2.dhcp_options_sets[r.identifier["DhcpOptionsId"]])
    raw = options._options or {}
    props: dict[str, Any] = {}
    for key, prop, many in _DHCP_KEYS:
        values = raw.get(key)
        if values:
            props[prop] = list(values) if many else values[0]
    node_type = raw.get("netbios-node-type")
    if node_type:
        props["NetbiosNodeType"] = int(node_type[0])
    return _with_tags(props, r)


def _delete_dhcp_options(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    options = ec2.dhcp_options_sets.get(res.physical_resource_id)
    if options is None:
        return
    if any(v.dhcp_options is options for v in ec2.vpcs.values()):
        raise DeleteRefused(
            "DependencyViolation", f"The dhcpOptions '{options.id}' has dependencies and cannot be deleted."
        )
    ec2.dhcp_options_sets.pop(options.id, None)


def _dhcp_associations(w: _World) -> Iterator[ScannedResource]:
    for vpc in list(w.ec2.vpcs.values()):
        options = vpc.dhcp_options
        if options is None:
            continue
        yield ScannedResource(
            DHCP_ASSOCIATION,
            {"DhcpOptionsId": options.id, "VpcId": vpc.id},
            {},
            None,
            ((VPC, vpc.id), (DHCP_OPTIONS, options.id)),
        )


def _render_dhcp_association(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    vpc = ctx.ec2.vpcs.get(r.identifier["VpcId"])
    options = getattr(vpc, "dhcp_options", None)
    if vpc is None or options is None or options.id != r.identifier["DhcpOptionsId"]:
        from iacgen.localcloud.properties import ResourceGone

        raise ResourceGone(r.key)
    return {
        "VpcId": _vpc_link(vpc.id),
        "DhcpOptionsId": Link(DHCP_OPTIONS, options.id, options.id),
    }


def _delete_dhcp_association(account: str, region: str, res: AdoptedResource) -> None:
    """The service's handler puts the VPC back on the default option set; moto models that as none."""
    vpc = _ec2(account, region).vpcs.get(res.identifier["VpcId"])
    if (
        vpc is not None
        and vpc.dhcp_options is not None
        and vpc.dhcp_options.id == res.identifier["DhcpOptionsId"]
    ):
        vpc.dhcp_options.vpc = None
        vpc.dhcp_options = None


TYPES: tuple[TypeSupport, ...] = (
    TypeSupport(EIP, _eips, _render_eip, _delete_eip, delete_rank=2),
    TypeSupport(NAT_GATEWAY, _nat_gateways, _render_nat_gateway, _delete_nat_gateway, delete_rank=1),
    TypeSupport(VPC_ENDPOINT, _vpc_endpoints, _render_vpc_endpoint, _delete_vpc_endpoint, delete_rank=1),
    TypeSupport(DHCP_OPTIONS, _dhcp_options, _render_dhcp_options, _delete_dhcp_options, delete_rank=2),
    TypeSupport(
        DHCP_ASSOCIATION,
        _dhcp_associations,
        _render_dhcp_association,
        _delete_dhcp_association,
        delete_rank=1,
    ),
)

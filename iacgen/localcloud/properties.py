"""A scanned resource's properties, read from moto's state, in the shape of CloudFormation's provider schema.

A value that points at another resource is returned as a `Link` (target type, target key, the literal value,
and the attribute CloudFormation would read): the template assembler turns it into `Ref`/`Fn::GetAtt` when the
target is in the same template and into the literal otherwise, so rendering does not depend on what else a
template holds. Only properties the service can read back are rendered: write-only ones are the warnings
module's business, and read-only ones are dropped against the schema as a last guard.

Multi-part types (VPCGatewayAttachment, Route, the two association types) are located from their identifier
in moto's EC2 backend rather than from `ScannedResource.obj`, so this module does not depend on how the
inventory packages those objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from iacgen.localcloud.inventory import ScannedResource
from iacgen.localcloud.schemas import provider_schema


@dataclass(frozen=True)
class Link:
    """A reference to another resource: `Ref` (attribute None) or `Fn::GetAtt` when it is in the template."""

    type: str
    key: str
    literal: Any
    attribute: str | None = None


class ResourceGone(LookupError):
    """The resource vanished from moto's state between the existence check and rendering."""


@dataclass(frozen=True)
class _Ctx:
    account_id: str
    region: str
    # also the readable properties a generated template leaves out (a subnet's AvailabilityZone, an instance's
    # SubnetId): what drift detection reads, so a hand-written template that uses them compares too
    full: bool = False

    @property
    def ec2(self) -> Any:
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.account_id][self.region]

    @property
    def partition(self) -> str:
        from moto.utilities.utils import get_partition

        return str(get_partition(self.region))


Renderer = Callable[[_Ctx, ScannedResource], dict[str, Any]]


def _tags(resource: ScannedResource) -> list[dict[str, str]]:
    # aws:-prefixed tags belong to AWS and cannot be written through CloudFormation. Value before Key: the
    # order the service writes them in.
    return [{"Value": v, "Key": k} for k, v in resource.tags.items() if not k.startswith("aws:")]


def _with_tags(props: dict[str, Any], resource: ScannedResource, keep_empty: bool = True) -> dict[str, Any]:
    """The service keeps empty lists (`Tags: []` on an untagged VPC, network ACL, internet gateway), but
    writes no Tags at all for an untagged route table or security group (seen in a real template)."""
    tags = _tags(resource)
    if tags or keep_empty:
        props["Tags"] = tags
    return props


def _obj(resource: ScannedResource, lookup: Callable[[], Any]) -> Any:
    if resource.obj is not None and not isinstance(resource.obj, (dict, tuple)):
        return resource.obj
    try:
        return lookup()
    except Exception as exc:  # moto raises its own not-found errors
        raise ResourceGone(resource.key) from exc


def _vpc_link(vpc_id: str) -> Link:
    return Link("AWS::EC2::VPC", vpc_id, vpc_id)


def _subnet_link(subnet_id: str) -> Link:
    return Link("AWS::EC2::Subnet", subnet_id, subnet_id)


def _sg_link(group_id: str) -> Link:
    return Link("AWS::EC2::SecurityGroup", group_id, group_id)


# --- EC2 ---------------------------------------------------------------------------------------------------


def _vpc(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    vpc = _obj(r, lambda: ctx.ec2.vpcs[r.identifier["VpcId"]])
    props: dict[str, Any] = {
        "CidrBlock": vpc.cidr_block,
        "EnableDnsHostnames": bool(vpc.enable_dns_hostnames),
        "EnableDnsSupport": bool(vpc.enable_dns_support),
        "InstanceTenancy": vpc.instance_tenancy or "default",
    }
    return _with_tags(props, r)


def _subnet(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    subnet = _obj(r, lambda: ctx.ec2.get_subnet(r.identifier["SubnetId"]))
    """In the service's order and shape: the zone as `AvailabilityZoneId` (no `AvailabilityZone`)."""
    props: dict[str, Any] = {
        "VpcId": _vpc_link(subnet.vpc_id),
        "MapPublicIpOnLaunch": bool(subnet.map_public_ip_on_launch),
        "EnableDns64": bool(getattr(subnet, "enable_dns64", False)),
    }
    zone_id = str(getattr(subnet, "availability_zone_id", "") or "")
    if zone_id:
        props["AvailabilityZoneId"] = zone_id
    else:
        props["AvailabilityZone"] = subnet.availability_zone
    props["PrivateDnsNameOptionsOnLaunch"] = dict(
        getattr(subnet, "private_dns_name_options_on_launch", None)
        or {
            "EnableResourceNameDnsARecord": False,
            "HostnameType": "ip-name",
            "EnableResourceNameDnsAAAARecord": False,
        }
    )
    props["CidrBlock"] = subnet.cidr_block
    props["Ipv6Native"] = bool(getattr(subnet, "ipv6_native", False))
    if subnet.assign_ipv6_address_on_creation:
        props["AssignIpv6AddressOnCreation"] = True
    if ctx.full:
        props["AvailabilityZone"] = subnet.availability_zone
        props["AssignIpv6AddressOnCreation"] = bool(subnet.assign_ipv6_address_on_creation)
    return _with_tags(props, r)


def _internet_gateway(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    _obj(r, lambda: ctx.ec2.internet_gateways[r.identifier["InternetGatewayId"]])
    return _with_tags({}, r)


def _gateway_attachment(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    vpc_id = r.identifier["VpcId"]
    for igw in ctx.ec2.internet_gateways.values():
        if igw.vpc is not None and igw.vpc.id == vpc_id:
            return {
                "VpcId": _vpc_link(vpc_id),
                "InternetGatewayId": Link("AWS::EC2::InternetGateway", igw.id, igw.id),
            }
    for vgw in getattr(ctx.ec2, "vpn_gateways", {}).values():
        if any(a.vpc_id == vpc_id for a in getattr(vgw, "attachments", {}).values()):
            return {"VpcId": _vpc_link(vpc_id), "VpnGatewayId": vgw.id}
    raise ResourceGone(r.key)


def _route_table(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    table = _obj(r, lambda: ctx.ec2.route_tables[r.identifier["RouteTableId"]])
    return _with_tags({"VpcId": _vpc_link(table.vpc_id)}, r, keep_empty=False)


_ROUTE_TARGETS = (
    # (moto attribute, CloudFormation property, linked type or None)
    ("gateway", "GatewayId", "AWS::EC2::InternetGateway"),
    ("nat_gateway", "NatGatewayId", "AWS::EC2::NatGateway"),
    ("instance", "InstanceId", "AWS::EC2::Instance"),
    ("interface", "NetworkInterfaceId", None),
    ("vpc_pcx", "VpcPeeringConnectionId", None),
    ("transit_gateway", "TransitGatewayId", None),
    ("egress_only_igw", "EgressOnlyInternetGatewayId", None),
    ("carrier_gateway", "CarrierGatewayId", None),
)


def _route(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    """A VPC's local route is written like the service writes it (`GatewayId: "local"`, the destination as
    the VPC's `CidrBlock` attribute); a gateway route also carries the stray `VpcEndpointId` the service
    writes next to `GatewayId` (the gateway's id)."""
    table_id = r.identifier["RouteTableId"]
    cidr = r.identifier["CidrBlock"]
    table = ctx.ec2.route_tables.get(table_id)
    routes = getattr(table, "_routes", {}) if table is not None else {}
    route = routes.get(f"{table_id}~{cidr}") or next(
        (x for x in routes.values() if cidr in (x.destination_cidr_block, x.destination_ipv6_cidr_block)),
        None,
    )
    if route is None:
        raise ResourceGone(r.key)
    props: dict[str, Any] = {"RouteTableId": Link("AWS::EC2::RouteTable", table_id, table_id)}
    if route.local:
        vpc = ctx.ec2.vpcs.get(table.vpc_id)
        primary = vpc is not None and vpc.cidr_block == cidr
        props["DestinationCidrBlock"] = (
            Link("AWS::EC2::VPC", table.vpc_id, cidr, attribute="CidrBlock") if primary else cidr
        )
        props["GatewayId"] = "local"
        props["VpcEndpointId"] = "local"
        return props
    if route.destination_ipv6_cidr_block == cidr:
        props["DestinationIpv6CidrBlock"] = cidr
    else:
        props["DestinationCidrBlock"] = cidr
    for attr, prop, linked in _ROUTE_TARGETS:
        target = getattr(route, attr, None)
        if target is None:
            continue
        target_id = target if isinstance(target, str) else target.id
        props[prop] = Link(linked, target_id, target_id) if linked else target_id
        if prop == "GatewayId":
            props["VpcEndpointId"] = target_id
        break
    if getattr(route, "vpc_endpoint_id", None):
        props["VpcEndpointId"] = route.vpc_endpoint_id
    return props


def _route_table_association(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    assoc_id = r.identifier["Id"]
    for table in ctx.ec2.route_tables.values():
        subnet_id = getattr(table, "_associations", {}).get(assoc_id)
        if subnet_id is not None:
            return {
                "RouteTableId": Link("AWS::EC2::RouteTable", table.id, table.id),
                "SubnetId": _subnet_link(subnet_id),
            }
    raise ResourceGone(r.key)


def _rule(rule: Any, egress: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"IpProtocol": str(rule.ip_protocol)}
    if str(rule.ip_protocol) == "-1":  # the service keeps the ports of an all-traffic rule as -1
        out["FromPort"], out["ToPort"] = -1, -1
    else:
        if rule.from_port is not None:
            out["FromPort"] = int(rule.from_port)
        if rule.to_port is not None:
            out["ToPort"] = int(rule.to_port)
    ip_range = rule.ip_range or {}
    source = rule.source_group or {}
    if ip_range.get("CidrIp"):
        out["CidrIp"] = ip_range["CidrIp"]
    elif ip_range.get("CidrIpv6"):
        out["CidrIpv6"] = ip_range["CidrIpv6"]
    elif rule.prefix_list_id:
        out["DestinationPrefixListId" if egress else "SourcePrefixListId"] = rule.prefix_list_id
    elif source.get("GroupId"):
        key = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
        out[key] = _sg_link(source["GroupId"])
        if not egress and source.get("UserId"):
            out["SourceSecurityGroupOwnerId"] = source["UserId"]
    description = ip_range.get("Description") or source.get("Description")
    if description:
        out["Description"] = description
    return out


def _security_group(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    group = _obj(r, lambda: ctx.ec2.get_security_group_from_id(r.identifier["Id"]))
    if group is None:
        raise ResourceGone(r.key)
    props: dict[str, Any] = {"GroupDescription": group.description, "GroupName": group.name}
    if group.vpc_id:
        props["VpcId"] = _vpc_link(group.vpc_id)
    ingress = [_rule(x, egress=False) for x in group.ingress_rules]
    if group.vpc_id and group.name == "default":
        ingress = [_default_self_rule(ctx, group)] + [
            x for x in ingress if x.get("SourceSecurityGroupId") != _sg_link(group.id)
        ]
    props["SecurityGroupIngress"] = ingress
    props["SecurityGroupEgress"] = [_rule(x, egress=True) for x in group.egress_rules]
    return _with_tags(props, r, keep_empty=False)


def _default_self_rule(ctx: _Ctx, group: Any) -> dict[str, Any]:
    """A VPC's default security group allows all traffic from itself. AWS creates that rule with the group;
    moto does not, so it is rendered here whatever moto holds. The service names the group through the
    VPC's `DefaultSecurityGroup` attribute."""
    return {
        "IpProtocol": "-1",
        "FromPort": -1,
        "ToPort": -1,
        "SourceSecurityGroupId": Link(
            "AWS::EC2::VPC", group.vpc_id, group.id, attribute="DefaultSecurityGroup"
        ),
        "SourceSecurityGroupOwnerId": str(getattr(group, "owner_id", None) or ctx.account_id),
    }


def _network_acl(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    acl = _obj(r, lambda: ctx.ec2.network_acls[r.identifier["Id"]])
    return _with_tags({"VpcId": _vpc_link(acl.vpc_id)}, r)


def _network_acl_association(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    assoc_id = r.identifier["AssociationId"]
    for acl in ctx.ec2.network_acls.values():
        assoc = getattr(acl, "_associations", {}).get(assoc_id)
        if assoc is not None:
            return {
                "SubnetId": _subnet_link(assoc.subnet_id),
                "NetworkAclId": Link("AWS::EC2::NetworkAcl", acl.id, acl.id),
            }
    raise ResourceGone(r.key)


def _block_devices(ctx: _Ctx, instance: Any) -> list[dict[str, Any]]:
    """Each mapping with the EBS settings of its volume (moto keeps them on the volume, not the mapping)."""
    out = []
    for device, bdt in sorted(instance.block_device_mapping.items()):
        volume = ctx.ec2.volumes.get(bdt.volume_id) if bdt.volume_id else None
        volume_type = bdt.volume_type or getattr(volume, "volume_type", None) or "gp2"
        ebs: dict[str, Any] = {"VolumeType": volume_type}
        iops = bdt.iops or getattr(volume, "iops", None)
        if iops:
            ebs["Iops"] = int(iops)
        size = bdt.size or getattr(volume, "size", None)
        if size:
            ebs["VolumeSize"] = int(size)
        encrypted = bdt.encrypted if bdt.encrypted is not None else getattr(volume, "encrypted", False)
        ebs["Encrypted"] = bool(encrypted)
        kms = bdt.kms_key_id or getattr(volume, "kms_key_id", None)
        if kms:
            ebs["KmsKeyId"] = kms
        snapshot = bdt.snapshot_id or getattr(volume, "snapshot_id", None)
        if snapshot:
            ebs["SnapshotId"] = snapshot
        ebs["DeleteOnTermination"] = bool(bdt.delete_on_termination)
        out.append({"DeviceName": device, "Ebs": ebs})
    return out


def _credit_specification(instance_type: str) -> dict[str, str] | None:
    """Burstable types only: T2 launches `standard`, later T types `unlimited` (EC2's defaults)."""
    family = instance_type.split(".", 1)[0]
    if not family.startswith("t"):
        return None
    return {"CPUCredits": "standard" if family == "t2" else "unlimited"}


def _instance(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    """The service writes the network placement as the instance's network interfaces, each its own
    AWS::EC2::NetworkInterface resource (no SubnetId/SecurityGroupIds on the instance)."""
    inst = _obj(r, lambda: ctx.ec2.get_instance(r.identifier["InstanceId"]))
    props: dict[str, Any] = {}
    tenancy = getattr(inst._placement, "tenancy", None)
    if tenancy:
        props["Tenancy"] = tenancy
    if not inst.subnet_id and inst.security_groups:  # EC2-Classic style placement, by group name
        props["SecurityGroups"] = [g.name for g in inst.security_groups]
    props["PrivateDnsNameOptions"] = {
        "EnableResourceNameDnsAAAARecord": False,
        "HostnameType": "ip-name",
        "EnableResourceNameDnsARecord": False,
    }
    props["ImageId"] = inst.image_id
    if inst.key_name:
        props["KeyName"] = Link("AWS::EC2::KeyPair", inst.key_name, inst.key_name)
    props["BlockDeviceMappings"] = _block_devices(ctx, inst)
    props["EbsOptimized"] = bool(inst.ebs_optimized)
    props["InstanceType"] = inst.instance_type
    zone = getattr(inst._placement, "zone", None)
    if zone:
        props["AvailabilityZone"] = zone
    props["Monitoring"] = inst.monitoring_state == "enabled"
    props["DisableApiTermination"] = bool(inst.disable_api_termination)
    props["InstanceInitiatedShutdownBehavior"] = inst.instance_initiated_shutdown_behavior or "stop"
    props["SourceDestCheck"] = bool(inst.source_dest_check)
    credits = _credit_specification(str(inst.instance_type))
    if credits:
        props["CreditSpecification"] = credits
    if inst.subnet_id:
        props["NetworkInterfaces"] = [
            {"NetworkInterfaceId": Link(NETWORK_INTERFACE, nic.id, nic.id), "DeviceIndex": str(index)}
            for index, nic in sorted(inst.nics.items())
        ]
    if ctx.full and inst.subnet_id:
        props["SubnetId"] = _subnet_link(inst.subnet_id)
        props["SecurityGroupIds"] = [_sg_link(g.id) for g in inst.security_groups]
        if getattr(inst, "private_ip", None):
            props["PrivateIpAddress"] = inst.private_ip
    if inst.iam_instance_profile:
        profile = inst.iam_instance_profile
        arn = profile.get("Arn") if isinstance(profile, dict) else getattr(profile, "arn", None)
        if arn:
            name = str(arn).rsplit("/", 1)[-1]
            props["IamInstanceProfile"] = Link("AWS::IAM::InstanceProfile", name, name)
    if inst.user_data:
        data = inst.user_data[0] if isinstance(inst.user_data, list) else inst.user_data
        props["UserData"] = data.decode() if isinstance(data, bytes) else str(data)
    return _with_tags(props, r)


NETWORK_INTERFACE = "AWS::EC2::NetworkInterface"


def _network_interface(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    """No real generated interface was found: what EC2 reports, in the schema's shape (unverified)."""
    eni = _obj(r, lambda: ctx.ec2.get_network_interface(r.identifier["Id"]))
    secondary = [a for a in (eni.private_ip_addresses or []) if not a.get("Primary")]
    props: dict[str, Any] = {
        "Description": eni.description or "",
        "PrivateIpAddress": eni.private_ip_address,
        "SecondaryPrivateIpAddressCount": len(secondary),
        "GroupSet": [_sg_link(g.id) for g in eni.group_set],
        "SubnetId": _subnet_link(eni.subnet.id),
        "SourceDestCheck": bool(eni.source_dest_check),
        "InterfaceType": eni.interface_type or "interface",
        "Ipv6Addresses": [{"Ipv6Address": a} for a in (eni.ipv6_addresses or [])],
    }
    return _with_tags(props, r)


def _key_pair(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    key = _obj(r, lambda: ctx.ec2.key_pairs[r.identifier["KeyName"]])
    props: dict[str, Any] = {"KeyName": key.key_name, "KeyType": key.key_type or "rsa"}
    return _with_tags(props, r)


# --- other services ----------------------------------------------------------------------------------------


def _bucket(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    from moto.s3.models import s3_backends

    backend = s3_backends[ctx.account_id][ctx.partition]
    bucket = _obj(r, lambda: backend.buckets[r.identifier["BucketName"]])
    props: dict[str, Any] = {"BucketName": bucket.name}
    if bucket.versioning_status:
        props["VersioningConfiguration"] = {"Status": bucket.versioning_status}
    if bucket.encryption:
        rules = bucket.encryption.get("Rule")
        rules = rules if isinstance(rules, list) else [rules] if rules else []
        props["BucketEncryption"] = {"ServerSideEncryptionConfiguration": rules}
    block = bucket.public_access_block
    if block is not None:
        props["PublicAccessBlockConfiguration"] = {
            "BlockPublicAcls": _truthy(block.block_public_acls),
            "BlockPublicPolicy": _truthy(block.block_public_policy),
            "IgnorePublicAcls": _truthy(block.ignore_public_acls),
            "RestrictPublicBuckets": _truthy(block.restrict_public_buckets),
        }
    return _with_tags(props, r)


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true" if isinstance(value, str) else bool(value)


def _document(raw: Any) -> Any:
    if isinstance(raw, (dict, list)):
        return raw
    text = str(raw)
    for candidate in (text, unquote(text)):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return text


def _role(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    from moto.iam.models import iam_backends

    backend = iam_backends[ctx.account_id][ctx.partition]
    role = _obj(r, lambda: backend.get_role(r.identifier["RoleName"]))
    props: dict[str, Any] = {
        "RoleName": role.name,
        "Path": role.path or "/",
        "AssumeRolePolicyDocument": _document(role.assume_role_policy_document),
        "MaxSessionDuration": int(role.max_session_duration or 3600),
    }
    if role.description:
        props["Description"] = role.description
    if role.managed_policies:
        props["ManagedPolicyArns"] = sorted(role.managed_policies)
    if role.policies:
        props["Policies"] = [
            {"PolicyName": name, "PolicyDocument": _document(doc)}
            for name, doc in sorted(role.policies.items())
        ]
    if role.permissions_boundary_arn:
        props["PermissionsBoundary"] = role.permissions_boundary_arn
    return _with_tags(props, r)


def _role_link(arn: str) -> Link:
    return Link("AWS::IAM::Role", arn.rsplit("/", 1)[-1], arn, attribute="Arn")


def _function(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    from moto.awslambda.models import lambda_backends

    backend = lambda_backends[ctx.account_id][ctx.region]
    fn = _obj(r, lambda: backend.get_function(r.identifier["FunctionName"]))
    props: dict[str, Any] = {"FunctionName": fn.function_name, "Role": _role_link(fn.role)}
    package_type = fn.package_type or "Zip"
    props["PackageType"] = package_type
    if package_type == "Zip":
        props["Runtime"] = fn.run_time
        props["Handler"] = fn.handler
    if fn.description:
        props["Description"] = fn.description
    props["MemorySize"] = int(fn.memory_size)
    props["Timeout"] = int(fn.timeout)
    architectures = getattr(fn, "_architectures", None) or getattr(fn, "architectures", None)
    if architectures:
        props["Architectures"] = list(architectures)
    storage = getattr(fn, "_ephemeral_storage", None)
    if storage:
        props["EphemeralStorage"] = {"Size": int(storage)}
    if fn.environment_vars:
        props["Environment"] = {"Variables": dict(fn.environment_vars)}
    if fn.tracing_config and fn.tracing_config.get("Mode"):
        props["TracingConfig"] = {"Mode": fn.tracing_config["Mode"]}
    if fn.kms_key_arn:
        props["KmsKeyArn"] = fn.kms_key_arn
    if fn.layers:
        props["Layers"] = [layer["Arn"] for layer in fn.layers]
    if fn.reserved_concurrency is not None:
        props["ReservedConcurrentExecutions"] = int(fn.reserved_concurrency)
    vpc = getattr(fn, "_vpc_config", None)
    if vpc and (vpc.get("SubnetIds") or vpc.get("SecurityGroupIds")):
        props["VpcConfig"] = {
            "SubnetIds": [_subnet_link(s) for s in vpc.get("SubnetIds", [])],
            "SecurityGroupIds": [_sg_link(g) for g in vpc.get("SecurityGroupIds", [])],
        }
    props["Tags"] = [{"Key": k, "Value": v} for k, v in (fn.tags or {}).items() if not k.startswith("aws:")]
    return props


def _table(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[ctx.account_id][ctx.region]
    table = _obj(r, lambda: backend.tables[r.identifier["TableName"]])
    billing = table.billing_mode or "PROVISIONED"
    props: dict[str, Any] = {
        "TableName": table.name,
        "KeySchema": [dict(x) for x in table.schema],
        "AttributeDefinitions": [dict(x) for x in table.attr],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        props["ProvisionedThroughput"] = {
            "ReadCapacityUnits": int(table.throughput.get("ReadCapacityUnits", 1)),
            "WriteCapacityUnits": int(table.throughput.get("WriteCapacityUnits", 1)),
        }
    gsis = [_index(i, billing) for i in table.global_indexes]
    if gsis:
        props["GlobalSecondaryIndexes"] = gsis
    lsis = [_index(i, None) for i in table.indexes]
    if lsis:
        props["LocalSecondaryIndexes"] = lsis
    stream = table.stream_specification or {}
    if stream.get("StreamEnabled"):
        props["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
    if table.ttl and table.ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        props["TimeToLiveSpecification"] = {"AttributeName": table.ttl.get("AttributeName"), "Enabled": True}
    pitr = (table.continuous_backups or {}).get("PointInTimeRecoveryDescription", {})
    props["PointInTimeRecoverySpecification"] = {
        "PointInTimeRecoveryEnabled": pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    }
    if table.sse_specification:
        props["SSESpecification"] = {"SSEEnabled": bool(table.sse_specification.get("Enabled", True))}
    props["DeletionProtectionEnabled"] = bool(table.deletion_protection_enabled)
    tags = [t for t in table.tags if not t["Key"].startswith("aws:")]
    props["Tags"] = [{"Key": t["Key"], "Value": t["Value"]} for t in tags]
    return props


def _index(index: Any, billing: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "IndexName": index.name,
        "KeySchema": [dict(x) for x in index.schema],
        "Projection": dict(index.projection),
    }
    if billing == "PROVISIONED" and getattr(index, "throughput", None):
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": int(index.throughput.get("ReadCapacityUnits", 1)),
            "WriteCapacityUnits": int(index.throughput.get("WriteCapacityUnits", 1)),
        }
    return out


RENDERERS: dict[str, Renderer] = {
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::Subnet": _subnet,
    "AWS::EC2::InternetGateway": _internet_gateway,
    "AWS::EC2::VPCGatewayAttachment": _gateway_attachment,
    "AWS::EC2::RouteTable": _route_table,
    "AWS::EC2::Route": _route,
    "AWS::EC2::SubnetRouteTableAssociation": _route_table_association,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::NetworkAcl": _network_acl,
    "AWS::EC2::SubnetNetworkAclAssociation": _network_acl_association,
    "AWS::EC2::Instance": _instance,
    NETWORK_INTERFACE: _network_interface,
    "AWS::EC2::KeyPair": _key_pair,
    "AWS::S3::Bucket": _bucket,
    "AWS::IAM::Role": _role,
    "AWS::Lambda::Function": _function,
    "AWS::DynamoDB::Table": _table,
}


def supported(type_name: str) -> bool:
    return type_name in RENDERERS


def render(account_id: str, region: str, resource: ScannedResource, full: bool = False) -> dict[str, Any]:
    """The resource's readable, writable properties as a generated template writes them (`full`: also the
    ones it leaves out, for drift detection); values pointing at other resources are `Link`s.

    Raises ResourceGone when moto no longer holds it, KeyError for a type without a renderer."""
    props = RENDERERS[resource.type](_Ctx(account_id, region, full), resource)
    read_only = {
        p.removeprefix("/properties/") for p in provider_schema(resource.type).get("readOnlyProperties", [])
    }
    return {k: v for k, v in props.items() if k not in read_only and v is not None}

"""DeleteStack of a stack that holds imported resources, as the service does it: Retain/RetainExceptOnCreate
resources are kept; the others are deleted in moto's backends in dependency order (references first, then a
type order); what cannot be deleted leaves the stack DELETE_FAILED with the service's reason, and a retry with
RetainResources finishes it. Deletion is supported for the EC2 workshop types, S3 buckets, IAM roles, Lambda
functions and DynamoDB tables; any other imported type with DeletionPolicy Delete fails to delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacgen.localcloud.importing import (
    RETAIN_POLICIES,
    AdoptedResource,
    drop_change_sets,
    names,
    resource_event,
)
from iacgen.localcloud.template_graph import references

# Tie-break for templates without references: dependents before what they depend on.
_DELETE_RANK = {
    "AWS::EC2::Instance": 0,
    "AWS::Lambda::Function": 0,
    "AWS::EC2::Route": 1,
    "AWS::EC2::SubnetRouteTableAssociation": 1,
    "AWS::EC2::SubnetNetworkAclAssociation": 1,
    "AWS::EC2::VPCGatewayAttachment": 1,
    "AWS::EC2::SecurityGroup": 2,
    "AWS::EC2::NetworkInterface": 1,
    "AWS::EC2::KeyPair": 2,
    "AWS::EC2::Subnet": 3,
    "AWS::EC2::RouteTable": 4,
    "AWS::EC2::InternetGateway": 4,
    "AWS::EC2::NetworkAcl": 4,
    "AWS::EC2::VPC": 5,
}


def delete_imported_stack(backend: Any, stack: Any, retain: set[str]) -> None:
    """Delete like the service: dependents first; Retain keeps the resource; a failure blocks what the failed
    resource depends on and leaves the stack DELETE_FAILED."""
    resource_map = stack.resource_map
    json_map: dict[str, Any] = dict(resource_map._resource_json_map)
    account, region = stack.account_id, stack.region_name
    stack.status = "DELETE_IN_PROGRESS"
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    deps = {lid: references(res) & set(json_map) - {lid} for lid, res in json_map.items()}
    pending = sorted(json_map, key=lambda lid: (_DELETE_RANK.get(json_map[lid]["Type"], 3), lid))
    errors: dict[str, str] = {}
    progress = True
    while pending and progress:
        progress = False
        for lid in list(pending):
            if any(lid in deps[other] for other in pending if other != lid):
                continue  # something still standing refers to it
            resource = resource_map._parsed_resources.get(lid)
            type_name = json_map[lid]["Type"]
            physical = getattr(resource, "physical_resource_id", "") or ""
            policy = json_map[lid].get("DeletionPolicy", "Delete")
            if lid in retain or policy in RETAIN_POLICIES:
                resource_event(stack, lid, physical, type_name, "DELETE_SKIPPED")
            elif resource is not None and not isinstance(resource, str):
                if lid not in errors:
                    resource_event(stack, lid, physical, type_name, "DELETE_IN_PROGRESS")
                try:
                    _delete_one(resource_map, resource, json_map[lid], account, region)
                except Exception as exc:
                    errors[lid] = _error_text(exc)
                    continue
                errors.pop(lid, None)
                resource_event(stack, lid, physical, type_name, "DELETE_COMPLETE")
            pending.remove(lid)
            resource_map._parsed_resources.pop(lid, None)
            progress = True
    for lid, reason in errors.items():
        resource = resource_map._parsed_resources.get(lid)
        physical = getattr(resource, "physical_resource_id", "") or ""
        resource_event(stack, lid, physical, json_map[lid]["Type"], "DELETE_FAILED", reason=reason)
    resource_map._resource_json_map = {lid: json_map[lid] for lid in pending}
    if pending:
        failed = [lid for lid in pending if lid in errors] or pending
        reason = f"The following resource(s) failed to delete: {names(failed)}. "
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)
        stack.status = "DELETE_FAILED"
        stack.stack_status_reason = reason
        return
    stack._add_stack_event("DELETE_COMPLETE")
    stack.status = "DELETE_COMPLETE"
    stack.stack_status_reason = None
    backend.stacks.pop(stack.stack_id, None)
    backend.deleted_stacks[stack.stack_id] = stack
    for export in list(stack.exports):
        backend.exports.pop(export.name, None)
    drop_change_sets(backend, stack.stack_id)


def _error_text(exc: BaseException) -> str:
    code = getattr(exc, "code", None) or getattr(exc, "error_type", None) or type(exc).__name__
    message = getattr(exc, "message", None) or str(exc)
    return f"{message} (Service: moto, Error Code: {code})"


def _delete_one(
    resource_map: Any, resource: Any, resource_json: dict[str, Any], account: str, region: str
) -> None:
    if not isinstance(resource, AdoptedResource):
        resource_map._delete_resource(resource, resource_json)  # created by moto: its own delete path
        return
    deleter = DELETERS.get(resource.cf_resource_type)
    if deleter is None:
        raise DeleteRefused(
            "UnsupportedDelete",
            f"the local cloud cannot delete {resource.cf_resource_type}; set DeletionPolicy Retain",
        )
    deleter(account, region, resource)


class DeleteRefused(Exception):
    """What EC2 (or another service) would answer to a delete that can't go ahead."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _ec2(account: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


def _live_instances(ec2: Any) -> list[Any]:
    return [i for i in ec2.all_instances() if i.state not in ("terminated", "shutting-down")]


def _delete_instance(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    ids = [i.id for i in ec2.all_instances() if i.id == res.physical_resource_id]
    if ids:
        ec2.terminate_instances(ids)


def _delete_key_pair(account: str, region: str, res: AdoptedResource) -> None:
    _ec2(account, region).delete_key_pair(res.physical_resource_id)


def _delete_security_group(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    group = ec2.get_security_group_from_id(res.physical_resource_id)
    if group is None:
        return
    if group.name == "default":
        raise DeleteRefused("CannotDelete", f"the default security group {group.id} cannot be deleted")
    for instance in _live_instances(ec2):
        if any(getattr(g, "id", g) == group.id for g in instance.security_groups):
            raise DeleteRefused("DependencyViolation", f"resource {group.id} has a dependent object")
    ec2.delete_security_group(group_id=group.id)


def _delete_subnet(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    subnet_id = res.physical_resource_id
    if not any(subnet_id in subnets for subnets in ec2.subnets.values()):
        return
    if any(i.subnet_id == subnet_id for i in _live_instances(ec2)):
        raise DeleteRefused(
            "DependencyViolation", f"The subnet '{subnet_id}' has dependencies and cannot be deleted."
        )
    for table in ec2.route_tables.values():  # EC2 drops a deleted subnet's associations with it
        for assoc_id in [a for a, s in table._associations.items() if s == subnet_id]:
            del table._associations[assoc_id]
    for acl in ec2.network_acls.values():
        for assoc_id in [a for a, v in acl._associations.items() if v.subnet_id == subnet_id]:
            del acl._associations[assoc_id]
    ec2.delete_subnet(subnet_id)


def _delete_route_table(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    table = ec2.route_tables.get(res.physical_resource_id)
    if table is None:
        return
    if table.main_association_id is not None:
        raise DeleteRefused("DependencyViolation", f"the main route table {table.id} cannot be deleted")
    ec2.delete_route_table(table.id)


def _delete_route(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    table_id, cidr = res.identifier["RouteTableId"], res.identifier["CidrBlock"]
    table = ec2.route_tables.get(table_id)
    route = (
        next((r for r in table._routes.values() if r.destination_cidr_block == cidr), None) if table else None
    )
    if route is None:
        return
    if route.local:
        raise DeleteRefused(
            "InvalidParameterValue", f"cannot remove local route {cidr} in route table {table_id}"
        )
    ec2.delete_route(table_id, cidr)


def _delete_network_interface(account: str, region: str, res: AdoptedResource) -> None:
    """An instance's primary interface goes with the instance (deleted first: it refers to the interface);
    one still attached is refused as EC2 refuses it."""
    ec2 = _ec2(account, region)
    eni = ec2.enis.get(res.physical_resource_id)
    if eni is None:
        return
    instance = getattr(eni, "instance", None)
    if instance is not None and instance.state not in ("terminated", "shutting-down"):
        raise DeleteRefused("InvalidNetworkInterface.InUse", f"Interface: [{eni.id}] in use.")
    ec2.delete_network_interface(eni.id)


def _delete_route_table_association(account: str, region: str, res: AdoptedResource) -> None:
    _ec2(account, region).disassociate_route_table(res.physical_resource_id)


def _delete_internet_gateway(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    if res.physical_resource_id in ec2.internet_gateways:
        ec2.delete_internet_gateway(res.physical_resource_id)


def _delete_gateway_attachment(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    vpc_id = res.identifier["VpcId"]
    for igw in ec2.internet_gateways.values():
        if igw.vpc is not None and igw.vpc.id == vpc_id:
            ec2.detach_internet_gateway(igw.id, vpc_id)


def _delete_network_acl(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    acl = ec2.network_acls.get(res.physical_resource_id)
    if acl is None:
        return
    if acl.default:
        raise DeleteRefused("InvalidParameterValue", f"cannot delete default network ACL {acl.id}")
    ec2.delete_network_acl(acl.id)


def _delete_network_acl_association(account: str, region: str, res: AdoptedResource) -> None:
    """The service's handler moves the subnet back to its VPC's default ACL (a no-op on the default ACL)."""
    ec2 = _ec2(account, region)
    assoc_id = res.physical_resource_id
    for acl in ec2.network_acls.values():
        if assoc_id in acl._associations and not acl.default:
            default = next(a for a in ec2.network_acls.values() if a.default and a.vpc_id == acl.vpc_id)
            ec2.replace_network_acl_association(assoc_id, default.id)
            return


def _delete_vpc(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    vpc_id = res.physical_resource_id
    if vpc_id not in ec2.vpcs:
        return
    attached = [
        igw.id for igw in ec2.internet_gateways.values() if igw.vpc is not None and igw.vpc.id == vpc_id
    ]
    groups = [g.id for g in ec2.groups.get(vpc_id, {}).values() if g.name != "default"]
    custom_acls = [a.id for a in ec2.network_acls.values() if a.vpc_id == vpc_id and not a.default]
    if attached or groups or custom_acls:
        raise DeleteRefused(
            "DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
        )
    ec2.delete_vpc(vpc_id)
    for acl_id in [a.id for a in ec2.network_acls.values() if a.vpc_id == vpc_id]:
        ec2.network_acls.pop(acl_id, None)


def _delete_bucket(account: str, region: str, res: AdoptedResource) -> None:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    s3 = s3_backends[account][get_partition(region)]
    if res.physical_resource_id in s3.buckets:
        s3.delete_bucket(res.physical_resource_id)
        if res.physical_resource_id in s3.buckets:
            raise DeleteRefused("BucketNotEmpty", f"The bucket {res.physical_resource_id} is not empty")


def _delete_role(account: str, region: str, res: AdoptedResource) -> None:
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    iam = iam_backends[account][get_partition(region)]
    if any(role.name == res.physical_resource_id for role in iam.roles.values()):
        iam.delete_role(res.physical_resource_id)


def _delete_function(account: str, region: str, res: AdoptedResource) -> None:
    from moto.awslambda.models import lambda_backends

    backend = lambda_backends[account][region]
    if backend.get_function(res.physical_resource_id) is not None:
        backend.delete_function(res.physical_resource_id)


def _delete_table(account: str, region: str, res: AdoptedResource) -> None:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[account][region]
    if res.physical_resource_id in backend.tables:
        backend.delete_table(res.physical_resource_id)


DELETERS: dict[str, Callable[[str, str, AdoptedResource], None]] = {
    "AWS::EC2::Instance": _delete_instance,
    "AWS::EC2::KeyPair": _delete_key_pair,
    "AWS::EC2::SecurityGroup": _delete_security_group,
    "AWS::EC2::Subnet": _delete_subnet,
    "AWS::EC2::RouteTable": _delete_route_table,
    "AWS::EC2::Route": _delete_route,
    "AWS::EC2::NetworkInterface": _delete_network_interface,
    "AWS::EC2::SubnetRouteTableAssociation": _delete_route_table_association,
    "AWS::EC2::InternetGateway": _delete_internet_gateway,
    "AWS::EC2::VPCGatewayAttachment": _delete_gateway_attachment,
    "AWS::EC2::NetworkAcl": _delete_network_acl,
    "AWS::EC2::SubnetNetworkAclAssociation": _delete_network_acl_association,
    "AWS::EC2::VPC": _delete_vpc,
    "AWS::S3::Bucket": _delete_bucket,
    "AWS::IAM::Role": _delete_role,
    "AWS::Lambda::Function": _delete_function,
    "AWS::DynamoDB::Table": _delete_table,
}

"""What the local cloud's scan finds, the relation graph, and stack ownership: against moto state seeded
through boto3, with exact identifiers."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3

from iacgen.localcloud import inventory as inv
from iacgen.localcloud.inventory import ScannedResource

ACCOUNT = "123456789012"
REGION = "us-east-1"

Ref = tuple[str, str]


def refs(resources: list[ScannedResource]) -> set[Ref]:
    return {r.ref for r in resources}


def scan_refs() -> set[Ref]:
    return refs(inv.scan(ACCOUNT, REGION))


def neighbours(type_name: str, key: str) -> set[Ref]:
    resource = next(r for r in inv.scan(ACCOUNT, REGION) if r.ref == (type_name, key))
    return refs(inv.related(ACCOUNT, REGION, resource))


def ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


def _default_sg(vpc_id: str) -> str:
    groups = ec2().describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return str(groups[0]["GroupId"])


def _main_route_table(vpc_id: str) -> str:
    tables = ec2().describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    return str(tables[0]["RouteTableId"])


def _image_id() -> str:
    """An AMI id straight from moto (describe_images over all of moto's AMIs costs seconds)."""
    from moto.ec2.models import ec2_backends

    return str(next(iter(ec2_backends[ACCOUNT][REGION].amis)))


def test_workshop_scan_identifiers_objects_and_edges(cloud: None) -> None:
    """One seed, many checks: seeding the workshop costs seconds."""
    from iacgen.localcloud.scenarios import seed_workshop

    before = scan_refs()  # moto's default VPC and its subnets, SG, NACL, main route table
    assert any(t == inv.VPC for t, _ in before), "the default VPC is a real resource and is scanned"
    w = seed_workshop(region=REGION)
    route, attachment_key = f"{w.route_table_id}|0.0.0.0/0", f"IGW|{w.vpc_id}"
    main_rtb, default_sg = _main_route_table(w.vpc_id), _default_sg(w.vpc_id)
    resources = inv.scan(ACCOUNT, REGION)
    assert refs(resources) - before == {
        (inv.VPC, w.vpc_id),
        (inv.SUBNET, w.subnet_id),
        (inv.IGW, w.internet_gateway_id),
        (inv.ATTACHMENT, attachment_key),
        (inv.ROUTE_TABLE, w.route_table_id),
        (inv.ROUTE_TABLE, main_rtb),
        (inv.ROUTE, route),
        (inv.ROUTE, f"{w.route_table_id}|10.0.0.0/16"),  # local routes are scanned, as the service does
        (inv.ROUTE, f"{main_rtb}|10.0.0.0/16"),
        (inv.NETWORK_INTERFACE, w.network_interface_id),  # the instance's primary interface
        (inv.RT_ASSOCIATION, w.route_table_association_id),  # the main association is not either
        (inv.SECURITY_GROUP, w.security_group_id),
        (inv.SECURITY_GROUP, default_sg),
        (inv.NETWORK_ACL, w.network_acl_id),
        (inv.ACL_ASSOCIATION, w.network_acl_association_id),
        (inv.INSTANCE, w.instance_id),
        (inv.KEY_PAIR, w.key_name),
    }
    assert len(resources) == len(refs(resources)), "no resource is listed twice"

    # identifiers follow the provider schemas; obj is what the template side renders from
    by_ref = {r.ref: r for r in resources}
    assert by_ref[(inv.ROUTE, route)].identifier == {
        "RouteTableId": w.route_table_id,
        "CidrBlock": "0.0.0.0/0",
    }
    assert by_ref[(inv.ATTACHMENT, attachment_key)].identifier == {"AttachmentType": "IGW", "VpcId": w.vpc_id}
    assert by_ref[(inv.SECURITY_GROUP, w.security_group_id)].identifier == {"Id": w.security_group_id}
    assert by_ref[(inv.ACL_ASSOCIATION, w.network_acl_association_id)].identifier == {
        "AssociationId": w.network_acl_association_id
    }
    assert by_ref[(inv.KEY_PAIR, w.key_name)].identifier == {"KeyName": "workshop-key"}
    assert by_ref[(inv.KEY_PAIR, w.key_name)].tags == {"Name": "workshop"}
    instance = by_ref[(inv.INSTANCE, w.instance_id)]
    assert instance.tags == {"Name": "workshop"}
    assert instance.obj.id == w.instance_id
    attachment = by_ref[(inv.ATTACHMENT, attachment_key)].obj
    assert (attachment.gateway.id, attachment.vpc.id) == (w.internet_gateway_id, w.vpc_id)
    association = by_ref[(inv.RT_ASSOCIATION, w.route_table_association_id)].obj
    assert (association.route_table.id, association.subnet.id) == (w.route_table_id, w.subnet_id)
    acl_association = by_ref[(inv.ACL_ASSOCIATION, w.network_acl_association_id)].obj
    assert (acl_association.network_acl.id, acl_association.subnet.id) == (w.network_acl_id, w.subnet_id)
    assert by_ref[(inv.ROUTE, route)].obj.route_table.id == w.route_table_id

    # a scan of chosen types
    only = inv.scan(ACCOUNT, REGION, types=[inv.INSTANCE, inv.KEY_PAIR])
    assert refs(only) == {(inv.INSTANCE, w.instance_id), (inv.KEY_PAIR, "workshop-key")}

    # find
    found = inv.find(ACCOUNT, REGION, inv.ROUTE, {"RouteTableId": w.route_table_id, "CidrBlock": "0.0.0.0/0"})
    assert found is not None and found.key == route
    assert inv.find(ACCOUNT, REGION, inv.INSTANCE, {"InstanceId": "i-0000000000000000"}) is None
    assert inv.find(ACCOUNT, REGION, "AWS::EKS::Cluster", {"Name": "x"}) is None
    local_route = {"RouteTableId": w.route_table_id, "CidrBlock": "10.0.0.0/16"}
    local = inv.find(ACCOUNT, REGION, inv.ROUTE, local_route)
    assert local is not None and local.obj.local
    assert neighbours(inv.ROUTE, local.key) == {(inv.ROUTE_TABLE, w.route_table_id), (inv.VPC, w.vpc_id)}

    # the relation graph, both directions
    assert neighbours(inv.INSTANCE, w.instance_id) == {
        (inv.SUBNET, w.subnet_id),
        (inv.SECURITY_GROUP, w.security_group_id),
        (inv.KEY_PAIR, w.key_name),
        (inv.NETWORK_INTERFACE, w.network_interface_id),
    }
    assert neighbours(inv.NETWORK_INTERFACE, w.network_interface_id) == {
        (inv.INSTANCE, w.instance_id),
        (inv.SUBNET, w.subnet_id),
        (inv.SECURITY_GROUP, w.security_group_id),
    }
    assert neighbours(inv.KEY_PAIR, w.key_name) == {(inv.INSTANCE, w.instance_id)}
    assert neighbours(inv.ROUTE, route) == {
        (inv.ROUTE_TABLE, w.route_table_id),
        (inv.IGW, w.internet_gateway_id),
    }
    assert neighbours(inv.IGW, w.internet_gateway_id) == {
        (inv.ATTACHMENT, attachment_key),
        (inv.ROUTE, route),
    }
    assert neighbours(inv.ROUTE_TABLE, w.route_table_id) == {
        (inv.VPC, w.vpc_id),
        (inv.ROUTE, route),
        (inv.ROUTE, local.key),
        (inv.RT_ASSOCIATION, w.route_table_association_id),
    }
    assert neighbours(inv.SUBNET, w.subnet_id) == {
        (inv.VPC, w.vpc_id),
        (inv.RT_ASSOCIATION, w.route_table_association_id),
        (inv.ACL_ASSOCIATION, w.network_acl_association_id),
        (inv.INSTANCE, w.instance_id),
        (inv.NETWORK_INTERFACE, w.network_interface_id),
    }
    assert neighbours(inv.NETWORK_ACL, w.network_acl_id) == {
        (inv.VPC, w.vpc_id),
        (inv.ACL_ASSOCIATION, w.network_acl_association_id),
    }
    assert neighbours(inv.VPC, w.vpc_id) == {
        (inv.SUBNET, w.subnet_id),
        (inv.ATTACHMENT, attachment_key),
        (inv.ROUTE_TABLE, w.route_table_id),
        (inv.ROUTE_TABLE, main_rtb),
        (inv.SECURITY_GROUP, w.security_group_id),
        (inv.SECURITY_GROUP, default_sg),
        (inv.NETWORK_ACL, w.network_acl_id),
        (inv.ROUTE, local.key),
        (inv.ROUTE, f"{main_rtb}|10.0.0.0/16"),
    }


def test_app_world_tags_and_cross_service_edges(app_world: Any) -> None:
    a = app_world
    by_ref = {r.ref: r for r in inv.scan(ACCOUNT, REGION)}
    assert by_ref[(inv.ROLE, a.role_name)].tags == {"team": "data"}
    assert by_ref[(inv.FUNCTION, a.function_name)].tags == {"team": "data"}
    assert by_ref[(inv.TABLE, a.table_name)].tags == {"team": "data"}
    assert by_ref[(inv.BUCKET, a.bucket_name)].tags == {"team": "data"}
    assert by_ref[(inv.VPC, a.web_vpc_id)].tags == {"Name": "web", "team": "web"}
    assert by_ref[(inv.FUNCTION, a.function_name)].identifier == {"FunctionName": "orders-handler"}
    assert by_ref[(inv.BUCKET, a.bucket_name)].identifier == {"BucketName": a.bucket_name}
    refs_ = by_ref[(inv.INSTANCE, a.web_instance_id)].refs
    assert refs_[:2] == ((inv.SUBNET, a.web_subnet_ids[0]), (inv.SECURITY_GROUP, a.web_security_group_id))
    assert [t for t, _ in refs_[2:]] == [inv.NETWORK_INTERFACE]  # its interface; no key pair: none was given

    assert neighbours(inv.FUNCTION, a.function_name) == {(inv.ROLE, a.role_name)}
    assert neighbours(inv.ROLE, a.role_name) == {(inv.FUNCTION, a.function_name)}
    assert neighbours(inv.TABLE, a.table_name) == set()
    assert neighbours(inv.BUCKET, a.bucket_name) == set()

    from iacgen.localcloud.scenarios import _zip_handler

    role_arn = boto3.client("iam", region_name=REGION).get_role(RoleName=a.role_name)["Role"]["Arn"]
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="in-vpc",
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": _zip_handler()},
        VpcConfig={"SubnetIds": a.web_subnet_ids, "SecurityGroupIds": [a.web_security_group_id]},
    )
    assert neighbours(inv.FUNCTION, "in-vpc") == {
        (inv.ROLE, a.role_name),
        (inv.SUBNET, a.web_subnet_ids[0]),
        (inv.SUBNET, a.web_subnet_ids[1]),
        (inv.SECURITY_GROUP, a.web_security_group_id),
    }
    assert neighbours(inv.ROLE, a.role_name) == {(inv.FUNCTION, a.function_name), (inv.FUNCTION, "in-vpc")}


def test_global_services_and_skips(cloud: None) -> None:
    iam = boto3.client("iam", region_name=REGION)
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=trust)
    iam.create_role(
        RoleName="AWSServiceRoleForX",
        Path="/aws-service-role/x.amazonaws.com/",
        AssumeRolePolicyDocument=trust,
    )
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="in-ireland", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    client = ec2()
    launched = client.run_instances(ImageId=_image_id(), MinCount=2, MaxCount=2)["Instances"]
    ids = [i["InstanceId"] for i in launched]
    client.terminate_instances(InstanceIds=[ids[1]])

    found = scan_refs()
    assert (inv.ROLE, "app-role") in found
    assert (inv.ROLE, "AWSServiceRoleForX") not in found  # service-linked roles are AWS's, not yours
    assert (inv.BUCKET, "in-ireland") not in found  # a bucket is scanned in its own Region only
    assert (inv.INSTANCE, ids[0]) in found
    assert (inv.INSTANCE, ids[1]) not in found  # terminated
    elsewhere = refs(inv.scan(ACCOUNT, "eu-west-1"))
    assert {
        (inv.ROLE, "app-role"),
        (inv.BUCKET, "in-ireland"),
    } <= elsewhere  # IAM is global; the bucket's Region
    assert (inv.INSTANCE, ids[0]) not in elsewhere


def test_graph_is_undirected_and_drops_outside_refs() -> None:
    vpc = ScannedResource(inv.VPC, {"VpcId": "vpc-1"})
    subnet = ScannedResource(
        inv.SUBNET, {"SubnetId": "subnet-1"}, refs=((inv.VPC, "vpc-1"), (inv.VPC, "vpc-1"))
    )
    orphan = ScannedResource(inv.SUBNET, {"SubnetId": "subnet-2"}, refs=((inv.VPC, "vpc-gone"),))
    graph = inv.graph([vpc, subnet, orphan])
    assert graph[vpc.ref] == [subnet]
    assert graph[subnet.ref] == [vpc]  # the duplicate ref gives one edge
    assert graph[orphan.ref] == []


STACK_TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
        "Gw": {"Type": "AWS::EC2::InternetGateway"},
        "Attach": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gw"}},
        },
        "Rtb": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Default": {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": "Rtb"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": {"Ref": "Gw"},
            },
        },
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "owned-by-stack"}},
    }
}


def test_owned_keys_match_scan_keys_of_a_create_stack(cloud: None) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    stack_id = cfn.create_stack(StackName="net", TemplateBody=json.dumps(STACK_TEMPLATE))["StackId"]
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName="net")["StackResources"]
    }
    vpc, rtb = physical["Vpc"], physical["Rtb"]
    owned = inv.owned_keys(ACCOUNT, REGION)
    expected = {
        (inv.VPC, vpc),
        (inv.IGW, physical["Gw"]),
        (inv.ATTACHMENT, f"IGW|{vpc}"),
        (inv.ROUTE_TABLE, rtb),
        (inv.ROUTE, f"{rtb}|0.0.0.0/0"),
        (inv.BUCKET, "owned-by-stack"),
    }
    assert set(owned) == expected
    assert set(owned.values()) == {stack_id}
    assert expected <= scan_refs()  # the same keys the scan uses, so ManagedByStack can match


def test_owned_keys_counts_adopted_resources(cloud: None) -> None:
    """The import override records an adopted resource in the stack's resource map with the scan key as its
    physical id; owned_keys must report it without the resource having been created by the stack."""
    from moto.cloudformation.models import cloudformation_backends

    cfn = boto3.client("cloudformation", region_name=REGION)
    template = {
        "Resources": {"Key": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "placeholder"}}}
    }
    stack_id = cfn.create_stack(StackName="adopter", TemplateBody=json.dumps(template))["StackId"]

    class Adopted:
        cf_resource_type = inv.KEY_PAIR
        physical_resource_id = "handmade"

    stack = cloudformation_backends[ACCOUNT][REGION].stacks[stack_id]
    stack.resource_map._parsed_resources["Adopted"] = Adopted()
    owned = inv.owned_keys(ACCOUNT, REGION)
    assert owned == {(inv.KEY_PAIR, "handmade"): stack_id, (inv.BUCKET, "placeholder"): stack_id}


def _sprawl(vpcs: int, buckets: int) -> None:
    """Each VPC brings its default SG, NACL and main route table (4 resources with edges). Buckets are cheap
    to create in moto, VPCs are not (moto's create_vpc slows down as VPCs accumulate)."""
    from moto.ec2.models import ec2_backends
    from moto.s3.models import s3_backends

    backend = ec2_backends[ACCOUNT][REGION]
    start = len(backend.vpcs)
    for i in range(start, start + vpcs):
        vpc = backend.create_vpc(f"10.{i // 256}.{i % 256}.0/24")
        backend.create_tags([vpc.id], {"n": str(i)})
    s3 = s3_backends[ACCOUNT]["aws"]
    start = len(s3.buckets)
    for i in range(start, start + buckets):
        s3.create_bucket(f"sprawl-{i}", REGION)


def _seconds(fn: Any) -> float:
    """CPU seconds of this process (the best of 3): what other jobs on a busy machine take is not counted,
    so the ratio measures the scan's growth, not the machine's load."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def test_scan_of_a_sprawl_is_linear(cloud: None) -> None:
    def scan_and_graph() -> None:
        inv.graph(inv.scan(ACCOUNT, REGION))
        inv.owned_keys(ACCOUNT, REGION)

    scan_and_graph()  # imports and lazy backends out of the measurement
    _sprawl(150, 1900)  # 2,500 resources
    small = _seconds(scan_and_graph)
    _sprawl(450, 5700)  # 10,000 resources
    assert len(inv.scan(ACCOUNT, REGION)) >= 10_000
    large = _seconds(scan_and_graph)
    assert large < 5.0
    assert large / small < 10, f"4x the resources took {large / small:.1f}x the time"

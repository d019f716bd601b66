"""The local cloud's generated-template operations, through boto3 in-process: rules, errors, time, bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from iacgen.localcloud import settings as local_settings

REGION = "us-east-1"
ACCOUNT = "123456789012"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    workshop: Any
    app: Any


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """One seeded local cloud for the module: seeding costs seconds, and these tests only read moto's state
    (the one that changes it puts it back); each test starts with no generated templates (see `cf`)."""
    from moto import mock_aws

    from iacgen.localcloud import install
    from iacgen.localcloud.scenarios import seed_app, seed_workshop

    install()
    with mock_aws():
        yield World(seed_workshop(region=REGION), seed_app(region=REGION))


@pytest.fixture
def workshop(world: World) -> Any:
    return world.workshop


@pytest.fixture
def app_world(world: World) -> Any:
    return world.app


@pytest.fixture
def cf(world: World) -> Any:
    import boto3
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[ACCOUNT][REGION]
    if hasattr(backend, "_iacgen_generated_templates"):
        delattr(backend, "_iacgen_generated_templates")
    # no retries: a 429 must surface at once, not after botocore's backoff
    return boto3.client(
        "cloudformation", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )


@pytest.fixture
def instant() -> Iterator[None]:
    previous = local_settings.configure(template_seconds=0.0)
    yield
    local_settings.restore(previous)


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    previous = local_settings.configure(clock=fake, template_seconds=10.0)
    yield fake
    local_settings.restore(previous)


def workshop_resources(w: Any) -> list[dict[str, Any]]:
    pairs = [
        ("AWS::EC2::VPC", {"VpcId": w.vpc_id}),
        ("AWS::EC2::Subnet", {"SubnetId": w.subnet_id}),
        ("AWS::EC2::InternetGateway", {"InternetGatewayId": w.internet_gateway_id}),
        ("AWS::EC2::VPCGatewayAttachment", {"AttachmentType": "IGW", "VpcId": w.vpc_id}),
        ("AWS::EC2::RouteTable", {"RouteTableId": w.route_table_id}),
        ("AWS::EC2::Route", {"RouteTableId": w.route_table_id, "CidrBlock": "0.0.0.0/0"}),
        ("AWS::EC2::SubnetRouteTableAssociation", {"Id": w.route_table_association_id}),
        ("AWS::EC2::SecurityGroup", {"Id": w.security_group_id}),
        ("AWS::EC2::KeyPair", {"KeyName": w.key_name}),
        ("AWS::EC2::Instance", {"InstanceId": w.instance_id}),
        ("AWS::EC2::NetworkInterface", {"Id": w.network_interface_id}),
        ("AWS::EC2::NetworkAcl", {"Id": w.network_acl_id}),
        ("AWS::EC2::SubnetNetworkAclAssociation", {"AssociationId": w.network_acl_association_id}),
    ]
    return [{"ResourceType": t, "ResourceIdentifier": i} for t, i in pairs]


WORKSHOP_IDS = {
    "EC2VPC",
    "EC2Subnet",
    "EC2InternetGateway",
    "EC2VPCGatewayAttachment",
    "EC2RouteTable",
    "EC2Route",
    "EC2SubnetRouteTableAssociation",
    "EC2SecurityGroup",
    "EC2KeyPairWorkshopkey",  # a user-given name joins the logical id
    "EC2Instance",
    "EC2NetworkInterface",
    "EC2NetworkAcl",
    "EC2SubnetNetworkAclAssociation",
}


def app_resources(a: Any) -> list[dict[str, Any]]:
    pairs = [
        ("AWS::EC2::VPC", {"VpcId": a.web_vpc_id}),
        *[("AWS::EC2::Subnet", {"SubnetId": s}) for s in a.web_subnet_ids],
        ("AWS::EC2::SecurityGroup", {"Id": a.web_security_group_id}),
        ("AWS::EC2::Instance", {"InstanceId": a.web_instance_id}),
        ("AWS::IAM::Role", {"RoleName": a.role_name}),
        ("AWS::Lambda::Function", {"FunctionName": a.function_name}),
        ("AWS::DynamoDB::Table", {"TableName": a.table_name}),
        ("AWS::S3::Bucket", {"BucketName": a.bucket_name}),
    ]
    return [{"ResourceType": t, "ResourceIdentifier": i} for t, i in pairs]


def wait(cf: Any, name: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = cf.describe_generated_template(GeneratedTemplateName=name)
        if described["Status"] in ("COMPLETE", "FAILED") or time.monotonic() > deadline:
            return described
        time.sleep(0.02)


def body(cf: Any, name: str, fmt: str = "JSON") -> dict[str, Any]:
    text = cf.get_generated_template(GeneratedTemplateName=name, Format=fmt)["TemplateBody"]
    if fmt == "YAML":
        from ruamel.yaml import YAML

        loaded: dict[str, Any] = json.loads(json.dumps(YAML(typ="safe").load(text)))
        return loaded
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def lint_errors(document: dict[str, Any]) -> list[str]:
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(document), config=ManualArgs(regions=[REGION]))
    return [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]


# --- the workshop -----------------------------------------------------------------------------------------


def test_workshop_generates_with_service_ids_and_statuses(cf: Any, workshop: Any) -> None:
    created = cf.create_generated_template(
        GeneratedTemplateName="workshop",
        Resources=workshop_resources(workshop),
        TemplateConfiguration={"DeletionPolicy": "DELETE", "UpdateReplacePolicy": "RETAIN"},
    )
    arn = created["GeneratedTemplateId"]
    assert arn.startswith(f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:generatedTemplate/")
    described = wait(cf, "workshop")
    assert described["Status"] == "COMPLETE"
    assert described["StatusReason"] == "All resources complete"
    assert described["GeneratedTemplateId"] == arn
    assert described["TemplateConfiguration"] == {"DeletionPolicy": "DELETE", "UpdateReplacePolicy": "RETAIN"}
    assert described["Progress"] == {
        "ResourcesSucceeded": 13,
        "ResourcesFailed": 0,
        "ResourcesProcessing": 0,
        "ResourcesPending": 0,
    }
    assert {r["LogicalResourceId"] for r in described["Resources"]} == WORKSHOP_IDS
    assert {r["ResourceStatus"] for r in described["Resources"]} == {"COMPLETE"}
    assert {r["ResourceStatusReason"] for r in described["Resources"]} == {"Resource Template complete"}
    assert "StackId" not in described


def test_workshop_body_properties_refs_and_policies(cf: Any, workshop: Any, instant: None) -> None:
    cf.create_generated_template(
        GeneratedTemplateName="ws",
        Resources=workshop_resources(workshop),
        TemplateConfiguration={"DeletionPolicy": "DELETE"},
    )
    doc = body(cf, "ws")
    res = doc["Resources"]
    assert set(res) == WORKSHOP_IDS
    arn = cf.describe_generated_template(GeneratedTemplateName="ws")["GeneratedTemplateId"]
    assert list(doc) == ["Metadata", "Resources"]  # no AWSTemplateFormatVersion, no Description
    assert doc["Metadata"] == {"AWSToolsMetrics": {"IaC_Generator": arn}}
    for resource in res.values():
        assert list(resource) == ["UpdateReplacePolicy", "Type", "DeletionPolicy", "Properties"]
        assert resource["DeletionPolicy"] == "Delete"
        assert resource["UpdateReplacePolicy"] == "Retain"
    vpc = res["EC2VPC"]["Properties"]
    assert vpc == {
        "CidrBlock": "10.0.0.0/16",
        "EnableDnsHostnames": True,
        "EnableDnsSupport": True,
        "InstanceTenancy": "default",
        "Tags": [{"Key": "Name", "Value": "workshop"}],
    }
    subnet = res["EC2Subnet"]["Properties"]
    assert subnet["VpcId"] == {"Ref": "EC2VPC"}
    assert subnet["CidrBlock"] == "10.0.1.0/24"
    assert subnet["EnableDns64"] is False and subnet["Ipv6Native"] is False
    assert subnet["AvailabilityZoneId"].startswith("use1-az") and "AvailabilityZone" not in subnet
    assert subnet["PrivateDnsNameOptionsOnLaunch"] == {
        "EnableResourceNameDnsARecord": False,
        "HostnameType": "ip-name",
        "EnableResourceNameDnsAAAARecord": False,
    }
    assert res["EC2VPCGatewayAttachment"]["Properties"] == {
        "VpcId": {"Ref": "EC2VPC"},
        "InternetGatewayId": {"Ref": "EC2InternetGateway"},
    }
    assert res["EC2Route"]["Properties"] == {
        "RouteTableId": {"Ref": "EC2RouteTable"},
        "DestinationCidrBlock": "0.0.0.0/0",
        "GatewayId": {"Ref": "EC2InternetGateway"},
        "VpcEndpointId": workshop.internet_gateway_id,  # the stray the service writes on gateway routes
    }
    assert res["EC2SubnetRouteTableAssociation"]["Properties"] == {
        "RouteTableId": {"Ref": "EC2RouteTable"},
        "SubnetId": {"Ref": "EC2Subnet"},
    }
    sg = res["EC2SecurityGroup"]["Properties"]
    assert (sg["GroupDescription"], sg["GroupName"], sg["VpcId"]) == (
        "Allow SSH",
        "workshop-ssh",
        {"Ref": "EC2VPC"},
    )
    assert sg["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}
    ]
    assert sg["SecurityGroupEgress"] == [
        {"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIp": "0.0.0.0/0"}
    ]
    assert res["EC2KeyPairWorkshopkey"]["Properties"]["KeyName"] == "workshop-key"
    instance = res["EC2Instance"]["Properties"]
    assert instance["InstanceType"] == "t3.micro"
    assert "SubnetId" not in instance and "SecurityGroupIds" not in instance
    assert instance["NetworkInterfaces"] == [
        {"NetworkInterfaceId": {"Ref": "EC2NetworkInterface"}, "DeviceIndex": "0"}
    ]
    assert instance["KeyName"] == {"Ref": "EC2KeyPairWorkshopkey"}
    assert instance["CreditSpecification"] == {"CPUCredits": "unlimited"}
    assert instance["PrivateDnsNameOptions"]["HostnameType"] == "ip-name"
    assert instance["BlockDeviceMappings"] == [
        {
            "DeviceName": "/dev/sda1",
            "Ebs": {"VolumeType": "gp2", "VolumeSize": 8, "Encrypted": False, "DeleteOnTermination": True},
        }
    ]
    eni = res["EC2NetworkInterface"]["Properties"]
    assert eni["SubnetId"] == {"Ref": "EC2Subnet"}
    assert eni["GroupSet"] == [{"Ref": "EC2SecurityGroup"}]
    assert eni["Tags"] == []  # empty lists are kept
    assert res["EC2InternetGateway"]["Properties"] == {"Tags": [{"Key": "Name", "Value": "workshop"}]}
    assert res["EC2SubnetNetworkAclAssociation"]["Properties"] == {
        "SubnetId": {"Ref": "EC2Subnet"},
        "NetworkAclId": {"Ref": "EC2NetworkAcl"},
    }
    assert res["EC2NetworkAcl"]["Properties"]["VpcId"] == {"Ref": "EC2VPC"}


def test_ids_outside_the_template_stay_literal(cf: Any, workshop: Any, instant: None) -> None:
    only = [r for r in workshop_resources(workshop) if r["ResourceType"] == "AWS::EC2::Instance"]
    cf.create_generated_template(GeneratedTemplateName="one", Resources=only)
    instance = body(cf, "one")["Resources"]["EC2Instance"]["Properties"]
    assert instance["NetworkInterfaces"][0]["NetworkInterfaceId"] == workshop.network_interface_id
    assert instance["KeyName"] == workshop.key_name


def test_read_only_and_write_only_properties_never_appear(
    cf: Any, workshop: Any, app_world: Any, instant: None
) -> None:
    from iacgen.localcloud.schemas import provider_schema, write_only_paths

    cf.create_generated_template(
        GeneratedTemplateName="all", Resources=workshop_resources(workshop) + app_resources(app_world)
    )
    described = wait(cf, "all")
    assert described["Status"] == "COMPLETE", described["StatusReason"]
    for resource in body(cf, "all")["Resources"].values():
        schema = provider_schema(resource["Type"])
        read_only = {p.removeprefix("/properties/") for p in schema.get("readOnlyProperties", [])}
        top_write_only = {p for p in write_only_paths(resource["Type"]) if "/" not in p}
        assert not (set(resource["Properties"]) & (read_only | top_write_only)), resource["Type"]


def test_workshop_warnings_only_on_instance_and_subnet(cf: Any, workshop: Any, instant: None) -> None:
    from iacgen.localcloud.schemas import provider_schema

    cf.create_generated_template(GeneratedTemplateName="ws", Resources=workshop_resources(workshop))
    described = wait(cf, "ws")
    warned = {r["LogicalResourceId"]: r["Warnings"] for r in described["Resources"] if r["Warnings"]}
    # the interface's warning comes from a property newer than the workshop's account (schema-derived)
    assert set(warned) == {"EC2Instance", "EC2Subnet", "EC2NetworkInterface"}
    assert described["TotalWarnings"] == 3
    assert [p["PropertyPath"] for p in warned["EC2NetworkInterface"][0]["Properties"]] == [
        "PublicIpDnsHostnameTypeSpecification"
    ]
    assert [w["Type"] for w in warned["EC2Instance"]] == ["UNSUPPORTED_PROPERTIES"]
    instance_paths = {p["PropertyPath"] for p in warned["EC2Instance"][0]["Properties"]}
    assert instance_paths == {
        "AdditionalInfo",
        "Ipv6AddressCount",
        "Ipv6Addresses",
        "LicenseSpecifications",
        "PropagateTagsToVolumeOnCreation",
    }
    assert all(p["Required"] is False for p in warned["EC2Instance"][0]["Properties"])
    subnet_warning = warned["EC2Subnet"][0]
    assert subnet_warning["Type"] == "UNSUPPORTED_PROPERTIES"
    assert [p["PropertyPath"] for p in subnet_warning["Properties"]] == ["EnableLniAtDeviceIndex"]
    schema_text = provider_schema("AWS::EC2::Subnet")["properties"]["EnableLniAtDeviceIndex"]["description"]
    assert subnet_warning["Properties"][0]["Description"] == schema_text


def test_workshop_and_app_templates_pass_cfn_lint(
    cf: Any, workshop: Any, app_world: Any, instant: None
) -> None:
    cf.create_generated_template(
        GeneratedTemplateName="ws",
        Resources=workshop_resources(workshop),
        TemplateConfiguration={"DeletionPolicy": "DELETE"},
    )
    cf.create_generated_template(GeneratedTemplateName="app", Resources=app_resources(app_world))
    assert wait(cf, "app")["Status"] == "COMPLETE"
    assert lint_errors(body(cf, "ws", "YAML")) == []
    assert lint_errors(body(cf, "app")) == []


def test_yaml_is_long_form_and_equals_json(cf: Any, workshop: Any, instant: None) -> None:
    cf.create_generated_template(GeneratedTemplateName="ws", Resources=workshop_resources(workshop))
    text = cf.get_generated_template(GeneratedTemplateName="ws", Format="YAML")["TemplateBody"]
    assert "!Ref" not in text and "!GetAtt" not in text
    assert 'CidrBlock: "10.0.0.0/16"' in text
    assert text.startswith('---\nMetadata:\n  AWSToolsMetrics:\n    IaC_Generator: "arn:aws:cloudformation:')
    assert (
        '    UpdateReplacePolicy: "Retain"\n    Type: "AWS::EC2::VPC"\n    DeletionPolicy: "Retain"\n' in text
    )
    assert '      Tags:\n      - Value: "workshop"\n        Key: "Name"\n' in text  # sequences not indented
    assert "FromPort: -1\n" in text and "EnableDnsSupport: true\n" in text  # numbers and booleans bare
    assert body(cf, "ws", "YAML") == body(cf, "ws", "JSON")


def test_default_configuration_is_retain(cf: Any, workshop: Any, instant: None) -> None:
    cf.create_generated_template(GeneratedTemplateName="ws", Resources=workshop_resources(workshop)[:2])
    described = cf.describe_generated_template(GeneratedTemplateName="ws")
    assert described["TemplateConfiguration"] == {"DeletionPolicy": "RETAIN", "UpdateReplacePolicy": "RETAIN"}
    for resource in body(cf, "ws")["Resources"].values():
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


# --- the app world: Lambda, IAM, several of a type ---------------------------------------------------------


def test_lambda_code_is_mutually_exclusive_with_oneof_parameters(
    cf: Any, app_world: Any, instant: None
) -> None:
    resources = [
        r
        for r in app_resources(app_world)
        if r["ResourceType"] in ("AWS::IAM::Role", "AWS::Lambda::Function")
    ]
    cf.create_generated_template(GeneratedTemplateName="fn", Resources=resources)
    described = wait(cf, "fn")
    fn = next(r for r in described["Resources"] if r["ResourceType"] == "AWS::Lambda::Function")
    assert [w["Type"] for w in fn["Warnings"]] == ["UNSUPPORTED_PROPERTIES", "MUTUALLY_EXCLUSIVE_PROPERTIES"]
    by_type = {w["Type"]: w["Properties"] for w in fn["Warnings"]}
    assert [(p["PropertyPath"], p["Required"]) for p in by_type["MUTUALLY_EXCLUSIVE_PROPERTIES"]] == [
        ("Code/S3Bucket", True),
        ("Code/S3Key", True),
    ]
    unsupported = [p["PropertyPath"] for p in by_type["UNSUPPORTED_PROPERTIES"]]
    assert unsupported[:2] == ["SnapStart/ApplyOn", "Code/S3ObjectVersion"]
    assert not set(unsupported) & {"Code/ImageUri", "Code/ZipFile"}
    assert described["TotalWarnings"] == 2
    doc = body(cf, "fn")
    params = doc["Parameters"]
    assert len(params) == 2
    fn_id = "LambdaFunctionOrdershandler"  # the function's name joins the logical id
    for path in ("CodeS3Bucket", "CodeS3Key"):
        name = next(n for n in params if n.startswith(f"{fn_id}{path}OneOf"))
        assert len(name) == len(f"{fn_id}{path}OneOf") + 5 and name[-5:].isalnum()
        assert params[name]["NoEcho"] == "true" and params[name]["Type"] == "String"
        assert "Default" not in params[name]
        assert params[name]["Description"].endswith(
            "\nThis property can be replaced with other exclusive properties"
        )
    assert body(cf, "fn")["Parameters"].keys() == params.keys()  # names are stable across reads
    props = doc["Resources"][fn_id]["Properties"]
    code_refs = {props["Code"]["S3Bucket"]["Ref"], props["Code"]["S3Key"]["Ref"]}
    assert code_refs == set(params)
    assert set(props["Code"]) == {"S3Bucket", "S3Key"}
    assert props["Role"] == {"Fn::GetAtt": ["IAMRoleOrdersfnrole", "Arn"]}
    assert props["Environment"] == {"Variables": {"TABLE": "orders"}}
    role = doc["Resources"]["IAMRoleOrdersfnrole"]["Properties"]
    assert role["RoleName"] == "orders-fn-role"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    assert lint_errors(doc) == []


def test_lambda_role_outside_template_is_the_literal_arn(cf: Any, app_world: Any, instant: None) -> None:
    fn = [r for r in app_resources(app_world) if r["ResourceType"] == "AWS::Lambda::Function"]
    cf.create_generated_template(GeneratedTemplateName="fn", Resources=fn)
    props = body(cf, "fn")["Resources"]["LambdaFunctionOrdershandler"]["Properties"]
    assert props["Role"] == f"arn:aws:iam::{ACCOUNT}:role/{app_world.role_name}"


def test_several_of_a_type_get_name_suffixes_stable_across_updates(
    cf: Any, app_world: Any, instant: None
) -> None:
    subnets = [
        {"ResourceType": "AWS::EC2::Subnet", "ResourceIdentifier": {"SubnetId": s}}
        for s in app_world.web_subnet_ids
    ]
    vpc = {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": app_world.web_vpc_id}}
    cf.create_generated_template(GeneratedTemplateName="net", Resources=[vpc, *subnets])
    first = {r["LogicalResourceId"]: r["ResourceIdentifier"] for r in wait(cf, "net")["Resources"]}
    assert first == {
        "EC2VPC": {"VpcId": app_world.web_vpc_id},
        "EC2SubnetWebA": {"SubnetId": app_world.web_subnet_ids[0]},
        "EC2SubnetWebB": {"SubnetId": app_world.web_subnet_ids[1]},
    }
    cf.update_generated_template(
        GeneratedTemplateName="net",
        AddResources=[
            {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": app_world.data_vpc_id}},
            {
                "ResourceType": "AWS::EC2::Subnet",
                "ResourceIdentifier": {"SubnetId": app_world.data_subnet_id},
            },
        ],
    )
    second = {r["LogicalResourceId"]: r["ResourceIdentifier"] for r in wait(cf, "net")["Resources"]}
    assert {k: v for k, v in second.items() if k in first} == first
    assert second["EC2VPCData"] == {"VpcId": app_world.data_vpc_id}
    assert second["EC2SubnetDataA"] == {"SubnetId": app_world.data_subnet_id}
    doc = body(cf, "net")
    assert doc["Resources"]["EC2SubnetDataA"]["Properties"]["VpcId"] == {"Ref": "EC2VPCData"}


def test_caller_logical_ids_are_kept_and_checked(cf: Any, workshop: Any, instant: None) -> None:
    resources = workshop_resources(workshop)[:2]
    resources[0]["LogicalResourceId"] = "MyVpc"
    cf.create_generated_template(GeneratedTemplateName="ids", Resources=resources)
    assert set(body(cf, "ids")["Resources"]) == {"MyVpc", "EC2Subnet"}
    assert body(cf, "ids")["Resources"]["EC2Subnet"]["Properties"]["VpcId"] == {"Ref": "MyVpc"}
    resources[1]["LogicalResourceId"] = "Bad-Id"
    with pytest.raises(ClientError) as exc:
        cf.create_generated_template(GeneratedTemplateName="ids2", Resources=resources)
    assert error_code(exc) == ("ValidationError", 400)


# --- rules and errors ------------------------------------------------------------------------------------


def test_duplicate_name_already_exists(cf: Any, workshop: Any, instant: None) -> None:
    cf.create_generated_template(GeneratedTemplateName="dup", Resources=workshop_resources(workshop)[:1])
    with pytest.raises(cf.exceptions.AlreadyExistsException):
        cf.create_generated_template(GeneratedTemplateName="dup", Resources=workshop_resources(workshop)[:1])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"GeneratedTemplateName": "x" * 129},
        {"Resources": [{"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"Id": "vpc-1"}}]},
        {"Resources": [{"ResourceType": "AWS::Nope::Thing", "ResourceIdentifier": {"Id": "1"}}]},
        {
            "Resources": [
                {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": "vpc-1"}},
                {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": "vpc-1"}},
            ]
        },
        {"TemplateConfiguration": {"DeletionPolicy": "SNAPSHOT"}},
        {"StackName": "no-such-stack"},
        {
            "Resources": [
                {"ResourceType": "AWS::EC2::KeyPair", "ResourceIdentifier": {"KeyName": f"k{i}"}}
                for i in range(501)
            ]
        },
    ],
    ids=[
        "name-too-long",
        "wrong-identifier-key",
        "unknown-type",
        "duplicate",
        "bad-policy",
        "no-stack",
        "501",
    ],
)
def test_create_validation_errors(cf: Any, kwargs: dict[str, Any]) -> None:
    args = {"GeneratedTemplateName": "t", **kwargs}
    with pytest.raises(ClientError) as exc:
        cf.create_generated_template(**args)
    assert error_code(exc) == ("ValidationError", 400)
    assert cf.list_generated_templates()["Summaries"] == []


def test_unknown_template_not_found_by_name_or_arn(cf: Any, workshop: Any, instant: None) -> None:
    arn = cf.create_generated_template(
        GeneratedTemplateName="real", Resources=workshop_resources(workshop)[:1]
    )["GeneratedTemplateId"]
    for spelled in (arn, arn.replace("generatedtemplate/", "generatedTemplate/")):
        assert (
            cf.describe_generated_template(GeneratedTemplateName=spelled)["GeneratedTemplateName"] == "real"
        )
    missing = arn[:-4] + "0000"
    calls = [
        lambda n: cf.describe_generated_template(GeneratedTemplateName=n),
        lambda n: cf.get_generated_template(GeneratedTemplateName=n),
        lambda n: cf.update_generated_template(GeneratedTemplateName=n, RefreshAllResources=True),
        lambda n: cf.delete_generated_template(GeneratedTemplateName=n),
    ]
    for call in calls:
        for name in ("nope", missing):
            with pytest.raises(cf.exceptions.GeneratedTemplateNotFoundException) as exc:
                call(name)
            assert error_code(exc) == ("GeneratedTemplateNotFound", 404)


def test_stack_template_is_the_starting_point(cf: Any, workshop: Any, instant: None) -> None:
    base = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "existing-queue"}}},
    }
    stack_id = cf.create_stack(StackName="base", TemplateBody=json.dumps(base))["StackId"]
    cf.create_generated_template(
        GeneratedTemplateName="grow", StackName="base", Resources=workshop_resources(workshop)[:1]
    )
    described = wait(cf, "grow")
    assert described["StackId"] == stack_id
    assert set(body(cf, "grow")["Resources"]) == {"Queue", "EC2VPC"}
    assert body(cf, "grow")["Resources"]["Queue"] == base["Resources"]["Queue"]


def test_template_quota_of_one_thousand(cf: Any, instant: None) -> None:
    from iacgen.localcloud import generating

    for i in range(1000):
        generating.create(ACCOUNT, REGION, f"t{i}", [], None, None)
    with pytest.raises(cf.exceptions.LimitExceededException):
        cf.create_generated_template(GeneratedTemplateName="one-too-many")
    cf.delete_generated_template(GeneratedTemplateName="t0")
    cf.create_generated_template(GeneratedTemplateName="one-too-many")


def test_update_beyond_500_resources_is_limit_exceeded(cf: Any, instant: None) -> None:
    keys = [
        {"ResourceType": "AWS::EC2::KeyPair", "ResourceIdentifier": {"KeyName": f"k{i}"}} for i in range(500)
    ]
    cf.create_generated_template(GeneratedTemplateName="big", Resources=keys)
    extra = [{"ResourceType": "AWS::EC2::KeyPair", "ResourceIdentifier": {"KeyName": "k500"}}]
    with pytest.raises(cf.exceptions.LimitExceededException):
        cf.update_generated_template(GeneratedTemplateName="big", AddResources=extra)
    cf.update_generated_template(
        GeneratedTemplateName="big", AddResources=extra, RemoveResources=["EC2KeyPairK0"]
    )
    assert len(wait(cf, "big")["Resources"]) == 500


# --- time, progress, concurrency ---------------------------------------------------------------------------


def test_statuses_and_progress_rise_with_time(cf: Any, workshop: Any, clock: FakeClock) -> None:
    cf.create_generated_template(GeneratedTemplateName="slow", Resources=workshop_resources(workshop))
    d = cf.describe_generated_template(GeneratedTemplateName="slow")
    assert d["Status"] == "CREATE_PENDING"
    assert d["Progress"]["ResourcesPending"] == 13
    assert {r["ResourceStatus"] for r in d["Resources"]} == {"PENDING"}
    seen = []
    for _ in range(8):
        clock.now += 3.0 if not seen else 1.5
        d = cf.describe_generated_template(GeneratedTemplateName="slow")
        seen.append((d["Status"], d["Progress"]["ResourcesSucceeded"], d["Progress"]["ResourcesProcessing"]))
        if d["Status"] == "COMPLETE":
            break
    statuses = [s for s, _, _ in seen]
    assert statuses[0] == "CREATE_IN_PROGRESS" and statuses[-1] == "COMPLETE"
    succeeded = [n for _, n, _ in seen]
    assert succeeded == sorted(succeeded) and succeeded[-1] == 13 and 0 < succeeded[1] < 13
    assert all(p <= 5 for _, _, p in seen)
    assert any(p > 0 for s, _, p in seen if s == "CREATE_IN_PROGRESS")


def test_get_while_generating_returns_last_complete_body(cf: Any, workshop: Any, clock: FakeClock) -> None:
    cf.create_generated_template(GeneratedTemplateName="g", Resources=workshop_resources(workshop)[:2])
    got = cf.get_generated_template(GeneratedTemplateName="g")
    assert got["Status"] == "CREATE_PENDING"
    assert json.loads(got["TemplateBody"])["Resources"] == {}
    clock.now += 20
    assert set(body(cf, "g")["Resources"]) == {"EC2VPC", "EC2Subnet"}
    cf.update_generated_template(GeneratedTemplateName="g", RemoveResources=["EC2Subnet"])
    clock.now += 5
    got = cf.get_generated_template(GeneratedTemplateName="g")
    assert got["Status"] == "UPDATE_IN_PROGRESS"
    assert set(json.loads(got["TemplateBody"])["Resources"]) == {"EC2VPC", "EC2Subnet"}
    clock.now += 20
    assert set(body(cf, "g")["Resources"]) == {"EC2VPC"}


def test_at_most_five_generating_and_busy_templates_refuse_update_and_delete(
    cf: Any, workshop: Any, clock: FakeClock
) -> None:
    one = workshop_resources(workshop)[:1]
    for i in range(5):
        cf.create_generated_template(GeneratedTemplateName=f"busy{i}", Resources=one)
    with pytest.raises(cf.exceptions.ConcurrentResourcesLimitExceededException) as exc:
        cf.create_generated_template(GeneratedTemplateName="sixth", Resources=one)
    assert error_code(exc) == ("ConcurrentResourcesLimitExceeded", 429)
    with pytest.raises(cf.exceptions.ConcurrentResourcesLimitExceededException):
        cf.update_generated_template(GeneratedTemplateName="busy0", RefreshAllResources=True)
    with pytest.raises(cf.exceptions.ConcurrentResourcesLimitExceededException):
        cf.delete_generated_template(GeneratedTemplateName="busy1")
    clock.now += 20
    cf.create_generated_template(GeneratedTemplateName="sixth", Resources=one)
    cf.delete_generated_template(GeneratedTemplateName="busy1")
    cf.update_generated_template(GeneratedTemplateName="busy0", RefreshAllResources=True)
    assert cf.describe_generated_template(GeneratedTemplateName="busy0")["Status"] == "UPDATE_PENDING"


# --- update ---------------------------------------------------------------------------------------------


def test_update_add_remove_rename_and_configuration(cf: Any, workshop: Any, instant: None) -> None:
    all_resources = workshop_resources(workshop)
    arn = cf.create_generated_template(GeneratedTemplateName="u", Resources=all_resources[:3])[
        "GeneratedTemplateId"
    ]
    assert set(body(cf, "u")["Resources"]) == {"EC2VPC", "EC2Subnet", "EC2InternetGateway"}
    cf.update_generated_template(
        GeneratedTemplateName="u",
        NewGeneratedTemplateName="u2",
        AddResources=all_resources[3:4],
        RemoveResources=["EC2Subnet"],
        TemplateConfiguration={"DeletionPolicy": "DELETE"},
    )
    with pytest.raises(cf.exceptions.GeneratedTemplateNotFoundException):
        cf.describe_generated_template(GeneratedTemplateName="u")
    described = wait(cf, "u2")
    assert described["GeneratedTemplateId"] == arn
    assert described["TemplateConfiguration"]["DeletionPolicy"] == "DELETE"
    resources = body(cf, "u2")["Resources"]
    assert set(resources) == {"EC2VPC", "EC2InternetGateway", "EC2VPCGatewayAttachment"}
    assert {r["DeletionPolicy"] for r in resources.values()} == {"Delete"}
    with pytest.raises(ClientError) as exc:
        cf.update_generated_template(GeneratedTemplateName="u2", RemoveResources=["EC2Subnet"])
    assert error_code(exc) == ("ValidationError", 400)
    with pytest.raises(ClientError) as exc:
        cf.update_generated_template(GeneratedTemplateName="u2", AddResources=all_resources[:1])
    assert error_code(exc) == ("ValidationError", 400)
    cf.create_generated_template(GeneratedTemplateName="other")
    with pytest.raises(cf.exceptions.AlreadyExistsException):
        cf.update_generated_template(GeneratedTemplateName="u2", NewGeneratedTemplateName="other")


def test_refresh_reads_live_state_again(cf: Any, workshop: Any, instant: None) -> None:
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION)
    cf.create_generated_template(GeneratedTemplateName="r", Resources=workshop_resources(workshop)[:1])
    assert body(cf, "r")["Resources"]["EC2VPC"]["Properties"]["EnableDnsSupport"] is True
    ec2.modify_vpc_attribute(VpcId=workshop.vpc_id, EnableDnsSupport={"Value": False})
    cf.update_generated_template(
        GeneratedTemplateName="r", TemplateConfiguration={"DeletionPolicy": "DELETE"}
    )
    assert body(cf, "r")["Resources"]["EC2VPC"]["Properties"]["EnableDnsSupport"] is True
    cf.update_generated_template(GeneratedTemplateName="r", RefreshAllResources=True)
    try:
        assert body(cf, "r")["Resources"]["EC2VPC"]["Properties"]["EnableDnsSupport"] is False
    finally:
        ec2.modify_vpc_attribute(VpcId=workshop.vpc_id, EnableDnsSupport={"Value": True})


# --- failures -------------------------------------------------------------------------------------------


def test_injected_and_missing_resources_fail_the_template(cf: Any, workshop: Any, instant: None) -> None:
    previous = local_settings.configure(fail_resource_ids=workshop.instance_id)
    try:
        resources = workshop_resources(workshop)
        resources.append({"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": "vpc-00000000"}})
        cf.create_generated_template(GeneratedTemplateName="f", Resources=resources)
        described = wait(cf, "f")
    finally:
        local_settings.restore(previous)
    assert described["Status"] == "FAILED"
    failed = {
        r["LogicalResourceId"]: r["ResourceStatusReason"]
        for r in described["Resources"]
        if r["ResourceStatus"] == "FAILED"
    }
    assert set(failed) == {"EC2Instance", "EC2VPCVpc00000000"}
    assert "injected" in failed["EC2Instance"]
    assert "not found" in failed["EC2VPCVpc00000000"]
    assert "EC2Instance" in described["StatusReason"] and "EC2VPCVpc00000000" in described["StatusReason"]
    assert described["Progress"]["ResourcesFailed"] == 2
    resources_in_body = body(cf, "f")["Resources"]
    assert "EC2Instance" not in resources_in_body and "EC2Subnet" in resources_in_body


# --- list and delete ------------------------------------------------------------------------------------


def test_list_pages_newest_first_with_resource_counts(cf: Any, workshop: Any, instant: None) -> None:
    resources = workshop_resources(workshop)
    for i in range(5):
        cf.create_generated_template(GeneratedTemplateName=f"l{i}", Resources=resources[: i + 1])
    first = cf.list_generated_templates(MaxResults=2)
    assert [s["GeneratedTemplateName"] for s in first["Summaries"]] == ["l4", "l3"]
    assert [s["NumberOfResources"] for s in first["Summaries"]] == [5, 4]
    names = [s["GeneratedTemplateName"] for s in first["Summaries"]]
    token = first.get("NextToken")
    while token:
        page = cf.list_generated_templates(MaxResults=2, NextToken=token)
        names += [s["GeneratedTemplateName"] for s in page["Summaries"]]
        token = page.get("NextToken")
    assert names == ["l4", "l3", "l2", "l1", "l0"]
    paged = cf.get_paginator("list_generated_templates").paginate(PaginationConfig={"PageSize": 3})
    assert [s["GeneratedTemplateName"] for p in paged for s in p["Summaries"]] == names
    assert len(cf.list_generated_templates()["Summaries"]) == 5
    with pytest.raises(ClientError) as exc:
        cf.list_generated_templates(MaxResults=101)
    assert error_code(exc) == ("ValidationError", 400)
    with pytest.raises(ClientError) as exc:
        cf.list_generated_templates(NextToken="garbage")
    assert error_code(exc) == ("ValidationError", 400)


def test_delete_removes_the_template(cf: Any, workshop: Any, instant: None) -> None:
    cf.create_generated_template(GeneratedTemplateName="d", Resources=workshop_resources(workshop)[:1])
    cf.delete_generated_template(GeneratedTemplateName="d")
    assert cf.list_generated_templates()["Summaries"] == []
    with pytest.raises(cf.exceptions.GeneratedTemplateNotFoundException):
        cf.get_generated_template(GeneratedTemplateName="d")


def test_refresh_false_keeps_the_rendered_properties(cf: Any, workshop: Any, instant: None) -> None:
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION)
    cf.create_generated_template(GeneratedTemplateName="nr", Resources=workshop_resources(workshop)[:1])
    assert wait(cf, "nr")["Status"] == "COMPLETE"  # time is lazy: the resource is read when first looked at
    ec2.modify_vpc_attribute(VpcId=workshop.vpc_id, EnableDnsHostnames={"Value": False})
    try:
        cf.update_generated_template(
            GeneratedTemplateName="nr",
            RefreshAllResources=False,
            AddResources=workshop_resources(workshop)[1:2],
        )
        doc = body(cf, "nr")
    finally:
        ec2.modify_vpc_attribute(VpcId=workshop.vpc_id, EnableDnsHostnames={"Value": True})
    assert doc["Resources"]["EC2VPC"]["Properties"]["EnableDnsHostnames"] is True
    assert doc["Resources"]["EC2Subnet"]["Properties"]["VpcId"] == {"Ref": "EC2VPC"}


def test_failed_body_then_last_complete_while_updating(cf: Any, workshop: Any, clock: FakeClock) -> None:
    missing = {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": "vpc-0000dead"}}
    cf.create_generated_template(
        GeneratedTemplateName="fb", Resources=[*workshop_resources(workshop)[:1], missing]
    )
    clock.now += 20
    got = cf.get_generated_template(GeneratedTemplateName="fb")
    assert got["Status"] == "FAILED"
    assert set(json.loads(got["TemplateBody"])["Resources"]) == {"EC2VPCWorkshop"}
    cf.update_generated_template(GeneratedTemplateName="fb", RemoveResources=["EC2VPCVpc0000dead"])
    clock.now += 5
    got = cf.get_generated_template(GeneratedTemplateName="fb")
    assert got["Status"] == "UPDATE_IN_PROGRESS"
    assert json.loads(got["TemplateBody"])["Resources"] == {}  # no COMPLETE state yet
    clock.now += 20
    got = cf.get_generated_template(GeneratedTemplateName="fb")
    assert got["Status"] == "COMPLETE"
    assert set(json.loads(got["TemplateBody"])["Resources"]) == {"EC2VPCWorkshop"}

"""The web tier: a load balancer, its listener and target group, two instances, their security groups, a
database in its subnet group, a queue, a log group, and the rest such an account holds. Adopted through the
CLI with ids and counts unchanged, its template passes cfn-lint, and deleting the stack removes what it
owns."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest

from iacgen.core.template import load_template

REGION = "us-east-1"
ACCOUNT = "123456789012"

NEW_TYPES = {
    "AWS::EC2::NetworkInterface",
    "AWS::EC2::EIP",
    "AWS::EC2::NatGateway",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::DHCPOptions",
    "AWS::EC2::VPCDHCPOptionsAssociation",
    "AWS::Logs::LogGroup",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBSubnetGroup",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::SecretsManager::Secret",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::ManagedPolicy",
    "AWS::S3::BucketPolicy",
}


@pytest.fixture
def webtier(cloud: None) -> Any:
    from iacgen.localcloud.scenarios import seed_webtier

    return seed_webtier(region=REGION)


def _counts() -> dict[str, int]:
    """What exists, per service, counted by each service's own API (not by the scan under test)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    elb = boto3.client("elbv2", region_name=REGION)
    return {
        "vpcs": len(ec2.describe_vpcs()["Vpcs"]),
        "subnets": len(ec2.describe_subnets()["Subnets"]),
        "groups": len(ec2.describe_security_groups()["SecurityGroups"]),
        "instances": sum(
            i["State"]["Name"] != "terminated"
            for r in ec2.describe_instances()["Reservations"]
            for i in r["Instances"]
        ),
        "interfaces": len(ec2.describe_network_interfaces()["NetworkInterfaces"]),
        "addresses": len(ec2.describe_addresses()["Addresses"]),
        "nat": len(ec2.describe_nat_gateways()["NatGateways"]),
        "endpoints": len(ec2.describe_vpc_endpoints()["VpcEndpoints"]),
        "dhcp": len(ec2.describe_dhcp_options()["DhcpOptions"]),
        "lbs": len(elb.describe_load_balancers()["LoadBalancers"]),
        "tgs": len(elb.describe_target_groups()["TargetGroups"]),
        "dbs": len(boto3.client("rds", region_name=REGION).describe_db_instances()["DBInstances"]),
        "queues": len(boto3.client("sqs", region_name=REGION).list_queues().get("QueueUrls", [])),
        "log_groups": len(boto3.client("logs", region_name=REGION).describe_log_groups()["logGroups"]),
        "topics": len(boto3.client("sns", region_name=REGION).list_topics()["Topics"]),
        "keys": len(boto3.client("kms", region_name=REGION).list_keys()["Keys"]),
        "secrets": len(boto3.client("secretsmanager", region_name=REGION).list_secrets()["SecretList"]),
        "profiles": len(boto3.client("iam").list_instance_profiles()["InstanceProfiles"]),
        "policies": len(boto3.client("iam").list_policies(Scope="Local")["Policies"]),
        "buckets": len(boto3.client("s3").list_buckets()["Buckets"]),
    }


def _lint_errors(text: str) -> list[str]:
    from cfnlint.api import ManualArgs, lint

    matches = lint(text, config=ManualArgs(regions=[REGION]))
    return [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]


def test_the_web_tier_is_adopted_with_ids_and_counts_unchanged_and_lints_clean(
    cli: Any, webtier: Any
) -> None:
    w = webtier
    assert cli("-q", "scan").exit_code == 0
    generated = cli(
        "-o", "json", "generate", "webtier", "--select", "tag:team=webtier", "--related",
        "--deletion-policy", "DELETE", "--allow-delete-policy",
    )  # fmt: skip
    assert generated.exit_code == 0, generated.stderr
    text = Path("webtier.yaml").read_text()
    assert _lint_errors(text) == []
    resources = load_template(text).resources()
    types = Counter(r.type for r in resources.values())
    assert set(types) >= NEW_TYPES, NEW_TYPES - set(types)
    assert types["AWS::EC2::Instance"] == 2 and types["AWS::EC2::SecurityGroup"] == 4  # 3 and the default
    by_type = {r.type: (lid, r) for lid, r in resources.items()}
    listener = by_type["AWS::ElasticLoadBalancingV2::Listener"][1].properties
    lb_id, tg_id = (by_type[t][0] for t in ("AWS::ElasticLoadBalancingV2::LoadBalancer",
                                             "AWS::ElasticLoadBalancingV2::TargetGroup"))  # fmt: skip
    assert listener["LoadBalancerArn"] == {"Ref": lb_id}
    assert listener["DefaultActions"][0]["TargetGroupArn"] == {"Ref": tg_id}
    db = by_type["AWS::RDS::DBInstance"][1].properties
    assert db["DBSubnetGroupName"] == {"Ref": by_type["AWS::RDS::DBSubnetGroup"][0]}
    assert by_type["AWS::KMS::Alias"][1].properties["TargetKeyId"] == {"Ref": by_type["AWS::KMS::Key"][0]}
    assert by_type["AWS::S3::BucketPolicy"][0] == "S3BucketPolicyWebtieralblogs123456789012"
    assert by_type["AWS::SQS::Queue"][0] == "SQSQueueWebtierjobs"  # the queue's name joins its logical id

    before = _counts()
    imported = cli("-o", "json", "import", "--stack", "webtier", "--execute")
    assert imported.exit_code == 0, imported.stderr
    cfn = boto3.client("cloudformation", region_name=REGION)
    stack = cfn.describe_stack_resources(StackName="webtier")["StackResources"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in stack}
    assert set(physical) == set(resources)
    expected = {
        "AWS::ElasticLoadBalancingV2::LoadBalancer": w.load_balancer_arn,
        "AWS::ElasticLoadBalancingV2::TargetGroup": w.target_group_arn,
        "AWS::ElasticLoadBalancingV2::Listener": w.listener_arn,
        "AWS::RDS::DBInstance": w.db_instance_id,
        "AWS::RDS::DBSubnetGroup": w.db_subnet_group_name,
        "AWS::SQS::Queue": w.queue_url,
        "AWS::Logs::LogGroup": w.log_group_name,
        "AWS::KMS::Key": w.key_id,
        "AWS::KMS::Alias": w.alias_name,
        "AWS::SecretsManager::Secret": w.secret_arn,
        "AWS::SNS::Topic": w.topic_arn,
        "AWS::IAM::InstanceProfile": w.instance_profile_name,
        "AWS::IAM::ManagedPolicy": w.policy_arn,
        "AWS::S3::BucketPolicy": w.bucket_name,
        "AWS::EC2::EIP": f"{w.public_ip}|{w.allocation_id}",
        "AWS::EC2::NatGateway": w.nat_gateway_id,
        "AWS::EC2::VPCEndpoint": w.vpc_endpoint_id,
        "AWS::EC2::DHCPOptions": w.dhcp_options_id,
        "AWS::EC2::VPCDHCPOptionsAssociation": f"{w.dhcp_options_id}|{w.vpc_id}",
        "AWS::EC2::VPC": w.vpc_id,
    }
    for type_name, physical_id in expected.items():
        assert physical[by_type[type_name][0]] == physical_id, type_name
    instances = {physical[lid] for lid, r in resources.items() if r.type == "AWS::EC2::Instance"}
    assert instances == set(w.instance_ids)
    assert _counts() == before  # nothing was created

    # deleting the stack removes what it owns (the VPC's defaults are kept Retain and go with the VPC)
    cfn.delete_stack(StackName="webtier")
    status = cfn.describe_stacks(StackName=json.loads(imported.stdout)["execution"]["stack_id"])["Stacks"][0]
    assert status["StackStatus"] == "DELETE_COMPLETE", status.get("StackStatusReason")
    after = _counts()
    gone = {k for k in before if after[k] < before[k]}
    assert {"lbs", "tgs", "dbs", "queues", "log_groups", "topics", "secrets", "profiles", "policies", "nat",
            "endpoints", "addresses", "instances", "vpcs"} <= gone  # fmt: skip
    keys = boto3.client("kms", region_name=REGION).describe_key(KeyId=w.key_id)["KeyMetadata"]
    assert keys["KeyState"] == "PendingDeletion"  # a key's deletion is scheduled, as CloudFormation does

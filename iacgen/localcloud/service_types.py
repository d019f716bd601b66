"""Service types a hand-made web tier holds besides EC2: log groups, queues, topics, KMS keys and aliases,
RDS instances and subnet groups, application load balancers with target groups and listeners, secrets,
instance profiles, customer managed policies and bucket policies. Identifiers from the provider schemas;
properties in the schemas' shape (no real generated sample was found for these, except a bucket policy's
logical id `S3BucketPolicy<Bucket>`: unverified otherwise).

Relations: Alias -- Key; Queue -- its dead-letter Queue, Key; LogGroup, Secret -- Key; DBSubnetGroup -- each
Subnet; DBInstance -- DBSubnetGroup, each SecurityGroup, Key; LoadBalancer -- each Subnet and SecurityGroup;
TargetGroup -- VPC, each target Instance; Listener -- LoadBalancer, each forward TargetGroup;
InstanceProfile -- each Role (and Instance -- InstanceProfile, in inventory); ManagedPolicy -- each attached
Role; BucketPolicy -- Bucket.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from iacgen.localcloud.catalog import TypeSupport
from iacgen.localcloud.importing import AdoptedResource
from iacgen.localcloud.inventory import (
    BUCKET,
    INSTANCE,
    ROLE,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    Ref,
    ScannedResource,
    _one,
    _tag_list,
    _World,
)
from iacgen.localcloud.properties import Link, _Ctx, _document, _obj, _sg_link, _subnet_link, _vpc_link

LOG_GROUP = "AWS::Logs::LogGroup"
QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
KEY = "AWS::KMS::Key"
ALIAS = "AWS::KMS::Alias"
DB_INSTANCE = "AWS::RDS::DBInstance"
DB_SUBNET_GROUP = "AWS::RDS::DBSubnetGroup"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
SECRET = "AWS::SecretsManager::Secret"
INSTANCE_PROFILE = "AWS::IAM::InstanceProfile"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
BUCKET_POLICY = "AWS::S3::BucketPolicy"


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    """Value before Key, the service's order; aws: tags cannot be written through CloudFormation."""
    return [{"Value": v, "Key": k} for k, v in tags.items() if not k.startswith("aws:")]


def _key_ref(account: str, region: str, key_id: str | None) -> Ref | None:
    """A KMS key given by id, ARN or alias, as the key's id (None for AWS managed keys and unknown ones)."""
    if not key_id:
        return None
    from moto.kms.models import kms_backends

    backend = kms_backends[account][region]
    wanted = str(key_id).rsplit("key/", 1)[-1]
    for key in list(backend.keys.values()):
        if key.id == wanted or key.arn == key_id or key_id in getattr(key, "aliases", {}):
            return (KEY, key.id)
    return None


def _key_link(ctx: _Ctx, key_id: str | None) -> Any:
    ref = _key_ref(ctx.account_id, ctx.region, key_id)
    return Link(KEY, ref[1], key_id) if ref else key_id


# --- CloudWatch Logs ---------------------------------------------------------------------------------------


def _logs(account: str, region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[account][region]


def _log_groups(w: _World) -> Iterator[ScannedResource]:
    backend = _logs(w.account_id, w.region)
    for group in list(backend.groups.values()):
        tags = dict(backend.list_tags_for_resource(group.arn) or {})
        key = _key_ref(w.account_id, w.region, group.kms_key_id)
        refs = (key,) if key else ()
        yield ScannedResource(LOG_GROUP, _one(LOG_GROUP, group.name), tags, group, refs)


def _render_log_group(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    group = _obj(r, lambda: _logs(ctx.account_id, ctx.region).groups[r.identifier["LogGroupName"]])
    props: dict[str, Any] = {"LogGroupName": group.name, "LogGroupClass": "STANDARD"}
    if group.retention_in_days:
        props["RetentionInDays"] = int(group.retention_in_days)
    if group.kms_key_id:
        props["KmsKeyId"] = _key_link(ctx, group.kms_key_id)
    props["Tags"] = _tags(r.tags)
    return props


def _delete_log_group(account: str, region: str, res: AdoptedResource) -> None:
    backend = _logs(account, region)
    if res.physical_resource_id in backend.groups:
        backend.delete_log_group(res.physical_resource_id)


# --- SQS ---------------------------------------------------------------------------------------------------


def _sqs(account: str, region: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[account][region]


def _queue_url(queue: Any) -> str:
    return f"https://sqs.{queue.region}.amazonaws.com/{queue.account_id}/{queue.name}"


def _queues(w: _World) -> Iterator[ScannedResource]:
    backend = _sqs(w.account_id, w.region)
    by_arn = {q.queue_arn: q for q in list(backend.queues.values())}
    for queue in list(backend.queues.values()):
        refs: list[Ref] = []
        target = (queue.redrive_policy or {}).get("deadLetterTargetArn") if queue.redrive_policy else None
        if target in by_arn:
            refs.append((QUEUE, _queue_url(by_arn[target])))
        key = _key_ref(w.account_id, w.region, queue.kms_master_key_id)
        if key:
            refs.append(key)
        yield ScannedResource(
            QUEUE, _one(QUEUE, _queue_url(queue)), dict(queue.tags or {}), queue, tuple(refs), name=queue.name
        )


def _render_queue(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    name = r.identifier["QueueUrl"].rsplit("/", 1)[-1]
    queue = _obj(r, lambda: _sqs(ctx.account_id, ctx.region).queues[name])
    props: dict[str, Any] = {
        "SqsManagedSseEnabled": bool(queue.sqs_managed_sse_enabled),
        "ReceiveMessageWaitTimeSeconds": int(queue.receive_message_wait_time_seconds),
        "DelaySeconds": int(queue.delay_seconds),
        "MessageRetentionPeriod": int(queue.message_retention_period),
        "MaximumMessageSize": int(queue.maximum_message_size),
        "VisibilityTimeout": int(queue.visibility_timeout),
        "QueueName": queue.name,
    }
    if queue.fifo_queue:
        props["FifoQueue"] = True
        props["ContentBasedDeduplication"] = bool(queue.content_based_deduplication)
    if queue.kms_master_key_id:
        props["KmsMasterKeyId"] = _key_link(ctx, queue.kms_master_key_id)
        props["KmsDataKeyReusePeriodSeconds"] = int(queue.kms_data_key_reuse_period_seconds)
    if queue.redrive_policy:
        policy = dict(queue.redrive_policy)
        target = policy.get("deadLetterTargetArn")
        by_arn = {q.queue_arn: q for q in _sqs(ctx.account_id, ctx.region).queues.values()}
        if target in by_arn:
            policy["deadLetterTargetArn"] = Link(QUEUE, _queue_url(by_arn[target]), target, attribute="Arn")
        props["RedrivePolicy"] = policy
    props["Tags"] = _tags(r.tags)
    return props


def _delete_queue(account: str, region: str, res: AdoptedResource) -> None:
    backend = _sqs(account, region)
    name = res.physical_resource_id.rsplit("/", 1)[-1]
    if name in backend.queues:
        backend.delete_queue(name)


# --- SNS ---------------------------------------------------------------------------------------------------


def _sns(account: str, region: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account][region]


def _topics(w: _World) -> Iterator[ScannedResource]:
    for topic in list(_sns(w.account_id, w.region).topics.values()):
        key = _key_ref(w.account_id, w.region, topic.kms_master_key_id)
        refs = (key,) if key else ()
        tags = dict(topic._tags or {})
        yield ScannedResource(TOPIC, _one(TOPIC, topic.arn), tags, topic, refs, name=topic.name)


def _render_topic(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    topic = _obj(r, lambda: _sns(ctx.account_id, ctx.region).topics[r.identifier["TopicArn"]])
    props: dict[str, Any] = {"TopicName": topic.name}
    if topic.display_name:
        props["DisplayName"] = topic.display_name
    if topic.fifo_topic:
        props["FifoTopic"] = True
        props["ContentBasedDeduplication"] = bool(topic.content_based_deduplication)
    if topic.kms_master_key_id:
        props["KmsMasterKeyId"] = _key_link(ctx, topic.kms_master_key_id)
    props["Tags"] = _tags(r.tags)
    return props


def _delete_topic(account: str, region: str, res: AdoptedResource) -> None:
    backend = _sns(account, region)
    if res.physical_resource_id in backend.topics:
        backend.delete_topic(res.physical_resource_id)


# --- KMS ---------------------------------------------------------------------------------------------------


def _kms(account: str, region: str) -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[account][region]


def _keys(w: _World) -> Iterator[ScannedResource]:
    backend = _kms(w.account_id, w.region)
    for key in list(backend.keys.values()):
        if key.key_manager != "CUSTOMER" or key.key_state == "PendingDeletion":
            continue
        tags = {t["TagKey"]: t["TagValue"] for t in backend.list_resource_tags(key.id).get("Tags", [])}
        yield ScannedResource(KEY, _one(KEY, key.id), tags, key)


def _render_key(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    key = _obj(r, lambda: _kms(ctx.account_id, ctx.region).keys[r.identifier["KeyId"]])
    props: dict[str, Any] = {
        "Origin": key.origin or "AWS_KMS",
        "MultiRegion": bool(key.multi_region),
        "Description": key.description or "",
        "KeyPolicy": _document(key.policy),
        "KeySpec": key.key_spec or "SYMMETRIC_DEFAULT",
        "Enabled": bool(key.enabled),
        "EnableKeyRotation": bool(key.key_rotation_status),
        "KeyUsage": key.key_usage or "ENCRYPT_DECRYPT",
        "Tags": [{"Value": v, "Key": k} for k, v in r.tags.items() if not k.startswith("aws:")],
    }
    return props


def _delete_key(account: str, region: str, res: AdoptedResource) -> None:
    """The service's handler schedules the deletion (the key is PendingDeletion for 7 to 30 days)."""
    backend = _kms(account, region)
    if res.physical_resource_id in backend.keys:
        backend.schedule_key_deletion(res.physical_resource_id, 30)


def _aliases(w: _World) -> Iterator[ScannedResource]:
    for key in list(_kms(w.account_id, w.region).keys.values()):
        for name in list(getattr(key, "aliases", {}) or {}):
            if name.startswith("alias/aws/"):
                continue
            yield ScannedResource(ALIAS, _one(ALIAS, name), {}, None, ((KEY, key.id),))


def _render_alias(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    name = r.identifier["AliasName"]
    for key in _kms(ctx.account_id, ctx.region).keys.values():
        if name in (getattr(key, "aliases", {}) or {}):
            return {"AliasName": name, "TargetKeyId": Link(KEY, key.id, key.id)}
    from iacgen.localcloud.properties import ResourceGone

    raise ResourceGone(r.key)


def _delete_alias(account: str, region: str, res: AdoptedResource) -> None:
    backend = _kms(account, region)
    if any(res.physical_resource_id in (getattr(k, "aliases", {}) or {}) for k in backend.keys.values()):
        backend.delete_alias(res.physical_resource_id)


# --- RDS ---------------------------------------------------------------------------------------------------


def _rds(account: str, region: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[account][region]


def _db_subnet_groups(w: _World) -> Iterator[ScannedResource]:
    for group in list(_rds(w.account_id, w.region).subnet_groups.values()):
        refs = tuple((SUBNET, s.id) for s in group._subnets)
        yield ScannedResource(
            DB_SUBNET_GROUP, _one(DB_SUBNET_GROUP, group._name), _tag_list(group._tags), group, refs
        )


def _render_db_subnet_group(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    group = _obj(r, lambda: _rds(ctx.account_id, ctx.region).subnet_groups[r.identifier["DBSubnetGroupName"]])
    return {
        "DBSubnetGroupDescription": group.description,
        "SubnetIds": [_subnet_link(s.id) for s in group._subnets],
        "DBSubnetGroupName": group._name,
        "Tags": _tags(r.tags),
    }


def _delete_db_subnet_group(account: str, region: str, res: AdoptedResource) -> None:
    backend = _rds(account, region)
    if res.physical_resource_id in backend.subnet_groups:
        backend.delete_subnet_group(res.physical_resource_id)


def _db_instances(w: _World) -> Iterator[ScannedResource]:
    for db in list(_rds(w.account_id, w.region).databases.values()):
        refs: list[Ref] = []
        if db._db_subnet_group_name:
            refs.append((DB_SUBNET_GROUP, db._db_subnet_group_name))
        refs.extend((SECURITY_GROUP, g) for g in db.vpc_security_group_ids or [])
        key = _key_ref(w.account_id, w.region, db._kms_key_id)
        if key:
            refs.append(key)
        identifier = db._db_instance_identifier
        yield ScannedResource(
            DB_INSTANCE, _one(DB_INSTANCE, identifier), _tag_list(db._tags), db, tuple(refs)
        )


def _render_db_instance(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    db = _obj(r, lambda: _rds(ctx.account_id, ctx.region).databases[r.identifier["DBInstanceIdentifier"]])
    props: dict[str, Any] = {
        "StorageEncrypted": bool(db._storage_encrypted),
        "AssociatedRoles": [],
        "EnableIAMDatabaseAuthentication": bool(db.enable_iam_database_authentication),
        "DeletionProtection": bool(db.deletion_protection),
        "MasterUsername": db._master_username,
        "PubliclyAccessible": bool(db.publicly_accessible),
        "DBSubnetGroupName": Link(DB_SUBNET_GROUP, db._db_subnet_group_name, db._db_subnet_group_name)
        if db._db_subnet_group_name
        else None,
        "DBInstanceClass": db.db_instance_class,
        "Engine": db.engine,
        "EngineVersion": db._engine_version,
        "DBInstanceIdentifier": db._db_instance_identifier,
        "Port": str(db.port),
        "AllocatedStorage": str(db._allocated_storage),
        "StorageType": db._storage_type or "gp2",
        "MultiAZ": bool(db.multi_az),
        "AvailabilityZone": None if db.multi_az else db.availability_zone,
        "BackupRetentionPeriod": int(db._backup_retention_period),
        "PreferredBackupWindow": db._preferred_backup_window,
        "PreferredMaintenanceWindow": db.preferred_maintenance_window,
        "AutoMinorVersionUpgrade": bool(db.auto_minor_version_upgrade),
        "CopyTagsToSnapshot": bool(db.copy_tags_to_snapshot),
        "MonitoringInterval": int(db.monitoring_interval or 0),
        "LicenseModel": db._license_model,
        "CACertificateIdentifier": db.ca_certificate_identifier,
        "VPCSecurityGroups": [_sg_link(g) for g in db.vpc_security_group_ids or []],
        "Tags": _tags(r.tags),
    }
    if db._kms_key_id:
        props["KmsKeyId"] = _key_link(ctx, db._kms_key_id)
    if db._db_name:
        props["DBName"] = db._db_name
    return props


def _delete_db_instance(account: str, region: str, res: AdoptedResource) -> None:
    backend = _rds(account, region)
    if res.physical_resource_id in backend.databases:
        backend.delete_db_instance(res.physical_resource_id)


# --- Elastic Load Balancing v2 -----------------------------------------------------------------------------


def _elbv2(account: str, region: str) -> Any:
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[account][region]


def _elb_tags(account: str, region: str, arn: str) -> dict[str, str]:
    return dict(_elbv2(account, region).tagging_service.get_tag_dict_for_resource(arn) or {})


def _load_balancers(w: _World) -> Iterator[ScannedResource]:
    for lb in list(_elbv2(w.account_id, w.region).load_balancers.values()):
        refs: list[Ref] = [(SUBNET, s.id) for s in lb.subnets]
        refs.extend((SECURITY_GROUP, g) for g in lb.security_groups or [])
        tags = _elb_tags(w.account_id, w.region, lb.arn)
        yield ScannedResource(LOAD_BALANCER, _one(LOAD_BALANCER, lb.arn), tags, lb, tuple(refs), name=lb.name)


def _attributes(attrs: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Value": str(v).lower() if isinstance(v, bool) else str(v), "Key": k} for k, v in attrs.items()]


def _render_load_balancer(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    lb = _obj(r, lambda: _elbv2(ctx.account_id, ctx.region).load_balancers[r.identifier["LoadBalancerArn"]])
    props: dict[str, Any] = {
        "IpAddressType": lb.ip_address_type or "ipv4",
        "SecurityGroups": [_sg_link(g) for g in lb.security_groups or []],
        "LoadBalancerAttributes": _attributes(dict(lb.attrs or {})),
        "Scheme": lb.scheme,
        "Name": lb.name,
        "Subnets": [_subnet_link(s.id) for s in lb.subnets],
        "Type": lb.type,
        "Tags": _tags(r.tags),
    }
    return props


def _delete_load_balancer(account: str, region: str, res: AdoptedResource) -> None:
    backend = _elbv2(account, region)
    if res.physical_resource_id in backend.load_balancers:
        backend.delete_load_balancer(res.physical_resource_id)


def _target_groups(w: _World) -> Iterator[ScannedResource]:
    for tg in list(_elbv2(w.account_id, w.region).target_groups.values()):
        refs: list[Ref] = [(VPC, tg.vpc_id)] if tg.vpc_id else []
        if tg.target_type == "instance":
            refs.extend((INSTANCE, t) for t in tg.targets)
        tags = _elb_tags(w.account_id, w.region, tg.arn)
        yield ScannedResource(TARGET_GROUP, _one(TARGET_GROUP, tg.arn), tags, tg, tuple(refs), name=tg.name)


def _render_target_group(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    tg = _obj(r, lambda: _elbv2(ctx.account_id, ctx.region).target_groups[r.identifier["TargetGroupArn"]])
    targets = []
    for target in tg.targets.values():
        entry: dict[str, Any] = {
            "Id": Link(INSTANCE, target["Id"], target["Id"]) if tg.target_type == "instance" else target["Id"]
        }
        if target.get("Port"):
            entry["Port"] = int(target["Port"])
        targets.append(entry)
    props: dict[str, Any] = {
        "IpAddressType": tg.ip_address_type or "ipv4",
        "HealthCheckIntervalSeconds": int(tg.health_check_interval_seconds),
        "Matcher": dict(tg.matcher or {"HttpCode": "200"}),
        "HealthCheckPath": tg.health_check_path,
        "Port": int(tg.port),
        "Targets": targets,
        "HealthCheckEnabled": bool(tg.health_check_enabled),
        "ProtocolVersion": tg.protocol_version or "HTTP1",
        "UnhealthyThresholdCount": int(tg.unhealthy_threshold_count),
        "HealthCheckTimeoutSeconds": int(tg.health_check_timeout_seconds),
        "Name": tg.name,
        "VpcId": _vpc_link(tg.vpc_id),
        "HealthyThresholdCount": int(tg.healthy_threshold_count),
        "HealthCheckProtocol": tg.health_check_protocol,
        "TargetGroupAttributes": _attributes(dict(tg.attributes or {})),
        "TargetType": tg.target_type,
        "HealthCheckPort": str(tg.health_check_port),
        "Protocol": tg.protocol,
        "Tags": _tags(r.tags),
    }
    return props


def _delete_target_group(account: str, region: str, res: AdoptedResource) -> None:
    backend = _elbv2(account, region)
    if res.physical_resource_id in backend.target_groups:
        backend.delete_target_group(res.physical_resource_id)


def _listeners(w: _World) -> Iterator[ScannedResource]:
    for lb in list(_elbv2(w.account_id, w.region).load_balancers.values()):
        for listener in list(lb.listeners.values()):
            refs: list[Ref] = [(LOAD_BALANCER, lb.arn)]
            refs.extend(
                (TARGET_GROUP, a.data["TargetGroupArn"])
                for a in listener.default_actions
                if a.data.get("TargetGroupArn")
            )
            tags = _elb_tags(w.account_id, w.region, listener.arn)
            yield ScannedResource(LISTENER, _one(LISTENER, listener.arn), tags, listener, tuple(refs))


def _find_listener(ctx: _Ctx, arn: str) -> Any:
    for lb in _elbv2(ctx.account_id, ctx.region).load_balancers.values():
        if arn in lb.listeners:
            return lb.listeners[arn]
    raise KeyError(arn)


def _action(action: Any) -> dict[str, Any]:
    data = dict(action.data)
    out: dict[str, Any] = {"Type": data.get("Type")}
    if data.get("TargetGroupArn"):
        arn = data["TargetGroupArn"]
        out["TargetGroupArn"] = Link(TARGET_GROUP, arn, arn)
    for key in ("RedirectConfig", "FixedResponseConfig", "ForwardConfig", "Order"):
        if data.get(key) is not None:
            out[key] = data[key]
    return out


def _render_listener(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    listener = _obj(r, lambda: _find_listener(ctx, r.identifier["ListenerArn"]))
    arn = listener.load_balancer_arn
    props: dict[str, Any] = {
        "DefaultActions": [_action(a) for a in listener.default_actions],
        "LoadBalancerArn": Link(LOAD_BALANCER, arn, arn),
        "Port": int(listener.port),
        "Protocol": listener.protocol,
    }
    if listener.protocol in ("HTTPS", "TLS"):
        props["SslPolicy"] = listener.ssl_policy
        props["Certificates"] = [{"CertificateArn": c} for c in listener.certificates or []]
    return props


def _delete_listener(account: str, region: str, res: AdoptedResource) -> None:
    backend = _elbv2(account, region)
    if any(res.physical_resource_id in lb.listeners for lb in backend.load_balancers.values()):
        backend.delete_listener(res.physical_resource_id)


# --- Secrets Manager ---------------------------------------------------------------------------------------


def _secrets_backend(account: str, region: str) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    return secretsmanager_backends[account][region]


def _secrets(w: _World) -> Iterator[ScannedResource]:
    for secret in list(_secrets_backend(w.account_id, w.region).secrets.values()):
        if getattr(secret, "deleted_date", None):
            continue
        key = _key_ref(w.account_id, w.region, secret.kms_key_id)
        refs = (key,) if key else ()
        tags = _tag_list(secret.tags)
        yield ScannedResource(SECRET, _one(SECRET, secret.arn), tags, secret, refs, name=secret.name)


def _find_secret(ctx: _Ctx, arn: str) -> Any:
    for secret in _secrets_backend(ctx.account_id, ctx.region).secrets.values():
        if secret.arn == arn:
            return secret
    raise KeyError(arn)


def _render_secret(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    secret = _obj(r, lambda: _find_secret(ctx, r.identifier["Id"]))
    props: dict[str, Any] = {"Name": secret.name}
    if secret.description:
        props["Description"] = secret.description
    if secret.kms_key_id:
        props["KmsKeyId"] = _key_link(ctx, secret.kms_key_id)
    props["ReplicaRegions"] = []
    props["Tags"] = _tags(r.tags)
    return props


def _delete_secret(account: str, region: str, res: AdoptedResource) -> None:
    backend = _secrets_backend(account, region)
    if any(s.arn == res.physical_resource_id for s in backend.secrets.values()):
        backend.delete_secret(res.physical_resource_id, None, True)


# --- IAM instance profiles and managed policies ------------------------------------------------------------


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def _instance_profiles(w: _World) -> Iterator[ScannedResource]:
    for profile in list(_iam(w.account_id).instance_profiles.values()):
        refs = tuple((ROLE, role.name) for role in profile.roles)
        yield ScannedResource(
            INSTANCE_PROFILE, _one(INSTANCE_PROFILE, profile.name), _tag_list(profile.tags), profile, refs
        )


def _render_instance_profile(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    name = r.identifier["InstanceProfileName"]
    profile = _obj(r, lambda: _iam(ctx.account_id).instance_profiles[name])
    return {
        "Path": profile.path or "/",
        "Roles": [Link(ROLE, role.name, role.name) for role in profile.roles],
        "InstanceProfileName": profile.name,
    }


def _delete_instance_profile(account: str, region: str, res: AdoptedResource) -> None:
    iam = _iam(account)
    profile = iam.instance_profiles.get(res.physical_resource_id)
    if profile is None:
        return
    for role in list(profile.roles):
        iam.remove_role_from_instance_profile(profile.name, role.name)
    iam.delete_instance_profile(profile.name)


def _customer_policies(account: str) -> list[Any]:
    return [p for p in list(_iam(account).managed_policies.values()) if ":aws:policy/" not in p.arn]


def _attached_roles(account: str, arn: str) -> list[str]:
    return sorted(r.name for r in list(_iam(account).roles.values()) if arn in r.managed_policies)


def _managed_policies(w: _World) -> Iterator[ScannedResource]:
    for policy in _customer_policies(w.account_id):
        refs = tuple((ROLE, name) for name in _attached_roles(w.account_id, policy.arn))
        yield ScannedResource(
            MANAGED_POLICY,
            _one(MANAGED_POLICY, policy.arn),
            dict(policy.tags or {}) if isinstance(policy.tags, dict) else _tag_list(policy.tags),
            policy,
            refs,
            name=policy.name,
        )


def _render_managed_policy(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    arn = r.identifier["PolicyArn"]
    policy = _obj(r, lambda: _iam(ctx.account_id).managed_policies[arn])
    default = next((v for v in policy.versions if v.is_default), policy.versions[-1])
    document = default.document
    props: dict[str, Any] = {
        "ManagedPolicyName": policy.name,
        "Path": policy.path or "/",
        "Description": policy.description or "",
        "Groups": [],
        "PolicyDocument": _document(unquote(document) if isinstance(document, str) else document),
        "Roles": [Link(ROLE, name, name) for name in _attached_roles(ctx.account_id, arn)],
        "Users": [],
    }
    return props


def _delete_managed_policy(account: str, region: str, res: AdoptedResource) -> None:
    """The service's handler detaches the policy from its roles before deleting it."""
    iam = _iam(account)
    arn = res.physical_resource_id
    if arn not in iam.managed_policies:
        return
    for name in _attached_roles(account, arn):
        iam.detach_role_policy(arn, name)
    iam.delete_policy(arn)


# --- S3 bucket policy --------------------------------------------------------------------------------------


def _s3(account: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


def _bucket_policies(w: _World) -> Iterator[ScannedResource]:
    for bucket in list(_s3(w.account_id).buckets.values()):
        if bucket.policy and bucket.region_name == w.region:  # the bucket's Region, as for the bucket
            yield ScannedResource(
                BUCKET_POLICY, _one(BUCKET_POLICY, bucket.name), {}, None, ((BUCKET, bucket.name),)
            )


def _render_bucket_policy(ctx: _Ctx, r: ScannedResource) -> dict[str, Any]:
    name = r.identifier["Bucket"]
    bucket = _s3(ctx.account_id).buckets.get(name)
    if bucket is None or not bucket.policy:
        from iacgen.localcloud.properties import ResourceGone

        raise ResourceGone(r.key)
    raw = bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
    return {"Bucket": Link(BUCKET, name, name), "PolicyDocument": json.loads(raw)}


def _delete_bucket_policy(account: str, region: str, res: AdoptedResource) -> None:
    s3 = _s3(account)
    bucket = s3.buckets.get(res.physical_resource_id)
    if bucket is not None and bucket.policy:
        s3.delete_bucket_policy(bucket.name)


TYPES: tuple[TypeSupport, ...] = (
    TypeSupport(LOG_GROUP, _log_groups, _render_log_group, _delete_log_group),
    TypeSupport(QUEUE, _queues, _render_queue, _delete_queue),
    TypeSupport(TOPIC, _topics, _render_topic, _delete_topic),
    TypeSupport(KEY, _keys, _render_key, _delete_key, delete_rank=4),
    TypeSupport(ALIAS, _aliases, _render_alias, _delete_alias, delete_rank=0),
    TypeSupport(DB_SUBNET_GROUP, _db_subnet_groups, _render_db_subnet_group, _delete_db_subnet_group, 2),
    TypeSupport(DB_INSTANCE, _db_instances, _render_db_instance, _delete_db_instance, delete_rank=0),
    TypeSupport(LOAD_BALANCER, _load_balancers, _render_load_balancer, _delete_load_balancer, 1),
    TypeSupport(TARGET_GROUP, _target_groups, _render_target_group, _delete_target_group, delete_rank=1),
    TypeSupport(LISTENER, _listeners, _render_listener, _delete_listener, delete_rank=0),
    TypeSupport(SECRET, _secrets, _render_secret, _delete_secret),
    TypeSupport(INSTANCE_PROFILE, _instance_profiles, _render_instance_profile, _delete_instance_profile, 1),
    TypeSupport(MANAGED_POLICY, _managed_policies, _render_managed_policy, _delete_managed_policy, 1),
    TypeSupport(BUCKET_POLICY, _bucket_policies, _render_bucket_policy, _delete_bucket_policy, delete_rank=0),
)

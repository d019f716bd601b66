"""The sprawl scenario: an account of N hand-made resources, for scale tests and benchmarks.

A realistic spread, repeated in blocks of 100: three networks of 25 (a VPC with its main route table,
default network ACL and default security group; two subnets with their ACL associations; an internet
gateway and its attachment; a route table with a default route and two subnet associations; both route
tables' local routes, which a scan lists like the service's does; an app security group; four instances and
their network interfaces) and six data sets of 4 (a bucket, a table, a role and the function that runs as it),
plus a bucket. Every network is tagged team=tN, every data set team=dN; the rest of N (below 100) is filled
with networks while 25 fit, then buckets.

Built by populating moto's backends directly, in the process that holds them (the API would take minutes at
100,000 resources): `seed()` in-process, or through the server's /_iacgen/seed/sprawl route. N counts what a
full scan then finds, moto's default VPC included, so `--resources 100000` is exactly the service's limit.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
NETWORK_SIZE = 25
DATA_SIZE = 4
INSTANCES_PER_NETWORK = 4  # each with its network interface: 17 + 2 * 4 = NETWORK_SIZE
BLOCK = (3, 6, 1)  # networks, data sets, buckets per block of 100
ROUTE = "/_iacgen/seed/sprawl"

_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@dataclass
class SprawlWorld:
    resources: int  # what a full scan finds now
    created: int
    networks: int
    data_sets: int
    by_type: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resources": self.resources,
            "created": self.created,
            "networks": self.networks,
            "data_sets": self.data_sets,
            "by_type": self.by_type,
        }


def plan(count: int) -> tuple[int, int, int]:
    """(networks, data sets, buckets) making exactly `count` resources."""
    blocks, rest = divmod(max(0, count), 100)
    networks, data_sets, buckets = (blocks * n for n in BLOCK)
    networks += rest // NETWORK_SIZE
    buckets += rest % NETWORK_SIZE
    return networks, data_sets, buckets


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


class _Builder:
    def __init__(self, account_id: str, region: str, offset: int) -> None:
        from moto.awslambda.models import lambda_backends
        from moto.dynamodb.models import dynamodb_backends
        from moto.ec2.models import ec2_backends
        from moto.iam.models import iam_backends
        from moto.s3.models import s3_backends

        self.region = region
        self.ec2 = ec2_backends[account_id][region]
        self.s3 = s3_backends[account_id]["aws"]
        self.iam = iam_backends[account_id]["aws"]
        self.dynamodb = dynamodb_backends[account_id][region]
        self.awslambda = lambda_backends[account_id][region]
        self.offset = offset  # names continue after an earlier seed, so seeding twice adds, never clashes
        self.image = next(iter(self.ec2.amis))
        self.code = _zip()

    def network(self, n: int) -> None:
        ec2 = self.ec2
        second, third = divmod(n % 62500, 250)
        team = {"team": f"t{n}"}
        vpc = ec2.create_vpc(cidr_block=f"10.{second % 250}.{third}.0/24")
        subnets = [
            ec2.create_subnet(
                vpc_id=vpc.id,
                cidr_block=f"10.{second % 250}.{third}.{half * 128}/25",
                availability_zone=f"{self.region}{az}",
            )
            for half, az in enumerate("ab")
        ]
        igw = ec2.create_internet_gateway()
        ec2.attach_internet_gateway(igw.id, vpc.id)
        table = ec2.create_route_table(vpc.id)
        ec2.create_route(table.id, "0.0.0.0/0", gateway_id=igw.id)
        for subnet in subnets:
            # what associate_route_table does, without its scan of every route table (quadratic at scale)
            table._associations[f"rtbassoc-{subnet.id.split('-', 1)[1]}"] = subnet.id
        group = ec2.create_security_group(name=f"t{n}-app", description="app", vpc_id=vpc.id)
        reservation = ec2.run_instances(
            self.image,
            INSTANCES_PER_NETWORK,
            None,
            [],
            subnet_id=subnets[0].id,
            security_group_ids=[group.id],
            instance_type="t3.micro",
            is_instance_type_default=True,
            region_name=self.region,
            placement=None,
            tags={},
        )
        ids = [vpc.id, *(s.id for s in subnets), igw.id, table.id, group.id]
        ids += [i.id for i in reservation.instances]
        ec2.create_tags(ids, team)

    def data_set(self, n: int) -> None:
        tags = [{"Key": "team", "Value": f"d{n}"}]
        name = f"sprawl-d{n}"
        self.bucket(f"{name}-bucket", tags)
        self.dynamodb.create_table(
            f"{name}-table",
            schema=[{"AttributeName": "id", "KeyType": "HASH"}],
            throughput=None,
            attr=[{"AttributeName": "id", "AttributeType": "S"}],
            global_indexes=None,
            indexes=None,
            streams=None,
            billing_mode="PAY_PER_REQUEST",
            sse_specification=None,
            tags=tags,
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
        role = self.iam.create_role(f"{name}-role", _TRUST, "/", None, "", tags, None)
        self.awslambda.create_function(
            {
                "FunctionName": f"{name}-fn",
                "Runtime": "python3.12",
                "Role": role.arn,
                "Handler": "index.handler",
                "Code": {"ZipFile": base64.b64encode(self.code).decode()},
                "Tags": {"team": f"d{n}"},
            }
        )

    def bucket(self, name: str, tags: list[dict[str, str]] | None = None) -> None:
        bucket = self.s3.create_bucket(name, self.region)
        if tags:
            self.s3.tagger.tag_resource(bucket.arn, tags)


@contextlib.contextmanager
def _linear(ec2: Any, image_id: str) -> Iterator[None]:
    """moto's EC2 lookups that scan everything (an instance by id walks all reservations, a new subnet lists
    every subnet, the default ACL is found by walking all ACLs, each instance filters ~1,300 images) make
    seeding quadratic; while seeding, answer them from indexes kept here. Shadowed on the backend object
    only, and always restored."""
    image = ec2.amis[image_id]
    by_vpc: dict[str, list[Any]] = {}
    default_acl: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    originals = {
        "describe_subnets": ec2.describe_subnets,
        "get_instance": ec2.get_instance,
        "describe_volumes": ec2.describe_volumes,
        "get_security_group_from_id": ec2.get_security_group_from_id,
    }
    create_group = ec2.create_security_group
    create_subnet = ec2.create_subnet
    create_vpc = ec2.create_vpc

    def describe_subnets(subnet_ids: Any = None, filters: Any = None) -> list[Any]:
        if not subnet_ids and isinstance(filters, dict) and set(filters) == {"vpc-id"}:
            vpc = filters["vpc-id"]
            return list(by_vpc.get(vpc if isinstance(vpc, str) else vpc[0], []))
        return list(originals["describe_subnets"](subnet_ids=subnet_ids, filters=filters))

    def get_instance(instance_id: str) -> Any:
        latest = next(reversed(ec2.reservations.values()), None)
        for instance in latest.instances if latest is not None else ():
            if instance.id == instance_id:
                return instance
        return originals["get_instance"](instance_id)

    def describe_volumes(volume_ids: Any = None, filters: Any = None) -> list[Any]:
        if volume_ids and not filters and all(v in ec2.volumes for v in volume_ids):
            return [ec2.volumes[v] for v in volume_ids]
        return list(originals["describe_volumes"](volume_ids=volume_ids, filters=filters))

    def get_group(group_id: str) -> Any:
        return groups.get(group_id) or originals["get_security_group_from_id"](group_id)

    def new_group(*args: Any, **kwargs: Any) -> Any:
        group = create_group(*args, **kwargs)
        groups[group.id] = group
        return group

    def new_vpc(*args: Any, **kwargs: Any) -> Any:
        vpc = create_vpc(*args, **kwargs)
        default_acl[vpc.id] = next(a for a in reversed(ec2.network_acls.values()) if a.vpc_id == vpc.id)
        return vpc

    def new_subnet(*args: Any, **kwargs: Any) -> Any:
        subnet = create_subnet(*args, **kwargs)
        by_vpc.setdefault(subnet.vpc_id, []).append(subnet)
        return subnet

    def associate_default_acl(subnet_id: str, vpc_id: str) -> None:
        from moto.ec2.models.network_acls import NetworkAclAssociation
        from moto.ec2.utils import random_network_acl_subnet_association_id

        acl = default_acl[vpc_id]
        association_id = random_network_acl_subnet_association_id()
        acl._associations[association_id] = NetworkAclAssociation(ec2, association_id, subnet_id, acl.id)

    shadows = {
        "describe_images": lambda *a, **k: [image],
        "describe_subnets": describe_subnets,
        "get_instance": get_instance,
        "create_vpc": new_vpc,
        "create_subnet": new_subnet,
        "describe_volumes": describe_volumes,
        "get_security_group_from_id": get_group,
        "create_security_group": new_group,
        "associate_default_network_acl_with_subnet": associate_default_acl,
    }
    for name, fn in shadows.items():
        setattr(ec2, name, fn)
    try:
        yield
    finally:
        for name in shadows:
            with contextlib.suppress(AttributeError):
                delattr(ec2, name)


def seed(resources: int, account_id: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> SprawlWorld:
    """Grow the account to `resources` (what a full scan finds), by direct moto state."""
    from iacgen.localcloud import inventory

    if resources < 0:
        raise ValueError("resources must be 0 or more")

    before = Counter(r.type for r in inventory.scan(account_id, region))
    existing = sum(before.values())
    networks, data_sets, buckets = plan(resources - existing)
    builder = _Builder(account_id, region, offset=existing)
    base = existing
    with _linear(builder.ec2, builder.image):
        for n in range(networks):
            builder.network(base + n)
    for n in range(data_sets):
        builder.data_set(base + n)
    for n in range(buckets):
        builder.bucket(f"sprawl-b{base + n}")
    after = Counter(r.type for r in inventory.scan(account_id, region))
    return SprawlWorld(
        resources=sum(after.values()),
        created=sum(after.values()) - existing,
        networks=networks,
        data_sets=data_sets,
        by_type=dict(sorted(after.items())),
    )


def seed_remote(endpoint_url: str, resources: int, region: str = DEFAULT_REGION) -> SprawlWorld:
    """Ask a local cloud server to seed itself (the route above); raises ValueError with its reason."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlencode

    url = f"{endpoint_url.rstrip('/')}{ROUTE}?{urlencode({'resources': resources, 'region': region})}"
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=900) as response:
            data = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ValueError(json.loads(exc.read() or b"{}").get("error") or str(exc)) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ValueError(f"the local cloud at {endpoint_url} did not answer: {exc}") from exc
    return SprawlWorld(**data)

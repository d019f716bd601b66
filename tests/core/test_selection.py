"""Selection grammar, evaluation and the related-resource closure, as pure functions over a fake graph."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from iacgen.cli.flags import FLAGS
from iacgen.core.errors import UsageError
from iacgen.core.scans import ScannedResource
from iacgen.core.selection import Term, evaluate, parse_select, related_closure


def res(type_: str, value: str, managed: bool = False, key: str = "Id") -> ScannedResource:
    return ScannedResource(type_, {key: value}, managed)


VPC = res("AWS::EC2::VPC", "vpc-1", key="VpcId")
SUBNET = res("AWS::EC2::Subnet", "subnet-1", key="SubnetId")
SG = res("AWS::EC2::SecurityGroup", "sg-1")
KEY = res("AWS::EC2::KeyPair", "kp", key="KeyName")
INSTANCE = res("AWS::EC2::Instance", "i-1", key="InstanceId")
ACL = res("AWS::EC2::NetworkAcl", "acl-1")
MANAGED_SG = res("AWS::EC2::SecurityGroup", "sg-owned", managed=True)
INSTANCE2 = res("AWS::EC2::Instance", "i-2", key="InstanceId")

EDGES = [
    (SUBNET, VPC),
    (SG, VPC),
    (ACL, VPC),
    (INSTANCE, SUBNET),
    (INSTANCE, SG),
    (INSTANCE, KEY),
    (INSTANCE2, MANAGED_SG),
    (INSTANCE2, KEY),
]


class FakeRelated:
    """ListResourceScanRelatedResources over EDGES; records every batch it was sent."""

    def __init__(self) -> None:
        self.batches: list[list[ScannedResource]] = []

    def __call__(self, batch: list[ScannedResource]) -> list[ScannedResource]:
        assert 1 <= len(batch) <= 100
        self.batches.append(list(batch))
        out: list[ScannedResource] = []
        for r in batch:
            for a, b in EDGES:
                if a == r:
                    out.append(b)
                elif b == r:
                    out.append(a)
        return out + out  # the service may return duplicates

    @property
    def sent(self) -> list[ScannedResource]:
        return [r for b in self.batches for r in b]


# --- grammar ---------------------------------------------------------------------------------


def test_parse_terms() -> None:
    sel = parse_select(" type=AWS::EC2::* , tag:Name=web,tag:team, id=vpc-0abc ")
    assert sel.terms == (
        Term("type", "AWS::EC2::*"),
        Term("tag", "Name", "web"),
        Term("tag", "team", None),
        Term("id", "vpc-0abc"),
    )


def test_tag_value_may_contain_equals_and_colons() -> None:
    assert parse_select("tag:aws:app=a=b").terms == (Term("tag", "aws:app", "a=b"),)


@pytest.mark.parametrize(
    ("expr", "bad"),
    [
        ("name=web", "name=web"),
        ("type=AWS::EC2::Instance,colour=red", "colour=red"),
        ("type=AWS::*::Instance", "type=AWS::*::Instance"),
        ("type=", "type="),
        ("tag:=x", "tag:=x"),
        ("tag:Name=", "tag:Name="),
        ("type=AWS::EC2::VPC,,id=x", ""),
        ("web", "web"),
    ],
)
def test_bad_terms_name_the_term_and_give_the_grammar(expr: str, bad: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_select(expr)
    assert f"{bad!r}" in err.value.message
    assert err.value.hint and "tag:KEY=VALUE" in err.value.hint
    assert err.value.exit_code == 2


def test_empty_expression() -> None:
    with pytest.raises(UsageError):
        parse_select("  ")


def test_queries_push_filters_down_one_call_per_tag_term() -> None:
    sel = parse_select("type=AWS::EC2::*,tag:team=web,tag:Name,id=i-1")
    assert sel.queries() == [
        {"type_prefix": "AWS::EC2::", "identifier": "i-1", "tag_key": "Name"},
        {"type_prefix": "AWS::EC2::", "identifier": "i-1", "tag_key": "team", "tag_value": "web"},
    ]
    assert parse_select("type=*").queries() == [{}]


# --- evaluation ---------------------------------------------------------------------------------

ALL = [VPC, SUBNET, SG, KEY, INSTANCE, ACL, INSTANCE2, res("AWS::EC2::SubnetRouteTableAssociation", "a-1")]
TAGS = {
    INSTANCE.key: {"team": "web", "Name": "web-1"},
    SUBNET.key: {"team": "web"},
    VPC.key: {"team": "data"},
}


class FakeList:
    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []

    def __call__(self, **q: str) -> Iterable[ScannedResource]:
        self.calls.append(q)
        for r in ALL:
            tags = TAGS.get(r.key, {})
            if "type_prefix" in q and not r.type.startswith(q["type_prefix"]):
                continue
            if "identifier" in q and not any(q["identifier"] in v for v in r.identifier.values()):
                continue
            if "tag_key" in q and q["tag_key"] not in tags:
                continue
            if "tag_value" in q and tags.get(q["tag_key"]) != q["tag_value"]:
                continue
            yield r


def test_exact_type_is_not_a_prefix() -> None:
    result = evaluate(FakeList(), [parse_select("type=AWS::EC2::Subnet")], [])
    assert result.resources == [SUBNET]  # not the SubnetRouteTableAssociation


def test_tags_are_intersected_and_ors_unioned() -> None:
    lister = FakeList()
    result = evaluate(
        lister,
        [parse_select("tag:team=web,tag:Name=web-1"), parse_select("tag:team=data"), parse_select("id=kp")],
        [],
    )
    assert set(result.resources) == {INSTANCE, VPC, KEY}
    assert len(lister.calls) == 4


def test_exclude_removes_and_identical_listings_are_cached() -> None:
    lister = FakeList()
    result = evaluate(lister, [parse_select("tag:team")], [parse_select("tag:team,type=AWS::EC2::VPC")])
    assert set(result.resources) == {INSTANCE, SUBNET}
    assert result.excluded == [VPC]
    assert result.blocked == [VPC]
    assert result.calls == len(lister.calls) == 2


def test_id_term_is_exact_equality() -> None:
    assert evaluate(FakeList(), [parse_select("id=i")], []).resources == []


# --- closure ---------------------------------------------------------------------------------


def test_closure_to_fixed_point_with_attribution_and_depth() -> None:
    fake = FakeRelated()
    closure = related_closure(fake, [INSTANCE])
    got = {a.resource: (a.depth, a.pulled_in_by, a.exact) for a in closure.added}
    assert got == {
        SUBNET: (1, [INSTANCE], True),
        SG: (1, [INSTANCE], True),
        KEY: (1, [INSTANCE], True),
        VPC: (2, [INSTANCE], True),
        ACL: (3, [INSTANCE], True),
        INSTANCE2: (2, [INSTANCE], True),
    }
    assert closure.skipped_managed == [MANAGED_SG]
    assert closure.fixed_point
    sent = fake.sent
    assert len(sent) == len(set(sent))  # never an identifier twice
    assert MANAGED_SG not in sent  # a managed resource is not expanded
    assert closure.calls == len(fake.batches) == closure.rounds == 4


def test_depth_bounds_the_rounds() -> None:
    fake = FakeRelated()
    closure = related_closure(fake, [INSTANCE], depth=1)
    assert {a.resource for a in closure.added} == {SUBNET, SG, KEY}
    assert not closure.fixed_point
    assert closure.calls == 1
    assert related_closure(FakeRelated(), [INSTANCE], depth=0).added == []


def test_two_seeds_are_attributed_exactly_with_one_batch_per_lineage() -> None:
    fake = FakeRelated()
    closure = related_closure(fake, [INSTANCE, INSTANCE2], depth=1)
    by = {a.resource: [r.key for r in a.pulled_in_by] for a in closure.added}
    assert by[KEY] == [INSTANCE.key, INSTANCE2.key]  # both pulled it in
    assert by[SUBNET] == [INSTANCE.key]
    assert all(a.exact for a in closure.added)
    assert [len(b) for b in fake.batches] == [1, 1]


def test_beyond_the_exact_limit_batches_are_packed_and_marked_inexact() -> None:
    fake = FakeRelated()
    closure = related_closure(fake, [INSTANCE, INSTANCE2], depth=1, exact_attribution_limit=1)
    assert [len(b) for b in fake.batches] == [2]
    assert {a.resource for a in closure.added} == {SUBNET, SG, KEY}
    assert all(not a.exact and len(a.pulled_in_by) == 2 for a in closure.added)


def test_excluded_resources_are_not_added_nor_expanded() -> None:
    fake = FakeRelated()
    closure = related_closure(fake, [INSTANCE], excluded=[SUBNET])
    assert SUBNET not in closure.resources
    assert closure.skipped_excluded == [SUBNET]
    assert SUBNET not in fake.sent
    assert VPC in closure.resources  # still reached through the security group


def test_dedupes_on_the_whole_identifier() -> None:
    a = ScannedResource("AWS::EC2::Route", {"RouteTableId": "rtb-1", "CidrBlock": "0.0.0.0/0"})
    b = ScannedResource("AWS::EC2::Route", {"RouteTableId": "rtb-1", "CidrBlock": "10.0.0.0/8"})
    seed = res("AWS::EC2::RouteTable", "rtb-1")
    closure = related_closure(lambda batch: [a, b, a], [seed])
    assert [x.resource for x in closure.added] == [a, b]


def test_batches_hold_at_most_100_and_more_than_500_is_a_usage_error() -> None:
    seeds = [res("AWS::S3::Bucket", f"b{i}") for i in range(250)]
    fake = FakeRelated()
    closure = related_closure(fake, seeds, depth=1)
    assert [len(b) for b in fake.batches] == [100, 100, 50]
    assert len(closure.selected) == 250

    hub = res("AWS::EC2::VPC", "hub")
    spokes = [res("AWS::EC2::Subnet", f"s{i}") for i in range(600)]
    with pytest.raises(UsageError) as err:
        related_closure(lambda batch: spokes, [hub])
    assert "601 resources" in err.value.message and "at most 500" in err.value.message
    assert "--related-depth" in (err.value.hint_in(FLAGS) or "")


def test_links_come_from_batches_of_one_lineage_and_join_groups_for_partitioning() -> None:
    from iacgen.core.partition import components, partition

    fake = FakeRelated()
    closure = related_closure(fake, [INSTANCE, INSTANCE2])
    assert closure.mixed_batches == 0
    links = {frozenset(pair) for pair in closure.links}
    assert frozenset((INSTANCE.key, KEY.key)) in links and frozenset((INSTANCE2.key, KEY.key)) in links
    assert frozenset((INSTANCE.key, VPC.key)) in links  # round 2, from the subnet's batch (lineage INSTANCE)
    assert all(MANAGED_SG.key not in pair for pair in closure.links)  # skipped: never a node
    keys = [r.key for r in closure.resources]
    adjacency: dict[tuple[str, tuple[tuple[str, str], ...]], set[tuple[str, tuple[tuple[str, str], ...]]]]
    adjacency = {key: set() for key in keys}
    for a, b in closure.links:
        adjacency[a].add(b)
        adjacency[b].add(a)
    assert len(components(keys, adjacency)) == 1  # the shared key pair joins both instances' groups
    assert len(partition(keys, closure.links, limit=4).parts) == 2


def test_a_mixed_batch_gives_no_links() -> None:
    closure = related_closure(FakeRelated(), [INSTANCE, INSTANCE2], depth=1, exact_attribution_limit=1)
    assert closure.mixed_batches == 1 and closure.links == []

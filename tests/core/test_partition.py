"""Partitioning a selection beyond one template: pure functions over keys and edges."""

from __future__ import annotations

import random

import pytest

from iacgen.core.partition import Key, components, partition


def k(type_: str, value: str) -> Key:
    return (type_, (("Id", value),))


def sprawl(vpcs: int, per_vpc: int, loose: int) -> tuple[list[Key], list[tuple[Key, Key]]]:
    """A graph shaped like an account: VPCs with subnets, route tables, groups and instances (a VPC and its
    contents are one group), plus `loose` unrelated buckets and role/function pairs."""
    nodes: list[Key] = []
    edges: list[tuple[Key, Key]] = []
    for v in range(vpcs):
        vpc = k("AWS::EC2::VPC", f"vpc-{v:03}")
        nodes.append(vpc)
        subnets = [k("AWS::EC2::Subnet", f"subnet-{v:03}-{s}") for s in range(3)]
        sg = k("AWS::EC2::SecurityGroup", f"sg-{v:03}")
        rtb = k("AWS::EC2::RouteTable", f"rtb-{v:03}")
        for r in [*subnets, sg, rtb]:
            nodes.append(r)
            edges.append((r, vpc))
        for i in range(per_vpc - 5):
            inst = k("AWS::EC2::Instance", f"i-{v:03}-{i:03}")
            nodes.append(inst)
            edges.append((inst, subnets[i % 3]))
            edges.append((inst, sg))
    for n in range(loose):
        if n % 2:
            nodes.append(k("AWS::S3::Bucket", f"bucket-{n:04}"))
        else:
            role, fn = k("AWS::IAM::Role", f"role-{n:04}"), k("AWS::Lambda::Function", f"fn-{n:04}")
            nodes += [role, fn]
            edges.append((fn, role))
    return nodes, edges


def check_exact(nodes: list[Key], edges: list[tuple[Key, Key]], limit: int = 500) -> None:
    result = partition(nodes, edges, limit=limit)
    where = result.part_of()
    members = [m for p in result.parts for m in p.members]
    assert sorted(members) == sorted(set(nodes))  # every resource in exactly one part
    assert all(len(p.members) <= limit for p in result.parts)
    expected = {frozenset((a, b)) for a, b in edges if where[a] != where[b]}
    assert {frozenset((c.source, c.target)) for c in result.crossings} == expected
    for c in result.crossings:
        assert (where[c.source], where[c.target]) == (c.source_part, c.target_part)


def test_1200_resources_become_three_or_more_parts_none_over_500() -> None:
    nodes, edges = sprawl(vpcs=20, per_vpc=45, loose=200)
    assert len(set(nodes)) == 1220
    result = partition(nodes, edges)
    assert len(result.parts) >= 3
    assert max(len(p.members) for p in result.parts) <= 500
    check_exact(nodes, edges)
    # each VPC group fits in a template, so none is split and nothing crosses
    assert result.crossings == [] and result.cut_groups == []
    where = result.part_of()
    for group in components(nodes, {n: set() for n in nodes} | _adj(edges)):
        assert len({where[m] for m in group}) == 1
    assert result.names("web") == [f"web-{i}" for i in range(1, len(result.parts) + 1)]


def _adj(edges: list[tuple[Key, Key]]) -> dict[Key, set[Key]]:
    out: dict[Key, set[Key]] = {}
    for a, b in edges:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def test_same_selection_gives_the_same_partition_whatever_the_order() -> None:
    nodes, edges = sprawl(vpcs=20, per_vpc=45, loose=200)
    # one key pair shared by every instance ties all VPCs into one group that must be cut
    key_pair = k("AWS::EC2::KeyPair", "shared")
    edges = edges + [(n, key_pair) for n in nodes if n[0] == "AWS::EC2::Instance"]
    nodes = [*nodes, key_pair]
    first = partition(nodes, edges)
    rng = random.Random(7)
    for _ in range(3):
        shuffled_nodes = nodes[:]
        shuffled_edges = [(b, a) if rng.random() < 0.5 else (a, b) for a, b in edges]
        rng.shuffle(shuffled_nodes)
        rng.shuffle(shuffled_edges)
        again = partition(shuffled_nodes, shuffled_edges + shuffled_edges[:50])
        assert [p.members for p in again.parts] == [p.members for p in first.parts]
        assert again.crossings == first.crossings
    check_exact(nodes, edges)


def test_a_group_too_large_is_cut_where_the_fewest_references_cross() -> None:
    # two dense clusters of 300 joined by a single edge: the cut is that edge, not 100 edges inside a cluster
    left = [k("AWS::EC2::Instance", f"a-{i:03}") for i in range(300)]
    right = [k("AWS::EC2::Instance", f"b-{i:03}") for i in range(300)]
    edges = [(c[i], c[j]) for c in (left, right) for i in range(300) for j in range(i + 1, i + 4) if j < 300]
    edges.append((left[150], right[150]))
    result = partition([*left, *right], edges)
    assert result.cut_groups == [600]
    assert len(result.parts) == 2
    assert [(c.source, c.target) for c in result.crossings] == [(left[150], right[150])]
    assert {frozenset(p.members) for p in result.parts} == {frozenset(left), frozenset(right)}
    check_exact([*left, *right], edges)


def test_a_star_larger_than_a_template_is_cut_into_full_parts() -> None:
    # a hub with 1,100 leaves (one security group used by every instance): any cut crosses one edge per
    # leaf moved away from the hub; the parts are still at most 500 and all crossings listed
    hub = k("AWS::EC2::SecurityGroup", "sg-hub")
    leaves = [k("AWS::EC2::Instance", f"i-{i:04}") for i in range(1100)]
    edges = [(leaf, hub) for leaf in leaves]
    result = partition([hub, *leaves], edges)
    assert len(result.parts) == 3
    assert len(result.crossings) == 1101 - max(len(p.members) for p in result.parts if hub in p.members)
    check_exact([hub, *leaves], edges)


def test_small_selection_is_one_part_and_edges_outside_are_ignored() -> None:
    a, b, outside = k("T::A", "a"), k("T::B", "b"), k("T::C", "c")
    result = partition([a, b], [(a, b), (b, outside), (a, a)])
    assert [p.members for p in result.parts] == [[a, b]]
    assert result.crossings == [] and result.names("web") == ["web"]


@pytest.mark.parametrize("limit", [1, 7, 50])
def test_random_graphs_are_partitioned_exactly(limit: int) -> None:
    rng = random.Random(limit)
    nodes = [k("T::X", f"n{i:03}") for i in range(300)]
    edges = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(400)]
    check_exact(nodes, edges, limit=limit)
    assert len(partition(nodes, edges, limit=limit).parts) >= -(-300 // limit)

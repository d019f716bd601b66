"""Splitting a selection that exceeds one generated template (500 resources) into NAME-1, NAME-2, ...

Pure functions over resource keys and the relation edges between them; no AWS call. The rules:

1. Connected groups stay together: the edges' connected components are the units of packing.
2. Groups are packed into templates of at most `limit` resources, largest first, each into the first part
   with room (first-fit decreasing: within 11/9 of the fewest parts, and deterministic).
3. A group larger than `limit` is cut where the fewest edges cross: a piece is grown from a peripheral
   resource, always taking next the frontier resource with the most edges into the piece (greedy graph
   growing, as in METIS's initial partitioning), and the piece is the prefix of that growth order, between
   half a template and a whole one, where the fewest edges leave it (best-prefix, as in Fiduccia-Mattheyses).
   The rest of the group is split into its components again and the same rule applies. Why this and not an
   exact min-cut: the exact balanced min-cut is NP-hard, this is linear-logarithmic, and on the graphs AWS
   accounts make (VPCs with their subnets, route tables, groups and instances; roles with their
   functions) the growth fills a piece with whole VPCs before it crosses into the next, so the cut falls
   between them.
4. Every edge whose ends land in different parts is a crossing, listed: in the generated templates the
   reference becomes the target's literal identifier, as the service writes references to resources outside
   a template.

Determinism: everything is ordered by key (type, then identifier), never by input order or hash order, so the
same selection and edges give the same partition.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_TEMPLATE_RESOURCES = 500

Key = tuple[str, tuple[tuple[str, str], ...]]  # (type, sorted identifier items), as ScannedResource.key


def label(key: Key) -> str:
    """The physical id of a key as CloudFormation shows it ('|'-joined identifier values)."""
    return "|".join(v for _, v in key[1])


def _key_dict(key: Key) -> dict[str, Any]:
    return {"type": key[0], "identifier": dict(key[1])}


@dataclass(frozen=True)
class Crossing:
    """A relation whose ends are in two parts; in the templates it is the literal identifier."""

    source: Key
    target: Key
    source_part: int  # 1-based part numbers, as in NAME-1
    target_part: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": _key_dict(self.source),
            "target": _key_dict(self.target),
            "source_part": self.source_part,
            "target_part": self.target_part,
        }


@dataclass
class Part:
    number: int  # 1-based
    members: list[Key]
    groups: int  # how many connected groups (or pieces of a cut group) it holds

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "resources": len(self.members), "groups": self.groups}


@dataclass
class Partition:
    parts: list[Part]
    crossings: list[Crossing]
    groups: int  # connected groups before any cut
    cut_groups: list[int] = field(default_factory=list)  # sizes of the groups that had to be cut

    def part_of(self) -> dict[Key, int]:
        return {k: p.number for p in self.parts for k in p.members}

    def names(self, name: str) -> list[str]:
        """NAME-1, NAME-2, ... (just NAME when one part suffices)."""
        if len(self.parts) == 1:
            return [name]
        return [f"{name}-{p.number}" for p in self.parts]

    def to_dict(self) -> dict[str, Any]:
        return {
            "parts": [p.to_dict() for p in self.parts],
            "groups": self.groups,
            "cut_groups": self.cut_groups,
            "crossings": [c.to_dict() for c in self.crossings],
        }


def _adjacency(nodes: Sequence[Key], edges: Iterable[tuple[Key, Key]]) -> dict[Key, set[Key]]:
    adjacency: dict[Key, set[Key]] = {k: set() for k in nodes}
    for a, b in edges:
        if a != b and a in adjacency and b in adjacency:
            adjacency[a].add(b)
            adjacency[b].add(a)
    return adjacency


def components(members: Iterable[Key], adjacency: dict[Key, set[Key]]) -> list[list[Key]]:
    """Connected components of the subgraph induced by `members`, each sorted, ordered by smallest key."""
    inside = set(members)
    seen: set[Key] = set()
    out: list[list[Key]] = []
    for start in sorted(inside):
        if start in seen:
            continue
        seen.add(start)
        stack, group = [start], [start]
        while stack:
            for other in adjacency[stack.pop()]:
                if other in inside and other not in seen:
                    seen.add(other)
                    stack.append(other)
                    group.append(other)
        out.append(sorted(group))
    return out


def _peripheral(group: list[Key], adjacency: dict[Key, set[Key]]) -> Key:
    """A resource far from the middle: the last one reached by a breadth-first walk from the smallest key
    (ties by key), so growth starts at an edge of the group rather than at a hub."""
    inside = set(group)
    frontier, seen = [group[0]], {group[0]}
    last = group[0]
    while frontier:
        last = min(frontier)
        nxt: list[Key] = []
        for node in sorted(frontier):
            for other in adjacency[node]:
                if other in inside and other not in seen:
                    seen.add(other)
                    nxt.append(other)
        frontier = nxt
    return last


def _grow(group: list[Key], adjacency: dict[Key, set[Key]], limit: int) -> list[Key]:
    """The piece to cut off a connected group larger than `limit` (see the module docstring, rule 3)."""
    inside = set(group)
    seed = _peripheral(group, adjacency)
    piece: list[Key] = []
    taken: set[Key] = set()
    links: dict[Key, int] = {}  # frontier resource -> edges into the piece
    heap: list[tuple[int, Key]] = [(0, seed)]
    links[seed] = 0
    cut = 0
    best: tuple[int, int] | None = None  # (cut, -size)
    best_size = 0
    low = max(1, limit // 2)
    while heap and len(piece) < limit:
        neg, node = heapq.heappop(heap)
        if node in taken or -neg != links.get(node, 0):
            continue  # stale entry
        taken.add(node)
        piece.append(node)
        inner = outer = 0
        for other in adjacency[node]:
            if other not in inside:
                continue
            if other in taken:
                inner += 1
            else:
                outer += 1
                links[other] = links.get(other, 0) + 1
                heapq.heappush(heap, (-links[other], other))
        cut += outer - inner
        if len(piece) >= low:
            score = (cut, -len(piece))
            if best is None or score < best:
                best, best_size = score, len(piece)
    return piece[: best_size or len(piece)]


def _pieces(group: list[Key], adjacency: dict[Key, set[Key]], limit: int) -> list[list[Key]]:
    """A group as pieces of at most `limit`: itself if it fits, else a grown piece plus the rest, again."""
    out: list[list[Key]] = []
    todo = [group]
    while todo:
        current = todo.pop()
        if len(current) <= limit:
            out.append(current)
            continue
        piece = _grow(current, adjacency, limit)
        out.append(sorted(piece))
        cut = set(piece)
        todo.extend(reversed(components((k for k in current if k not in cut), adjacency)))
    return out


def partition(
    nodes: Iterable[Key], edges: Iterable[tuple[Key, Key]], *, limit: int = MAX_TEMPLATE_RESOURCES
) -> Partition:
    """Split `nodes` into parts of at most `limit` along `edges` (pairs of keys; edges to keys outside `nodes`
    are ignored, duplicates and direction do not matter)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    ordered = sorted(set(nodes))
    adjacency = _adjacency(ordered, edges)
    groups = components(ordered, adjacency)
    units: list[list[Key]] = []
    cut_groups: list[int] = []
    for group in groups:
        if len(group) > limit:
            cut_groups.append(len(group))
        units.extend(_pieces(group, adjacency, limit))
    units.sort(key=lambda u: (-len(u), u[0]))
    bins: list[list[list[Key]]] = []
    sizes: list[int] = []
    for unit in units:
        for i, size in enumerate(sizes):
            if size + len(unit) <= limit:
                bins[i].append(unit)
                sizes[i] += len(unit)
                break
        else:
            bins.append([unit])
            sizes.append(len(unit))
    parts = [
        Part(i + 1, sorted(k for unit in units_ for k in unit), len(units_)) for i, units_ in enumerate(bins)
    ]
    where = {k: p.number for p in parts for k in p.members}
    crossings = sorted(
        (
            Crossing(a, b, where[a], where[b])
            for a in ordered
            for b in sorted(adjacency[a])
            if a < b and where[a] != where[b]
        ),
        key=lambda c: (c.source, c.target),
    )
    return Partition(parts, crossings, len(groups), cut_groups)


@dataclass(frozen=True)
class LiteralReference:
    """A literal identifier in one part's template naming a resource of another part: where the service
    wrote a reference to a resource outside the template. After the import, such a value can become an
    Fn::ImportValue of an Output the other stack exports."""

    part: int
    logical_id: str
    value: str
    target: Key
    target_part: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "logical_id": self.logical_id,
            "value": self.value,
            "target": _key_dict(self.target),
            "target_part": self.target_part,
        }


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,}")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def literal_references(
    properties: dict[int, dict[str, Any]], where: dict[Key, int]
) -> list[LiteralReference]:
    """Every string token in a part's resource properties (part -> logical id -> properties) that equals the
    single identifier value of a resource in another part. ARNs are split at ':' and '/', so a role named in
    a function's Role ARN is found. Sorted by part, logical id, value."""
    by_value: dict[str, list[Key]] = {}
    for key in where:
        values = [v for _, v in key[1]]
        if len(values) == 1 and len(values[0]) >= 3:
            by_value.setdefault(values[0], []).append(key)
    found: set[LiteralReference] = set()
    for part, resources in properties.items():
        for logical_id, props in resources.items():
            for text in _strings(props):
                for token in _TOKEN.findall(text):
                    for target in by_value.get(token, ()):
                        if where[target] != part:
                            found.add(LiteralReference(part, logical_id, token, target, where[target]))
    return sorted(found, key=lambda r: (r.part, r.logical_id, r.value, r.target))

"""What the resources of a template depend on (Ref, Fn::GetAtt, Fn::Sub's ${...}, DependsOn): the order an
import in batches takes them in, and the cycles CloudFormation refuses ("Circular dependency between
resources"), which a generated template can hold (two security groups whose rules name each other)."""

from __future__ import annotations

import re
from typing import Any

_SUB = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")


def references(value: Any) -> set[str]:
    """Logical ids (or parameter names) a plain (long-form) template value refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) and item else str(item).split(".", 1)[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) and item else item
                if isinstance(text, str):
                    found.update(_SUB.findall(text))
                if isinstance(item, list) and len(item) > 1:
                    found |= references(item[1])
            else:
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependencies(body: Any) -> set[str]:
    """What one resource definition depends on: its references and DependsOn."""
    from iacgen.core.template import plain

    data = plain(body)
    if not isinstance(data, dict):
        return set()
    found = references({k: v for k, v in data.items() if k != "DependsOn"})
    depends = data.get("DependsOn")
    if isinstance(depends, str):
        found.add(depends)
    elif isinstance(depends, list):
        found.update(str(d) for d in depends)
    return found


def dependency_order(section: dict[str, Any]) -> list[str]:
    """Logical ids, each after the resources it depends on; otherwise in template order (a cycle, which
    CloudFormation rejects anyway, is broken in template order)."""
    ids = [str(k) for k in section]
    needs = {lid: dependencies(section[lid]) & set(ids) - {lid} for lid in ids}
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(ids):
        progressed = False
        for lid in ids:
            if lid not in placed and needs[lid] <= placed:
                order.append(lid)
                placed.add(lid)
                progressed = True
        if not progressed:
            rest = next(lid for lid in ids if lid not in placed)
            order.append(rest)
            placed.add(rest)
    return order


def cycles(section: dict[str, Any]) -> list[list[str]]:
    """The groups of resources that depend on each other in a circle (strongly connected components of two
    or more, or one that depends on itself), each in template order; groups in template order too."""
    ids = [str(k) for k in section]
    position = {lid: i for i, lid in enumerate(ids)}
    needs = {lid: sorted(dependencies(section[lid]) & set(ids), key=position.__getitem__) for lid in ids}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for (
        root
    ) in ids:  # Tarjan's algorithm, iterative: a long chain of references must not hit the recursion limit
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            lid, next_child = work.pop()
            if next_child == 0:
                index[lid] = low[lid] = len(index)
                stack.append(lid)
                on_stack.add(lid)
            children = needs[lid]
            if next_child < len(children):
                work.append((lid, next_child + 1))
                child = children[next_child]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[lid] = min(low[lid], index[child])
                continue
            if low[lid] == index[lid]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == lid:
                        break
                if len(group) > 1 or lid in needs[lid]:
                    found.append(sorted(group, key=position.__getitem__))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[lid])
    return sorted(found, key=lambda g: position[g[0]])

"""What a template's resources refer to, as the service reads it: the order DeleteStack deletes them in,
and the circular dependency CreateChangeSet refuses. The local cloud's own reading, apart from iacgen's
(core/dependencies.py), so that a mistake in one is caught by the other."""

from __future__ import annotations

from typing import Any


def references(node: Any) -> set[str]:
    """Logical ids a resource refers to (Ref, Fn::GetAtt, Fn::Sub, DependsOn)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    found.update(part.split("}")[0].split(".")[0] for part in text.split("${")[1:])
                found |= references(value)
            elif key == "DependsOn":
                found.update([value] if isinstance(value, str) else list(value))
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def circular(resources: dict[str, Any]) -> list[str] | None:
    """The resources on one circle of references, in template order, or None: a depth-first walk that meets
    a resource still on its path (iterative: a long chain must not reach the recursion limit)."""
    ids = list(resources)
    needs = {lid: sorted(references(resources[lid]) & set(ids), key=ids.index) for lid in ids}
    done: set[str] = set()
    for root in ids:
        if root in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            lid, i = stack.pop()
            if i == 0:
                path.append(lid)
                on_path.add(lid)
            if i < len(needs[lid]):
                stack.append((lid, i + 1))
                nxt = needs[lid][i]
                if nxt in on_path:
                    loop = path[path.index(nxt) :]
                    return sorted(loop, key=ids.index)
                if nxt not in done:
                    stack.append((nxt, 0))
                continue
            path.pop()
            on_path.discard(lid)
            done.add(lid)
    return None

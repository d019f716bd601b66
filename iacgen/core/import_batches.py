"""Templates of more than 200 resources to import: successive IMPORT change sets into the same stack.

An IMPORT change set takes at most 200 ResourcesToImport, and its template must describe the whole stack as
it will be: the resources already in it plus the ones imported now, nothing else. So each batch sends the
stack's resources and the next 200, leaving the rest out of the body. A batch must not refer to a resource
left out (a Ref to a resource the template lacks is invalid), so resources are taken in dependency order:
every resource after the ones it refers to (Ref, Fn::GetAtt, Fn::Sub's ${...}, DependsOn). Re-running the
import after a batch finds that batch in the stack and goes on with the next: that is also how an
interrupted import resumes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iacgen.core.identifiers import ImportResource
    from iacgen.core.template import Template

MAX_PER_CHANGE_SET = 200
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


def split_batch(
    template: Template, to_import: list[ImportResource], limit: int = MAX_PER_CHANGE_SET
) -> tuple[list[ImportResource], list[str]]:
    """The next batch (at most `limit`, in dependency order) and the logical ids left for later batches,
    which are removed from `template` (the body this change set sends)."""
    if len(to_import) <= limit:
        return to_import, []
    section = template.data["Resources"]
    wanted = {r.logical_id: r for r in to_import}
    order = [lid for lid in dependency_order(section) if lid in wanted]
    batch_ids = set(order[:limit])
    later = [lid for lid in order if lid not in batch_ids]
    _drop(template, later)
    return [r for r in to_import if r.logical_id in batch_ids], later


def _drop(template: Template, logical_ids: Iterable[str]) -> None:
    section = template.data["Resources"]
    for lid in logical_ids:
        del section[lid]

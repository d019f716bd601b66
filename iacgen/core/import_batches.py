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

from collections.abc import Iterable
from typing import TYPE_CHECKING

from iacgen.core.dependencies import dependency_order

if TYPE_CHECKING:
    from iacgen.core.identifiers import ImportResource
    from iacgen.core.template import Template

MAX_PER_CHANGE_SET = 200


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

"""The warnings step: a generated template's property-level warnings, grouped by resource, with advice, and
whether any is of a type the caller fails on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen.core import generation
from iacgen.core.errors import PolicyFailure, UsageError
from iacgen.core.secrets import SecretFinding, secrets_in_file
from iacgen.core.template_warnings import WarningCounts, check_fail_on, parse_fail_on

if TYPE_CHECKING:
    from iacgen.core.session import Aws
    from iacgen.core.template_warnings import ResourceWarnings
    from iacgen.core.workspace import Workspace


@dataclass
class WarningsResult:
    name: str
    resources: list[ResourceWarnings]
    fail_on: set[str] = field(default_factory=set)
    # literal secrets in the template file generate wrote (None: no such file here to look into)
    secrets: list[SecretFinding] | None = None
    template_path: str | None = None

    @property
    def counts(self) -> WarningCounts:
        return WarningCounts.of(self.resources)

    def failure(self) -> PolicyFailure | None:
        """The PolicyFailure (exit 1) when a warning of a fail-on type is present, else None."""
        try:
            check_fail_on(self.resources, self.fail_on)
        except PolicyFailure as exc:
            return exc
        return None

    def to_dict(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "name": self.name,
            "total": counts.warnings,
            "properties": counts.properties,
            "counts": counts.to_dict(),
            "resources": [r.to_dict() for r in self.resources],
            "template_path": self.template_path,
            "secrets": [f.to_dict() for f in self.secrets] if self.secrets is not None else None,
        }


def _sets_as_one(step: Any) -> Any:
    """A set generated as NAME-1, NAME-2, ... is one plan: its warnings are every template's, each logical id
    named with its template (NAME-1/EC2VPC)."""

    import functools
    from dataclasses import replace

    @functools.wraps(step)
    def run(
        workspace: Workspace, aws: Aws, name: str | None = None, fail_on: Iterable[str] = ()
    ) -> WarningsResult:
        state = workspace.load()
        members = state.sets.get(name or state.last_template or "")
        if not members:
            one: WarningsResult = step(workspace, aws, name, fail_on)
            return one
        parts: list[WarningsResult] = [step(workspace, aws, member, fail_on) for member in members]
        found = [replace(r, logical_id=f"{p.name}/{r.logical_id}") for p in parts for r in p.resources]
        merged: WarningsResult = replace(parts[0], name=name or str(state.last_template), resources=found)
        return merged

    return run


@_sets_as_one
def warnings(
    workspace: Workspace, aws: Aws, name: str | None = None, fail_on: Iterable[str] = ()
) -> WarningsResult:
    """The warnings of NAME (default: the last template generated here). fail_on: warning type names
    (TYPE or TYPE,TYPE); an unknown one is a UsageError before any call."""
    wanted = parse_fail_on(fail_on)
    state = workspace.load()
    if name is None:
        name = state.last_template
        if name is None:
            raise UsageError("no template name given and none generated yet", "run: iacgen generate NAME ...")
    result = WarningsResult(name, generation.get_warnings(aws, name), wanted)
    record = state.templates.get(name)
    if record is not None and record.template_path and Path(record.template_path).is_file():
        result.template_path = record.template_path
        result.secrets = secrets_in_file(Path(record.template_path))
    return result

"""The generate step: resolve the scan, select (and close over related resources), create or update the
generated template, write the template and its resources file, and record both in the workspace."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from iacgen.core import generation, scans, selection, stateful
from iacgen.core.errors import UsageError
from iacgen.core.files import check_writable
from iacgen.core.policies import GeneratorPolicy
from iacgen.core.reporter import GenerationProgress, NullReporter, Reporter
from iacgen.core.scans import plural, short_id
from iacgen.core.state import TemplateRecord
from iacgen.core.stateful import AtRisk
from iacgen.core.template_warnings import WarningCounts
from iacgen.core.validation import check_template_name
from iacgen.core.workspace import check_overwrite, sha256_of

if TYPE_CHECKING:
    from iacgen.core.generation import GeneratedTemplate
    from iacgen.core.selection import SelectionPlan
    from iacgen.core.session import Aws
    from iacgen.core.workflow.generate_set import GenerateSetResult
    from iacgen.core.workspace import Workspace


@dataclass(frozen=True)
class GenerateRequest:
    name: str
    select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    related: bool | None = None  # None: not said (a related_depth then implies it)
    related_depth: int | None = None
    deletion_policy: GeneratorPolicy = GeneratorPolicy.RETAIN
    update_replace_policy: GeneratorPolicy = GeneratorPolicy.RETAIN
    retain_vpc_defaults: bool = True
    allow_delete_policy: bool = False  # DeletionPolicy DELETE on stateful types (stateful.STATEFUL_TYPES)
    format: str = "yaml"
    out: Path | None = None
    update: bool = False
    force: bool = False
    scan_id: str | None = None
    timeout: float = 1800.0
    temporary: bool = False  # ci: the generated template is deleted when the run ends (nothing to look up)
    # resources per generated template before the selection is split (the service's 500; lower only for
    # tests and for users who want smaller stacks)
    template_limit: int = selection.MAX_TEMPLATE_RESOURCES

    @property
    def with_related(self) -> bool:
        return self.related is True or (self.related is None and self.related_depth is not None)


@dataclass
class GenerateResult:
    template_path: Path
    resources_path: Path
    template: GeneratedTemplate
    selection: SelectionPlan
    at_risk: list[AtRisk] = field(default_factory=list)  # stateful resources left with DeletionPolicy Delete

    def to_dict(self) -> dict[str, Any]:
        return {
            "api_calls": self.api_calls,
            "template_path": str(self.template_path),
            "resources_path": str(self.resources_path),
            "template": self.template.to_dict(),
            "selection": self.selection.to_dict(),
            "at_risk": [r.to_dict() for r in self.at_risk],
        }

    api_calls: dict[str, int] = field(default_factory=dict)  # by operation, as core/session.py counted


_SUBMITTED = {
    "created": "creating generated template {name}",
    "updated": "updating generated template {name}",
    "resumed": "generated template {name} already has exactly these resources and policies; picking it up",
}


_Step = TypeVar("_Step", bound=Callable[..., "GenerateResult | GenerateSetResult"])


def _with_calls(step: _Step) -> _Step:
    """The template limit checked before any call, and the API calls the run made (by operation) in its
    result."""

    @functools.wraps(step)
    def run(
        workspace: Workspace, aws: Aws, request: GenerateRequest, reporter: Reporter | None = None
    ) -> GenerateResult | GenerateSetResult:
        if not 1 <= request.template_limit <= selection.MAX_TEMPLATE_RESOURCES:
            raise UsageError(
                f"a generated template holds 1-{selection.MAX_TEMPLATE_RESOURCES} resources, "
                f"not {request.template_limit}",
                None,
            )
        result = step(workspace, aws, request, reporter)
        result.api_calls = dict(sorted(aws.calls.items()))
        return result

    return cast("_Step", run)


@_with_calls
def generate(
    workspace: Workspace, aws: Aws, request: GenerateRequest, reporter: Reporter | None = None
) -> GenerateResult | GenerateSetResult:
    """Bad input (expressions, the name, a file that must not be overwritten) fails before any AWS call.
    Re-running the same request after an interruption picks the generation up where it is. A selection of
    more than 500 resources (related ones included) becomes a set of templates NAME-1, NAME-2, ..."""
    report = reporter or NullReporter()
    name = request.name
    check_template_name(name)
    if request.related is False and request.related_depth is not None:
        raise UsageError(
            "related resources are turned off, yet a depth to follow them to is given",
            "drop {opt:related_depth}, or use {opt:related} (a depth implies it)",
        )
    template_path = workspace.template_path(name, request.format, request.out)
    resources_path = workspace.resources_path(template_path)
    for expr in [*request.select, *request.exclude]:
        selection.parse_select(expr)
    state = workspace.load()
    check_writable(template_path)  # before the service generates anything
    check_overwrite(template_path, state.templates.get(name), request.force)
    scan = scans.resolve_scan(aws, request.scan_id, state.scan_id)
    stale = state.import_since(aws.region, scan.start_time)
    if stale is not None:
        report.warn(
            f"scan {short_id(scan.scan_id)} started before the import into stack {stale.stack}: what that "
            "import adopted still looks unmanaged in it and can be selected again; run iacgen scan first "
            "(it starts a new scan)"
        )
    related = request.with_related
    plan = selection.plan_selection(
        aws,
        scan.scan_id,
        request.select,
        request.exclude,
        related=related,
        depth=request.related_depth,
        limit=None,
        attribute_over=request.template_limit,
    )
    if len(plan.resources) > request.template_limit:
        from iacgen.core.workflow.generate_set import generate_set

        _narrate_selection(report, plan, related, request.related_depth)
        return generate_set(workspace, aws, request, plan, scan, report)
    _narrate_selection(report, plan, related, request.related_depth)
    risks = _check_delete_policy(request, plan)
    if risks:
        report.warn(
            f"DeletionPolicy Delete on {plural(len(risks), 'stateful resource')}: deleting the stack would "
            f"destroy {stateful.summary(risks)}"
        )
    expected = len(plan.resources)
    gt = generation.generate(
        aws,
        name,
        plan.resources,
        deletion_policy=request.deletion_policy,
        update_replace_policy=request.update_replace_policy,
        update=request.update,
        timeout=request.timeout,
        on_progress=lambda p: report.progress(GenerationProgress(name, p, expected)),
        on_submitted=lambda _id, action: report.info(_SUBMITTED[action].format(name=name)),
        fmt=request.format.upper(),
        keep_vpc_defaults=request.retain_vpc_defaults,
    )
    workspace.write(template_path, gt.body if gt.body.endswith("\n") else gt.body + "\n")
    workspace.write(resources_path, json.dumps(gt.resources_to_import, indent=2) + "\n")
    digest = sha256_of(template_path)
    with workspace.update() as saved:
        earlier = saved.templates.get(name)
        saved.templates[name] = TemplateRecord(
            name=name,
            generated_template_id=gt.template_id,
            template_path=str(template_path),
            resources_path=str(resources_path),
            template_sha256=digest,
            written=(earlier or TemplateRecord(name)).with_written(str(template_path), digest)
            if digest
            else None,
            select=list(request.select),
            exclude=list(request.exclude),
            related=request.with_related,
            related_depth=request.related_depth,
            deletion_policy=request.deletion_policy.value,
            update_replace_policy=request.update_replace_policy.value,
            retain_vpc_defaults=request.retain_vpc_defaults,
            allow_delete_policy=request.allow_delete_policy,
        )
        saved.last_template, saved.scan_id, saved.region = name, scan.scan_id, aws.region
    _narrate_defaults(report, gt)
    if gt.vpc_defaults is None and request.retain_vpc_defaults:  # not with --no-retain-vpc-defaults
        _flag_template_defaults(report, gt.body, str(template_path))
    counts = WarningCounts.of(gt.warnings)
    report.info(
        f"wrote {template_path} and {resources_path} "
        f"({plural(len(gt.resources_to_import), 'resource')} to import)"
    )
    if counts.warnings:
        where = "details in the report" if request.temporary else f"details: iacgen warnings {name}"
        report.info(f"{counts.sentence()}; {where}")
    _flag_cycles(report, gt.body, str(template_path))
    return GenerateResult(template_path, resources_path, gt, plan, risks)


def _flag_cycles(report: Reporter, body: str, path: str) -> None:
    """Resources that refer to each other in a circle (security groups whose rules name each other): the
    service generates such templates, and CloudFormation then refuses them, so say it now, not at import."""
    from iacgen.core.dependencies import cycles
    from iacgen.core.template import load_template, plain

    for group in cycles(plain(load_template(body, source=path).data.get("Resources") or {})):
        report.warn(
            f"{path}: circular dependency between resources [{', '.join(group)}]; CloudFormation refuses "
            "it: write one of them by its literal id instead of the reference (iacgen import says which)"
        )


def _narrate_selection(report: Reporter, plan: SelectionPlan, related: bool, depth: int | None) -> None:
    closure = plan.closure
    report.info(f"selected {plural(len(closure.selected), 'resource')} from scan {short_id(plan.scan_id)}")
    if related:
        stopped = "" if closure.fixed_point else f"; stopped by --related-depth {depth} before a fixed point"
        report.info(
            f"--related added {plural(len(closure.added), 'resource')} in {plural(closure.rounds, 'round')} "
            f"({plural(closure.calls, 'call')}){stopped}"
        )
    left_out = len(closure.skipped_managed) + len(closure.skipped_excluded)
    if left_out:
        report.info(
            f"left out {plural(left_out, 'related resource')}: "
            f"{len(closure.skipped_managed)} owned by a stack, {len(closure.skipped_excluded)} by --exclude"
        )


def _flag_template_defaults(report: Reporter, body: str, source: str) -> None:
    """VPC defaults the template itself shows (a default security group, the default VPC), flagged without
    an EC2 call: adopting them is rarely meant, and EC2 deletes them only with their VPC."""
    from iacgen.core.template import load_template
    from iacgen.core.vpc_defaults import template_vpc_defaults

    marked = template_vpc_defaults(load_template(body, source))
    if marked:
        shown = "; ".join(f"{lid} ({why})" for lid, why in marked[:5])
        shown += f"; and {len(marked) - 5} more" if len(marked) > 5 else ""
        report.warn(
            f"{plural(len(marked), 'VPC default')} selected or pulled in by --related: {shown}; EC2 deletes "
            "them only with their VPC, so keep them Retain (or --exclude them)"
        )


def _narrate_defaults(report: Reporter, gt: GeneratedTemplate) -> None:
    """One line: which resources keep Retain and why, or why none could be checked."""
    found = gt.vpc_defaults
    if found is None:
        return
    if found.note:
        report.warn(found.note)
    if found.found:
        vpc = ", and the default VPC only once nothing else is in it" if found.has_default_vpc else ""
        report.info(
            f"DeletionPolicy Retain on {plural(len(found.found), 'VPC default')} "
            f"({', '.join(found.logical_ids)}): EC2 deletes them only with their VPC{vpc}, so Delete would "
            "make a stack deletion fail; --no-retain-vpc-defaults keeps Delete"
        )


def _check_delete_policy(request: GenerateRequest, plan: SelectionPlan) -> list[AtRisk]:
    """DeletionPolicy DELETE reaches stateful resources only with allow_delete_policy: a stack deletion (or
    a mistaken one) would take their data with it. Checked before anything is created."""
    if request.deletion_policy != GeneratorPolicy.DELETE:
        return []
    risks = stateful.at_risk((r.label, r.type, None) for r in plan.resources)
    if risks and not request.allow_delete_policy:
        raise UsageError(
            f"DeletionPolicy DELETE on {plural(len(risks), 'stateful resource')} would let a stack "
            f"deletion destroy {stateful.summary(risks)}",
            "{opt:allow_delete_policy} accepts that; or keep {opt:deletion_policy} RETAIN (the default) and "
            "set Delete on chosen resources later with iacgen patch",
        )
    return risks

"""The import step: preflight (the plan), the IMPORT change set, the review, then execute or discard it, and
the import recorded in the workspace. Nothing is left behind when the answer is no: the change set, the empty
REVIEW_IN_PROGRESS stack it created and an uploaded body are removed."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen.core import cancel, changeset, preflight, verify
from iacgen.core.changeset import ChangeSetResult
from iacgen.core.errors import PolicyFailure, aws_error
from iacgen.core.identifiers import IdentifierSource
from iacgen.core.processes import alive
from iacgen.core.reporter import ChangeSetProgress, ChangeSetReady, NullReporter, Reporter, StackEvent
from iacgen.core.state import ImportMark, PendingChangeSet
from iacgen.core.validation import check_timeout

if TYPE_CHECKING:
    from iacgen.core.changeset import DiscardResult, ExecuteResult
    from iacgen.core.preflight import ImportPlan
    from iacgen.core.session import Aws
    from iacgen.core.verify import Verification
    from iacgen.core.workspace import Workspace


class ImportMode(StrEnum):
    """What happens once the change set is reviewed."""

    DRY_RUN = "dry-run"  # show it, then delete it (and an empty new stack)
    EXECUTE = "execute"  # execute it and follow the events
    CONFIRM = "confirm"  # ask `confirm`; execute on yes, discard on no


@dataclass(frozen=True)
class ImportRequest:
    stack: str
    template: Path | None = None  # default: the last generated template
    resources: Path | None = None  # default: the recorded one, or NAME.resources.json beside the template
    parameters: Mapping[str, str] = field(default_factory=dict)
    patch_deletion_policy: str | None = None
    allow_delete_policy: bool = False  # patch_deletion_policy Delete may reach stateful.STATEFUL_TYPES
    s3_bucket: str | None = None
    create_bucket: bool = False  # a body over 51,200 bytes goes to iacgen's own bucket (made if needed)
    mode: ImportMode = ImportMode.DRY_RUN
    timeout: float = 3600.0
    verify: bool = True  # after IMPORT_COMPLETE: ids as imported, and drift detection IN_SYNC


@dataclass
class ImportResult:
    plan: ImportPlan
    change_set: ChangeSetResult | None = None
    discarded: DiscardResult | None = None
    # over 200 resources: the change sets after this one, into the same stack (import_batches)
    batches: list[ImportResult] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    execution: ExecuteResult | None = None
    verification: Verification | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "change_set": self.change_set.to_dict() if self.change_set else None,
            "discarded": self.discarded.to_dict() if self.discarded else None,
            "batches": [b.to_dict() for b in self.batches],
            "api_calls": self.api_calls,
            "execution": self.execution.to_dict() if self.execution else None,
            "verification": self.verification.to_dict() if self.verification else None,
        }


@dataclass
class ImportSetResult:
    """A set generated as NAME-1, NAME-2, ...: each imported into the stack of its own name, in order."""

    name: str
    parts: dict[str, ImportResult]
    api_calls: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "stacks": list(self.parts),
            "parts": {name: r.to_dict() for name, r in self.parts.items()},
            "api_calls": self.api_calls,
        }


Confirm = Callable[["ChangeSetResult"], bool]


def plan(
    workspace: Workspace, aws: Aws, request: ImportRequest, reporter: Reporter | None = None
) -> ImportPlan:
    """Preflight: which files, and every check the service makes, before anything exists in the account."""
    report = reporter or NullReporter()
    files = workspace.import_files(request.template, request.resources)
    if files.note:
        report.info(files.note)
    preflight.check_body_limit(Path(files.template))
    bucket = request.s3_bucket
    if bucket is not None:
        from iacgen.core.bodies_bucket import check_bucket_name

        check_bucket_name(bucket)  # the manifest's s3_bucket has the same rule
    if bucket is None and request.create_bucket:
        from iacgen.core.bodies_bucket import bucket_name

        bucket = bucket_name(aws)
    checked = preflight.plan_import(
        aws,
        stack=request.stack,
        template_path=files.template,
        resources_path=files.resources,
        parameters=dict(request.parameters),
        patch_deletion_policy=request.patch_deletion_policy,
        allow_delete_policy=request.allow_delete_policy,
        s3_bucket=bucket,
    )
    for line in plan_lines(checked):
        report.info(line)
    return checked


def create(
    aws: Aws,
    checked: ImportPlan,
    reporter: Reporter | None = None,
    timeout: float = 3600.0,
    on_created: Callable[[ChangeSetResult], None] | None = None,
    *,
    workspace: Workspace | None = None,
) -> ChangeSetResult:
    """Create the IMPORT change set and wait for it; reported as ChangeSetReady once it can be reviewed.
    on_created(result) runs once it exists, before the wait (ci records it for clean-up there).

    With a workspace, the change set is recorded there as soon as it exists, and if the wait ends any other
    way than complete (Ctrl-C, SIGTERM, a timeout, an error), the change set and the empty stack it created
    are removed on the way out; if even that cannot be done (the process was killed), the next import's
    clean_leftovers() does it."""
    report = reporter or NullReporter()
    created: list[ChangeSetResult] = []

    def created_now(result: ChangeSetResult) -> None:
        created.append(result)
        if workspace is not None:
            _remember(workspace, result)
        report.info(f"created change set {result.change_set_name}; waiting for it to be ready")
        if on_created is not None:
            on_created(result)

    try:
        result = changeset.create_change_set(
            aws,
            checked,
            timeout=timeout,
            on_progress=lambda status: report.progress(ChangeSetProgress(checked.stack, status)),
            on_created=created_now,
        )
    except PolicyFailure:  # a FAILED change set: create_change_set has deleted what it left
        if created and workspace is not None:
            _forget(workspace, created[0])
        raise
    except BaseException:
        if created and workspace is not None:
            with cancel.shielded():  # a worker told to stop still removes what it created
                cleaned = discard(aws, created[0], workspace)
            report.info(f"stopped: {_discarded_words(cleaned)}; nothing was imported")
        raise
    report.progress(ChangeSetReady(result))
    return result


def discard(aws: Aws, result: ChangeSetResult, workspace: Workspace | None = None) -> DiscardResult:
    """Delete the change set, the empty stack it created and a body this run uploaded; then the workspace
    (if given) forgets it."""
    discarded = changeset.discard(aws, result)
    if workspace is not None:
        _forget(workspace, result)
    return discarded


def clean_leftovers(workspace: Workspace, aws: Aws, reporter: Reporter | None = None) -> list[DiscardResult]:
    """Remove what an import that was killed before it could clean up left behind (recorded in the
    workspace): its change set and the empty REVIEW_IN_PROGRESS stack it created. Says so for each."""
    report = reporter or NullReporter()
    done: list[DiscardResult] = []
    for pending in workspace.load().pending_change_sets:
        if pending.pid is not None and pending.pid != os.getpid() and alive(pending.pid):
            continue  # another iacgen in this directory is still waiting on it
        left = ChangeSetResult(
            stack=pending.stack,
            stack_id=pending.stack_id,
            change_set_id=pending.change_set_id,
            change_set_name=pending.change_set_name,
            status=None,
            status_reason=None,
            new_stack=pending.new_stack,
            uploaded=(pending.bucket, pending.key) if pending.bucket and pending.key else None,
        )
        try:
            discarded = discard(aws, left, workspace)
        except Exception as exc:  # it cannot be removed (e.g. executing): say so once, and let it go
            _forget(workspace, left)
            error = aws_error(exc)
            name = pending.change_set_name
            report.warn(f"could not remove change set {name} left by an interrupted import: {error}")
            continue
        done.append(discarded)
        if discarded.change_set_deleted or discarded.stack_deleted:
            report.info(
                f"an interrupted import left change set {pending.change_set_name} on stack {pending.stack}: "
                f"{_discarded_words(discarded)}"
            )
    return done


def _remember(workspace: Workspace, result: ChangeSetResult) -> None:
    bucket, key = result.uploaded or (None, None)
    with workspace.update() as state:
        state.pending_change_sets.append(
            PendingChangeSet(
                result.stack,
                result.stack_id,
                result.change_set_id,
                result.change_set_name,
                result.new_stack,
                bucket,
                key,
                os.getpid(),
            )
        )


def _forget(workspace: Workspace, result: ChangeSetResult) -> None:
    with workspace.update() as state:
        state.pending_change_sets = [
            p for p in state.pending_change_sets if p.change_set_id != result.change_set_id
        ]


def _discarded_words(discarded: DiscardResult) -> str:
    if not discarded.change_set_deleted:
        return "the change set was already gone" + (
            ", empty stack deleted" if discarded.stack_deleted else ""
        )
    return "change set deleted" + (", empty stack deleted" if discarded.stack_deleted else "")


def execute(
    workspace: Workspace,
    aws: Aws,
    checked: ImportPlan,
    result: ChangeSetResult,
    reporter: Reporter | None = None,
    timeout: float = 3600.0,
) -> ExecuteResult:
    """Execute, follow the stack's events, and record which stack now holds the template's resources."""
    report = reporter or NullReporter()
    report.info(f"executing {result.change_set_name}:")
    _forget(workspace, result)  # once executed, there is nothing to remove: the import runs to its end
    executed = changeset.execute(
        aws, result, timeout=timeout, on_event=lambda e: report.progress(StackEvent(e))
    )
    ended = max((e.timestamp for e in executed.events if e.timestamp is not None), default=None)
    with workspace.update() as state:
        record = state.record_for(checked.template_path)
        if record is not None:
            record.stack = checked.stack
        if ended is not None:
            state.last_import = ImportMark(checked.stack, aws.region, ended.isoformat())
    report.info(f"stack {checked.stack} is {executed.status}: {len(executed.resources)} resource(s)")
    if checked.outputs_set_aside:
        report.info(
            f"remember the Outputs set aside ({', '.join(checked.outputs_set_aside)}): "
            "add them with a stack update"
        )
    return executed


def run_import(
    workspace: Workspace,
    aws: Aws,
    request: ImportRequest,
    reporter: Reporter | None = None,
    *,
    confirm: Confirm | None = None,
) -> ImportResult | ImportSetResult:
    """The whole import step: plan, create, review, then discard or execute (per request.mode; CONFIRM asks
    `confirm`, and an interrupted question discards the change set before the interrupt goes on).

    More than 200 resources go in successive change sets into the same stack, each executed before the next
    is planned. Without --template, a --stack named like a generated set (NAME for NAME-1, NAME-2, ...)
    imports each template into the stack of its name, in the set's order; a re-run skips what is done."""
    report = reporter or NullReporter()
    if request.mode is ImportMode.CONFIRM and confirm is None:
        raise ValueError("ImportMode.CONFIRM needs a confirm callback")
    check_timeout(request.timeout)
    clean_leftovers(workspace, aws, report)
    members = workspace.load().sets.get(request.stack) if request.template is None else None
    if members:
        return _import_set(workspace, aws, request, members, report, confirm)
    return _import_batches(workspace, aws, request, report, confirm)


def _import_set(
    workspace: Workspace,
    aws: Aws,
    request: ImportRequest,
    members: list[str],
    report: Reporter,
    confirm: Confirm | None,
) -> ImportSetResult:
    from dataclasses import replace

    from iacgen.core.errors import UsageError

    state = workspace.load()
    missing = [m for m in members if m not in state.templates or not state.templates[m].template_path]
    if missing:
        raise UsageError(
            f"the set {request.stack} lacks its templates {', '.join(missing)} in the workspace",
            f"generate it again: iacgen generate {request.stack} ...",
        )
    report.info(
        f"{request.stack} is a set of {len(members)} templates: importing {', '.join(members)} in order"
    )
    paths = {name: Path(str(state.templates[name].template_path)) for name in members}
    values = _parameters_per_template(paths, request.parameters)  # before anything is created
    parts: dict[str, ImportResult] = {}
    for name in members:
        record = state.templates[name]
        part = replace(
            request,
            stack=name,
            template=paths[name],
            resources=Path(record.resources_path) if record.resources_path else None,
            parameters=values[name],
        )
        parts[name] = _import_batches(workspace, aws, part, report, confirm)
        declined = parts[name].execution is None and not parts[name].plan.nothing_to_import
        if request.mode is ImportMode.CONFIRM and declined:
            break  # the later stacks wait for a re-run
    return ImportSetResult(request.stack, parts, dict(sorted(aws.calls.items())))


def _parameters_per_template(paths: dict[str, Path], given: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """A set's --parameter values, each to the templates that declare it (by name or stable name); a value
    no template takes, or a template left without one it needs, is refused before any template is imported,
    naming the template."""
    from iacgen.core.errors import UsageError
    from iacgen.core.preflight import stable_parameter_name
    from iacgen.core.stack_merge import section
    from iacgen.core.template import load_template, read_template_file

    out: dict[str, dict[str, str]] = {}
    used: set[str] = set()
    missing: list[str] = []
    for name, path in paths.items():
        declared = dict(section(load_template(read_template_file(path), str(path)).data, "Parameters") or {})
        stems = {stable_parameter_name(p): p for p in declared}
        mine = {k: v for k, v in given.items() if k in declared or stable_parameter_name(k) in stems}
        used |= set(mine)
        out[name] = mine
        given_names = {k if k in declared else stems[stable_parameter_name(k)] for k in mine}
        lacking = [
            p
            for p, spec in declared.items()
            if p not in given_names and not (isinstance(spec, Mapping) and "Default" in spec)
        ]
        if lacking:
            shown = ", ".join(stable_parameter_name(p) for p in lacking[:5])
            more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
            missing.append(f"{name} ({path}) needs {len(lacking)}: {shown}{more}")
    unknown = sorted(set(given) - used)
    problems = [f"parameter(s) no template of the set declares: {', '.join(unknown)}"] if unknown else []
    if missing:
        problems.append("parameter(s) without a value: " + "; ".join(missing))
    if problems:
        raise UsageError(
            "; ".join(problems) + "; nothing was imported",
            "give each with {opt:parameter} NAME=VALUE (a OneOf parameter by its name without the random "
            "suffix); each template's Parameters section lists them",
        )
    return out


def _import_batches(
    workspace: Workspace, aws: Aws, request: ImportRequest, report: Reporter, confirm: Confirm | None
) -> ImportResult:
    """One template into one stack, 200 resources per change set."""
    first = _import_once(workspace, aws, request, report, confirm)
    current = first
    while current.execution is not None and current.plan.later:
        report.info(
            f"{len(current.plan.later)} resource(s) of {current.plan.template_path} left: "
            f"next change set into {request.stack}"
        )
        current = _import_once(workspace, aws, request, report, confirm)
        first.batches.append(current)
    if current.execution is None and current.plan.later and current.change_set is not None:
        report.info(
            f"{len(current.plan.later)} more resource(s) go in later change sets, once this one is executed "
            "(one change set imports at most 200)"
        )
    first.api_calls = dict(sorted(aws.calls.items()))
    return first


def _import_once(
    workspace: Workspace, aws: Aws, request: ImportRequest, report: Reporter, confirm: Confirm | None
) -> ImportResult:
    checked = plan(workspace, aws, request, report)
    outcome = ImportResult(checked)
    if checked.nothing_to_import:
        where = checked.template_path
        report.info(f"nothing to import: stack {request.stack} already holds every resource in {where}")
        return outcome
    if checked.template_url and request.create_bucket and request.s3_bucket is None and checked.s3_bucket:
        from iacgen.core.bodies_bucket import ensure_bucket

        if ensure_bucket(aws, checked.s3_bucket):
            report.info(
                f"created the private, encrypted bucket {checked.s3_bucket} for iacgen's templates "
                "(it stays, for later imports; each body uploaded is removed after its change set)"
            )
    result = create(aws, checked, report, request.timeout, workspace=workspace)
    outcome.change_set = result
    go = request.mode is ImportMode.EXECUTE
    if request.mode is ImportMode.CONFIRM and confirm is not None:
        try:
            go = confirm(result)
        except BaseException:
            discard(aws, result, workspace)
            raise
    if not go:
        outcome.discarded = discarded = discard(aws, result, workspace)
        what = _discarded_words(discarded)
        dry = request.mode is ImportMode.DRY_RUN
        report.info(f"{'dry run' if dry else 'not executed'}: {what}; nothing was imported")
        return outcome
    outcome.execution = execute(workspace, aws, checked, result, report, request.timeout)
    if request.verify:
        outcome.verification = verify_import(aws, checked, report, request.timeout)
    return outcome


def verify_import(
    aws: Aws, checked: ImportPlan, reporter: Reporter | None = None, timeout: float = 3600.0
) -> Verification:
    """After IMPORT_COMPLETE: the physical ids are the identifiers imported, and drift detection finds the
    imported resources IN_SYNC (what AWS recommends after an import)."""
    report = reporter or NullReporter()
    count = len(checked.to_import)
    report.info(f"verifying stack {checked.stack}: drift detection on {count} resource(s) ...")
    verification = verify.verify_import(aws, checked.stack, checked.to_import, timeout=min(timeout, 900.0))
    if verification.ok:
        report.info(verification.summary())
    else:  # the import is done: a finding, not a failure (the JSON result carries it for CI)
        report.warn(
            f"{verification.summary()}; make the template describe them (iacgen generate --update, or edit "
            "it) before the next stack update, which would otherwise change them"
        )
    return verification


def plan_lines(plan: ImportPlan) -> list[str]:
    """The preflight's findings, one line each, for a person."""
    lines: list[str] = []
    where = "a new stack" if plan.new_stack else f"existing stack ({plan.stack_status})"
    derived = [r.logical_id for r in plan.to_import if r.identifier_source is IdentifierSource.DERIVED]
    lines.append(f"preflight: {len(plan.to_import)} resource(s) to import into {plan.stack}, {where}")
    if plan.resources_path:
        lines.append(f"  identifiers from {plan.resources_path}")
    if derived:
        lines.append(f"  identifiers derived from the template's properties: {', '.join(derived)}")
    if plan.deletion_policy_added:
        lines.append(
            f"  DeletionPolicy {plan.deletion_policy} added (in the body sent, not in the file) to "
            f"{len(plan.deletion_policy_added)} resource(s): {', '.join(plan.deletion_policy_added)}"
        )
    if plan.outputs_set_aside:
        lines.append(
            f"  Outputs set aside ({', '.join(plan.outputs_set_aside)}): an import cannot add Outputs; "
            "add them with a stack update after the import"
        )
    if plan.already_in_stack:
        lines.append(f"  already in the stack, not imported again: {', '.join(plan.already_in_stack)}")
    if plan.kept_from_stack:
        lines.append(f"  the stack's other resources are kept unchanged: {', '.join(plan.kept_from_stack)}")
    if plan.parameters:
        shown = plan.to_dict()["parameters"]
        lines.append("  parameters: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    if plan.previous_parameters:
        lines.append(f"  the stack's parameters keep their values: {', '.join(plan.previous_parameters)}")
    if plan.template_url:
        lines.append(f"  body is {plan.body_bytes:,} bytes: uploading to s3://{plan.s3_bucket}/{plan.s3_key}")
    return lines

"""`iacgen ci`: the whole adoption pipeline as a dry run, from a manifest, composed of the workflow's steps:
scan (by the manifest's policy), generate, warnings, patch, cfn-lint, preflight, then the IMPORT change set
created, described and deleted. It never executes, and it leaves nothing it created behind: every object is
recorded in the workspace (.iacgen/ci-cleanup.json) as soon as it exists and removed on the way out, also
after a failure or an interrupt; what could not be removed is removed (and reported) by the next run.

The verdict: exit 0 clean; 1 the plan is not acceptable (a fail-on warning, a preflight failure, a cfn-lint
error, a FAILED change set, drift when asked); 2 a bad manifest or input (raised before anything is created);
3 an AWS-side error.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from iacgen.core import cancel, scans
from iacgen.core.errors import EXIT_AWS, EXIT_OK, EXIT_POLICY, AwsError, PolicyFailure, UsageError
from iacgen.core.manifest import (
    DRIFT,
    MANIFEST_WORDS,
    SECRETS,
    Manifest,
    ScanPolicy,
    TemplateEntry,
    load_manifest,
    parse_fail_on_entry,
    resolve_parameter,
)
from iacgen.core.reporter import NullReporter, Reporter

if TYPE_CHECKING:
    from iacgen.core.changeset import ChangeSetResult
    from iacgen.core.drift import Drift
    from iacgen.core.lint import LintResult
    from iacgen.core.preflight import ImportPlan
    from iacgen.core.report import ReportFiles
    from iacgen.core.session import Aws
    from iacgen.core.template_edits import PolicyChange
    from iacgen.core.template_warnings import ResourceWarnings
    from iacgen.core.workspace import Workspace

REPORT_SCHEMA_VERSION = 1
CLEANUP_FILE = "ci-cleanup.json"
RUN_LOCK = "ci.lock"  # held by the run in progress (one_run)
CLEANUP_TIMEOUT = 300.0  # how long clean-up waits for a change set still being created
DEFAULT_REPORT_DIR = Path("iacgen-report")


class FindingKind(StrEnum):
    WARNING = "warning"  # a generator warning (fails the run when its type is in fail_on)
    LINT = "lint"  # a cfn-lint finding (errors fail the run)
    PREFLIGHT = "preflight"  # an import check failed (fails the run)
    CHANGE_SET = "change_set"  # the IMPORT change set FAILED (fails the run)
    DRIFT = "drift"  # the committed template differs (fails the run when drift is in fail_on)
    SECRET = "secret"  # a literal secret in the template (fails the run when secrets is in fail_on)


@dataclass(frozen=True)
class Finding:
    """One thing a reviewer should see: a verdict reason when `fails`, else a note."""

    kind: FindingKind
    rule: str  # UNSUPPORTED_PROPERTIES, E3002, drift-changed, preflight, change-set-failed
    message: str
    logical_id: str | None
    fails: bool
    level: Literal["error", "warning", "note"] = "warning"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "rule": self.rule,
            "message": self.message,
            "logical_id": self.logical_id,
            "fails": self.fails,
            "level": self.level,
        }


@dataclass(frozen=True)
class PlannedResource:
    logical_id: str
    type: str
    identifier: dict[str, str]
    why: str  # "selected", or "related (depth N) via ID, ID"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class TemplateRun:
    name: str  # the manifest's template name
    generated_name: str  # the generated template ci created (and deleted)
    stack: str
    committed_path: Path  # the committed template (drift), as the manifest names it
    generated_path: Path | None = None  # the generated, patched template ci wrote into the report dir
    new_stack: bool | None = None
    resources: list[PlannedResource] = field(default_factory=list)
    warnings: list[ResourceWarnings] = field(default_factory=list)
    patches: list[PolicyChange] = field(default_factory=list)
    lint: LintResult | None = None
    preflight: ImportPlan | None = None
    change_set: ChangeSetResult | None = None
    drift: Drift | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # an AWS-side error that stopped this template

    @property
    def failed(self) -> bool:
        return any(f.fails for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "generated_template": self.generated_name,
            "stack": self.stack,
            "new_stack": self.new_stack,
            "committed_path": str(self.committed_path),
            "generated_path": str(self.generated_path) if self.generated_path else None,
            "resources": [r.to_dict() for r in self.resources],
            "warnings": [w.to_dict() for w in self.warnings],
            "patches": [p.to_dict() for p in self.patches],
            "lint": self.lint.to_dict() if self.lint else None,
            "preflight": _preflight_dict(self),
            "change_set": _change_set_dict(self.change_set),
            "drift": self.drift.to_dict() if self.drift else None,
            "findings": [f.to_dict() for f in self.findings],
            "failed": self.failed,
            "error": self.error,
        }


def _preflight_dict(run: TemplateRun) -> dict[str, Any] | None:
    problems = [f.message for f in run.findings if f.kind is FindingKind.PREFLIGHT]
    if run.preflight is None and not problems:
        return None
    return {
        "passed": not problems,
        "problems": problems,
        "to_import": len(run.preflight.to_import) if run.preflight else 0,
        "body_bytes": run.preflight.body_bytes if run.preflight else None,
    }


def _change_set_dict(cs: ChangeSetResult | None) -> dict[str, Any] | None:
    if cs is None:
        return None
    return {
        "name": cs.change_set_name,
        "status": cs.status,
        "status_reason": cs.status_reason,
        "changes": [c.to_dict() for c in cs.changes],
    }


class CleanupKind(StrEnum):
    GENERATED_TEMPLATE = "generated_template"
    CHANGE_SET = "change_set"
    OBJECT = "object"


@dataclass
class Leftover:
    """Something a ci run created in the account, until it is removed."""

    kind: CleanupKind
    id: str  # template name, change set ARN, s3://bucket/key
    stack_id: str | None = None  # for a change set: its stack (removed too when ci created it, empty)
    new_stack: bool = False
    removed: bool = False
    error: str | None = None
    from_earlier_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "id": self.id,
            "stack_id": self.stack_id,
            "removed": self.removed,
            "error": self.error,
            "from_earlier_run": self.from_earlier_run,
        }


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # exit 1
    ERROR = "error"  # exit 3

    @property
    def exit_code(self) -> int:
        return {Verdict.PASS: EXIT_OK, Verdict.FAIL: EXIT_POLICY, Verdict.ERROR: EXIT_AWS}[self]


@dataclass
class CiRun:
    manifest: str
    region: str
    started_at: datetime
    scan: dict[str, Any] | None = None
    templates: list[TemplateRun] = field(default_factory=list)
    cleanup: list[Leftover] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # an AWS-side error before or outside any template
    reports: ReportFiles | None = None

    @property
    def verdict(self) -> Verdict:
        if self.error or any(t.error for t in self.templates):
            return Verdict.ERROR
        return Verdict.FAIL if any(t.failed for t in self.templates) else Verdict.PASS

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def reasons(self) -> list[str]:
        """Every reason the run fails, one line each; warnings grouped by type (one line per type)."""
        out: list[str] = []
        for t in self.templates:
            by_type: dict[str, list[Finding]] = {}
            for f in t.findings:
                if not f.fails:
                    continue
                if f.kind is FindingKind.WARNING:
                    by_type.setdefault(f.rule, []).append(f)
                else:
                    out.append(f"{t.name}: {f.message}")
            for rule, found in sorted(by_type.items()):
                resources = sorted({f.logical_id or "" for f in found})
                out.append(
                    f"{t.name}: fail_on {rule} on {scans.plural(len(resources), 'resource')} "
                    f"({scans.plural(len(found), 'property', 'properties')}): {', '.join(resources)}"
                )
        out += [f"{t.name}: {t.error}" for t in self.templates if t.error]
        return out + ([self.error] if self.error else [])

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "tool": "iacgen",
            "manifest": self.manifest,
            "region": self.region,
            "started_at": self.started_at.isoformat(),
            "verdict": self.verdict.value,
            "exit_code": self.exit_code,
            "reasons": self.reasons,
            "scan": self.scan,
            "templates": [t.to_dict() for t in self.templates],
            "cleanup": [c.to_dict() for c in self.cleanup],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "api_calls": dict(sorted(self.api_calls.items())),
            "error": self.error,
            "reports": self.reports.to_dict() if self.reports else None,
        }


@dataclass(frozen=True)
class CiRequest:
    config: Path = Path("iacgen.yaml")
    report_dir: Path = DEFAULT_REPORT_DIR
    fail_on: list[str] = field(default_factory=list)  # added to every template's fail_on
    timeout: float = 3600.0
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY: report.md is appended to it


# --- the run


def run_ci(workspace: Workspace, aws: Aws, request: CiRequest, reporter: Reporter | None = None) -> CiRun:
    """The dry run. Bad input (the manifest, --fail-on, an unset parameter variable) is a UsageError before
    any AWS call, and so is another ci running with the same state directory; everything after that ends
    in the returned CiRun's verdict, with the clean-up done."""
    report = reporter or NullReporter()
    manifest = load_manifest(request.config)
    extra = _fail_on(request.fail_on)
    parameters = {
        t.name: {k: resolve_parameter(v) for k, v in t.parameters.items()} for t in manifest.templates
    }
    check_paths(request, manifest, [request.report_dir])  # before anything is created in the account
    with one_run(workspace.state_dir):
        return _run(workspace, aws, request, manifest, extra, parameters, report)


def _run(
    workspace: Workspace,
    aws: Aws,
    request: CiRequest,
    manifest: Manifest,
    extra: set[str],
    parameters: dict[str, dict[str, str]],
    report: Reporter,
) -> CiRun:
    from iacgen.core.report import clear_reports
    from iacgen.core.workspace import Workspace as _Workspace

    clear_reports(request.report_dir)
    _apply_settings(aws, manifest)
    # ci's own records (its scan, its generated templates, what is left to clean up) stay apart from the
    # user's: a dry run must not change what `iacgen import` picks up next.
    workspace = _Workspace(workspace.state_dir / "ci")
    run = CiRun(manifest=str(request.config), region=aws.region, started_at=datetime.now(UTC))
    cleanup = _Cleanup(workspace, aws)
    stamp = run.started_at.strftime("%Y%m%d%H%M%S")
    try:
        with _timed(run, "cleanup_earlier"):
            cleanup.earlier(report)
        with _timed(run, "scan"):
            scan_id = _scan(workspace, aws, manifest, run, report)
        for entry in manifest.templates:
            tr = TemplateRun(
                name=entry.name,
                generated_name=f"iacgen-ci-{entry.name}-{stamp}-{uuid.uuid4().hex[:6]}"[-128:],
                stack=entry.stack_name,
                committed_path=entry.template_path,
            )
            run.templates.append(tr)
            try:
                _template(
                    workspace,
                    aws,
                    request,
                    entry,
                    tr,
                    scan_id,
                    parameters[entry.name],
                    extra,
                    cleanup,
                    run,
                    report,
                )
            except UsageError as exc:  # in the manifest's words: the key to change, not a flag
                raise exc.worded(MANIFEST_WORDS, f"{entry.name}: ") from exc
            except Exception as exc:
                tr.error = _aws_side(exc)
                report.warn(f"{entry.name}: {tr.error}")
        _flag_overlaps(run.templates)
    except Exception as exc:
        run.error = _aws_side(exc)
    finally:  # also on an interrupt (Ctrl-C, SIGTERM, a fan-out's worker told to stop), which goes on up
        with cancel.shielded(), _timed(run, "cleanup"):
            run.cleanup = cleanup.finish(report)
        run.api_calls = dict(aws.calls)
    from iacgen.core.report import write_reports

    run.reports = write_reports(run, request.report_dir, request.step_summary)
    return run


def _flag_overlaps(templates: list[TemplateRun]) -> None:
    """A resource in two templates' plans: each dry run passes alone, but a resource belongs to one stack, so
    the second real import would fail. The later template gets the finding (one per pair of templates)."""
    owner: dict[tuple[str, tuple[tuple[str, str], ...]], TemplateRun] = {}
    for tr in templates:
        shared: dict[str, list[PlannedResource]] = {}
        for r in tr.resources:
            key = (r.type, tuple(sorted(r.identifier.items())))
            first = owner.setdefault(key, tr)
            if first is not tr:
                shared.setdefault(first.name, []).append(r)
        for other, resources in shared.items():
            shown = ", ".join("|".join(r.identifier.values()) for r in resources[:3])
            more = f" and {len(resources) - 3} more" if len(resources) > 3 else ""
            tr.findings.append(
                Finding(
                    FindingKind.PREFLIGHT,
                    "overlap",
                    f"{len(resources)} resource(s) are in template {other}'s plan too ({shown}{more}): a "
                    "resource belongs to one stack, so one of the imports would fail; leave them out of one "
                    "selection (exclude)",
                    resources[0].logical_id,
                    True,
                    "error",
                )
            )


def check_paths(request: CiRequest, manifest: Manifest, template_dirs: list[Path]) -> None:
    """Every path a run writes or reads, before its first AWS call, so that a path that cannot work is bad
    input (exit 2, nothing created) and not a failure after the generation: the reports, each template
    written under the report directories given (`templates/NAME.EXT` and its resources file), the step
    summary, and each committed template (and the resources file beside it) that drift reads. Errors name
    the option (the report directory) or the manifest key (`templates[0].path`)."""
    from iacgen.core.files import check_writable
    from iacgen.core.identifiers import read_resources_file
    from iacgen.core.manifest import locate
    from iacgen.core.report import REPORT_DIR_HINT, REPORT_NAMES, check_step_summary
    from iacgen.core.template import read_template_file
    from iacgen.core.workspace import Workspace as _Workspace

    what = f"the report directory {request.report_dir}"
    for name in REPORT_NAMES:
        check_writable(request.report_dir / name, what, REPORT_DIR_HINT, make_dirs=True)
    for directory in template_dirs:
        for entry in manifest.templates:
            out = directory / "templates" / f"{entry.name}.{entry.format.value}"
            for path in (out, _Workspace.resources_path(out)):
                check_writable(path, what, REPORT_DIR_HINT, make_dirs=True)
    check_step_summary(request.step_summary)
    for index, entry in enumerate(manifest.templates):
        committed = entry.template_path
        sibling = _Workspace.resources_path(committed)
        for path, read in ((committed, read_template_file), (sibling, read_resources_file)):
            if not (path.exists() or path.is_symlink()):
                continue  # none yet: drift says so
            try:
                read(path)
            except UsageError as exc:
                where = locate(request.config, ["templates", index, "path"])
                if entry.path is None:
                    where += f" (default {committed})"
                raise UsageError(
                    f"{where}: {exc.message}",
                    "point path: at the committed template (a file), or move what is in the way",
                ) from None


@contextmanager
def one_run(state_dir: Path) -> Iterator[None]:
    """One ci run at a time per state directory, for the whole run: a second one would take the first's
    live objects for an interrupted run's leftovers and remove them, and both would write the same reports.
    A lock the kernel drops when its holder dies, so a killed run never blocks the next (which then removes
    what the killed one left, as after any interrupted run)."""
    from iacgen.core.workspace import Busy
    from iacgen.core.workspace import Workspace as _Workspace

    with ExitStack() as held:
        try:
            held.enter_context(_Workspace(state_dir / "ci").exclusive(RUN_LOCK))
        except Busy as exc:
            pid = f" (pid {exc.pid})" if exc.pid is not None else ""
            raise UsageError(
                f"another iacgen ci is running in this directory{pid}",
                "wait for it to finish, or run this one with another {opt:state_dir} and {opt:report_dir}",
            ) from None
        yield


def _aws_side(exc: Exception) -> str:
    """The message of an AWS-side error (exit 3, recorded in the verdict); anything else goes on up."""
    from iacgen.core.errors import from_aws_exception

    translated = exc if isinstance(exc, AwsError) else from_aws_exception(exc)
    if not isinstance(translated, AwsError):
        raise exc
    return translated.message


def _fail_on(values: list[str]) -> set[str]:
    out: set[str] = set()
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            try:
                out.add(parse_fail_on_entry(part))
            except ValueError as exc:
                raise UsageError(
                    f"--fail-on: {exc}", "give warning types, drift and/or secrets, comma-separated"
                ) from None
    return out


def _apply_settings(aws: Aws, manifest: Manifest) -> None:
    """The manifest's region/profile/endpoint, where the command line gave none (before any client exists)."""
    if aws._session is not None or aws._clients:  # already in use: the caller's settings stand
        return
    s = aws.settings
    aws.settings = dataclasses.replace(
        s,
        region=s.region or manifest.region,
        profile=s.profile or manifest.profile,
        endpoint_url=s.endpoint_url or manifest.endpoint,
    )


class _timed:
    """A step, timed; entering one is where a fan-out's worker that was told to stop stops (between steps;
    within one, its waits do)."""

    def __init__(self, run: CiRun, step: str) -> None:
        self.run, self.step = run, step

    def __enter__(self) -> None:
        cancel.check()
        self.start = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.run.timings[self.step] = self.run.timings.get(self.step, 0.0) + time.monotonic() - self.start


def _scan(workspace: Workspace, aws: Aws, manifest: Manifest, run: CiRun, report: Reporter) -> str:
    from iacgen.core.workflow import ScanRequest, scan

    policy = manifest.scan
    types = policy.types or []
    scan_id: str | None = None
    new = policy.policy is ScanPolicy.NEW
    if not new:
        found = scans.find_reusable_scan(aws, scans.validate_types(types) if types else None)
        age = found.age() if found else None
        if found is not None and age is not None and age <= policy.max_age:
            scan_id = found.scan_id
        else:
            new = True
            if found is not None:
                report.info(f"the newest usable scan is older than {_days(policy.max_age)}: starting one")
    result = scan(workspace, aws, ScanRequest(types=types, new=new, scan_id=scan_id), report)
    outcome = result.outcome
    if scan_id is not None and outcome.action is scans.ScanAction.GIVEN:  # ci chose it by max_age
        outcome = dataclasses.replace(outcome, action=scans.ScanAction.REUSED)
    run.scan = outcome.to_dict()
    return outcome.scan.scan_id


def _days(delta: timedelta) -> str:
    return scans.human_age(delta)


def _template(
    workspace: Workspace,
    aws: Aws,
    request: CiRequest,
    entry: TemplateEntry,
    tr: TemplateRun,
    scan_id: str,
    parameters: dict[str, str],
    extra: set[str],
    cleanup: _Cleanup,
    run: CiRun,
    report: Reporter,
) -> None:
    from iacgen.core.drift import compare
    from iacgen.core.lint import lint_template
    from iacgen.core.secrets import find_secrets
    from iacgen.core.template import load_template, read_template_file
    from iacgen.core.workflow import GenerateRequest, GenerateResult, PatchRequest, generate, patch_file
    from iacgen.core.workflow.importing import ImportRequest, create, discard, plan

    fail_on = entry.fail_on_warnings | {e for e in extra if e not in (DRIFT, SECRETS)}
    fails_on_drift = entry.fails_on_drift or DRIFT in extra
    fails_on_secrets = entry.fails_on_secrets or SECRETS in extra
    out = request.report_dir / "templates" / f"{entry.name}.{entry.format.value}"
    out.parent.mkdir(parents=True, exist_ok=True)  # the report directory is ci's own: made, unlike an --out
    policies = entry.policies
    with _timed(run, "generate"):
        cleanup.add(Leftover(CleanupKind.GENERATED_TEMPLATE, tr.generated_name))
        generated = generate(
            workspace,
            aws,
            GenerateRequest(
                name=tr.generated_name,
                select=entry.select,
                exclude=entry.exclude,
                related=entry.related,
                related_depth=entry.depth if entry.related else None,
                deletion_policy=policies.deletion,
                update_replace_policy=policies.update_replace,
                retain_vpc_defaults=policies.retain_vpc_defaults,
                allow_delete_policy=policies.allow_delete_policy,
                format=entry.format.value,
                out=out,
                force=True,
                temporary=True,
                scan_id=scan_id,
                timeout=request.timeout,
            ),
            report,
        )
    if not isinstance(generated, GenerateResult):  # a set of templates (more than 500 resources)
        raise UsageError(
            f"{entry.name}: {len(generated.parts)} templates ({', '.join(p.name for p in generated.parts)}); "
            "ci takes one template per manifest entry",
            "split the entry's selection into several entries, or adopt the set with "
            "iacgen import {opt:stack} NAME",
        )
    gt = generated.template
    tr.generated_path = generated.template_path
    tr.resources = _planned(generated)
    tr.warnings = gt.warnings
    for rw in gt.warnings:
        for w in rw.warnings:
            fails = w.type in fail_on
            where = f" {w.property_path}" if w.property_path else ""
            tr.findings.append(
                Finding(
                    FindingKind.WARNING,
                    w.type,
                    f"{rw.logical_id}{where}: {w.type}: {w.advice}",
                    rw.logical_id,
                    fails,
                    "error" if fails else "warning",
                )
            )
    with _timed(run, "patch"):
        for override in policies.overrides:
            patched = patch_file(
                workspace,
                PatchRequest(
                    template=generated.template_path,
                    deletion_policy=override.deletion,
                    update_replace_policy=override.update_replace,
                    types=[override.type] if override.type else [],
                    logical_ids=[override.logical_id] if override.logical_id else [],
                    in_place=True,
                    allow_delete_policy=policies.allow_delete_policy,
                ),
                report,
            )
            tr.patches.extend(patched.patch.changed)
    body = read_template_file(generated.template_path)
    with _timed(run, "lint"):
        tr.lint = lint_template(body, aws.region)
    for finding in tr.lint.findings:
        fails = finding.level == "error"
        tr.findings.append(
            Finding(
                FindingKind.LINT,
                finding.rule.id,
                f"cfn-lint {finding.rule.id} at {finding.path}: {finding.message}",
                finding.logical_id,
                fails,
                "error" if fails else ("warning" if finding.level == "warning" else "note"),
            )
        )
    for secret in find_secrets(load_template(body, str(generated.template_path))):
        tr.findings.append(
            Finding(
                FindingKind.SECRET,
                "literal-secret",
                f"{secret.logical_id} {secret.where}: a literal secret ({secret.why}, {secret.length} "
                "characters) would be committed and stored in the stack's template",
                secret.logical_id,
                fails_on_secrets,
                "error" if fails_on_secrets else "warning",
            )
        )
    if entry.path is not None or entry.template_path.exists():
        with _timed(run, "drift"):
            tr.drift = _drift(compare, load_template, body, generated, entry, report)
        if tr.drift is not None:
            for item in tr.drift.items:
                tr.findings.append(
                    Finding(
                        FindingKind.DRIFT,
                        f"drift-{item.kind.value}",
                        item.summary,
                        item.logical_id,
                        fails_on_drift,
                        "error" if fails_on_drift else "warning",
                    )
                )
    with _timed(run, "preflight"):
        try:
            checked = plan(
                workspace,
                aws,
                ImportRequest(
                    stack=tr.stack,
                    template=generated.template_path,
                    resources=generated.resources_path,
                    parameters=parameters,
                    s3_bucket=entry.s3_bucket,
                ),
                report,
            )
        except UsageError as exc:  # the plan is not acceptable: a verdict, not bad input
            hint = exc.hint_in(MANIFEST_WORDS)
            message = f"{exc.message} ({hint})" if hint else exc.message
            tr.findings.append(Finding(FindingKind.PREFLIGHT, "preflight", message, None, True, "error"))
            return
    tr.preflight = checked
    tr.new_stack = checked.new_stack
    mode_problem = _stack_mode_problem(entry, checked)
    if mode_problem:
        tr.findings.append(Finding(FindingKind.PREFLIGHT, "preflight", mode_problem, None, True, "error"))
        return
    if checked.nothing_to_import:
        report.info(f"{entry.name}: nothing to import: stack {tr.stack} already holds every resource")
        return
    with _timed(run, "change_set"):
        try:  # with the workspace, create() itself removes the change set if interrupted in its wait
            result = create(
                aws, checked, report, request.timeout, on_created=cleanup.change_set, workspace=workspace
            )
        except PolicyFailure as exc:  # FAILED: create_change_set has already deleted it
            tr.findings.append(
                Finding(FindingKind.CHANGE_SET, "change-set-failed", exc.message, None, True, "error")
            )
            cleanup.forget_change_sets(tr.stack)
            return
        tr.change_set = result
        with cancel.shielded():  # reviewed: removing it is clean-up, which a stop must not cut short
            discarded = discard(aws, result)
        cleanup.discarded(result, discarded.change_set_deleted)


def _stack_mode_problem(entry: TemplateEntry, checked: ImportPlan) -> str | None:
    from iacgen.core.manifest import StackMode

    mode = entry.stack.mode
    if mode is StackMode.NEW and not checked.new_stack:
        return f"stack {checked.stack} exists ({checked.stack_status}) but the manifest says mode: new"
    if mode is StackMode.EXISTING and checked.new_stack:
        return f"stack {checked.stack} does not exist but the manifest says mode: existing"
    return None


def _planned(generated: Any) -> list[PlannedResource]:
    """Each resource to import with why it is in the template: selected, or pulled in by --related."""
    why: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
    closure = generated.selection.closure
    for r in closure.selected:
        why[r.key] = "selected"
    for added in closure.added:
        via = ", ".join(p.label for p in added.pulled_in_by)
        why[added.resource.key] = f"related (depth {added.depth}) via {via}"
    out = []
    for entry in generated.template.resources_to_import:
        ident = {str(k): str(v) for k, v in entry["ResourceIdentifier"].items()}
        key = (entry["ResourceType"], tuple(sorted(ident.items())))
        out.append(
            PlannedResource(entry["LogicalResourceId"], entry["ResourceType"], ident, why.get(key, ""))
        )
    return out


def _drift(
    compare: Any, load_template: Any, body: str, generated: Any, entry: TemplateEntry, report: Reporter
) -> Drift | None:
    from iacgen.core.identifiers import read_resources_file
    from iacgen.core.template import read_template_file
    from iacgen.core.workspace import Workspace as _Workspace

    path = entry.template_path
    if not path.exists():
        report.warn(f"{entry.name}: {path} does not exist yet: no drift to measure (commit the template)")
        return None
    committed = load_template(read_template_file(path), source=str(path))
    sibling = _Workspace.resources_path(path)
    committed_ids = {}
    if sibling.exists():
        committed_ids = {
            e["LogicalResourceId"]: e["ResourceIdentifier"] for e in read_resources_file(sibling)
        }
    generated_ids = {
        e["LogicalResourceId"]: e["ResourceIdentifier"] for e in generated.template.resources_to_import
    }
    drift: Drift = compare(
        load_template(body, source=str(generated.template_path)),
        committed,
        generated_ids=generated_ids,
        committed_ids=committed_ids,
    )
    return drift


# --- clean-up


class _Cleanup:
    """What this run created, kept in the workspace as it happens so an interrupted run's leftovers are
    known to the next one; finish() removes it all and reports what could not be removed."""

    def __init__(self, workspace: Workspace, aws: Aws) -> None:
        self.workspace, self.aws = workspace, aws
        self.items: list[Leftover] = []
        self.path = workspace.state_dir / CLEANUP_FILE

    def _save(self) -> None:
        pending = [dataclasses.asdict(i) | {"kind": i.kind.value} for i in self.items if not i.removed]
        self.workspace.write_record(CLEANUP_FILE, json.dumps(pending, indent=2) + "\n")

    def add(self, item: Leftover) -> None:
        self.items.append(item)
        self._save()

    def change_set(self, result: ChangeSetResult) -> None:
        self.add(Leftover(CleanupKind.CHANGE_SET, result.change_set_id, result.stack_id, result.new_stack))
        if result.uploaded:
            self.add(Leftover(CleanupKind.OBJECT, f"s3://{result.uploaded[0]}/{result.uploaded[1]}"))

    def discarded(self, result: ChangeSetResult, deleted: bool) -> None:
        for item in self.items:
            if item.kind is CleanupKind.CHANGE_SET and item.id == result.change_set_id:
                item.removed = True
            if item.kind is CleanupKind.OBJECT and result.uploaded and item.id.endswith(result.uploaded[1]):
                item.removed = True
        self._save()

    def forget_change_sets(self, stack: str) -> None:
        """A FAILED change set was deleted (with its empty stack and object) by create_change_set itself."""
        for item in self.items:
            if item.kind in (CleanupKind.CHANGE_SET, CleanupKind.OBJECT) and not item.removed:
                item.removed = True
        self._save()

    def earlier(self, report: Reporter) -> None:
        """Leftovers an earlier, interrupted run recorded: remove them first."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        for raw in data if isinstance(data, list) else []:
            try:
                item = Leftover(
                    CleanupKind(raw["kind"]),
                    str(raw["id"]),
                    raw.get("stack_id"),
                    bool(raw.get("new_stack")),
                    from_earlier_run=True,
                )
            except (KeyError, ValueError, TypeError):
                continue
            self.items.append(item)
        if self.items:
            report.info(f"removing {len(self.items)} object(s) an earlier, interrupted ci run left behind")
            self._remove_pending()

    def finish(self, report: Reporter) -> list[Leftover]:
        self._remove_pending()
        left = [i for i in self.items if not i.removed]
        for item in left:
            report.warn(
                f"could not remove {item.kind.value} {item.id}: {item.error}; the next ci run retries"
            )
        return self.items

    def _remove_pending(self) -> None:
        order = (CleanupKind.CHANGE_SET, CleanupKind.OBJECT, CleanupKind.GENERATED_TEMPLATE)
        for kind in order:
            for item in self.items:
                if item.kind is kind and not item.removed:
                    try:
                        self._remove(item)
                        item.removed = True
                        item.error = None
                    except Exception as exc:
                        item.error = f"{type(exc).__name__}: {exc}"
        self._save()

    def _settled(self, change_set_id: str) -> bool:
        """Wait while the change set is CREATE_IN_PROGRESS (the service refuses to delete it then, with
        InvalidChangeSetStatus); False when it no longer exists."""
        from botocore.exceptions import ClientError

        from iacgen.core.changeset import CHANGE_SET_DONE
        from iacgen.core.errors import error_code
        from iacgen.core.polling import poll

        def status() -> str | None:
            try:
                return str(self.aws.cloudformation.describe_change_set(ChangeSetName=change_set_id)["Status"])
            except ClientError as exc:
                if error_code(exc) == "ChangeSetNotFound":
                    return None
                raise

        final = poll(
            status,
            lambda s: s is None or s in CHANGE_SET_DONE,
            what="the change set to settle before deleting it",
            timeout=CLEANUP_TIMEOUT,
            interval=1.0,
            max_interval=5.0,
        )
        return final is not None and final != "DELETE_COMPLETE"

    def _template_settled(self, name: str) -> None:
        """Wait while the generated template is still being created or updated (the service refuses to
        delete it then): an interrupt during generate leaves it pending for a while."""
        from botocore.exceptions import ClientError

        from iacgen.core.errors import error_code
        from iacgen.core.polling import poll

        def status() -> str | None:
            try:
                described = self.aws.cloudformation.describe_generated_template(GeneratedTemplateName=name)
                return str(described["Status"])
            except ClientError as exc:
                if error_code(exc) == "GeneratedTemplateNotFound":
                    return None
                raise

        poll(
            status,
            lambda s: s is None or s in ("COMPLETE", "FAILED"),
            what="the generated template to settle before deleting it",
            timeout=CLEANUP_TIMEOUT,
            interval=1.0,
            max_interval=5.0,
        )

    def _remove(self, item: Leftover) -> None:
        from botocore.exceptions import ClientError

        from iacgen.core.changeset import ChangeSetResult, discard
        from iacgen.core.errors import error_code

        cfn = self.aws.cloudformation
        if item.kind is CleanupKind.GENERATED_TEMPLATE:
            self._template_settled(item.id)
            try:
                cfn.delete_generated_template(GeneratedTemplateName=item.id)
            except ClientError as exc:
                if error_code(exc) != "GeneratedTemplateNotFound":
                    raise
        elif item.kind is CleanupKind.CHANGE_SET:
            stack_id = item.stack_id or ""
            if not self._settled(item.id):
                return  # deleted already (or never created)
            discard(
                self.aws,
                ChangeSetResult(
                    stack=stack_id,
                    stack_id=stack_id,
                    change_set_id=item.id,
                    change_set_name=item.id,
                    status=None,
                    status_reason=None,
                    new_stack=item.new_stack,
                ),
            )
        elif item.kind is CleanupKind.OBJECT:
            bucket, _, key = item.id.removeprefix("s3://").partition("/")
            self.aws.s3.delete_object(Bucket=bucket, Key=key)

"""Generated templates' life cycle: create or update, resume, wait, fetch the body (what the warnings mean and
what to do about them is core/template_warnings.py's).

A FAILED generation is an AwsError (exit 3), not a PolicyFailure: the service could not read or model some
resources (gone, unreadable, unsupported), which is an AWS-side fact, not a rule the user chose to enforce.
The error carries every failed resource with the service's reason (GenerationFailed.failed).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, cast

from iacgen.core.errors import AwsError, UsageError, aws_error, error_code
from iacgen.core.policies import GeneratorPolicy, Policy
from iacgen.core.polling import poll
from iacgen.core.scans import ScannedResource
from iacgen.core.selection import MAX_TEMPLATE_RESOURCES
from iacgen.core.statuses import TemplateStatus
from iacgen.core.template_warnings import ResourceWarnings, WarningCounts, warnings_from_describe

if TYPE_CHECKING:
    from iacgen.core.session import Aws
    from iacgen.core.vpc_defaults import VpcDefaults

T = TypeVar("T")

FORMATS = ("YAML", "JSON")
TERMINAL = ("COMPLETE", "FAILED")


class TemplateAction(StrEnum):
    """What generate asked of the service for this request."""

    CREATED = "created"
    UPDATED = "updated"
    RESUMED = "resumed"  # the same request re-run: nothing sent, the existing template picked up


@dataclass
class FailedResource:
    logical_id: str | None
    resource_type: str
    identifier: dict[str, str]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GenerationFailed(AwsError):
    """The template ended FAILED; `failed` lists each resource that failed with the service's reason."""

    def __init__(self, message: str, hint: str | None, failed: list[FailedResource]) -> None:
        super().__init__(message, hint)
        self.failed = failed


@dataclass
class TemplateProgress:
    status: TemplateStatus
    succeeded: int = 0
    failed: int = 0
    processing: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.processing + self.pending

    @classmethod
    def from_describe(cls, data: Any) -> TemplateProgress:
        p = data.get("Progress") or {}
        return cls(
            status=cast(TemplateStatus, str(data.get("Status", ""))),
            succeeded=int(p.get("ResourcesSucceeded", 0)),
            failed=int(p.get("ResourcesFailed", 0)),
            processing=int(p.get("ResourcesProcessing", 0)),
            pending=int(p.get("ResourcesPending", 0)),
        )


@dataclass
class GeneratedTemplate:
    name: str
    template_id: str
    status: TemplateStatus
    status_reason: str | None
    format: str
    body: str
    action: TemplateAction
    configuration: dict[str, str]
    resources: list[dict[str, Any]]  # logical id, type, identifier, status per resource
    warnings: list[ResourceWarnings]
    total_warnings: int
    resources_to_import: list[dict[str, Any]]
    added: int = 0
    removed: list[str] = field(default_factory=list)
    # The VPC defaults given DeletionPolicy Retain in `body` (None: not looked for, the policy was RETAIN or
    # the caller opted out). `body` is then the service's body with only those policy lines changed.
    vpc_defaults: VpcDefaults | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "template_id": self.template_id,
            "status": self.status,
            "status_reason": self.status_reason,
            "format": self.format,
            "body_bytes": len(self.body.encode()),
            "action": self.action,
            "configuration": self.configuration,
            "resources": self.resources,
            "total_warnings": self.total_warnings,
            "warning_counts": WarningCounts.of(self.warnings).to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
            "resources_to_import": self.resources_to_import,
            "added": self.added,
            "removed": self.removed,
            "vpc_defaults": self.vpc_defaults.to_dict() if self.vpc_defaults is not None else None,
        }


# --- pure helpers ----------------------------------------------------------------------------------------


def resources_to_import(
    describe_result: Any, template_logical_ids: set[str] | None = None
) -> list[dict[str, Any]]:
    """ResourcesToImport entries for CreateChangeSet, with the logical ids the generator put in the template.
    Resources that failed, or that the body does not contain, are left out."""
    out: list[dict[str, Any]] = []
    for res in describe_result.get("Resources") or []:
        if res.get("ResourceStatus") == "FAILED":
            continue
        logical_id = res.get("LogicalResourceId")
        if not logical_id or (template_logical_ids is not None and logical_id not in template_logical_ids):
            continue
        out.append(
            {
                "ResourceType": res["ResourceType"],
                "LogicalResourceId": logical_id,
                "ResourceIdentifier": dict(res["ResourceIdentifier"]),
            }
        )
    return out


def template_logical_ids(body: str, fmt: str) -> set[str] | None:
    """The Resources keys of a body (None if it cannot be parsed, so callers don't filter on a guess)."""
    try:
        if fmt == "JSON":
            doc = json.loads(body)
        else:
            from ruamel.yaml import YAML

            doc = YAML(typ="rt").load(body)
    except Exception:
        return None
    resources = doc.get("Resources") if isinstance(doc, dict) else None
    return {str(k) for k in resources} if isinstance(resources, dict) else set()


def failed_resources(data: Any) -> list[FailedResource]:
    return [
        FailedResource(
            res.get("LogicalResourceId"),
            str(res.get("ResourceType", "")),
            dict(res.get("ResourceIdentifier") or {}),
            str(res.get("ResourceStatusReason") or "no reason given"),
        )
        for res in data.get("Resources") or []
        if res.get("ResourceStatus") == "FAILED"
    ]


def _resource_key(resource_type: str, identifier: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return (resource_type, tuple(sorted((str(k), str(v)) for k, v in identifier.items())))


# --- calls -----------------------------------------------------------------------------------------------


def describe_template(aws: Aws, name: str) -> dict[str, Any] | None:
    """DescribeGeneratedTemplate, or None when there is no template of that name or ARN."""
    try:
        return dict(aws.cloudformation.describe_generated_template(GeneratedTemplateName=name))
    except Exception as exc:
        if error_code(exc) == "GeneratedTemplateNotFound":
            return None
        raise


def get_warnings(aws: Aws, name: str) -> list[ResourceWarnings]:
    data = describe_template(aws, name)
    if data is None:
        raise UsageError(
            f"no generated template named {name!r} in this account and Region",
            "create it with: iacgen generate NAME --select EXPR",
        )
    return warnings_from_describe(data)


def _when_free(call: Callable[[], T], what: str, timeout: float) -> T:
    """Run call(), backing off while the service says ConcurrentResourcesLimitExceeded (5 templates at once
    per account, or this template still busy). Every wait goes through poll()."""
    busy = object()

    def attempt() -> Any:
        try:
            return call()
        except Exception as exc:
            if error_code(exc) == "ConcurrentResourcesLimitExceeded":
                return busy
            raise

    result: T = poll(
        attempt,
        lambda r: r is not busy,
        what=f"a free generation slot to {what} (at most 5 templates generate at once)",
        timeout=timeout,
        interval=5.0,
    )
    return result


def wait_for_template(
    aws: Aws,
    name: str,
    timeout: float,
    on_progress: Callable[[TemplateProgress], None] | None = None,
) -> dict[str, Any]:
    """Poll DescribeGeneratedTemplate until COMPLETE or FAILED; Get before that returns a stale body."""

    def fetch() -> dict[str, Any]:
        data = describe_template(aws, name)
        if data is None:
            raise AwsError(f"generated template {name} disappeared while generating", None)
        return data

    def update(data: dict[str, Any]) -> None:
        if on_progress is not None:
            on_progress(TemplateProgress.from_describe(data))

    return poll(
        fetch,
        lambda d: d.get("Status") in TERMINAL,
        what=f"generated template {name}",
        timeout=timeout,
        interval=2.0,
        on_update=update,
    )


def _check_inputs(
    name: str, resources: list[ScannedResource], deletion: str, replace: str, fmt: str
) -> tuple[GeneratorPolicy, GeneratorPolicy]:
    if not 1 <= len(name) <= 128:
        raise UsageError(f"template name must be 1-128 characters, got {len(name)}", None)
    if not resources:
        raise UsageError("no resources to put in the template", "select some with {opt:select} EXPR")
    if len(resources) > MAX_TEMPLATE_RESOURCES:
        raise UsageError(
            f"{len(resources)} resources selected; a template holds at most {MAX_TEMPLATE_RESOURCES}",
            "narrow the selection ({opt:select}, {opt:exclude}, {opt:related_depth})",
        )
    policies = (
        GeneratorPolicy.parse(deletion, "deletion policy"),
        GeneratorPolicy.parse(replace, "update replace policy"),
    )
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r} is not one of {', '.join(FORMATS)}", None)
    return policies


@dataclass
class _Submitted:
    """What was asked of the service for this request, before waiting on it."""

    template_id: str
    action: TemplateAction
    added: int
    removed: list[str]


def _create(
    aws: Aws, name: str, definitions: list[dict[str, Any]], config: dict[str, str], timeout: float
) -> str:
    create: dict[str, Any] = {
        "GeneratedTemplateName": name,
        "Resources": definitions,
        "TemplateConfiguration": config,
    }
    return str(
        _when_free(
            lambda: aws.cloudformation.create_generated_template(**create)["GeneratedTemplateId"],
            f"create {name}",
            timeout,
        )
    )


def _reconcile(
    aws: Aws,
    existing: dict[str, Any],
    definitions: list[dict[str, Any]],
    config: dict[str, str],
    *,
    update: bool,
    timeout: float,
    on_progress: Callable[[TemplateProgress], None] | None,
) -> _Submitted:
    """An existing template of this name: resume it when it is this very request (a re-run after Ctrl-C),
    else update it to exactly these resources and policies (only with `update`)."""
    name = str(existing.get("GeneratedTemplateName"))
    template_id = str(existing["GeneratedTemplateId"])
    have = {
        _resource_key(r["ResourceType"], r["ResourceIdentifier"]): r["LogicalResourceId"]
        for r in existing.get("Resources") or []
    }
    want = {_resource_key(d["ResourceType"], d["ResourceIdentifier"]): d for d in definitions}
    to_add = [d for k, d in want.items() if k not in have]
    removed = [lid for k, lid in have.items() if k not in want]
    same = not to_add and not removed and existing.get("TemplateConfiguration") == config
    failed = existing.get("Status") == "FAILED"
    if same and not failed:
        return _Submitted(template_id, TemplateAction.RESUMED, 0, [])
    if not update:
        if same:
            raise UsageError(
                f"the generated template {name!r} already exists for these resources and it FAILED",
                "pass {opt:update} to generate it again (the resources are re-read), or choose another name",
            )
        raise UsageError(
            f"a generated template named {name!r} already exists with other resources or policies",
            "pass {opt:update} to update it, or choose another name",
        )
    if existing.get("Status") not in TERMINAL:
        existing = wait_for_template(aws, template_id, timeout, on_progress)
        failed = existing.get("Status") == "FAILED"
    kwargs: dict[str, Any] = {"GeneratedTemplateName": template_id, "TemplateConfiguration": config}
    if to_add:
        kwargs["AddResources"] = to_add
    if removed:
        kwargs["RemoveResources"] = removed
    if failed:  # read every resource again: what failed may have been fixed since
        kwargs["RefreshAllResources"] = True
    _when_free(lambda: aws.cloudformation.update_generated_template(**kwargs), f"update {name}", timeout)
    return _Submitted(template_id, TemplateAction.UPDATED, len(to_add), removed)


def _raise_failed(name: str, final: dict[str, Any]) -> None:
    failed = failed_resources(final)
    shown = "; ".join(f"{f.resource_type} {'|'.join(f.identifier.values())}: {f.reason}" for f in failed[:3])
    more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
    raise GenerationFailed(
        f"generated template {name} FAILED: {len(failed)} resource(s) failed: {shown}{more}"
        if failed
        else f"generated template {name} FAILED: {final.get('StatusReason') or 'no reason given'}",
        "fix or deselect the failed resources, then re-run with {opt:update}",
        failed,
    )


def generate(
    aws: Aws,
    name: str,
    resources: list[ScannedResource],
    *,
    deletion_policy: GeneratorPolicy | str = GeneratorPolicy.RETAIN,
    update_replace_policy: GeneratorPolicy | str = GeneratorPolicy.RETAIN,
    update: bool = False,
    timeout: float = 1800.0,
    on_progress: Callable[[TemplateProgress], None] | None = None,
    on_submitted: Callable[[str, TemplateAction], None] | None = None,
    fmt: str = "YAML",
    keep_vpc_defaults: bool = True,
) -> GeneratedTemplate:
    """Create the template (or, with update, bring an existing one to exactly these resources), wait for it,
    and fetch the body. TemplateConfiguration is always sent: the service's defaults are undocumented.
    on_submitted(template_id, action) is called once the service has the request, before the wait: from then
    on, an interrupted run is resumed by running the same request again.

    With DeletionPolicy DELETE and `keep_vpc_defaults`, the VPC defaults in the template (main route table,
    default security group and network ACL, associations with that ACL) get Retain in the returned body: EC2
    refuses to delete them apart from their VPC, so Delete would leave a stack deletion DELETE_FAILED."""
    fmt = fmt.upper()
    unique = list(dict.fromkeys(resources))
    deletion, replace = _check_inputs(name, unique, deletion_policy, update_replace_policy, fmt)
    config = {"DeletionPolicy": deletion.value, "UpdateReplacePolicy": replace.value}
    definitions = [r.to_api() for r in unique]
    existing = describe_template(aws, name)
    if existing is None:
        try:
            created = _create(aws, name, definitions, config, timeout)
        except Exception as exc:
            if error_code(exc) != "AlreadyExists":
                raise aws_error(exc, f"create generated template {name}") from exc
            existing = describe_template(aws, name)  # created concurrently; treat as existing
            if existing is None:
                raise aws_error(exc) from exc
    if existing is None:
        submitted = _Submitted(created, TemplateAction.CREATED, len(definitions), [])
    else:
        submitted = _reconcile(
            aws, existing, definitions, config, update=update, timeout=timeout, on_progress=on_progress
        )
    if on_submitted is not None:
        on_submitted(submitted.template_id, submitted.action)
    final = wait_for_template(aws, submitted.template_id, timeout, on_progress)
    if final.get("Status") == "FAILED":
        _raise_failed(name, final)
    gt = _result(aws, name, final, submitted, config, fmt)
    if deletion is GeneratorPolicy.DELETE and keep_vpc_defaults:
        retain_vpc_defaults(aws, gt)
    return gt


def retain_vpc_defaults(aws: Aws, gt: GeneratedTemplate) -> VpcDefaults:
    """Find the VPC defaults among gt's resources and set DeletionPolicy Retain on them in gt.body, changing
    only those policy lines. EC2 denying the lookup leaves the body as it was, with a note: it never fails
    the generation, whose template the service has already built."""
    from iacgen.core.template_edits import patch_policies
    from iacgen.core.vpc_defaults import entries_of, find_vpc_defaults

    in_body = template_logical_ids(gt.body, gt.format) or set()
    entries = [e for e in entries_of(gt.resources) if e.logical_id in in_body]
    found = find_vpc_defaults(aws, entries)
    if found.found:
        patched = patch_policies(
            gt.body, deletion_policy=Policy.RETAIN, logical_ids=found.logical_ids, source=gt.name
        )
        gt.body = patched.text
    gt.vpc_defaults = found
    return found


def _result(
    aws: Aws, name: str, final: dict[str, Any], submitted: _Submitted, config: dict[str, str], fmt: str
) -> GeneratedTemplate:
    """Fetch the body (only now: before COMPLETE, Get returns a stale or empty one) and put it together."""
    get: dict[str, Any] = {"GeneratedTemplateName": submitted.template_id, "Format": fmt}
    body = str(aws.cloudformation.get_generated_template(**get)["TemplateBody"])
    return GeneratedTemplate(
        name=name,
        template_id=submitted.template_id,
        status=cast(TemplateStatus, str(final.get("Status"))),
        status_reason=final.get("StatusReason"),
        format=fmt,
        body=body,
        action=submitted.action,
        configuration=dict(final.get("TemplateConfiguration") or config),
        resources=[
            {
                "logical_id": r.get("LogicalResourceId"),
                "type": r.get("ResourceType"),
                "identifier": dict(r.get("ResourceIdentifier") or {}),
                "status": r.get("ResourceStatus"),
            }
            for r in final.get("Resources") or []
        ],
        warnings=warnings_from_describe(final),
        total_warnings=int(final.get("TotalWarnings") or 0),
        resources_to_import=resources_to_import(final, template_logical_ids(body, fmt)),
        added=submitted.added,
        removed=submitted.removed,
    )

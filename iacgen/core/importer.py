"""Adopt existing resources into a stack with an IMPORT change set: preflight, create, show, execute, discard.

The preflight (`plan_import`) reads the user's template and checks every rule the service enforces for an
import before anything is created in the account, so a bad import fails here with one clear line instead of
leaving a FAILED change set and an empty REVIEW_IN_PROGRESS stack behind. The user's file is never written:
every fix (a missing DeletionPolicy, Outputs set aside, a merge with the existing stack) happens in the body
that is sent.

Import into an existing stack: the service requires the template to describe the whole stack. Rather than
refusing, the preflight merges the stack's current template into the body: resources already in the stack are
sent exactly as the stack has them (an import may not change them; edit them with a normal update), the
stack's Parameters, Mappings and Conditions are kept, its Outputs are kept unchanged and its parameters reuse
their previous values. A resource the user's template lists that the stack already owns with the same id is
simply not imported again, so re-running an applied import does nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from iacgen.core.errors import AwsError, PolicyFailure, UsageError
from iacgen.core.polling import poll

if TYPE_CHECKING:
    from iacgen.core.session import Aws
    from iacgen.core.template import Template

MAX_BODY_BYTES = 51_200
MAX_URL_BODY_BYTES = 1_048_576
MAX_RESOURCES_TO_IMPORT = 200
MAX_TEMPLATE_RESOURCES = 500
MAX_PARAMETER_VALUE_BYTES = 4_096
S3_KEY_PREFIX = "iacgen/import-templates/"

# Stack states an IMPORT change set may start from (REVIEW_IN_PROGRESS, an empty stack, counts as new).
IMPORTABLE_STATES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)
CHANGE_SET_DONE = frozenset({"CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"})

_HINT_RESOURCES = "pass --resources FILE (iacgen generate writes NAME.resources.json next to the template)"


# --- results


@dataclass
class ImportResource:
    """One entry of ResourcesToImport, and where its identifier came from ('resources file' or 'derived')."""

    logical_id: str
    resource_type: str
    identifier: dict[str, str]
    source: str

    def to_request(self) -> dict[str, Any]:
        return {
            "ResourceType": self.resource_type,
            "LogicalResourceId": self.logical_id,
            "ResourceIdentifier": dict(self.identifier),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.resource_type,
            "identifier": dict(self.identifier),
            "identifier_source": self.source,
        }


@dataclass
class ImportPlan:
    """Everything the change set needs, decided and checked locally; `body` is what is sent, not the file."""

    stack: str
    template_path: str
    resources_path: str | None
    to_import: list[ImportResource]
    body: str
    body_bytes: int
    stack_id: str | None = None
    stack_status: str | None = None
    already_in_stack: list[str] = field(default_factory=list)
    kept_from_stack: list[str] = field(default_factory=list)
    deletion_policy_added: list[str] = field(default_factory=list)
    deletion_policy: str | None = None
    outputs_set_aside: list[str] = field(default_factory=list)
    outputs_text: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    previous_parameters: list[str] = field(default_factory=list)
    secret_parameters: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    s3_bucket: str | None = None
    s3_key: str | None = None
    template_url: str | None = None

    @property
    def new_stack(self) -> bool:
        """True when the change set creates the stack (or reuses an empty REVIEW_IN_PROGRESS one)."""
        return self.stack_status in (None, "REVIEW_IN_PROGRESS")

    @property
    def nothing_to_import(self) -> bool:
        return not self.to_import

    def request_parameters(self) -> list[dict[str, Any]]:
        given = [{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()]
        return given + [{"ParameterKey": k, "UsePreviousValue": True} for k in self.previous_parameters]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "stack_id": self.stack_id,
            "stack_status": self.stack_status,
            "new_stack": self.new_stack,
            "template_path": self.template_path,
            "resources_path": self.resources_path,
            "to_import": [r.to_dict() for r in self.to_import],
            "already_in_stack": list(self.already_in_stack),
            "kept_from_stack": list(self.kept_from_stack),
            "deletion_policy": self.deletion_policy,
            "deletion_policy_added": list(self.deletion_policy_added),
            "outputs_set_aside": list(self.outputs_set_aside),
            "outputs_text": self.outputs_text,
            "parameters": {
                k: ("****" if k in self.secret_parameters else v) for k, v in self.parameters.items()
            },
            "previous_parameters": list(self.previous_parameters),
            "capabilities": list(self.capabilities),
            "body_bytes": self.body_bytes,
            "s3_bucket": self.s3_bucket,
            "s3_key": self.s3_key,
            "template_url": self.template_url,
        }


@dataclass
class Change:
    logical_id: str
    resource_type: str
    action: str
    physical_id: str | None
    identifier: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.resource_type,
            "action": self.action,
            "physical_id": self.physical_id,
            "identifier": dict(self.identifier),
        }


@dataclass
class ChangeSetResult:
    stack: str
    stack_id: str
    change_set_id: str
    change_set_name: str
    status: str
    status_reason: str | None
    changes: list[Change]
    new_stack: bool
    uploaded: tuple[str, str] | None = None  # (bucket, key) of a template object this run put into S3

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "stack_id": self.stack_id,
            "change_set_id": self.change_set_id,
            "change_set_name": self.change_set_name,
            "status": self.status,
            "status_reason": self.status_reason,
            "new_stack": self.new_stack,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass
class DiscardResult:
    change_set_deleted: bool
    stack_deleted: bool
    template_object_deleted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "change_set_deleted": self.change_set_deleted,
            "stack_deleted": self.stack_deleted,
            "template_object_deleted": self.template_object_deleted,
        }


@dataclass
class StackEventInfo:
    event_id: str
    timestamp: datetime | None
    logical_id: str
    resource_type: str
    status: str
    reason: str | None
    physical_id: str | None

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    def to_dict(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp.isoformat() if self.timestamp else None,
            "logical_id": self.logical_id,
            "type": self.resource_type,
            "status": self.status,
            "reason": self.reason,
            "physical_id": self.physical_id,
        }


@dataclass
class StackResourceInfo:
    logical_id: str
    resource_type: str
    physical_id: str | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.resource_type,
            "physical_id": self.physical_id,
            "status": self.status,
        }


@dataclass
class ExecuteResult:
    stack: str
    stack_id: str
    status: str
    resources: list[StackResourceInfo]
    events: list[StackEventInfo]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "stack_id": self.stack_id,
            "status": self.status,
            "resources": [r.to_dict() for r in self.resources],
            "events": [e.to_dict() for e in self.events],
        }


class ImportRolledBack(PolicyFailure):
    """The service rolled the import back; `events` are the FAILED events that caused it."""

    def __init__(self, message: str, hint: str | None, events: list[StackEventInfo], status: str) -> None:
        super().__init__(message, hint)
        self.events = events
        self.status = status


# --- preflight


class _Problems:
    """Collects every preflight problem so the user fixes them all in one round, not one per run."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str | None]] = []

    def add(self, message: str, hint: str | None = None) -> None:
        self.items.append((message, hint))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            raise UsageError(*self.items[0])
        hints: list[str] = []
        for _, hint in self.items:
            if hint and hint not in hints:
                hints.append(hint)
        message = f"import preflight found {len(self.items)} problems: " + "; ".join(m for m, _ in self.items)
        raise UsageError(message, "; ".join(hints) or None)


def _names(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {path}", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}", "check the file") from exc


def read_resources_file(path: Path) -> list[dict[str, Any]]:
    """ResourcesToImport entries from a file (a JSON list, or an object with a ResourcesToImport list)."""
    text = _read_text(path, "resources file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
            "the resources file is a JSON list of {ResourceType, LogicalResourceId, ResourceIdentifier}",
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("ResourcesToImport"), list):
        data = data["ResourcesToImport"]
    if not isinstance(data, list):
        raise UsageError(
            f"{path}: expected a JSON list of resources to import",
            "the resources file is a JSON list of {ResourceType, LogicalResourceId, ResourceIdentifier}",
        )
    entries: list[dict[str, Any]] = []
    for index, item in enumerate(data):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("LogicalResourceId"), str)
            and isinstance(item.get("ResourceType"), str)
            and isinstance(item.get("ResourceIdentifier"), dict)
            and item["ResourceIdentifier"]
            and all(isinstance(v, str | int) for v in item["ResourceIdentifier"].values())
        )
        if not ok:
            raise UsageError(
                f"{path}: entry {index} is not a resource to import",
                "each entry needs ResourceType, LogicalResourceId and a non-empty ResourceIdentifier map "
                "of strings",
            )
        entries.append(item)
    return entries


def _is_plain_scalar(value: Any) -> bool:
    """A literal the template states outright (not !Ref/!Sub/Fn::...), usable as an identifier value."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    tag = getattr(value, "tag", None)
    tag_value = getattr(tag, "value", tag)
    return not (isinstance(tag_value, str) and tag_value.startswith("!"))


def _identifier_properties(aws: Aws, needed: Mapping[str, str]) -> dict[str, list[str]]:
    """Identifier property names per logical id, from GetTemplateSummary on a minimal template holding just
    these resources' types: no upload needed for large templates, and the user's Refs can't trip it up."""
    if not needed:
        return {}
    body = json.dumps({"Resources": {lid: {"Type": rtype} for lid, rtype in needed.items()}})
    summary = aws.cloudformation.get_template_summary(TemplateBody=body)
    by_lid: dict[str, list[str]] = {}
    by_type: dict[str, list[str]] = {}
    for item in summary.get("ResourceIdentifierSummaries", []) or []:
        props = [str(p) for p in item.get("ResourceIdentifiers", []) or []]
        if not props:
            continue
        by_type.setdefault(str(item.get("ResourceType", "")), props)
        for lid in item.get("LogicalResourceIds", []) or []:
            by_lid[str(lid)] = props
    return {
        lid: by_lid.get(lid) or by_type.get(rtype, [])
        for lid, rtype in needed.items()
        if by_lid.get(lid) or by_type.get(rtype)
    }


def _describe_stack(aws: Aws, stack: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        stacks = aws.cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in str(error.get("Message", "")):
            return None
        raise
    return dict(stacks[0]) if stacks else None


def _list_stack_resources(aws: Aws, stack: str) -> list[StackResourceInfo]:
    cfn = aws.cloudformation
    found: list[StackResourceInfo] = []
    token: str | None = None
    while True:
        page = cfn.list_stack_resources(StackName=stack, **({"NextToken": token} if token else {}))
        for item in page.get("StackResourceSummaries", []):
            found.append(
                StackResourceInfo(
                    logical_id=item["LogicalResourceId"],
                    resource_type=item["ResourceType"],
                    physical_id=item.get("PhysicalResourceId"),
                    status=item["ResourceStatus"],
                )
            )
        token = page.get("NextToken") or None
        if not token:
            return found


def _stack_template(aws: Aws, stack: str) -> Template:
    from iacgen.core.template import load_template

    body = aws.cloudformation.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    text = body if isinstance(body, str) else json.dumps(body, indent=2)
    return load_template(text, source=f"stack {stack}'s template")


def _section(data: Any, name: str) -> Any:
    value = data.get(name)
    return value if isinstance(value, Mapping) else None


def _ensure_section(data: Any, name: str, after: str = "Resources") -> Any:
    existing = _section(data, name)
    if existing is not None:
        return existing
    from ruamel.yaml.comments import CommentedMap

    new = CommentedMap()
    keys = list(data.keys())
    if hasattr(data, "insert") and after in keys:
        data.insert(keys.index(after), name, new)
    else:
        data[name] = new
    return new


def _dump_section(name: str, value: Any) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump({name: value}, buf)
    return buf.getvalue()


def _plain(value: Any) -> Any:
    """A comparable form of a round-trip value (ruamel's TaggedScalar has no equality of its own)."""
    tag = getattr(getattr(value, "tag", None), "value", None)
    if isinstance(value, Mapping):
        return (tag, tuple((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (tag, tuple(_plain(v) for v in value))
    return (tag, getattr(value, "value", value) if tag else value)


def _merge_stack(
    template: Template, stack_template: Template, stack: str, owned: set[str], problems: _Problems
) -> tuple[list[str], list[str]]:
    """Fold the stack's current template into the body, for the resources the stack really holds (`owned`;
    after a rolled-back import the template can name resources that were never adopted). Returns (resources
    kept from the stack, the user's Outputs that are not already the stack's and so must be set aside)."""
    data, old = template.data, stack_template.data
    if old.get("Transform") is not None and old.get("Transform") != data.get("Transform"):
        problems.add(
            f"stack {stack} uses a Transform ({old.get('Transform')}); iacgen cannot merge it into an import",
            "add the stack's resources to your template by hand (iacgen imports what the template describes)",
        )
    resources = data["Resources"]
    kept: list[str] = []
    for lid, definition in old["Resources"].items():
        if lid not in owned:
            continue
        if lid not in resources:
            kept.append(lid)
        resources[lid] = definition
    for name in ("Parameters", "Mappings", "Conditions"):
        old_section = _section(old, name)
        if not old_section:
            continue
        section = _ensure_section(data, name)
        for key, value in old_section.items():
            section[key] = value
    user_outputs = _section(data, "Outputs") or {}
    old_outputs = _section(old, "Outputs") or {}
    set_aside = [
        str(k) for k, v in user_outputs.items() if k not in old_outputs or _plain(old_outputs[k]) != _plain(v)
    ]
    if old_outputs:
        data["Outputs"] = old_outputs
    elif "Outputs" in data:
        del data["Outputs"]
    return kept, set_aside


def plan_import(
    aws: Aws,
    *,
    stack: str,
    template_path: str | Path,
    resources_path: str | Path | None = None,
    parameters: Mapping[str, str] | None = None,
    patch_deletion_policy: str | None = None,
    s3_bucket: str | None = None,
) -> ImportPlan:
    """Check everything the service checks for an IMPORT change set, without creating anything in AWS.

    Reads only: DescribeStacks, for an existing stack ListStackResources and GetTemplate, and
    GetTemplateSummary when an identifier has to be derived. All problems found go into one UsageError."""
    from iacgen.core.template import (
        body_size,
        dump_template,
        load_template,
        normalize_policy,
        set_missing_deletion_policy,
        strip_outputs,
    )

    parameters = dict(parameters or {})
    if not stack or len(stack) > 128:
        raise UsageError(f"invalid stack name {stack!r}", "a stack name has 1-128 characters")
    policy = normalize_policy(patch_deletion_policy) if patch_deletion_policy else None
    path = Path(template_path)
    template = load_template(_read_text(path, "template"), source=str(path))
    file_resources = template.resources()
    entries = read_resources_file(Path(resources_path)) if resources_path else []
    problems = _Problems()

    if not file_resources:
        raise UsageError(f"{path}: the template has no resources to import", "generate a template first")

    # --- the stack: new, empty (REVIEW_IN_PROGRESS), or existing and in a state that accepts an import.
    described = _describe_stack(aws, stack)
    stack_status = described.get("StackStatus") if described else None
    stack_id = described.get("StackId") if described else None
    in_stack: dict[str, StackResourceInfo] = {}
    existing = stack_status not in (None, "REVIEW_IN_PROGRESS")
    if stack_status and existing:
        if stack_status not in IMPORTABLE_STATES:
            raise UsageError(
                f"stack {stack} is {stack_status}; an import needs a stack in a *_COMPLETE state",
                "wait for the running operation to finish"
                if stack_status.endswith("IN_PROGRESS")
                else f"fix or delete stack {stack}, or import into a new --stack",
            )
        in_stack = {r.logical_id: r for r in _list_stack_resources(aws, stack)}

    # --- the resources file must agree with the template.
    by_lid: dict[str, dict[str, Any]] = {}
    seen_ids: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
    for entry in entries:
        lid, rtype = entry["LogicalResourceId"], entry["ResourceType"]
        ident = {str(k): str(v) for k, v in entry["ResourceIdentifier"].items()}
        if lid in by_lid:
            problems.add(f"resources file lists {lid} twice", "keep one entry per logical id")
            continue
        key = (rtype, tuple(sorted(ident.items())))
        if key in seen_ids:
            problems.add(
                f"resources file lists the same {rtype} {ident} as {seen_ids[key]} and {lid}",
                "a resource can be imported only once",
            )
        seen_ids[key] = lid
        by_lid[lid] = {"type": rtype, "identifier": ident}
        if lid not in file_resources:
            problems.add(
                f"resources file lists {lid} ({rtype}), which is not in the template",
                "regenerate the resources file (iacgen generate) or remove the entry",
            )
        elif file_resources[lid].type != rtype:
            problems.add(
                f"{lid} is {file_resources[lid].type} in the template but {rtype} in the resources file",
                "regenerate the resources file (iacgen generate) or fix the entry",
            )

    # --- which resources are imported, and which the stack already owns.
    already_same: list[str] = []
    candidates: list[str] = []
    for lid, res in file_resources.items():
        owned = in_stack.get(lid)
        if owned is None:
            candidates.append(lid)
            continue
        if owned.resource_type != res.type:
            problems.add(
                f"{lid} is {res.type} in the template but stack {stack} already has {lid} as "
                f"{owned.resource_type}",
                "rename the logical id in the template",
            )
            continue
        listed: dict[str, str] | None = by_lid[lid]["identifier"] if lid in by_lid else None
        if (
            listed
            and len(listed) == 1
            and owned.physical_id
            and next(iter(listed.values())) != owned.physical_id
        ):
            problems.add(
                f"stack {stack} already has {lid} as {owned.physical_id}, but the resources file imports "
                f"{next(iter(listed.values()))} under that logical id",
                "rename the logical id in the template and the resources file",
            )
            continue
        already_same.append(lid)

    # --- DeletionPolicy on every resource to import (patched in the body only; the file is never written).
    missing_policy = [lid for lid in candidates if not file_resources[lid].deletion_policy]
    added_policy: list[str] = []
    if missing_policy and policy is None:
        problems.add(
            f"{len(missing_policy)} resource(s) to import have no DeletionPolicy: {_names(missing_policy)}",
            "pass --patch-deletion-policy Retain, or set it in the file: "
            f"iacgen patch {path} --deletion-policy Retain --in-place",
        )
    elif missing_policy and policy is not None:
        patched = set(set_missing_deletion_policy(template, policy))
        added_policy = [lid for lid in candidates if lid in patched]

    # --- an identifier for every resource to import: the resources file, else derived from the template.
    to_import: list[ImportResource] = []
    need_derived = {lid: file_resources[lid].type for lid in candidates if lid not in by_lid}
    id_props = _identifier_properties(aws, need_derived)
    for lid in candidates:
        res = file_resources[lid]
        if lid in by_lid:
            to_import.append(ImportResource(lid, res.type, by_lid[lid]["identifier"], "resources file"))
            continue
        props = id_props.get(lid)
        if not props:
            problems.add(
                f"no identifier for {lid} ({res.type}): the service names no identifier property for "
                "this type",
                _HINT_RESOURCES,
            )
            continue
        values = {p: (res.properties or {}).get(p) for p in props}
        missing = [p for p, v in values.items() if not _is_plain_scalar(v)]
        if missing:
            problems.add(
                f"no identifier for {lid} ({res.type}): its identifier {'+'.join(props)} is not set as a "
                "literal in the template",
                _HINT_RESOURCES,
            )
            continue
        to_import.append(ImportResource(lid, res.type, {p: str(v) for p, v in values.items()}, "derived"))

    if len(to_import) > MAX_RESOURCES_TO_IMPORT:
        problems.add(
            f"{len(to_import)} resources to import; one import takes at most {MAX_RESOURCES_TO_IMPORT}",
            "split the selection into several templates (iacgen generate --select ...) and stacks",
        )

    # --- Outputs are set aside; an existing stack's template is merged in.
    kept_from_stack: list[str] = []
    user_outputs = template.outputs()
    if in_stack:  # a stack emptied by a rolled-back import has nothing to keep
        kept_from_stack, set_aside = _merge_stack(
            template, _stack_template(aws, stack), stack, set(in_stack), problems
        )
    else:
        set_aside = strip_outputs(template)
    outputs_text = _dump_section("Outputs", {k: user_outputs[k] for k in set_aside}) if set_aside else None
    total = len(template.data["Resources"])
    if total > MAX_TEMPLATE_RESOURCES:
        problems.add(
            f"the stack would hold {total} resources; a stack holds at most {MAX_TEMPLATE_RESOURCES}",
            "import into a new --stack, or split the selection",
        )

    # --- parameters: every one without a Default needs a value; unknown names are refused.
    declared: dict[str, Any] = dict(_section(template.data, "Parameters") or {})
    stack_params = (
        {p["ParameterKey"] for p in (described or {}).get("Parameters", []) or []} if in_stack else set()
    )
    unknown = sorted(k for k in parameters if k not in declared)
    if unknown:
        problems.add(
            f"unknown parameter(s): {', '.join(unknown)}",
            f"the template's parameters are: {', '.join(declared) or '(none)'}",
        )
    previous = sorted(k for k in declared if k in stack_params and k not in parameters)
    missing_params = [
        k
        for k, spec in declared.items()
        if k not in parameters
        and k not in stack_params
        and not (isinstance(spec, Mapping) and "Default" in spec)
    ]
    if missing_params:
        problems.add(
            f"parameter(s) without a value: {', '.join(missing_params)}",
            " ".join(f"--parameter {k}=VALUE" for k in missing_params[:3])
            + " (write-only properties the generator could not read)",
        )
    for name, value in parameters.items():
        if len(value.encode()) > MAX_PARAMETER_VALUE_BYTES:
            problems.add(
                f"parameter {name} is {len(value.encode())} bytes; a value holds at most "
                f"{MAX_PARAMETER_VALUE_BYTES}",
                None,
            )
    secret = [
        k
        for k, spec in declared.items()
        if isinstance(spec, Mapping) and str(spec.get("NoEcho")).lower() == "true"
    ]

    # --- the body: at most 51,200 bytes inline, else through S3 (at most 1 MB).
    body = dump_template(template)
    size = body_size(body)
    s3_key: str | None = None
    template_url: str | None = None
    if size > MAX_URL_BODY_BYTES:
        problems.add(
            f"the template body is {size:,} bytes; CloudFormation accepts at most {MAX_URL_BODY_BYTES:,} "
            "bytes even from S3",
            "split the selection into several templates",
        )
    elif size > MAX_BODY_BYTES:
        if not s3_bucket:
            problems.add(
                f"the template body is {size:,} bytes, over the {MAX_BODY_BYTES:,}-byte inline limit",
                "pass --s3-bucket BUCKET to upload it and send a TemplateURL",
            )
        else:
            digest = hashlib.sha256(body.encode()).hexdigest()
            s3_key = f"{S3_KEY_PREFIX}{digest}.{'json' if template.format == 'json' else 'yaml'}"
            template_url = _s3_url(s3_bucket, s3_key, aws.region)

    problems.raise_if_any()

    types = {str(d.get("Type", "")) for d in template.data["Resources"].values() if isinstance(d, Mapping)}
    capabilities = (
        ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"] if any(t.startswith("AWS::IAM::") for t in types) else []
    )
    return ImportPlan(
        stack=stack,
        template_path=str(path),
        resources_path=str(resources_path) if resources_path else None,
        to_import=to_import,
        body=body,
        body_bytes=size,
        stack_id=stack_id,
        stack_status=stack_status,
        already_in_stack=already_same,
        kept_from_stack=kept_from_stack,
        deletion_policy_added=added_policy,
        deletion_policy=policy,
        outputs_set_aside=set_aside,
        outputs_text=outputs_text,
        parameters=parameters,
        previous_parameters=previous,
        secret_parameters=[k for k in secret if k in parameters],
        capabilities=capabilities,
        s3_bucket=s3_bucket if template_url else None,
        s3_key=s3_key,
        template_url=template_url,
    )


def _s3_url(bucket: str, key: str, region: str) -> str:
    return f"https://{bucket}.s3.{region}.amazonaws.com/{quote(key)}"


# --- change set


def change_set_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"iacgen-import-{stamp}"


def _upload(aws: Aws, plan: ImportPlan) -> tuple[str, str] | None:
    """Put the body at its content-hashed key; returns (bucket, key) only if this run created the object."""
    from botocore.exceptions import ClientError

    if not (plan.s3_bucket and plan.s3_key):
        return None
    try:
        aws.s3.head_object(Bucket=plan.s3_bucket, Key=plan.s3_key)
        return None  # the same content is already there (a re-run); leave it to whoever put it
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code not in ("404", "NoSuchKey", "NotFound"):
            raise
    aws.s3.put_object(
        Bucket=plan.s3_bucket,
        Key=plan.s3_key,
        Body=plan.body.encode(),
        ContentType="text/plain; charset=utf-8",
    )
    return plan.s3_bucket, plan.s3_key


def _describe_change_set_pages(aws: Aws, change_set_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    cfn = aws.cloudformation
    first: dict[str, Any] | None = None
    changes: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"ChangeSetName": change_set_id}
        if token:
            kwargs["NextToken"] = token
        page: dict[str, Any] = dict(cfn.describe_change_set(**kwargs))
        first = first or page
        changes.extend(page.get("Changes", []) or [])
        token = page.get("NextToken") or None
        if not token:
            return first, changes


def create_change_set(
    aws: Aws,
    plan: ImportPlan,
    timeout: float = 3600,
    on_progress: Callable[[str], None] | None = None,
) -> ChangeSetResult:
    """Create the IMPORT change set and wait for it. A FAILED change set is a PolicyFailure carrying the
    service's StatusReason; what it left behind (the change set, an empty new stack) is cleaned up first."""
    if plan.nothing_to_import:
        raise UsageError(
            f"nothing to import: every resource in {plan.template_path} is already in stack {plan.stack}",
            None,
        )
    cfn = aws.cloudformation
    uploaded = _upload(aws, plan)
    name = change_set_name()
    request: dict[str, Any] = {
        "StackName": plan.stack,
        "ChangeSetName": name,
        "ChangeSetType": "IMPORT",
        "ResourcesToImport": [r.to_request() for r in plan.to_import],
        "Description": f"iacgen import of {len(plan.to_import)} resource(s)",
    }
    if plan.template_url:
        request["TemplateURL"] = plan.template_url
    else:
        request["TemplateBody"] = plan.body
    if plan.request_parameters():
        request["Parameters"] = plan.request_parameters()
    if plan.capabilities:
        request["Capabilities"] = plan.capabilities
    try:
        created = cfn.create_change_set(**request)
    except BaseException:
        if uploaded:
            _delete_object(aws, uploaded)
        raise
    change_set_id, stack_id = created["Id"], created["StackId"]

    def fetch() -> dict[str, Any]:
        return dict(cfn.describe_change_set(ChangeSetName=change_set_id))

    def update(value: dict[str, Any]) -> None:
        if on_progress is not None:
            on_progress(str(value.get("Status", "")))

    final = poll(
        fetch,
        lambda v: v.get("Status") in CHANGE_SET_DONE,
        what=f"change set {name}",
        timeout=timeout,
        interval=2.0,
        max_interval=15.0,
        on_update=update,
    )
    status = str(final.get("Status"))
    reason = final.get("StatusReason")
    result = ChangeSetResult(
        stack=plan.stack,
        stack_id=stack_id,
        change_set_id=change_set_id,
        change_set_name=name,
        status=status,
        status_reason=reason,
        changes=[],
        new_stack=plan.new_stack,
        uploaded=uploaded,
    )
    if status != "CREATE_COMPLETE":
        discard(aws, result, timeout=min(timeout, 300))
        raise PolicyFailure(
            f"the import change set for stack {plan.stack} {status}: {reason or 'no reason given'}",
            "fix the template or the resources file and re-run; the failed change set was deleted",
        )
    _, raw_changes = _describe_change_set_pages(aws, change_set_id)
    identifiers = {r.logical_id: r.identifier for r in plan.to_import}
    for item in raw_changes:
        rc = item.get("ResourceChange") or {}
        lid = str(rc.get("LogicalResourceId", ""))
        result.changes.append(
            Change(
                logical_id=lid,
                resource_type=str(rc.get("ResourceType", "")),
                action=str(rc.get("Action", "")),
                physical_id=rc.get("PhysicalResourceId"),
                identifier=identifiers.get(lid, {}),
            )
        )
    return result


def _delete_object(aws: Aws, location: tuple[str, str]) -> bool:
    from botocore.exceptions import ClientError

    try:
        aws.s3.delete_object(Bucket=location[0], Key=location[1])
    except ClientError:
        return False
    return True


def discard(aws: Aws, result: ChangeSetResult, timeout: float = 300) -> DiscardResult:
    """Leave nothing behind: delete the change set, the empty REVIEW_IN_PROGRESS stack it created (only when
    it has no other change set), and a template object this run uploaded."""
    from botocore.exceptions import ClientError

    cfn = aws.cloudformation
    cs_deleted = False
    try:
        cfn.delete_change_set(ChangeSetName=result.change_set_id)
        cs_deleted = True
    except ClientError as exc:
        if "ChangeSetNotFound" not in str(exc.response.get("Error", {}).get("Code", "")):
            raise
    stack_deleted = False
    if result.new_stack:
        described = _describe_stack(aws, result.stack_id)
        others = cfn.list_change_sets(StackName=result.stack_id).get("Summaries", []) if described else []
        if described and described.get("StackStatus") == "REVIEW_IN_PROGRESS" and not others:
            cfn.delete_stack(StackName=result.stack_id)
            poll(
                lambda: _describe_stack(aws, result.stack_id),
                lambda s: s is None or s.get("StackStatus") == "DELETE_COMPLETE",
                what=f"deletion of the empty stack {result.stack}",
                timeout=timeout,
                interval=1.0,
                max_interval=5.0,
            )
            stack_deleted = True
    object_deleted = _delete_object(aws, result.uploaded) if result.uploaded else False
    return DiscardResult(cs_deleted, stack_deleted, object_deleted)


# --- execute


def _event(item: Mapping[str, Any]) -> StackEventInfo:
    return StackEventInfo(
        event_id=str(item["EventId"]),
        timestamp=item.get("Timestamp"),
        logical_id=str(item.get("LogicalResourceId", "")),
        resource_type=str(item.get("ResourceType", "")),
        status=str(item.get("ResourceStatus", "")),
        reason=item.get("ResourceStatusReason"),
        physical_id=item.get("PhysicalResourceId"),
    )


class _EventFollower:
    """New stack events, oldest first: pages newest-first and stops at the first event already seen."""

    def __init__(self, aws: Aws, stack_id: str) -> None:
        self.aws = aws
        self.stack_id = stack_id
        self.seen: set[str] = set()

    def fetch(self) -> list[StackEventInfo]:
        cfn = self.aws.cloudformation
        new: list[StackEventInfo] = []
        token: str | None = None
        while True:
            page = cfn.describe_stack_events(
                StackName=self.stack_id, **({"NextToken": token} if token else {})
            )
            hit_seen = False
            for item in page.get("StackEvents", []):
                if item["EventId"] in self.seen:
                    hit_seen = True
                    break
                new.append(_event(item))
            token = page.get("NextToken") or None
            if hit_seen or not token:
                break
        for event in new:
            self.seen.add(event.event_id)
        return list(reversed(new))


def execute(
    aws: Aws,
    result: ChangeSetResult,
    timeout: float = 3600,
    on_event: Callable[[StackEventInfo], None] | None = None,
) -> ExecuteResult:
    """Execute the change set and follow the stack's events until the import settles. A rollback is an
    ImportRolledBack (PolicyFailure) carrying the FAILED events that caused it."""
    cfn = aws.cloudformation
    follower = _EventFollower(aws, result.stack_id)
    follower.fetch()  # what happened before this execution is not news
    cfn.execute_change_set(ChangeSetName=result.change_set_id)
    events: list[StackEventInfo] = []

    def fetch() -> str:
        for event in follower.fetch():
            events.append(event)
            if on_event is not None:
                on_event(event)
        described = _describe_stack(aws, result.stack_id)
        if described is None:
            raise AwsError(f"stack {result.stack} disappeared during the import", None)
        return str(described.get("StackStatus", ""))

    status = poll(
        fetch,
        lambda s: not s.endswith("_IN_PROGRESS"),
        what=f"the import into stack {result.stack}",
        timeout=timeout,
        interval=2.0,
        max_interval=10.0,
    )
    if status != "IMPORT_COMPLETE":
        failed = [e for e in events if e.failed and e.reason]
        detail = "; ".join(f"{e.logical_id}: {e.reason}" for e in failed[:5]) or "no failure reason reported"
        raise ImportRolledBack(
            f"the import into stack {result.stack} ended {status}: {detail}",
            "the resources were not adopted; fix the cause above and re-run iacgen import",
            failed,
            status,
        )
    return ExecuteResult(
        stack=result.stack,
        stack_id=result.stack_id,
        status=status,
        resources=_list_stack_resources(aws, result.stack_id),
        events=events,
    )

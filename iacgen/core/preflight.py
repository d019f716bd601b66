"""The import preflight: every rule the service enforces for an IMPORT change set, checked before anything is
created in the account, so a bad import fails here with one clear message instead of leaving a FAILED change
set and an empty REVIEW_IN_PROGRESS stack behind.

The user's file is never written: every fix (a missing DeletionPolicy, Outputs set aside, an existing
stack folded in) happens in the body that is sent. Each check has one job and adds what it finds to one
problem list, so the user fixes everything in one round; `plan_import` composes them. A resource the stack
already owns under the same logical id and identifier is not imported again, so re-running an applied import
does nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from iacgen.core.errors import UsageError
from iacgen.core.identifiers import (
    IdentifierSource,
    ImportResource,
    derived_identifiers,
    identifier_properties,
    listed_identifiers,
    read_resources_file,
)
from iacgen.core.import_batches import split_batch
from iacgen.core.stack_merge import Merged, dump_section, merge_stack, section
from iacgen.core.stacks import StackResourceInfo, describe_stack, list_stack_resources, stack_template
from iacgen.core.validation import expanded_body, template_problems

if TYPE_CHECKING:
    from iacgen.core.session import Aws
    from iacgen.core.template import Template, TemplateResource

MAX_STACK_NAME = 128
MAX_BODY_BYTES = 51_200
MAX_URL_BODY_BYTES = 1_048_576
MAX_RESOURCES_TO_IMPORT = 200
MAX_TEMPLATE_RESOURCES = 500
MAX_TEMPLATE_PARAMETERS = 200
# The generator names an exclusive set's write-only member <logical id><path>OneOf<5 random characters>
_ONE_OF = re.compile(r"^(?P<stem>.+)OneOf[A-Za-z0-9]{5}$")
MAX_PARAMETER_VALUE_BYTES = 4_096
S3_KEY_PREFIX = "iacgen/import-templates/"

# The service's StackName pattern (botocore model): a name, or the ARN of an existing stack.
_STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
_STACK_ARN = re.compile(r"arn:(aws|aws-us-gov|aws-cn):[-a-zA-Z0-9:/._+]*")

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
    # over 200 to import: logical ids left out of this change set's body, for the next ones (import_batches)
    later: list[str] = field(default_factory=list)

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
        """The plan for JSON output: no body (it can be 1 MB), NoEcho parameter values masked."""
        data = asdict(self)
        del data["body"], data["secret_parameters"]
        data["parameters"] = {
            k: ("****" if k in self.secret_parameters else v) for k, v in self.parameters.items()
        }
        data["new_stack"] = self.new_stack
        return data


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
        hints = list(dict.fromkeys(hint for _, hint in self.items if hint))
        message = f"import preflight found {len(self.items)} problems: " + "; ".join(m for m, _ in self.items)
        raise UsageError(message, "; ".join(hints) or None)


@dataclass
class _Target:
    """The stack the import goes into, as the service has it now."""

    name: str
    id: str | None = None
    status: str | None = None
    owned: dict[str, StackResourceInfo] = field(default_factory=dict)
    # the stack's parameter values as DescribeStacks shows them (NoEcho ones as ****): they are kept
    parameters: dict[str, str] = field(default_factory=dict)


def plan_import(
    aws: Aws,
    *,
    stack: str,
    template_path: str | Path,
    resources_path: str | Path | None = None,
    parameters: Mapping[str, str] | None = None,
    patch_deletion_policy: str | None = None,
    allow_delete_policy: bool = False,
    s3_bucket: str | None = None,
) -> ImportPlan:
    """Check everything the service checks for an IMPORT change set, without creating anything in AWS.

    Reads only: DescribeStacks, for an existing stack ListStackResources and GetTemplate, and
    GetTemplateSummary when an identifier has to be derived. All problems found go into one UsageError."""
    from iacgen.core.policies import normalize_policy
    from iacgen.core.template import body_size, dump_template, load_template, read_template_file

    given = dict(parameters or {})
    _check_stack_name(stack)
    policy = normalize_policy(patch_deletion_policy) if patch_deletion_policy else None
    path = Path(template_path)
    text = read_template_file(path)
    check_body_limit(path, text)
    template = load_template(text, source=str(path))
    resources = template.resources()
    if not resources:
        raise UsageError(f"{path}: the template has no resources to import", "generate a template first")
    entries = read_resources_file(Path(resources_path)) if resources_path else []
    target = _read_target(aws, stack)
    problems = _Problems()

    identifying = identifier_properties(aws, {lid: r.type for lid, r in resources.items()})
    listed = listed_identifiers(entries, resources, problems.add, identifying)
    derived, underivable = derived_identifiers(
        {k: v for k, v in resources.items() if k not in listed}, identifying
    )
    known = derived | listed
    candidates, already = _split_by_stack(resources, known, target, problems)
    policy_added = _add_deletion_policy(
        template, resources, candidates, policy, allow_delete_policy, problems
    )
    to_import = _resources_to_import(candidates, known, underivable, resources, problems)
    merged, outputs_text = _fold_in_stack(aws, template, target, problems)
    _check_cycles(template, known, problems)
    to_import, later = split_batch(template, to_import)
    _check_counts(to_import, template, problems)
    given = _by_stable_names(given, dict(section(template.data, "Parameters") or {}), problems)
    _check_parameters(template, given, target, problems)
    _check_stack_parameters_kept(given, target, problems)
    for problem in template_problems(resources, dict(section(template.data, "Parameters") or {})):
        problems.add(*problem)
    previous, secret = _parameter_roles(template, given, target)
    # CloudFormation refuses YAML aliases: they are expanded in the body sent, never in the file
    body = expanded_body(template) or dump_template(template)
    size = body_size(body)
    s3_key, template_url = _body_location(aws, body, size, template.format, s3_bucket, problems)
    problems.raise_if_any()

    return ImportPlan(
        stack=stack,
        template_path=str(path),
        resources_path=str(resources_path) if resources_path else None,
        to_import=to_import,
        body=body,
        body_bytes=size,
        stack_id=target.id,
        stack_status=target.status,
        already_in_stack=already,
        kept_from_stack=merged.kept,
        deletion_policy_added=policy_added,
        deletion_policy=policy,
        outputs_set_aside=merged.outputs_set_aside,
        outputs_text=outputs_text,
        parameters=given,
        previous_parameters=previous,
        secret_parameters=secret,
        capabilities=_capabilities(template),
        s3_bucket=s3_bucket if template_url else None,
        s3_key=s3_key,
        template_url=template_url,
        later=later,
    )


# --- inputs


def check_body_limit(path: Path, text: str | None = None) -> None:
    """A template file over 1 MB is refused before any call: no TemplateURL takes it either."""
    from iacgen.core.template import body_size, read_template_file

    size = body_size(text if text is not None else read_template_file(path))
    if size > MAX_URL_BODY_BYTES:
        raise UsageError(
            f"{path} is {size:,} bytes; CloudFormation accepts at most {MAX_URL_BODY_BYTES:,} bytes even "
            "from S3",
            "split the selection into several templates (generate splits beyond 500 resources)",
        )


def _check_stack_name(stack: str) -> None:
    """The service's pattern, checked here: a bad name would otherwise pass the preflight (DescribeStacks
    just says it does not exist) and only fail at CreateChangeSet, as an AWS error."""
    if _STACK_ARN.fullmatch(stack):
        return
    if not _STACK_NAME.fullmatch(stack) or len(stack) > MAX_STACK_NAME:
        raise UsageError(
            f"invalid stack name {stack!r}",
            f"a stack name has 1-{MAX_STACK_NAME} letters, digits and hyphens, and starts with a letter",
        )


def _read_target(aws: Aws, stack: str) -> _Target:
    """New, empty (REVIEW_IN_PROGRESS), or existing and in a state that accepts an import."""
    described = describe_stack(aws, stack)
    if described is None:
        if _STACK_ARN.fullmatch(stack):
            raise UsageError(f"stack {stack} does not exist", "a new stack is given by its name, not an ARN")
        return _Target(stack)
    target = _Target(stack, described.get("StackId"), described.get("StackStatus"))
    if target.status in (None, "REVIEW_IN_PROGRESS"):
        return target
    if target.status not in IMPORTABLE_STATES:
        raise UsageError(
            f"stack {stack} is {target.status}; an import needs a stack in a *_COMPLETE state",
            "wait for the running operation to finish"
            if str(target.status).endswith("IN_PROGRESS")
            else f"fix or delete stack {stack}, or import into a new {{opt:stack}}",
        )
    target.owned = {r.logical_id: r for r in list_stack_resources(aws, stack)}
    if target.owned:  # a stack emptied by a rolled-back import has nothing to keep
        target.parameters = {
            str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
            for p in described.get("Parameters") or []
        }
    return target


def _split_by_stack(
    resources: Mapping[str, TemplateResource],
    known: Mapping[str, ImportResource],
    target: _Target,
    problems: _Problems,
) -> tuple[list[str], list[str]]:
    """(the logical ids to import, those the stack already holds as the same resource). A logical id the
    stack holds as another resource is a problem: the import would silently skip the one the user meant."""
    candidates: list[str] = []
    already: list[str] = []
    held_as = {(r.type, r.physical_id): r.logical_id for r in target.owned.values() if r.physical_id}
    for lid, res in resources.items():
        owned = target.owned.get(lid)
        if owned is None:
            ident = known.get(lid)
            value = next(iter(ident.identifier.values())) if ident and len(ident.identifier) == 1 else None
            other = held_as.get((res.type, value)) if value is not None else None
            if other is not None:
                problems.add(
                    f"stack {target.name} already holds {value} as {other}; the template imports it again "
                    f"as {lid}",
                    f"name it {other} in the template (and the resources file), or leave it out",
                )
                continue
            candidates.append(lid)
            continue
        if owned.type != res.type:
            problems.add(
                f"{lid} is {res.type} in the template but stack {target.name} already has {lid} as "
                f"{owned.type}",
                "rename the logical id in the template",
            )
            continue
        ident = known.get(lid)
        value = next(iter(ident.identifier.values())) if ident and len(ident.identifier) == 1 else None
        if value is not None and owned.physical_id and value != owned.physical_id:
            from_file = ident is not None and ident.identifier_source is IdentifierSource.RESOURCES_FILE
            names = "resources file imports" if from_file else "template names"
            problems.add(
                f"stack {target.name} already has {lid} as {owned.physical_id}, but the {names} {value} "
                "under that logical id",
                "rename the logical id in the template" + (" and the resources file" if from_file else ""),
            )
            continue
        already.append(lid)
    return candidates, already


def _resources_to_import(
    candidates: list[str],
    known: Mapping[str, ImportResource],
    why_not: Mapping[str, str],
    resources: Mapping[str, TemplateResource],
    problems: _Problems,
) -> list[ImportResource]:
    """Every resource to import needs an identifier: from the resources file, else derived."""
    to_import: list[ImportResource] = []
    for lid in candidates:
        if lid in known:
            to_import.append(known[lid])
        else:
            problems.add(
                f"no identifier for {lid} ({resources[lid].type}): {why_not[lid]}",
                "pass {opt:resources} FILE (iacgen generate writes NAME.resources.json next to the template)",
            )
    return to_import


# --- the body


def _add_deletion_policy(
    template: Template,
    resources: Mapping[str, TemplateResource],
    candidates: list[str],
    policy: str | None,
    allow_delete_policy: bool,
    problems: _Problems,
) -> list[str]:
    """Every resource to import needs a DeletionPolicy; `policy` adds it in the body (never in the file), and
    Delete reaches stateful resources only when allowed, as in generate and patch."""
    from iacgen.core import stateful
    from iacgen.core.policies import check_snapshot
    from iacgen.core.template_edits import set_missing_deletion_policy

    missing = [lid for lid in candidates if not resources[lid].deletion_policy]
    if not missing:
        return []
    if policy is None:
        problems.add(
            f"{len(missing)} resource(s) to import have no DeletionPolicy: {_names(missing)}",
            "pass {opt:patch_deletion_policy} Retain, or set it in the file: "
            f"iacgen patch {template.source} --deletion-policy Retain --in-place",
        )
        return []
    if policy == "Snapshot":
        check_snapshot(resources, missing, template.source, narrow="set it per resource with iacgen patch")
    risks = (
        stateful.at_risk((lid, resources[lid].type, None) for lid in missing) if policy == "Delete" else []
    )
    if risks and not allow_delete_policy:
        problems.add(
            f"DeletionPolicy Delete on {len(risks)} stateful resource(s) would let a stack deletion destroy "
            f"{stateful.summary(risks)}",
            "{opt:allow_delete_policy} accepts that; or use {opt:patch_deletion_policy} Retain",
        )
        return []
    patched = set(set_missing_deletion_policy(template, policy))
    return [lid for lid in candidates if lid in patched]


def _fold_in_stack(
    aws: Aws, template: Template, target: _Target, problems: _Problems
) -> tuple[Merged, str | None]:
    """An import may not add or change Outputs, and into an existing stack it must describe the whole stack:
    the user's new Outputs are set aside (returned as text for a later update) and the stack is merged in."""
    from iacgen.core.template_edits import strip_outputs

    user_outputs = template.outputs()
    if target.owned:
        old = stack_template(aws, target.name)
        transform = old.data.get("Transform")
        if transform is not None and transform != template.data.get("Transform"):
            problems.add(
                f"stack {target.name} uses a Transform ({transform}); iacgen cannot merge it into an import",
                "add the stack's resources to your template by hand (iacgen imports what the template "
                "describes)",
            )
        merged = merge_stack(template, old, set(target.owned))
    else:
        merged = Merged(kept=[], outputs_set_aside=strip_outputs(template))
    set_aside = merged.outputs_set_aside
    text = dump_section("Outputs", {k: user_outputs[k] for k in set_aside}) if set_aside else None
    return merged, text


def _check_cycles(template: Template, known: Mapping[str, ImportResource], problems: _Problems) -> None:
    """CloudFormation refuses a template whose resources refer to each other in a circle, which a generated
    template can hold (two security groups whose rules name each other). A literal id breaks it."""
    from iacgen.core.dependencies import cycles, dependencies

    section = template.data["Resources"]
    for group in cycles(section):
        first = group[0]
        other = next((g for g in group[1:] if g in dependencies(section[first])), first)
        ident = known.get(other)
        literal = next(iter(ident.identifier.values())) if ident and len(ident.identifier) == 1 else None
        instead = f"{other}'s id {literal}" if literal else f"{other}'s literal id"
        problems.add(
            f"circular dependency between resources [{', '.join(group)}]: CloudFormation refuses it",
            f"in {first}, write {instead} instead of the reference to it (the same value, so the import "
            "still matches); a security group's rule can also move to an AWS::EC2::SecurityGroupIngress",
        )


def _check_counts(to_import: list[ImportResource], template: Template, problems: _Problems) -> None:
    """The model's cap on ResourcesToImport and the stack quotas, on the body as it will be sent."""
    total = len(template.data["Resources"])
    if total > MAX_TEMPLATE_RESOURCES:
        problems.add(
            f"the stack would hold {total} resources; a stack holds at most {MAX_TEMPLATE_RESOURCES}",
            "import into a new {opt:stack}, or split the selection",
        )
    declared = len(section(template.data, "Parameters") or {})
    if declared > MAX_TEMPLATE_PARAMETERS:
        problems.add(
            f"the template declares {declared} parameters; a stack takes at most {MAX_TEMPLATE_PARAMETERS}",
            "split the selection into several templates and stacks",
        )


def stable_parameter_name(name: str) -> str:
    """A generated parameter's name without the random suffix the generator gives an exclusive set's
    member (LambdaFunctionXCodeS3BucketOneOfNJt4j -> LambdaFunctionXCodeS3Bucket): the same each time the
    template is generated, so a manifest or a pipeline can give the value before the template exists."""
    match = _ONE_OF.match(name)
    return match["stem"] if match else name


def _by_stable_names(
    given: Mapping[str, str], declared: Mapping[str, Any], problems: _Problems
) -> dict[str, str]:
    """Values given by a parameter's stable name (or with the suffix of an earlier generation), under the
    name the template declares, when exactly one declared parameter has that stable name; anything else as
    given (_check_parameters names the unknown)."""
    by_stem: dict[str, list[str]] = {}
    for name in declared:
        by_stem.setdefault(stable_parameter_name(name), []).append(name)
    out: dict[str, str] = {}
    given_as: dict[str, str] = {}
    for key, value in given.items():
        matches = by_stem.get(stable_parameter_name(key), [])
        name = matches[0] if key not in declared and len(matches) == 1 else key
        if name in given_as:
            problems.add(
                f"parameter {name} is given twice (as {given_as[name]} and as {key})",
                "give each parameter once",
            )
            continue
        given_as[name] = key
        out[name] = value
    return out


def _check_parameters(
    template: Template, given: Mapping[str, str], target: _Target, problems: _Problems
) -> None:
    """Every parameter without a Default needs a value, except the stack's own (they keep theirs); unknown
    names and over-long values are refused."""
    declared: dict[str, Any] = dict(section(template.data, "Parameters") or {})
    unknown = sorted(k for k in given if k not in declared)
    if unknown:
        problems.add(
            f"unknown parameter(s): {', '.join(unknown)}",
            f"the template's parameters are: {', '.join(declared) or '(none)'}",
        )
    missing = [
        k
        for k, spec in declared.items()
        if k not in given
        and k not in target.parameters
        and not (isinstance(spec, Mapping) and "Default" in spec)
    ]
    if missing:
        problems.add(
            f"parameter(s) without a value: {', '.join(missing)}",
            " ".join(f"{{opt:parameter}} {stable_parameter_name(k)}=VALUE" for k in missing[:10])
            + (f" ... ({len(missing)} in all)" if len(missing) > 10 else "")
            + " (write-only properties the generator could not read, and values patch --secrets took out)",
        )
    for name, value in given.items():
        size = len(value.encode())
        if size > MAX_PARAMETER_VALUE_BYTES:
            problems.add(
                f"parameter {name} is {size} bytes; a value holds at most {MAX_PARAMETER_VALUE_BYTES}"
            )


def _check_stack_parameters_kept(given: Mapping[str, str], target: _Target, problems: _Problems) -> None:
    """A new value for one of the stack's parameters would change the resources the stack holds, which an
    import may not (the service fails it). NoEcho values read as **** and cannot be compared."""
    changed = [k for k, v in given.items() if target.parameters.get(k, v) not in (v, "****")]
    if changed:
        problems.add(
            f"an import cannot change stack {target.name}'s parameter(s): "
            + ", ".join(f"{k} is {target.parameters[k]!r}, not {given[k]!r}" for k in changed),
            "leave them out (the stack's values are kept), or change them with a stack update first",
        )


def _parameter_roles(
    template: Template, given: Mapping[str, str], target: _Target
) -> tuple[list[str], list[str]]:
    """(the stack's parameters sent with UsePreviousValue, the given NoEcho ones, masked in output)"""
    declared: dict[str, Any] = dict(section(template.data, "Parameters") or {})
    previous = sorted(k for k in declared if k in target.parameters and k not in given)
    secret = [
        k
        for k, spec in declared.items()
        if k in given and isinstance(spec, Mapping) and str(spec.get("NoEcho")).lower() == "true"
    ]
    return previous, secret


def _body_location(
    aws: Aws, body: str, size: int, fmt: str, s3_bucket: str | None, problems: _Problems
) -> tuple[str | None, str | None]:
    """At most 51,200 bytes inline, else through S3 (at most 1 MB) at a content-hashed key, so a re-run
    finds the object it already put. Returns (key, TemplateURL), both None for an inline body."""
    if size > MAX_URL_BODY_BYTES:
        problems.add(
            f"the template body is {size:,} bytes; CloudFormation accepts at most {MAX_URL_BODY_BYTES:,} "
            "bytes even from S3",
            "split the selection into several templates",
        )
        return None, None
    if size <= MAX_BODY_BYTES:
        return None, None
    if not s3_bucket:
        problems.add(
            f"the template body is {size:,} bytes, over the {MAX_BODY_BYTES:,}-byte inline limit",
            "pass {opt:s3_bucket} BUCKET to upload it and send a TemplateURL, or {opt:create_bucket} for "
            "iacgen's own private bucket",
        )
        return None, None
    digest = hashlib.sha256(body.encode()).hexdigest()
    key = f"{S3_KEY_PREFIX}{digest}.{'json' if fmt == 'json' else 'yaml'}"
    return key, f"https://{s3_bucket}.s3.{aws.region}.amazonaws.com/{quote(key)}"


def _capabilities(template: Template) -> list[str]:
    """IAM resources in the body (the user's or the stack's) need the IAM acknowledgements."""
    types = {str(d.get("Type", "")) for d in template.data["Resources"].values() if isinstance(d, Mapping)}
    return (
        ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"] if any(t.startswith("AWS::IAM::") for t in types) else []
    )


def _names(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")

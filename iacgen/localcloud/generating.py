"""Generated templates: the state and rules of the IaC generator's template side (no wire format here).

State lives per (account, Region) as an attribute of moto's CloudFormation backend, so moto's reset wipes it.
Time is lazy: a template's status is computed from `settings.clock()` whenever it is looked at. A create or
update is a job: `*_PENDING` for a quarter of `settings.template_seconds`, then `*_IN_PROGRESS` for
`template_seconds` while its resources are processed in order, at most 5 at a time (the service's
"concurrent resources modelled per generation"), then COMPLETE, or FAILED when any resource failed. A
resource is read from moto's state at the first look after its turn has come: it fails when the scan inventory
no longer has it, or when one of its identifier values is listed in `settings.fail_resource_ids`.

Rules (reference §3, §6, §11): names 1-128 characters and unique (AlreadyExists); at most 500 resources
in one request (ValidationError: the model's list constraint, worded like the service's constraint errors)
and at most 500 in a template after an update (LimitExceeded: the per-template quota); 1,000 templates
(LimitExceeded); at most 5 templates pending or in progress (ConcurrentResourcesLimitExceeded, HTTP 429),
which is also the answer to updating or deleting a busy template. Quotas count per account and Region, like
CloudFormation's other quotas. GetGeneratedTemplate returns the body of the last COMPLETE job (a template
without resources before there is one); on a FAILED template, the body of the resources that succeeded (the
reference does not say what a FAILED template's Get returns: unverified). DeleteGeneratedTemplate removes the
template at once: the service's DELETE_PENDING and DELETE_IN_PROGRESS states are not emulated (a later call
gets GeneratedTemplateNotFound either way).
"""

from __future__ import annotations

import copy
import json
import random
import re
import string
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from iacgen.localcloud import errors, inventory, properties, warnings
from iacgen.localcloud.schemas import UnknownResourceType, primary_identifier
from iacgen.localcloud.settings import settings
from iacgen.localcloud.wire import decode_token, encode_token, page_size

MAX_RESOURCES = 500
MAX_TEMPLATES = 1000
MAX_BUSY = 5
PER_GENERATION = 5
NAME_MAX = 128
PENDING_SHARE = 0.25
POLICIES = ("DELETE", "RETAIN")
ARN_RE = re.compile(r"^arn:[\w-]+:cloudformation:[\w-]+:\d{12}:generatedtemplate/[\w-]+$", re.IGNORECASE)
LOGICAL_ID_RE = re.compile(r"^[A-Za-z0-9]{1,255}$")
COMPLETE_REASON = "Resource Template complete"
_STATE_ATTR = "_iacgen_generated_templates"


@dataclass
class TemplateResource:
    type: str
    identifier: dict[str, str]
    logical_id: str
    status: str = "PENDING"
    reason: str = ""
    props: dict[str, Any] | None = None  # last successful rendering (with properties.Link values)
    analysis: warnings.Analysis | None = None
    # property path -> the 5 random characters of its parameter's name, drawn once so the name is stable
    parameter_suffixes: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return _key(self.type, self.identifier)


def _key(type_name: str, identifier: dict[str, str]) -> str:
    """The physical id: identifier values in the schema's order, '|'-joined (as the scan keys resources)."""
    return "|".join(identifier[name] for name in primary_identifier(type_name))


@dataclass
class Job:
    kind: str  # CREATE or UPDATE
    started: float
    order: list[str]  # logical ids processed by this job, in order
    done: int = 0


@dataclass
class GeneratedTemplate:
    id: str
    name: str
    seq: int
    created: float
    updated: float
    deletion_policy: str
    update_replace_policy: str
    resources: list[TemplateResource]
    stack_id: str | None = None
    stack_template: dict[str, Any] | None = None
    job: Job | None = None
    status: str = "COMPLETE"
    status_reason: str = ""
    body: dict[str, Any] | None = None  # the template of the last COMPLETE job
    failed_body: dict[str, Any] | None = None  # a FAILED job's template (what succeeded), until the next job

    def resource(self, logical_id: str) -> TemplateResource:
        return next(r for r in self.resources if r.logical_id == logical_id)

    @property
    def busy(self) -> bool:
        return self.job is not None


@dataclass
class TemplateStore:
    account_id: str
    region: str
    templates: dict[str, GeneratedTemplate] = field(default_factory=dict)  # by id
    next_seq: int = 1


def store(account_id: str, region: str) -> TemplateStore:
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[account_id][region]
    current = getattr(backend, _STATE_ATTR, None)
    if not isinstance(current, TemplateStore):
        current = TemplateStore(account_id, region)
        setattr(backend, _STATE_ATTR, current)
    return current


# --- inputs ------------------------------------------------------------------------------------------------


def _validate_name(name: str | None, field_name: str = "generatedTemplateName") -> str:
    if not name or len(name) > NAME_MAX:
        raise errors.constraint(field_name, f"have length between 1 and {NAME_MAX}")
    return name


def _validate_count(resources: list[Any], field_name: str) -> None:
    if len(resources) > MAX_RESOURCES:
        raise errors.too_long(field_name, MAX_RESOURCES, len(resources))


def _config(raw: dict[str, Any] | None, current: tuple[str, str] = ("RETAIN", "RETAIN")) -> tuple[str, str]:
    """(DeletionPolicy, UpdateReplacePolicy). The service documents no default; RETAIN/RETAIN is what AWS's
    CLI examples show for a template created without a configuration (unverified, reference §3.5)."""
    raw = raw or {}
    deletion = raw.get("DeletionPolicy") or current[0]
    replace = raw.get("UpdateReplacePolicy") or current[1]
    for name, value in (("DeletionPolicy", deletion), ("UpdateReplacePolicy", replace)):
        if value not in POLICIES:
            raise errors.ValidationError(
                f"Invalid {name} '{value}' in TemplateConfiguration: expected one of {', '.join(POLICIES)}"
            )
    return deletion, replace


@dataclass(frozen=True)
class _Request:
    type: str
    identifier: dict[str, str]
    logical_id: str | None


def _parse_resources(raw: list[dict[str, Any]] | None) -> list[_Request]:
    out: list[_Request] = []
    seen: set[tuple[str, str]] = set()
    for item in raw or []:
        type_name = str(item.get("ResourceType") or "")
        identifier = {str(k): str(v) for k, v in (item.get("ResourceIdentifier") or {}).items()}
        try:
            expected = primary_identifier(type_name)
        except UnknownResourceType:
            raise errors.ValidationError(
                f"Resource type {type_name} is not supported by the IaC generator"
            ) from None
        if set(identifier) != set(expected):
            raise errors.ValidationError(
                f"ResourceIdentifier for {type_name} must have exactly the keys {', '.join(expected)} "
                f"(got {', '.join(sorted(identifier)) or 'none'})"
            )
        logical_id = item.get("LogicalResourceId")
        if logical_id is not None and not LOGICAL_ID_RE.match(str(logical_id)):
            raise errors.ValidationError(
                f"LogicalResourceId '{logical_id}' must be alphanumeric (1-255 chars)"
            )
        marker = (type_name, _key(type_name, identifier))
        if marker in seen:
            raise errors.ValidationError(f"Resource {marker[0]} {marker[1]} is listed more than once")
        seen.add(marker)
        out.append(_Request(type_name, identifier, str(logical_id) if logical_id is not None else None))
    return out


# --- logical ids -------------------------------------------------------------------------------------------


def _base_id(type_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", type_name.removeprefix("AWS::"))


def _alnum(text: str) -> str:
    """A name as the service puts it into a logical id: non-alphanumerics removed, the first letter upper."""
    cleaned = re.sub(r"[^A-Za-z0-9]", "", text)
    return cleaned[:1].upper() + cleaned[1:]


def _camel(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", text) if p)


def _random5() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=5))


def _legacy_id(type_name: str, key: str) -> str:
    """The scheme of templates generated before mid-2025: `EC2VPC00vpc0436cc8bb9b7d869a00UXFnL`."""
    return f"{_base_id(type_name)}00{re.sub(r'[^A-Za-z0-9]', '', key)}00{_random5()}"


@dataclass(frozen=True)
class _Naming:
    """What the inventory knows for naming a resource: its user-given name and its Name tag."""

    user_name: str | None
    name_tag: str | None


def _assign_ids(
    requests: list[_Request],
    existing: list[TemplateResource],
    reserved: set[str],
    names: dict[str, _Naming],
) -> list[str]:
    """Logical ids in the service's current scheme, keeping the ids already in the template (an id stays
    stable for the same resource across updates).

    The type without `AWS::` and `::` (`EC2Instance`), plus, for a resource with a user-given name (a key
    pair's, a bucket's, a queue's), that name with non-alphanumerics removed (`EC2KeyPairSshkeypair`).
    Several unnamed resources of one type: the service's rule is not documented; the local cloud suffixes the
    Name tag (`EC2SubnetWebA`) or else the identifier (`EC2RouteTableRtb0a1b`) (unverified).
    `settings.logical_id_scheme = "legacy"` writes the older `<Type>00<id>00<5 random>` scheme instead."""
    taken = {r.logical_id for r in existing} | reserved
    for q in requests:
        if q.logical_id:
            if q.logical_id in taken:
                raise errors.ValidationError(f"LogicalResourceId {q.logical_id} is used more than once")
            taken.add(q.logical_id)
    per_type: dict[str, int] = {}
    for type_name in [r.type for r in existing] + [q.type for q in requests]:
        per_type[type_name] = per_type.get(type_name, 0) + 1
    legacy = settings.logical_id_scheme == "legacy"
    out: list[str] = []
    for q in requests:
        if q.logical_id:
            out.append(q.logical_id)
            continue
        base = _base_id(q.type)
        key = _key(q.type, q.identifier)
        naming = names.get(f"{q.type}|{key}", _Naming(None, None))
        candidates: list[str] = []
        if legacy:
            candidates.append(_legacy_id(q.type, key))
        elif naming.user_name and _alnum(naming.user_name):
            candidates.append(base + _alnum(naming.user_name))
        else:
            if per_type[q.type] == 1:
                candidates.append(base)
            if naming.name_tag and _camel(naming.name_tag):
                candidates.append(base + _camel(naming.name_tag))
            candidates.append(base + _camel(key))
        chosen = next((c[:255] for c in candidates if c[:255] not in taken), None)
        n = 2
        while chosen is None:
            candidate = f"{candidates[-1][:250]}{n}"
            chosen = candidate if candidate not in taken else None
            n += 1
        taken.add(chosen)
        out.append(chosen)
    return out


def _namings(account_id: str, region: str, requests: list[_Request]) -> dict[str, _Naming]:
    types = {q.type for q in requests}
    wanted = {f"{q.type}|{_key(q.type, q.identifier)}" for q in requests}
    found = inventory.scan(account_id, region, types) if types else []
    return {
        f"{r.type}|{r.key}": _Naming(r.user_name, r.tags.get("Name"))
        for r in found
        if f"{r.type}|{r.key}" in wanted
    }


# --- lookups -----------------------------------------------------------------------------------------------


def get(s: TemplateStore, name_or_arn: str | None) -> GeneratedTemplate:
    if name_or_arn:
        wanted = name_or_arn.lower() if ARN_RE.match(name_or_arn) else None
        for t in s.templates.values():
            if (wanted is not None and t.id.lower() == wanted) or t.name == name_or_arn:
                return t
    raise errors.GeneratedTemplateNotFound(f"Generated template {name_or_arn} not found")


def _current(s: TemplateStore, name_or_arn: str | None, now: float) -> GeneratedTemplate:
    """The template as it is at `now` (its job advanced)."""
    template = get(s, name_or_arn)
    advance(s, template, now)
    return template


def _idle(s: TemplateStore, name_or_arn: str | None, now: float, then: str) -> GeneratedTemplate:
    """The template at `now`, or the service's ConcurrentResourcesLimitExceeded while a job of it runs."""
    template = _current(s, name_or_arn, now)
    if template.busy:
        raise errors.ConcurrentResourcesLimitExceeded(
            f"Generated template {template.name} is {template.status}; {then}"
        )
    return template


def _busy_count(s: TemplateStore, now: float) -> int:
    for t in s.templates.values():
        advance(s, t, now)
    return sum(1 for t in s.templates.values() if t.busy)


def _check_concurrency(s: TemplateStore, now: float) -> None:
    if _busy_count(s, now) >= MAX_BUSY:
        raise errors.ConcurrentResourcesLimitExceeded(
            f"No more than {MAX_BUSY} generated templates can be in a Pending or InProgress status "
            "at one time"
        )


def _stack(account_id: str, region: str, stack_name: str) -> tuple[str, dict[str, Any]]:
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[account_id][region]
    stack = next(
        (
            x
            for x in backend.stacks.values()
            if stack_name in (x.name, x.stack_id) and x.status != "DELETE_COMPLETE"
        ),
        None,
    )
    if stack is None:
        raise errors.ValidationError(f"Stack with id {stack_name} does not exist")
    template = getattr(stack, "template_dict", None)
    if not isinstance(template, dict):
        text = str(stack.template or "{}")
        try:
            template = json.loads(text)
        except ValueError:
            from ruamel.yaml import YAML

            template = YAML(typ="safe").load(text) or {}
    return str(stack.stack_id), copy.deepcopy(template)


# --- operations --------------------------------------------------------------------------------------------


def create(
    account_id: str,
    region: str,
    name: str | None,
    resources: list[dict[str, Any]] | None,
    stack_name: str | None,
    configuration: dict[str, Any] | None,
) -> GeneratedTemplate:
    s = store(account_id, region)
    name = _validate_name(name)
    raw = resources or []
    _validate_count(raw, "resources")
    requests = _parse_resources(raw)
    deletion, replace = _config(configuration)
    stack_id, stack_template = _stack(account_id, region, stack_name) if stack_name else (None, None)
    now = settings.clock()
    if any(t.name == name for t in s.templates.values()):
        raise errors.AlreadyExists(f"Generated template {name} already exists")
    if len(s.templates) >= MAX_TEMPLATES:
        raise errors.LimitExceeded(
            f"The account already has {MAX_TEMPLATES} generated templates, the maximum; delete some first"
        )
    _check_concurrency(s, now)
    reserved = set((stack_template or {}).get("Resources", {}))
    ids = _assign_ids(requests, [], reserved, _namings(account_id, region, requests))
    template = GeneratedTemplate(
        # the segment as the service writes it in the templates' Metadata (AWS's examples spell it both ways)
        id=f"arn:aws:cloudformation:{region}:{account_id}:generatedTemplate/{uuid.uuid4()}",
        name=name,
        seq=s.next_seq,
        created=now,
        updated=now,
        deletion_policy=deletion,
        update_replace_policy=replace,
        resources=[TemplateResource(q.type, q.identifier, lid) for q, lid in zip(requests, ids, strict=True)],
        stack_id=stack_id,
        stack_template=stack_template,
    )
    s.next_seq += 1
    _start(template, "CREATE", now, ids)
    s.templates[template.id] = template
    return template


def update(
    account_id: str,
    region: str,
    name_or_arn: str | None,
    *,
    new_name: str | None = None,
    add: list[dict[str, Any]] | None = None,
    remove: list[str] | None = None,
    refresh: bool = False,
    configuration: dict[str, Any] | None = None,
) -> GeneratedTemplate:
    s = store(account_id, region)
    now = settings.clock()
    template = _idle(s, name_or_arn, now, "it can be updated once it finishes")
    if new_name is not None:
        _validate_name(new_name, "newGeneratedTemplateName")
        if any(t.name == new_name and t is not template for t in s.templates.values()):
            raise errors.AlreadyExists(f"Generated template {new_name} already exists")
    _validate_count(add or [], "addResources")
    _validate_count(remove or [], "removeResources")
    requests = _parse_resources(add)
    present = {(r.type, r.key) for r in template.resources}
    for q in requests:
        key = _key(q.type, q.identifier)
        if (q.type, key) in present:
            raise errors.ValidationError(f"Resource {q.type} {key} is already in the template")
    known = {r.logical_id for r in template.resources}
    unknown = [x for x in remove or [] if x not in known]
    if unknown:
        raise errors.ValidationError(f"Resources not in the template: {', '.join(unknown)}")
    remaining = [r for r in template.resources if r.logical_id not in set(remove or [])]
    if len(remaining) + len(requests) > MAX_RESOURCES:
        raise errors.LimitExceeded(
            f"A generated template can hold at most {MAX_RESOURCES} resources "
            f"(this update would make it {len(remaining) + len(requests)})"
        )
    config = _config(configuration, (template.deletion_policy, template.update_replace_policy))
    needs_job = bool(requests or remove or refresh or configuration)
    if needs_job:
        _check_concurrency(s, now)
    if new_name is not None:
        template.name = new_name
        template.updated = now
    if not needs_job:
        return template
    reserved = set((template.stack_template or {}).get("Resources", {}))
    ids = _assign_ids(requests, remaining, reserved, _namings(account_id, region, requests))
    added = [TemplateResource(q.type, q.identifier, lid) for q, lid in zip(requests, ids, strict=True)]
    template.resources = remaining + added
    template.deletion_policy, template.update_replace_policy = config
    order = [r.logical_id for r in remaining if refresh or r.status == "FAILED"] + ids
    _start(template, "UPDATE", now, order)
    return template


def delete(account_id: str, region: str, name_or_arn: str | None) -> None:
    s = store(account_id, region)
    template = _idle(s, name_or_arn, settings.clock(), "it can be deleted once it finishes")
    del s.templates[template.id]


def describe(account_id: str, region: str, name_or_arn: str | None) -> dict[str, Any]:
    return _describe(_current(store(account_id, region), name_or_arn, settings.clock()))


def body(account_id: str, region: str, name_or_arn: str | None) -> tuple[str, dict[str, Any]]:
    """(status, template document) — the document of the last finished job."""
    template = _current(store(account_id, region), name_or_arn, settings.clock())
    document = template.failed_body if template.status == "FAILED" else template.body
    return template.status, copy.deepcopy(document or _empty(template))


def summaries(
    account_id: str, region: str, max_results: int | None, next_token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; the token carries the sequence number to continue below, so deletions between pages
    neither repeat nor skip a template."""
    size = page_size(max_results, default=50)
    below = decode_token(next_token) if next_token else None
    s = store(account_id, region)
    now = settings.clock()
    ordered = sorted(s.templates.values(), key=lambda t: t.seq, reverse=True)
    if below is not None:
        ordered = [t for t in ordered if t.seq < below]
    page, rest = ordered[:size], ordered[size:]
    out = []
    for t in page:
        advance(s, t, now)
        out.append(
            {
                "GeneratedTemplateId": t.id,
                "GeneratedTemplateName": t.name,
                "Status": t.status,
                "StatusReason": t.status_reason,
                "CreationTime": _time(t.created),
                "LastUpdatedTime": _time(t.updated),
                "NumberOfResources": len(t.resources),
            }
        )
    token = encode_token(page[-1].seq) if rest and page else None
    return out, token


# --- time and jobs -----------------------------------------------------------------------------------------


def _start(template: GeneratedTemplate, kind: str, now: float, order: list[str]) -> None:
    template.job = Job(kind, now, list(order))
    template.failed_body = None
    template.updated = now
    for lid in order:
        r = template.resource(lid)
        r.status, r.reason = "PENDING", ""
    template.status, template.status_reason = f"{kind}_PENDING", "Template generation pending"


def _durations() -> tuple[float, float]:
    work = max(0.0, float(settings.template_seconds))
    return work * PENDING_SHARE, work


def advance(s: TemplateStore, template: GeneratedTemplate, now: float) -> None:
    """Bring a template's job up to `now`: process the resources whose turn has come, finish when all have."""
    job = template.job
    if job is None:
        return
    pending, work = _durations()
    elapsed = now - job.started
    n = len(job.order)
    if elapsed < pending:
        return
    fraction = 1.0 if work <= 0 else min(1.0, (elapsed - pending) / work)
    due = n if fraction >= 1.0 else int(fraction * n)
    if due > job.done:
        _process(s, template, job.order[job.done : due])
        job.done = due
    for lid in job.order[job.done : job.done + PER_GENERATION]:
        template.resource(lid).status = "IN_PROGRESS"
        template.resource(lid).reason = "Resource Template in progress"
    if fraction < 1.0:
        template.status, template.status_reason = f"{job.kind}_IN_PROGRESS", "Template generation in progress"
        return
    template.job = None
    template.updated = job.started + pending + work
    failed = [r for r in template.resources if r.status == "FAILED"]
    if failed:
        names = ", ".join(f"{r.logical_id} ({r.key})" for r in failed)
        template.status = "FAILED"
        template.status_reason = f"{len(failed)} of {len(template.resources)} resources failed: {names}"
    else:
        template.status, template.status_reason = "COMPLETE", "All resources complete"
    if failed:
        template.failed_body = _assemble(template)
    else:
        template.body = _assemble(template)


def _injected(identifier: dict[str, str]) -> bool:
    listed = {x.strip() for x in str(settings.fail_resource_ids or "").split(",") if x.strip()}
    return bool(listed & set(identifier.values()))


def _process(s: TemplateStore, template: GeneratedTemplate, logical_ids: list[str]) -> None:
    batch = [template.resource(lid) for lid in logical_ids]
    types = {r.type for r in batch if properties.supported(r.type)}
    live = {(x.type, x.key): x for x in inventory.scan(s.account_id, s.region, types)} if types else {}
    for r in batch:
        found = live.get((r.type, r.key))
        if _injected(r.identifier):
            r.status, r.reason = "FAILED", f"Failed to read resource {r.key}: injected fault"
        elif not properties.supported(r.type):
            r.status, r.reason = "FAILED", f"Resource type {r.type} is not supported by the local cloud"
        elif found is None:
            r.status, r.reason = "FAILED", f"Resource {r.type} with identifier {r.key} was not found"
        else:
            try:
                props = properties.render(s.account_id, s.region, found)
            except properties.ResourceGone:
                r.status, r.reason = "FAILED", f"Resource {r.type} with identifier {r.key} was not found"
                continue
            r.props, r.analysis = props, warnings.analyse(r.type, props)
            r.status, r.reason = "COMPLETE", COMPLETE_REASON


# --- the template document ---------------------------------------------------------------------------------


def _metadata(template: GeneratedTemplate) -> dict[str, Any]:
    """What `cdk migrate --from-path` reads to find the generated template (older templates: TemplateId)."""
    if settings.logical_id_scheme == "legacy":
        return {"TemplateId": template.id}
    return {"AWSToolsMetrics": {"IaC_Generator": template.id}}


def _empty(template: GeneratedTemplate) -> dict[str, Any]:
    return {"Metadata": _metadata(template), "Resources": {}}


def _title(policy: str) -> str:
    return policy.capitalize()


def _resolve(value: Any, ids: dict[tuple[str, str], str]) -> Any:
    if isinstance(value, properties.Link):
        target = ids.get((value.type, value.key))
        if target is None:
            return value.literal
        return {"Ref": target} if value.attribute is None else {"Fn::GetAtt": [target, value.attribute]}
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value


def _set_path(props: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split("/")
    node = props
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _parameter_name(r: TemplateResource, spec: warnings.ParameterSpec) -> str:
    """`<logical id><property path without slashes>OneOf<5 random characters>` for an exclusive set's member
    (the service's shape); a plain write-only parameter has no `OneOf` part (unverified)."""
    name = r.logical_id + re.sub(r"[^A-Za-z0-9]", "", spec.path)
    if not spec.one_of:
        return name
    suffix = r.parameter_suffixes.setdefault(spec.path, _random5())
    return f"{name}OneOf{suffix}"


def _assemble(template: GeneratedTemplate) -> dict[str, Any]:
    """The template in the service's shape: Metadata naming the generated template, Parameters when there
    are any, then Resources, whose keys come in the order UpdateReplacePolicy, Type, DeletionPolicy,
    Properties. No AWSTemplateFormatVersion or Description (a base stack's own sections are kept)."""
    doc = copy.deepcopy(template.stack_template) if template.stack_template else {}
    parameters: dict[str, Any] = dict(doc.get("Parameters") or {})
    resources: dict[str, Any] = dict(doc.get("Resources") or {})
    done = [r for r in template.resources if r.status == "COMPLETE" and r.props is not None]
    ids = {(r.type, r.key): r.logical_id for r in done}
    for r in done:
        props = _resolve(r.props, ids)
        for spec in r.analysis.parameters if r.analysis else []:
            name = _parameter_name(r, spec)
            parameters[name] = {"NoEcho": "true", "Type": "String", "Description": spec.description[:4000]}
            _set_path(props, spec.path, {"Ref": name})
        resources[r.logical_id] = {
            "UpdateReplacePolicy": _title(template.update_replace_policy),
            "Type": r.type,
            "DeletionPolicy": _title(template.deletion_policy),
            "Properties": props,
        }
    out: dict[str, Any] = {}
    for key in ("AWSTemplateFormatVersion", "Description"):
        if key in doc:
            out[key] = doc[key]
    metadata = dict(doc.get("Metadata") or {})
    metadata.update(_metadata(template))
    out["Metadata"] = metadata
    if parameters:
        out["Parameters"] = parameters
    for key, value in doc.items():
        if key not in out and key not in ("Parameters", "Resources"):
            out[key] = value
    out["Resources"] = resources
    return out


# --- describe ----------------------------------------------------------------------------------------------


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _describe(t: GeneratedTemplate) -> dict[str, Any]:
    counts = {"COMPLETE": 0, "FAILED": 0, "IN_PROGRESS": 0, "PENDING": 0}
    details = []
    total = 0
    for r in t.resources:
        counts[r.status] += 1
        found = r.analysis.warnings if (r.analysis and r.status == "COMPLETE") else []
        total += len(found)  # one per WarningDetail; per property is the other reading (unverified, §8)
        details.append(
            {
                "ResourceType": r.type,
                "LogicalResourceId": r.logical_id,
                "ResourceIdentifier": dict(r.identifier),
                "ResourceStatus": r.status,
                "ResourceStatusReason": r.reason or "Resource Template pending",
                "Warnings": copy.deepcopy(found),
            }
        )
    out: dict[str, Any] = {
        "GeneratedTemplateId": t.id,
        "GeneratedTemplateName": t.name,
        "Resources": details,
        "Status": t.status,
        "StatusReason": t.status_reason,
        "CreationTime": _time(t.created),
        "LastUpdatedTime": _time(t.updated),
        "Progress": {
            "ResourcesSucceeded": counts["COMPLETE"],
            "ResourcesFailed": counts["FAILED"],
            "ResourcesProcessing": counts["IN_PROGRESS"],
            "ResourcesPending": counts["PENDING"],
        },
        "TemplateConfiguration": {
            "DeletionPolicy": t.deletion_policy,
            "UpdateReplacePolicy": t.update_replace_policy,
        },
        "TotalWarnings": total,
    }
    if t.stack_id:
        out["StackId"] = t.stack_id
    return out

"""Real IMPORT semantics for moto's CloudFormation.

Stock moto treats ``ChangeSetType=IMPORT`` like CREATE: it ignores ResourcesToImport and, on execute, creates
new copies of the resources. The local cloud replaces that path on ``CloudFormationResponse`` (so it works
in-process and in server mode alike) with the service's behaviour. This module holds the state and the rules
(the change set model, the checks, adoption); import_responses.py the wire handlers; deletion.py the deletion
engine:

* CreateChangeSet IMPORT validates like the service and refuses with a ValidationError that says what is
  wrong (in the service's words where they are known): body size (51,200 bytes) or a TemplateURL to a moto S3
  object (1 MB), at most 200 resources to import, a DeletionPolicy on each, logical id and type present in the
  template, identifier keys equal to the type's primary identifier, the resource exists, no Outputs, and no
  other change rides along. A resource that another stack owns is not refused: the change set is created and
  ends FAILED (ExecutionStatus UNAVAILABLE) with StatusReason "<identifier> already exists in stack <ARN>".
  For a new stack every template resource must be imported; for an existing stack its current resources
  must appear unchanged (same JSON after parsing) and its Outputs must not change. A new stack name creates
  the stack in REVIEW_IN_PROGRESS (only once the request is valid); an existing stack in a *_COMPLETE state
  works too.
* DescribeChangeSet lists one ``Import`` change per resource with its physical id.
* ExecuteChangeSet adopts: nothing is created; the stack's resource map points the logical ids at the existing
  objects (physical id = identifier values '|'-joined in schema order), with IMPORT_* events, and the stack
  ends IMPORT_COMPLETE. Other change sets of the stack are removed, as the service does.
* DeleteStack of a stack holding imported resources keeps Retain/RetainExceptOnCreate resources and deletes
  the others in moto's backends in dependency order (references first, then a type order); what cannot be
  deleted leaves the stack DELETE_FAILED with the service's reason, and a retry with RetainResources finishes
  it. Deletion is supported for the EC2 workshop types, S3 buckets, IAM roles, Lambda functions and DynamoDB
  tables; any other imported type with DeletionPolicy Delete fails to delete (set Retain).
* GetTemplateSummary returns ResourceIdentifierSummaries derived from the provider schemas.
* A TemplateURL to a missing S3 object gives a ValidationError instead of moto's AttributeError.

Not emulated: conditions and intrinsic functions in imported resources are not evaluated; updating a stack
that holds imported resources (UpdateStack, an UPDATE change set) is refused with a ValidationError that says
so, because moto's update path would drop the adopted resources from the stack; Snapshot deletion policies
delete without snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation.exceptions import CloudFormationError

from iacgen.localcloud import faults, inventory, schemas
from iacgen.localcloud.errors import ValidationError, too_long
from iacgen.localcloud.settings import settings

MAX_TEMPLATE_BODY_BYTES = 51_200
MAX_TEMPLATE_URL_OBJECT_BYTES = 1_048_576
MAX_TEMPLATE_URL_CHARS = 5_120
MAX_RESOURCES_TO_IMPORT = 200
MAX_TEMPLATE_RESOURCES = 500
RETAIN_POLICIES = frozenset({"Retain", "RetainExceptOnCreate"})
IMPORTABLE_STACK_STATES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatusException"


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFoundException"


# --------------------------------------------------------------------------------------------- model objects


class AdoptedResource:
    """A stack resource that points at an object that existed before the import; moto created nothing."""

    def __init__(
        self, logical_id: str, type_name: str, identifier: dict[str, str], key: str, policy: str
    ) -> None:
        self.logical_resource_id = logical_id
        self.cf_resource_type = type_name
        self.identifier = dict(identifier)
        self.physical_resource_id = key
        self.deletion_policy = policy
        self.resource_status = "IMPORT_COMPLETE"

    def is_created(self) -> bool:
        return True

    def __repr__(self) -> str:
        return (
            f"AdoptedResource({self.cf_resource_type} {self.logical_resource_id}={self.physical_resource_id})"
        )


@dataclass(frozen=True)
class PlannedImport:
    logical_id: str
    type_name: str
    identifier: dict[str, str]
    key: str
    policy: str


class ImportChange:
    """One ResourceChange of an IMPORT change set (moto serialises it from these attribute names)."""

    def __init__(self, planned: PlannedImport) -> None:
        self.action = "Import"
        self.logical_resource_id = planned.logical_id
        self.physical_resource_id = planned.key
        self.resource_type = planned.type_name
        self.scope: list[str] = []
        self.details: list[Any] = []


class ImportChangeSet(cfn_models.ChangeSet):
    """moto's ChangeSet with the planned imports as its changes instead of a CREATE/UPDATE diff."""

    def __init__(self, planned: list[PlannedImport], **kwargs: Any) -> None:
        self.planned = planned
        self.new_stack = kwargs["stack"].status == "REVIEW_IN_PROGRESS"
        super().__init__(change_set_type="IMPORT", **kwargs)

    def diff(self) -> list[ImportChange]:
        return [ImportChange(p) for p in self.planned]


# --------------------------------------------------------------------------------------------- helpers


def invalid(message: str) -> ValidationError:
    return ValidationError(message)


def names(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def parse_template(body: str) -> dict[str, Any]:
    if has_yaml_alias(body):
        raise invalid("Template error: YAML aliases are not allowed in CloudFormation templates")
    try:
        parsed = cfn_models.Stack.parse_template(body)
    except Exception as exc:
        raise invalid(f"Template format error: {exc}".splitlines()[0]) from exc
    if not isinstance(parsed, dict):
        raise invalid("Template format error: the template is not a JSON or YAML object")
    resources = parsed.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise invalid("Template format error: At least one Resources member must be defined.")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise invalid(f"Template format error: [/Resources/{logical_id}] has no Type")
    from iacgen.localcloud.template_graph import circular

    loop = circular(resources)
    if loop:  # the service's template validation, before anything is created
        raise invalid(f"Circular dependency between resources: [{', '.join(loop)}]")
    return parsed


def has_yaml_alias(body: str) -> bool:
    """The service refuses YAML aliases (and so merge keys, which need one); a JSON body has none."""
    if body.lstrip().startswith("{"):
        return False
    import yaml  # type: ignore[import-untyped]

    class _Loader(yaml.SafeLoader):
        pass

    try:
        return any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(body, Loader=_Loader))
    except yaml.YAMLError:
        return False  # the parse below reports it


def find_live_stack(backend: Any, name_or_id: str) -> Any | None:
    for stack in backend.stacks.values():
        if name_or_id in (stack.name, stack.stack_id):
            return stack
    return None


def pace_change_set(change_set: Any, seconds: float, now: float) -> None:
    """Stay CREATE_IN_PROGRESS (not executable) for `seconds`, then show the status it was created with;
    settled lazily whenever the change set is looked up (find_change_set)."""
    if seconds > 0:
        change_set.settles = (now + seconds, change_set.status, change_set.execution_status)
        change_set.status, change_set.execution_status = "CREATE_IN_PROGRESS", "UNAVAILABLE"


def find_change_set(backend: Any, name_or_arn: str, stack_name: str | None) -> Any:
    found = _lookup_change_set(backend, name_or_arn, stack_name)
    settles = getattr(found, "settles", None)
    if settles is not None and settings.clock() >= settles[0]:
        found.status, found.execution_status = settles[1], settles[2]
        found.settles = None
    return found


def _lookup_change_set(backend: Any, name_or_arn: str, stack_name: str | None) -> Any:
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name != name_or_arn:
            continue
        if stack_name and stack_name not in (change_set.stack_name, change_set.stack_id):
            continue
        return change_set
    raise ChangeSetNotFound(f"ChangeSet [{name_or_arn}] does not exist")


def check_parameters(template: dict[str, Any], given: dict[str, str]) -> None:
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise invalid(f"Parameters: {names(unknown)} do not exist in the template")
    missing = sorted(
        name for name, spec in declared.items() if name not in given and "Default" not in (spec or {})
    )
    if missing:
        raise invalid(f"Parameters: {names(missing)} must have values")


def _ownership(account: str, region: str) -> dict[tuple[str, str], str]:
    return inventory.owned_keys(account, region)


def plan_imports(
    account: str,
    region: str,
    template: dict[str, Any],
    to_import: list[dict[str, Any]],
    stack: Any | None,
) -> tuple[list[PlannedImport], str | None]:
    """Check an IMPORT request like the service does: the planned adoptions, in request order, and the
    reason the change set will end FAILED, if any. A resource another stack owns is not refused here: the
    service creates the change set, which then ends FAILED with "<identifier> already exists in stack
    <stack ARN>" as its StatusReason."""
    if not to_import:
        raise invalid("ResourcesToImport must list at least one resource for an IMPORT change set")
    if len(to_import) > MAX_RESOURCES_TO_IMPORT:
        raise too_long(
            "resourcesToImport",
            MAX_RESOURCES_TO_IMPORT,
            len(to_import),
            "split the import into several change sets",
        )
    resources: dict[str, Any] = template["Resources"]
    if len(resources) > MAX_TEMPLATE_RESOURCES:
        raise invalid(f"Template may not exceed {MAX_TEMPLATE_RESOURCES} resources (got {len(resources)})")

    stack_name = stack.name if stack is not None else ""
    existing: dict[str, Any] = dict(stack.template_dict.get("Resources") or {}) if stack is not None else {}
    old_outputs = (stack.template_dict.get("Outputs") or None) if stack is not None else None
    if (template.get("Outputs") or None) != old_outputs:
        raise invalid(
            "There was an error creating this change set. As part of the import operation, "
            "you cannot modify or add [Outputs]"
        )

    no_policy = [
        str(item.get("LogicalResourceId") or "")
        for item in to_import
        if isinstance(resources.get(str(item.get("LogicalResourceId") or "")), dict)
        and not resources[str(item.get("LogicalResourceId") or "")].get("DeletionPolicy")
    ]
    if no_policy:
        raise invalid(
            f"The following resources to import {names(no_policy)} must have DeletionPolicy attribute "
            "specified in the template."
        )

    seen_logical: set[str] = set()
    seen_keys: dict[tuple[str, str], str] = {}
    owners = _ownership(account, region)
    planned: list[PlannedImport] = []
    failure: str | None = None
    for item in to_import:
        logical_id = str(item.get("LogicalResourceId") or "")
        type_name = str(item.get("ResourceType") or "")
        identifier = {str(k): str(v) for k, v in (item.get("ResourceIdentifier") or {}).items()}
        if logical_id in seen_logical:
            raise invalid(f"Resource {logical_id} is listed more than once in ResourcesToImport")
        seen_logical.add(logical_id)
        if logical_id in existing:
            raise invalid(
                f"Resource {logical_id} already exists in stack {stack_name}; it cannot be imported"
            )
        resource = resources.get(logical_id)
        if resource is None:
            raise invalid(
                f"Resource {logical_id} in ResourcesToImport is not in the template; "
                "each resource to import must be declared in the template"
            )
        if resource["Type"] != type_name:
            raise invalid(
                f"Resource {logical_id} has type {resource['Type']} in the template but {type_name} in "
                "ResourcesToImport"
            )
        policy = resource.get("DeletionPolicy")
        try:
            expected = schemas.primary_identifier(type_name)
        except schemas.UnknownResourceType:
            raise invalid(f"ResourceType {type_name} does not support resource import") from None
        if sorted(identifier) != sorted(expected):
            raise invalid(
                f"Invalid ResourceIdentifier for {logical_id} ({type_name}): expected the keys "
                f"{names(expected)}, got {names(sorted(identifier))}"
            )
        found = inventory.find(account, region, type_name, identifier)
        if found is None:
            shown = ", ".join(f"{k}={v}" for k, v in identifier.items())
            raise invalid(
                f"Resource of type {type_name} with identifier {shown} does not exist ({logical_id})"
            )
        owner = owners.get((type_name, found.key))
        if owner is not None and failure is None:
            failure = f"{found.key} already exists in stack {owner}"
        previous = seen_keys.get((type_name, found.key))
        if previous is not None:
            raise invalid(f"Resources {previous} and {logical_id} import the same resource {found.key}")
        seen_keys[(type_name, found.key)] = logical_id
        planned.append(PlannedImport(logical_id, type_name, identifier, found.key, str(policy)))

    others = [lid for lid in resources if lid not in seen_logical and lid not in existing]
    if others:
        raise invalid(f"Resources {names(others)} is missing from ResourceToImport list")
    removed = [lid for lid in existing if lid not in resources]
    if removed:
        raise invalid(
            f"Resources {names(removed)} of stack {stack_name} are missing from the template; "
            "an import cannot delete resources"
        )
    modified = [lid for lid in existing if resources[lid] != existing[lid]]
    if modified:
        raise invalid(
            f"You have modified resources {names(modified)} in your template that are not being imported. "
            "Update, create or delete operations cannot be executed during import operations."
        )
    return planned, failure


def resource_event(
    stack: Any, logical_id: str, physical_id: str, type_name: str, status: str, **kw: Any
) -> None:
    stack.events.append(
        cfn_models.Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=type_name,
            resource_status=status,
            resource_status_reason=kw.get("reason"),
            resource_properties=kw.get("properties"),
        )
    )


def refuse_update_of_imported(backend: Any, stack_name: str | None, operation: str) -> None:
    stack = find_live_stack(backend, stack_name or "")
    if stack is not None and holds_adopted(stack):
        raise invalid(
            f"{operation} of stack {stack.name}, which holds imported resources, is not emulated by the "
            "iacgen local cloud (moto would drop the imported resources from the stack)"
        )


def holds_adopted(stack: Any) -> bool:
    return any(isinstance(r, AdoptedResource) for r in stack.resource_map._parsed_resources.values())


def adopt(backend: Any, change_set: ImportChangeSet, account: str, region: str) -> None:
    stack = change_set.stack
    stack.status = "IMPORT_IN_PROGRESS"
    stack._add_stack_event("IMPORT_IN_PROGRESS", resource_status_reason="User Initiated")
    owners = _ownership(account, region)
    problems = []
    for p in change_set.planned:
        if inventory.find(account, region, p.type_name, p.identifier) is None:
            problems.append((p, f"Resource {p.key} of type {p.type_name} no longer exists"))
        elif (p.type_name, p.key) in owners:
            problems.append((p, f"Resource {p.key} already belongs to stack {owners[(p.type_name, p.key)]}"))
    problems.extend(faults.import_failures(change_set.planned))
    if problems:
        for p, reason in problems:
            resource_event(stack, p.logical_id, p.key, p.type_name, "IMPORT_FAILED", reason=reason)
        stack._add_stack_event(
            "IMPORT_ROLLBACK_IN_PROGRESS",
            resource_status_reason=f"The following resource(s) failed to import: "
            f"{names(p.logical_id for p, _ in problems)}. ",
        )
        stack._add_stack_event("IMPORT_ROLLBACK_COMPLETE")
        stack.status = "IMPORT_ROLLBACK_COMPLETE"
        stack.stack_status_reason = "The following resource(s) failed to import: " + names(
            p.logical_id for p, _ in problems
        )
        change_set.execution_status = "EXECUTE_FAILED"
        return

    template = cfn_models.Stack.parse_template(change_set.template)
    resource_map = stack.resource_map
    for p in change_set.planned:
        properties = template["Resources"][p.logical_id].get("Properties") or {}
        props_json = json.dumps(properties, default=str)
        resource_event(
            stack,
            p.logical_id,
            p.key,
            p.type_name,
            "IMPORT_IN_PROGRESS",
            reason="Resource import started.",
            properties=props_json,
        )
        resource_map._parsed_resources[p.logical_id] = AdoptedResource(
            p.logical_id, p.type_name, p.identifier, p.key, p.policy
        )
        resource_event(
            stack,
            p.logical_id,
            p.key,
            p.type_name,
            "IMPORT_COMPLETE",
            reason="Resource import completed.",
            properties=props_json,
        )
    stack.template = change_set.template
    stack.template_dict = template
    stack.description = template.get("Description")
    resource_map._template = template
    resource_map._resource_json_map = template["Resources"]
    if change_set.parameters or template.get("Parameters"):
        resource_map.input_parameters = change_set.parameters
        resource_map.load_parameters()
        stack.parameters = change_set.parameters
    stack._add_stack_event("IMPORT_COMPLETE")
    stack.status = "IMPORT_COMPLETE"
    stack.stack_status_reason = None
    change_set.execution_status = "EXECUTE_COMPLETE"
    drop_change_sets(backend, stack.stack_id, keep=change_set.change_set_id)


def identifier_summaries(resources: dict[str, Any]) -> list[dict[str, Any]]:
    """ResourceIdentifierSummaries as the service returns them: per type, its logical ids and the primary
    identifier property names (types without a provider schema are left out)."""
    by_type: dict[str, list[str]] = {}
    for logical_id, resource in resources.items():
        by_type.setdefault(resource["Type"], []).append(logical_id)
    out = []
    for type_name, logical_ids in by_type.items():
        try:
            identifiers = schemas.primary_identifier(type_name)
        except schemas.UnknownResourceType:
            continue
        out.append(
            {"ResourceType": type_name, "LogicalResourceIds": logical_ids, "ResourceIdentifiers": identifiers}
        )
    return out


def drop_change_sets(backend: Any, stack_id: str, keep: str | None = None) -> None:
    for change_set_id in [cid for cid, cs in backend.change_sets.items() if cs.stack_id == stack_id]:
        if change_set_id != keep:
            del backend.change_sets[change_set_id]

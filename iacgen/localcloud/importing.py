"""Real IMPORT semantics for moto's CloudFormation.

Stock moto treats ``ChangeSetType=IMPORT`` like CREATE: it ignores ResourcesToImport and, on execute, creates
new copies of the resources. This module replaces that path on ``CloudFormationResponse`` (so it works
in-process and in server mode alike) with the service's behaviour:

* CreateChangeSet IMPORT validates like the service and refuses with a ValidationError that says what is
  wrong: body size (51,200 bytes) or a TemplateURL to a moto S3 object (1 MB), at most 200 resources to
  import, a DeletionPolicy on each, logical id and type present in the template, identifier keys equal to the
  type's primary identifier, the resource exists, no stack owns it, no Outputs, and no other change rides
  along. For a new stack every template resource must be imported; for an existing stack its current resources
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation import utils as cfn_utils
from moto.cloudformation.exceptions import CloudFormationError
from moto.core.responses import ActionResult, EmptyResult

from iacgen.localcloud import faults, inventory, schemas
from iacgen.localcloud.errors import AlreadyExists, ValidationError, too_long
from iacgen.localcloud.wire import install_operations

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

Response = cfn_responses.CloudFormationResponse
# The moto internals this module relies on; tests/localcloud/test_import.py checks they still exist.
PATCHED_RESPONSE_METHODS = (
    "create_change_set",
    "describe_change_set",
    "execute_change_set",
    "delete_change_set",
    "list_change_sets",
    "delete_stack",
    "update_stack",
    "get_template_summary",
    "list_stack_resources",
    "_get_stack_from_s3_url",
)

_originals: dict[str, Callable[..., Any]] = {}


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


def _invalid(message: str) -> ValidationError:
    return ValidationError(message)


def _names(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _parse_template(body: str) -> dict[str, Any]:
    try:
        parsed = cfn_models.Stack.parse_template(body)
    except Exception as exc:
        raise _invalid(f"Template format error: {exc}".splitlines()[0]) from exc
    if not isinstance(parsed, dict):
        raise _invalid("Template format error: the template is not a JSON or YAML object")
    resources = parsed.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise _invalid("Template format error: At least one Resources member must be defined.")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise _invalid(f"Template format error: [/Resources/{logical_id}] has no Type")
    return parsed


def _find_live_stack(backend: Any, name_or_id: str) -> Any | None:
    for stack in backend.stacks.values():
        if name_or_id in (stack.name, stack.stack_id):
            return stack
    return None


def _find_change_set(backend: Any, name_or_arn: str, stack_name: str | None) -> Any:
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name != name_or_arn:
            continue
        if stack_name and stack_name not in (change_set.stack_name, change_set.stack_id):
            continue
        return change_set
    raise ChangeSetNotFound(f"ChangeSet [{name_or_arn}] does not exist")


def _read_template_url(response: Any, url: str) -> str:
    """The body of a TemplateURL in moto's S3, or a ValidationError that says why it can't be read."""
    if len(url) > MAX_TEMPLATE_URL_CHARS:
        raise too_long("templateURL", MAX_TEMPLATE_URL_CHARS, len(url))
    try:
        body: str = cfn_utils.get_stack_from_s3_url(
            url, account_id=response.current_account, partition=response.partition
        )
    except AttributeError as exc:  # moto returns no key object for a missing key
        raise _invalid(f"S3 error: the object at TemplateURL {url} does not exist") from exc
    except Exception as exc:  # missing bucket, malformed URL
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise _invalid(f"S3 error: cannot read TemplateURL {url}: {reason}") from exc
    if len(body.encode("utf-8")) > MAX_TEMPLATE_URL_OBJECT_BYTES:
        raise _invalid(
            f"Template may not exceed {MAX_TEMPLATE_URL_OBJECT_BYTES} bytes in size (TemplateURL {url})"
        )
    return body


def _template_from_request(response: Any) -> str:
    body = response._get_param("TemplateBody")
    url = response._get_param("TemplateURL")
    if response._get_bool_param("UsePreviousTemplate", False):
        raise _invalid("UsePreviousTemplate cannot be used with an IMPORT change set: pass the new template")
    if body and url:
        raise _invalid("You cannot specify both TemplateURL and TemplateBody")
    if body:
        size = len(body.encode("utf-8"))
        if size > MAX_TEMPLATE_BODY_BYTES:
            raise too_long(
                "templateBody",
                MAX_TEMPLATE_BODY_BYTES,
                size,
                "upload the template to S3 and pass TemplateURL",
            )
        return str(body)
    if url:
        return _read_template_url(response, str(url))
    raise _invalid("Either Template URL or Template Body must be specified.")


def _check_parameters(template: dict[str, Any], given: dict[str, str]) -> None:
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise _invalid(f"Parameters: {_names(unknown)} do not exist in the template")
    missing = sorted(
        name for name, spec in declared.items() if name not in given and "Default" not in (spec or {})
    )
    if missing:
        raise _invalid(f"Parameters: {_names(missing)} must have values")


def _ownership(account: str, region: str) -> dict[tuple[str, str], str]:
    return inventory.owned_keys(account, region)


def _plan_imports(
    account: str,
    region: str,
    template: dict[str, Any],
    to_import: list[dict[str, Any]],
    stack: Any | None,
) -> list[PlannedImport]:
    """Check an IMPORT request like the service does; the planned adoptions, in request order."""
    if not to_import:
        raise _invalid("ResourcesToImport must list at least one resource for an IMPORT change set")
    if len(to_import) > MAX_RESOURCES_TO_IMPORT:
        raise too_long(
            "resourcesToImport",
            MAX_RESOURCES_TO_IMPORT,
            len(to_import),
            "split the import into several change sets",
        )
    resources: dict[str, Any] = template["Resources"]
    if len(resources) > MAX_TEMPLATE_RESOURCES:
        raise _invalid(f"Template may not exceed {MAX_TEMPLATE_RESOURCES} resources (got {len(resources)})")

    stack_name = stack.name if stack is not None else ""
    existing: dict[str, Any] = dict(stack.template_dict.get("Resources") or {}) if stack is not None else {}
    old_outputs = (stack.template_dict.get("Outputs") or None) if stack is not None else None
    if (template.get("Outputs") or None) != old_outputs:
        raise _invalid(
            "There was an error creating this change set. As part of the import operation, "
            "you cannot modify or add [Outputs]"
        )

    seen_logical: set[str] = set()
    seen_keys: dict[tuple[str, str], str] = {}
    owners = _ownership(account, region)
    planned: list[PlannedImport] = []
    for item in to_import:
        logical_id = str(item.get("LogicalResourceId") or "")
        type_name = str(item.get("ResourceType") or "")
        identifier = {str(k): str(v) for k, v in (item.get("ResourceIdentifier") or {}).items()}
        if logical_id in seen_logical:
            raise _invalid(f"Resource {logical_id} is listed more than once in ResourcesToImport")
        seen_logical.add(logical_id)
        if logical_id in existing:
            raise _invalid(
                f"Resource {logical_id} already exists in stack {stack_name}; it cannot be imported"
            )
        resource = resources.get(logical_id)
        if resource is None:
            raise _invalid(
                f"Resource {logical_id} in ResourcesToImport is not in the template; "
                "each resource to import must be declared in the template"
            )
        if resource["Type"] != type_name:
            raise _invalid(
                f"Resource {logical_id} has type {resource['Type']} in the template but {type_name} in "
                "ResourcesToImport"
            )
        policy = resource.get("DeletionPolicy")
        if not policy:
            raise _invalid(
                f"The following resources to import [{logical_id}] must have DeletionPolicy attribute "
                "specified in the template."
            )
        try:
            expected = schemas.primary_identifier(type_name)
        except schemas.UnknownResourceType:
            raise _invalid(f"ResourceType {type_name} does not support resource import") from None
        if sorted(identifier) != sorted(expected):
            raise _invalid(
                f"Invalid ResourceIdentifier for {logical_id} ({type_name}): expected the keys "
                f"{_names(expected)}, got {_names(sorted(identifier))}"
            )
        found = inventory.find(account, region, type_name, identifier)
        if found is None:
            shown = ", ".join(f"{k}={v}" for k, v in identifier.items())
            raise _invalid(
                f"Resource of type {type_name} with identifier {shown} does not exist ({logical_id})"
            )
        owner = owners.get((type_name, found.key))
        if owner is not None:
            raise _invalid(
                f"Resource {found.key} ({type_name}, {logical_id}) already belongs to stack {owner}"
            )
        previous = seen_keys.get((type_name, found.key))
        if previous is not None:
            raise _invalid(f"Resources {previous} and {logical_id} import the same resource {found.key}")
        seen_keys[(type_name, found.key)] = logical_id
        planned.append(PlannedImport(logical_id, type_name, identifier, found.key, str(policy)))

    others = [lid for lid in resources if lid not in seen_logical and lid not in existing]
    if others:
        raise _invalid(
            f"You have resources {_names(others)} in your template that are not being imported; an import "
            "cannot create, update or delete other resources (add them to ResourcesToImport or remove them)"
        )
    removed = [lid for lid in existing if lid not in resources]
    if removed:
        raise _invalid(
            f"Resources {_names(removed)} of stack {stack_name} are missing from the template; "
            "an import cannot delete resources"
        )
    modified = [lid for lid in existing if resources[lid] != existing[lid]]
    if modified:
        raise _invalid(
            f"You have modified resources {_names(modified)} in your template that are not being imported. "
            "Update, create or delete operations cannot be executed during import operations."
        )
    return planned


def _resource_event(
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


# --------------------------------------------------------------------------------------------- operations


def _refuse_update_of_imported(backend: Any, stack_name: str | None, operation: str) -> None:
    stack = _find_live_stack(backend, stack_name or "")
    if stack is not None and _holds_adopted(stack):
        raise _invalid(
            f"{operation} of stack {stack.name}, which holds imported resources, is not emulated by the "
            "iacgen local cloud (moto would drop the imported resources from the stack)"
        )


def _holds_adopted(stack: Any) -> bool:
    return any(isinstance(r, AdoptedResource) for r in stack.resource_map._parsed_resources.values())


def create_change_set(self: Any) -> ActionResult:
    change_set_type = self._get_param("ChangeSetType", "CREATE")
    if change_set_type != "IMPORT":
        if not (
            self._get_param("TemplateBody")
            or self._get_param("TemplateURL")
            or self._get_bool_param("UsePreviousTemplate", False)
        ):  # moto would fail with an AttributeError (HTTP 500)
            raise _invalid("Either Template URL or Template Body must be specified.")
        if change_set_type == "UPDATE":
            _refuse_update_of_imported(self.cloudformation_backend, self._get_param("StackName"), "An update")
        return _originals["create_change_set"](self)
    backend = self.cloudformation_backend
    stack_name = self._get_param("StackName")
    change_set_name = self._get_param("ChangeSetName")
    cfn_utils.validate_create_change_set(change_set_name)
    body = _template_from_request(self)
    template = _parse_template(body)
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in self._get_param("Parameters", [])}
    _check_parameters(template, parameters)

    stack = _find_live_stack(backend, stack_name)
    if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
        if stack.status not in IMPORTABLE_STACK_STATES:
            raise _invalid(f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
        existing = stack
    else:
        existing = None
    if stack is not None and any(
        cs.stack_id == stack.stack_id and cs.change_set_name == change_set_name
        for cs in backend.change_sets.values()
    ):
        raise AlreadyExists(f"ChangeSet {change_set_name} already exists")
    planned = _plan_imports(
        self.current_account, self.region, template, self._get_param("ResourcesToImport", []), existing
    )

    tags = {item["Key"]: item["Value"] for item in self._get_param("Tags", [])}
    notification_arns = self._get_param("NotificationARNs", [])
    if stack is None:
        stack = cfn_models.Stack(
            stack_id=cfn_utils.generate_stack_id(stack_name, self.region, self.current_account),
            name=stack_name,
            template={},
            parameters=parameters,
            account_id=self.current_account,
            region_name=self.region,
            notification_arns=notification_arns,
            tags=tags,
            role_arn=self._get_param("RoleARN"),
        )
        backend.stacks[stack.stack_id] = stack
        stack.status = "REVIEW_IN_PROGRESS"
        stack._add_stack_event("REVIEW_IN_PROGRESS", resource_status_reason="User Initiated")

    change_set = ImportChangeSet(
        planned,
        change_set_id=cfn_utils.generate_changeset_id(change_set_name, self.region, self.current_account),
        change_set_name=change_set_name,
        stack=stack,
        template=body,
        parameters=parameters,
        description=self._get_param("Description"),
        notification_arns=notification_arns,
        tags=tags,
        role_arn=self._get_param("RoleARN"),
    )
    change_set.status = "CREATE_COMPLETE"
    change_set.execution_status = "AVAILABLE"
    faults.change_set_created(change_set)
    backend.change_sets[change_set.change_set_id] = change_set
    return ActionResult({"Id": change_set.change_set_id, "StackId": stack.stack_id})


def describe_change_set(self: Any) -> ActionResult:
    change_set = _find_change_set(
        self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName")
    )
    return ActionResult(change_set)


def delete_change_set(self: Any) -> EmptyResult:
    backend = self.cloudformation_backend
    change_set = _find_change_set(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    if change_set.execution_status == "EXECUTE_IN_PROGRESS":
        raise InvalidChangeSetStatus(f"ChangeSet [{change_set.change_set_id}] is being executed")
    backend.change_sets.pop(change_set.change_set_id, None)
    return EmptyResult()


def list_change_sets(self: Any) -> ActionResult:
    stack_name = self._get_param("StackName")
    summaries = [
        cs
        for cs in self.cloudformation_backend.change_sets.values()
        if not stack_name or stack_name in (cs.stack_name, cs.stack_id)
    ]
    return ActionResult({"Summaries": summaries})


def execute_change_set(self: Any) -> EmptyResult:
    backend = self.cloudformation_backend
    change_set = _find_change_set(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    if not isinstance(change_set, ImportChangeSet):
        return _originals["execute_change_set"](self)
    if change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatus(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current execution status of "
            f"[{change_set.execution_status}]"
        )
    _adopt(backend, change_set, self.current_account, self.region)
    return EmptyResult()


def _adopt(backend: Any, change_set: ImportChangeSet, account: str, region: str) -> None:
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
            _resource_event(stack, p.logical_id, p.key, p.type_name, "IMPORT_FAILED", reason=reason)
        stack._add_stack_event(
            "IMPORT_ROLLBACK_IN_PROGRESS",
            resource_status_reason=f"The following resource(s) failed to import: "
            f"{_names(p.logical_id for p, _ in problems)}. ",
        )
        stack._add_stack_event("IMPORT_ROLLBACK_COMPLETE")
        stack.status = "IMPORT_ROLLBACK_COMPLETE"
        stack.stack_status_reason = "The following resource(s) failed to import: " + _names(
            p.logical_id for p, _ in problems
        )
        change_set.execution_status = "EXECUTE_FAILED"
        return

    template = cfn_models.Stack.parse_template(change_set.template)
    resource_map = stack.resource_map
    for p in change_set.planned:
        properties = template["Resources"][p.logical_id].get("Properties") or {}
        props_json = json.dumps(properties, default=str)
        _resource_event(
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
        _resource_event(
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
    _drop_change_sets(backend, stack.stack_id, keep=change_set.change_set_id)


def list_stack_resources(self: Any) -> ActionResult:
    stack, resources = self.cloudformation_backend.list_stack_resources(self._get_param("StackName"))
    return ActionResult(
        {
            "StackResourceSummaries": [
                {
                    "ResourceStatus": getattr(resource, "resource_status", "CREATE_COMPLETE"),
                    "LogicalResourceId": getattr(resource, "logical_resource_id", ""),
                    "LastUpdatedTimestamp": stack.creation_time,
                    "PhysicalResourceId": getattr(resource, "physical_resource_id", ""),
                    "ResourceType": getattr(resource, "cf_resource_type", ""),
                }
                for resource in resources
            ]
        }
    )


def get_template_summary(self: Any) -> ActionResult:
    stack_name = self._get_param("StackName")
    template_url = self._get_param("TemplateURL")
    body = self._get_param("TemplateBody")
    if stack_name:
        stack = self.cloudformation_backend.get_stack(stack_name)
        if stack.status == "REVIEW_IN_PROGRESS":
            raise _invalid("GetTemplateSummary cannot be called on REVIEW_IN_PROGRESS stacks.")
        body = stack.template
    elif template_url:
        body = _read_template_url(self, template_url)
    if not body:
        raise _invalid("Either Template URL or Template Body must be specified.")
    summary = cfn_responses.get_template_summary_response_from_template(body)
    summary["ResourceIdentifierSummaries"] = identifier_summaries(summary.get("Resources") or {})
    return ActionResult(summary)


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


def update_stack(self: Any) -> ActionResult:
    _refuse_update_of_imported(self.cloudformation_backend, self._get_param("StackName"), "UpdateStack")
    result: ActionResult = _originals["update_stack"](self)
    return result


def get_stack_from_s3_url(self: Any, template_url: str) -> str:
    return _read_template_url(self, template_url)


# --------------------------------------------------------------------------------------------- deletion


def delete_stack(self: Any) -> EmptyResult:
    backend = self.cloudformation_backend
    name = self._get_param("StackName")
    retain = set(self._get_param("RetainResources", []) or [])
    stack = _find_live_stack(backend, name)
    if stack is not None and retain and stack.status != "DELETE_FAILED":
        raise _invalid(
            "Invalid operation on stack: RetainResources can only be specified when the stack is in the "
            "DELETE_FAILED state"
        )
    if stack is None:
        return _originals["delete_stack"](self)
    if _holds_adopted(stack):
        delete_imported_stack(backend, stack, retain)
        return EmptyResult()
    result = _originals["delete_stack"](self)
    if stack.stack_id not in backend.stacks:  # the service drops a deleted stack's change sets with it
        _drop_change_sets(backend, stack.stack_id)
    return result


def _drop_change_sets(backend: Any, stack_id: str, keep: str | None = None) -> None:
    for change_set_id in [cid for cid, cs in backend.change_sets.items() if cs.stack_id == stack_id]:
        if change_set_id != keep:
            del backend.change_sets[change_set_id]


def _references(node: Any) -> set[str]:
    """Logical ids a resource refers to (Ref, Fn::GetAtt, Fn::Sub, DependsOn)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    found.update(part.split("}")[0].split(".")[0] for part in text.split("${")[1:])
                found |= _references(value)
            elif key == "DependsOn":
                found.update([value] if isinstance(value, str) else list(value))
            else:
                found |= _references(value)
    elif isinstance(node, list):
        for item in node:
            found |= _references(item)
    return found


# Tie-break for templates without references: dependents before what they depend on.
_DELETE_RANK = {
    "AWS::EC2::Instance": 0,
    "AWS::Lambda::Function": 0,
    "AWS::EC2::Route": 1,
    "AWS::EC2::SubnetRouteTableAssociation": 1,
    "AWS::EC2::SubnetNetworkAclAssociation": 1,
    "AWS::EC2::VPCGatewayAttachment": 1,
    "AWS::EC2::SecurityGroup": 2,
    "AWS::EC2::KeyPair": 2,
    "AWS::EC2::Subnet": 3,
    "AWS::EC2::RouteTable": 4,
    "AWS::EC2::InternetGateway": 4,
    "AWS::EC2::NetworkAcl": 4,
    "AWS::EC2::VPC": 5,
}


def delete_imported_stack(backend: Any, stack: Any, retain: set[str]) -> None:
    """Delete like the service: dependents first; Retain keeps the resource; a failure blocks what the failed
    resource depends on and leaves the stack DELETE_FAILED."""
    resource_map = stack.resource_map
    json_map: dict[str, Any] = dict(resource_map._resource_json_map)
    account, region = stack.account_id, stack.region_name
    stack.status = "DELETE_IN_PROGRESS"
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    deps = {lid: _references(res) & set(json_map) - {lid} for lid, res in json_map.items()}
    pending = sorted(json_map, key=lambda lid: (_DELETE_RANK.get(json_map[lid]["Type"], 3), lid))
    errors: dict[str, str] = {}
    progress = True
    while pending and progress:
        progress = False
        for lid in list(pending):
            if any(lid in deps[other] for other in pending if other != lid):
                continue  # something still standing refers to it
            resource = resource_map._parsed_resources.get(lid)
            type_name = json_map[lid]["Type"]
            physical = getattr(resource, "physical_resource_id", "") or ""
            policy = json_map[lid].get("DeletionPolicy", "Delete")
            if lid in retain or policy in RETAIN_POLICIES:
                _resource_event(stack, lid, physical, type_name, "DELETE_SKIPPED")
            elif resource is not None and not isinstance(resource, str):
                if lid not in errors:
                    _resource_event(stack, lid, physical, type_name, "DELETE_IN_PROGRESS")
                try:
                    _delete_one(resource_map, resource, json_map[lid], account, region)
                except Exception as exc:
                    errors[lid] = _error_text(exc)
                    continue
                errors.pop(lid, None)
                _resource_event(stack, lid, physical, type_name, "DELETE_COMPLETE")
            pending.remove(lid)
            resource_map._parsed_resources.pop(lid, None)
            progress = True
    for lid, reason in errors.items():
        resource = resource_map._parsed_resources.get(lid)
        physical = getattr(resource, "physical_resource_id", "") or ""
        _resource_event(stack, lid, physical, json_map[lid]["Type"], "DELETE_FAILED", reason=reason)
    resource_map._resource_json_map = {lid: json_map[lid] for lid in pending}
    if pending:
        failed = [lid for lid in pending if lid in errors] or pending
        reason = f"The following resource(s) failed to delete: {_names(failed)}. "
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)
        stack.status = "DELETE_FAILED"
        stack.stack_status_reason = reason
        return
    stack._add_stack_event("DELETE_COMPLETE")
    stack.status = "DELETE_COMPLETE"
    stack.stack_status_reason = None
    backend.stacks.pop(stack.stack_id, None)
    backend.deleted_stacks[stack.stack_id] = stack
    for export in list(stack.exports):
        backend.exports.pop(export.name, None)
    _drop_change_sets(backend, stack.stack_id)


def _error_text(exc: BaseException) -> str:
    code = getattr(exc, "code", None) or getattr(exc, "error_type", None) or type(exc).__name__
    message = getattr(exc, "message", None) or str(exc)
    return f"{message} (Service: moto, Error Code: {code})"


def _delete_one(
    resource_map: Any, resource: Any, resource_json: dict[str, Any], account: str, region: str
) -> None:
    if not isinstance(resource, AdoptedResource):
        resource_map._delete_resource(resource, resource_json)  # created by moto: its own delete path
        return
    deleter = DELETERS.get(resource.cf_resource_type)
    if deleter is None:
        raise DeleteRefused(
            "UnsupportedDelete",
            f"the local cloud cannot delete {resource.cf_resource_type}; set DeletionPolicy Retain",
        )
    deleter(account, region, resource)


class DeleteRefused(Exception):
    """What EC2 (or another service) would answer to a delete that can't go ahead."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _ec2(account: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


def _live_instances(ec2: Any) -> list[Any]:
    return [i for i in ec2.all_instances() if i.state not in ("terminated", "shutting-down")]


def _delete_instance(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    ids = [i.id for i in ec2.all_instances() if i.id == res.physical_resource_id]
    if ids:
        ec2.terminate_instances(ids)


def _delete_key_pair(account: str, region: str, res: AdoptedResource) -> None:
    _ec2(account, region).delete_key_pair(res.physical_resource_id)


def _delete_security_group(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    group = ec2.get_security_group_from_id(res.physical_resource_id)
    if group is None:
        return
    if group.name == "default":
        raise DeleteRefused("CannotDelete", f"the default security group {group.id} cannot be deleted")
    for instance in _live_instances(ec2):
        if any(getattr(g, "id", g) == group.id for g in instance.security_groups):
            raise DeleteRefused("DependencyViolation", f"resource {group.id} has a dependent object")
    ec2.delete_security_group(group_id=group.id)


def _delete_subnet(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    subnet_id = res.physical_resource_id
    if not any(subnet_id in subnets for subnets in ec2.subnets.values()):
        return
    if any(i.subnet_id == subnet_id for i in _live_instances(ec2)):
        raise DeleteRefused(
            "DependencyViolation", f"The subnet '{subnet_id}' has dependencies and cannot be deleted."
        )
    for table in ec2.route_tables.values():  # EC2 drops a deleted subnet's associations with it
        for assoc_id in [a for a, s in table._associations.items() if s == subnet_id]:
            del table._associations[assoc_id]
    for acl in ec2.network_acls.values():
        for assoc_id in [a for a, v in acl._associations.items() if v.subnet_id == subnet_id]:
            del acl._associations[assoc_id]
    ec2.delete_subnet(subnet_id)


def _delete_route_table(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    table = ec2.route_tables.get(res.physical_resource_id)
    if table is None:
        return
    if table.main_association_id is not None:
        raise DeleteRefused("DependencyViolation", f"the main route table {table.id} cannot be deleted")
    ec2.delete_route_table(table.id)


def _delete_route(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    table_id, cidr = res.identifier["RouteTableId"], res.identifier["CidrBlock"]
    table = ec2.route_tables.get(table_id)
    if table is not None and any(r.destination_cidr_block == cidr for r in table.routes):
        ec2.delete_route(table_id, cidr)


def _delete_route_table_association(account: str, region: str, res: AdoptedResource) -> None:
    _ec2(account, region).disassociate_route_table(res.physical_resource_id)


def _delete_internet_gateway(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    if res.physical_resource_id in ec2.internet_gateways:
        ec2.delete_internet_gateway(res.physical_resource_id)


def _delete_gateway_attachment(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    vpc_id = res.identifier["VpcId"]
    for igw in ec2.internet_gateways.values():
        if igw.vpc is not None and igw.vpc.id == vpc_id:
            ec2.detach_internet_gateway(igw.id, vpc_id)


def _delete_network_acl(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    acl = ec2.network_acls.get(res.physical_resource_id)
    if acl is None:
        return
    if acl.default:
        raise DeleteRefused("InvalidParameterValue", f"cannot delete default network ACL {acl.id}")
    ec2.delete_network_acl(acl.id)


def _delete_network_acl_association(account: str, region: str, res: AdoptedResource) -> None:
    """The service's handler moves the subnet back to its VPC's default ACL (a no-op on the default ACL)."""
    ec2 = _ec2(account, region)
    assoc_id = res.physical_resource_id
    for acl in ec2.network_acls.values():
        if assoc_id in acl._associations and not acl.default:
            default = next(a for a in ec2.network_acls.values() if a.default and a.vpc_id == acl.vpc_id)
            ec2.replace_network_acl_association(assoc_id, default.id)
            return


def _delete_vpc(account: str, region: str, res: AdoptedResource) -> None:
    ec2 = _ec2(account, region)
    vpc_id = res.physical_resource_id
    if vpc_id not in ec2.vpcs:
        return
    attached = [
        igw.id for igw in ec2.internet_gateways.values() if igw.vpc is not None and igw.vpc.id == vpc_id
    ]
    groups = [g.id for g in ec2.groups.get(vpc_id, {}).values() if g.name != "default"]
    custom_acls = [a.id for a in ec2.network_acls.values() if a.vpc_id == vpc_id and not a.default]
    if attached or groups or custom_acls:
        raise DeleteRefused(
            "DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
        )
    ec2.delete_vpc(vpc_id)
    for acl_id in [a.id for a in ec2.network_acls.values() if a.vpc_id == vpc_id]:
        ec2.network_acls.pop(acl_id, None)


def _delete_bucket(account: str, region: str, res: AdoptedResource) -> None:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    s3 = s3_backends[account][get_partition(region)]
    if res.physical_resource_id in s3.buckets:
        s3.delete_bucket(res.physical_resource_id)
        if res.physical_resource_id in s3.buckets:
            raise DeleteRefused("BucketNotEmpty", f"The bucket {res.physical_resource_id} is not empty")


def _delete_role(account: str, region: str, res: AdoptedResource) -> None:
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    iam = iam_backends[account][get_partition(region)]
    if any(role.name == res.physical_resource_id for role in iam.roles.values()):
        iam.delete_role(res.physical_resource_id)


def _delete_function(account: str, region: str, res: AdoptedResource) -> None:
    from moto.awslambda.models import lambda_backends

    backend = lambda_backends[account][region]
    if backend.get_function(res.physical_resource_id) is not None:
        backend.delete_function(res.physical_resource_id)


def _delete_table(account: str, region: str, res: AdoptedResource) -> None:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[account][region]
    if res.physical_resource_id in backend.tables:
        backend.delete_table(res.physical_resource_id)


DELETERS: dict[str, Callable[[str, str, AdoptedResource], None]] = {
    "AWS::EC2::Instance": _delete_instance,
    "AWS::EC2::KeyPair": _delete_key_pair,
    "AWS::EC2::SecurityGroup": _delete_security_group,
    "AWS::EC2::Subnet": _delete_subnet,
    "AWS::EC2::RouteTable": _delete_route_table,
    "AWS::EC2::Route": _delete_route,
    "AWS::EC2::SubnetRouteTableAssociation": _delete_route_table_association,
    "AWS::EC2::InternetGateway": _delete_internet_gateway,
    "AWS::EC2::VPCGatewayAttachment": _delete_gateway_attachment,
    "AWS::EC2::NetworkAcl": _delete_network_acl,
    "AWS::EC2::SubnetNetworkAclAssociation": _delete_network_acl_association,
    "AWS::EC2::VPC": _delete_vpc,
    "AWS::S3::Bucket": _delete_bucket,
    "AWS::IAM::Role": _delete_role,
    "AWS::Lambda::Function": _delete_function,
    "AWS::DynamoDB::Table": _delete_table,
}


# --------------------------------------------------------------------------------------------- install

_PATCHES: dict[str, Callable[..., Any]] = {
    "create_change_set": create_change_set,
    "describe_change_set": describe_change_set,
    "execute_change_set": execute_change_set,
    "delete_change_set": delete_change_set,
    "list_change_sets": list_change_sets,
    "delete_stack": delete_stack,
    "update_stack": update_stack,
    "get_template_summary": get_template_summary,
    "list_stack_resources": list_stack_resources,
    "_get_stack_from_s3_url": get_stack_from_s3_url,
}


def install() -> None:
    """Put the IMPORT semantics on moto's CloudFormationResponse, under wire.LOCK (idempotent)."""
    for name in _PATCHES:
        _originals.setdefault(name, getattr(Response, name))
    install_operations(_PATCHES)

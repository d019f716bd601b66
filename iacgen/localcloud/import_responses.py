"""The IMPORT change set operations on moto's CloudFormation wire: each handler reads the request, applies the
rules in importing.py (or deletion.py for DeleteStack) and answers as the service does; install() puts them on
CloudFormationResponse under wire.LOCK."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation import utils as cfn_utils
from moto.core.responses import ActionResult, EmptyResult

from iacgen.localcloud import faults
from iacgen.localcloud.deletion import delete_imported_stack
from iacgen.localcloud.errors import AlreadyExists, too_long
from iacgen.localcloud.importing import (
    IMPORTABLE_STACK_STATES,
    MAX_TEMPLATE_BODY_BYTES,
    MAX_TEMPLATE_URL_CHARS,
    MAX_TEMPLATE_URL_OBJECT_BYTES,
    ImportChangeSet,
    InvalidChangeSetStatus,
    adopt,
    check_parameters,
    drop_change_sets,
    find_change_set,
    find_live_stack,
    holds_adopted,
    identifier_summaries,
    invalid,
    pace_change_set,
    parse_template,
    plan_imports,
    refuse_update_of_imported,
)
from iacgen.localcloud.settings import settings
from iacgen.localcloud.wire import install_operations

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


def _read_template_url(response: Any, url: str) -> str:
    """The body of a TemplateURL in moto's S3, or a ValidationError that says why it can't be read."""
    if len(url) > MAX_TEMPLATE_URL_CHARS:
        raise too_long("templateURL", MAX_TEMPLATE_URL_CHARS, len(url))
    try:
        body: str = cfn_utils.get_stack_from_s3_url(
            url, account_id=response.current_account, partition=response.partition
        )
    except AttributeError as exc:  # moto returns no key object for a missing key
        raise invalid(f"S3 error: the object at TemplateURL {url} does not exist") from exc
    except Exception as exc:  # missing bucket, malformed URL
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise invalid(f"S3 error: cannot read TemplateURL {url}: {reason}") from exc
    if len(body.encode("utf-8")) > MAX_TEMPLATE_URL_OBJECT_BYTES:
        raise invalid(
            f"Template may not exceed {MAX_TEMPLATE_URL_OBJECT_BYTES} bytes in size (TemplateURL {url})"
        )
    return body


def _template_from_request(response: Any) -> str:
    body = response._get_param("TemplateBody")
    url = response._get_param("TemplateURL")
    if response._get_bool_param("UsePreviousTemplate", False):
        raise invalid("UsePreviousTemplate cannot be used with an IMPORT change set: pass the new template")
    if body and url:
        raise invalid("You cannot specify both TemplateURL and TemplateBody")
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
    raise invalid("Either Template URL or Template Body must be specified.")


def create_change_set(self: Any) -> ActionResult:
    change_set_type = self._get_param("ChangeSetType", "CREATE")
    if change_set_type != "IMPORT":
        if not (
            self._get_param("TemplateBody")
            or self._get_param("TemplateURL")
            or self._get_bool_param("UsePreviousTemplate", False)
        ):  # moto would fail with an AttributeError (HTTP 500)
            raise invalid("Either Template URL or Template Body must be specified.")
        if change_set_type == "UPDATE":
            refuse_update_of_imported(self.cloudformation_backend, self._get_param("StackName"), "An update")
        return _originals["create_change_set"](self)
    backend = self.cloudformation_backend
    stack_name = self._get_param("StackName")
    change_set_name = self._get_param("ChangeSetName")
    cfn_utils.validate_create_change_set(change_set_name)
    body = _template_from_request(self)
    template = parse_template(body)
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in self._get_param("Parameters", [])}
    check_parameters(template, parameters)

    stack = find_live_stack(backend, stack_name)
    if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
        if stack.status not in IMPORTABLE_STACK_STATES:
            raise invalid(f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
        existing = stack
    else:
        existing = None
    if stack is not None and any(
        cs.stack_id == stack.stack_id and cs.change_set_name == change_set_name
        for cs in backend.change_sets.values()
    ):
        raise AlreadyExists(f"ChangeSet {change_set_name} already exists")
    planned, failure = plan_imports(
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
    if failure is None:
        change_set.status = "CREATE_COMPLETE"
        change_set.execution_status = "AVAILABLE"
    else:
        change_set.status = "FAILED"
        change_set.execution_status = "UNAVAILABLE"
        change_set.status_reason = failure
    faults.change_set_created(change_set)
    pace_change_set(change_set, settings.change_set_seconds, settings.clock())
    backend.change_sets[change_set.change_set_id] = change_set
    return ActionResult({"Id": change_set.change_set_id, "StackId": stack.stack_id})


def describe_change_set(self: Any) -> ActionResult:
    change_set = find_change_set(
        self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName")
    )
    return ActionResult(change_set)


def delete_change_set(self: Any) -> EmptyResult:
    backend = self.cloudformation_backend
    change_set = find_change_set(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
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
    change_set = find_change_set(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    if not isinstance(change_set, ImportChangeSet):
        return _originals["execute_change_set"](self)
    if change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatus(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current execution status of "
            f"[{change_set.execution_status}]"
        )
    adopt(backend, change_set, self.current_account, self.region)
    return EmptyResult()


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
            raise invalid("GetTemplateSummary cannot be called on REVIEW_IN_PROGRESS stacks.")
        body = stack.template
    elif template_url:
        body = _read_template_url(self, template_url)
    if not body:
        raise invalid("Either Template URL or Template Body must be specified.")
    summary = cfn_responses.get_template_summary_response_from_template(body)
    summary["ResourceIdentifierSummaries"] = identifier_summaries(summary.get("Resources") or {})
    return ActionResult(summary)


def update_stack(self: Any) -> ActionResult:
    refuse_update_of_imported(self.cloudformation_backend, self._get_param("StackName"), "UpdateStack")
    result: ActionResult = _originals["update_stack"](self)
    return result


def get_stack_from_s3_url(self: Any, template_url: str) -> str:
    return _read_template_url(self, template_url)


def delete_stack(self: Any) -> EmptyResult:
    backend = self.cloudformation_backend
    name = self._get_param("StackName")
    retain = set(self._get_param("RetainResources", []) or [])
    stack = find_live_stack(backend, name)
    if stack is not None and retain and stack.status != "DELETE_FAILED":
        raise invalid(
            "Invalid operation on stack: RetainResources can only be specified when the stack is in the "
            "DELETE_FAILED state"
        )
    if stack is None:
        return _originals["delete_stack"](self)
    if holds_adopted(stack):
        delete_imported_stack(backend, stack, retain)
        return EmptyResult()
    result = _originals["delete_stack"](self)
    if stack.stack_id not in backend.stacks:  # the service drops a deleted stack's change sets with it
        drop_change_sets(backend, stack.stack_id)
    return result


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


def _masked_parameter_list(stack: Any) -> list[dict[str, Any]]:
    """DescribeStacks' Parameters with NoEcho values as ****, as CloudFormation shows them (moto compares
    each value, not its key, with the NoEcho keys, and so shows the secret)."""
    hidden = set(stack.resource_map.no_echo_parameter_keys)
    return [
        {"ParameterKey": k, "ParameterValue": "****" if k in hidden else v}
        for k, v in stack.resource_map.resolved_parameters.items()
    ]


def install() -> None:
    """Put the IMPORT semantics on moto's CloudFormationResponse, under wire.LOCK (idempotent)."""
    from moto.cloudformation.models import Stack

    for name in _PATCHES:
        _originals.setdefault(name, getattr(Response, name))
    install_operations(_PATCHES)
    Stack.parameter_list = property(_masked_parameter_list)

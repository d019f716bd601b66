"""The IMPORT change set's life cycle, from a checked ImportPlan: create and wait, show the changes, then
either execute and follow the stack's events, or discard it and everything it left behind."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from iacgen.core.errors import PolicyFailure, UsageError, error_code
from iacgen.core.polling import poll
from iacgen.core.stacks import (
    EventFollower,
    StackEventInfo,
    StackResourceInfo,
    describe_stack,
    list_stack_resources,
)
from iacgen.core.statuses import ChangeSetStatus

if TYPE_CHECKING:
    from iacgen.core.preflight import ImportPlan
    from iacgen.core.session import Aws

CHANGE_SET_DONE: frozenset[ChangeSetStatus] = frozenset(
    {"CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"}
)


@dataclass
class Change:
    logical_id: str
    type: str
    action: str
    physical_id: str | None
    identifier: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChangeSetResult:
    stack: str
    stack_id: str
    change_set_id: str
    change_set_name: str
    status: ChangeSetStatus | None  # None: a leftover of an interrupted run, its status unknown
    status_reason: str | None
    new_stack: bool
    changes: list[Change] = field(default_factory=list)
    uploaded: tuple[str, str] | None = None  # (bucket, key) of a template object this run put into S3

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["uploaded"]
        return data


@dataclass
class DiscardResult:
    change_set_deleted: bool
    stack_deleted: bool
    template_object_deleted: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ExecuteResult:
    stack: str
    stack_id: str
    status: str
    resources: list[StackResourceInfo]
    events: list[StackEventInfo]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"events": [e.to_dict() for e in self.events]}


class ImportRolledBack(PolicyFailure):
    """The service rolled the import back; `events` are the FAILED events that caused it."""

    def __init__(self, message: str, hint: str | None, events: list[StackEventInfo], status: str) -> None:
        super().__init__(message, hint)
        self.events = events
        self.status = status


def change_set_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"iacgen-import-{stamp}"


def create_change_set(
    aws: Aws,
    plan: ImportPlan,
    timeout: float = 3600,
    on_progress: Callable[[str], None] | None = None,
    on_created: Callable[[ChangeSetResult], None] | None = None,
) -> ChangeSetResult:
    """Create the IMPORT change set and wait for it. A FAILED change set is a PolicyFailure carrying the
    service's StatusReason; what it left behind (the change set, an empty new stack) is cleaned up first.
    on_created(result) is called once the change set exists, before the wait: a caller that must clean up
    after an interrupted wait (ci) records it there."""
    if plan.nothing_to_import:
        raise UsageError(
            f"nothing to import: every resource in {plan.template_path} is already in stack {plan.stack}",
            None,
        )
    cfn = aws.cloudformation
    uploaded = _upload(aws, plan)
    name = change_set_name()
    try:
        created = cfn.create_change_set(**_request(plan, name))
    except BaseException:
        if uploaded:
            _delete_object(aws, uploaded)
        raise
    change_set_id = created["Id"]
    if on_created is not None:
        on_created(
            ChangeSetResult(
                stack=plan.stack,
                stack_id=created["StackId"],
                change_set_id=change_set_id,
                change_set_name=name,
                status="CREATE_PENDING",
                status_reason=None,
                new_stack=plan.new_stack,
                uploaded=uploaded,
            )
        )
    final = poll(
        lambda: dict(cfn.describe_change_set(ChangeSetName=change_set_id)),
        lambda v: v.get("Status") in CHANGE_SET_DONE,
        what=f"change set {name}",
        timeout=timeout,
        interval=2.0,
        on_update=(lambda v: on_progress(str(v.get("Status", "")))) if on_progress else None,
    )
    result = ChangeSetResult(
        stack=plan.stack,
        stack_id=created["StackId"],
        change_set_id=change_set_id,
        change_set_name=name,
        status=cast(ChangeSetStatus, str(final.get("Status"))),
        status_reason=str(final["StatusReason"]) if final.get("StatusReason") else None,
        new_stack=plan.new_stack,
        uploaded=uploaded,
    )
    if result.status != "CREATE_COMPLETE":
        discard(aws, result, timeout=min(timeout, 300))
        owned = _owned_elsewhere(plan, result.status_reason)
        if owned is not None:
            raise PolicyFailure(
                f"the import change set for stack {plan.stack} FAILED: {owned}",
                "a resource belongs to one stack only: leave it out of this import (generate again from a "
                "scan newer than that stack: iacgen scan --new; or remove it from the template and the "
                "resources file), or remove it from the other stack first (DeletionPolicy Retain, then "
                "delete it from that stack); the failed change set was deleted",
            )
        raise PolicyFailure(
            f"the import change set for stack {plan.stack} {result.status}: "
            f"{result.status_reason or 'no reason given'}",
            "fix the template or the resources file and re-run; the failed change set was deleted",
        )
    identifiers = {r.logical_id: r.identifier for r in plan.to_import}
    for item in _changes(aws, change_set_id):
        rc = item.get("ResourceChange") or {}
        lid = str(rc.get("LogicalResourceId", ""))
        result.changes.append(
            Change(
                logical_id=lid,
                type=str(rc.get("ResourceType", "")),
                action=str(rc.get("Action", "")),
                physical_id=rc.get("PhysicalResourceId"),
                identifier=identifiers.get(lid, {}),
            )
        )
    return result


_OWNED_ELSEWHERE = re.compile(r"^(?P<key>.+?) already exists in stack (?P<stack>arn:\S+)$")


def _owned_elsewhere(plan: ImportPlan, reason: str | None) -> str | None:
    """The service's reason for a resource another stack owns ("<identifier> already exists in stack
    <stack ARN>"), said with the resource's logical id and type and the owning stack's name."""
    match = _OWNED_ELSEWHERE.match((reason or "").strip())
    if match is None:
        return None
    key, stack_arn = match["key"], match["stack"]
    resource = next(
        (r for r in plan.to_import if key in ("|".join(r.identifier.values()), *r.identifier.values())), None
    )
    what = f"{resource.logical_id} ({resource.type} {key})" if resource else key
    stack_name = stack_arn.split(":stack/", 1)[-1].split("/", 1)[0]
    return f"{what} already belongs to stack {stack_name} ({stack_arn})"


def _request(plan: ImportPlan, name: str) -> dict[str, Any]:
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
    return request


def _changes(aws: Aws, change_set_id: str) -> list[dict[str, Any]]:
    """Every page of the change set's Changes (DescribeChangeSet pages them)."""
    changes: list[dict[str, Any]] = []
    request: dict[str, Any] = {"ChangeSetName": change_set_id}
    while True:
        page: dict[str, Any] = dict(aws.cloudformation.describe_change_set(**request))
        changes.extend(page.get("Changes", []) or [])
        request["NextToken"] = page.get("NextToken")
        if not request["NextToken"]:
            return changes


def _upload(aws: Aws, plan: ImportPlan) -> tuple[str, str] | None:
    """Put the body at its content-hashed key; returns (bucket, key) only if this run created the object."""
    from botocore.exceptions import ClientError

    if not (plan.s3_bucket and plan.s3_key):
        return None
    try:
        aws.s3.head_object(Bucket=plan.s3_bucket, Key=plan.s3_key)
        return None  # the same content is already there (a re-run); leave it to whoever put it
    except ClientError as exc:
        if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
            raise
    aws.s3.put_object(
        Bucket=plan.s3_bucket,
        Key=plan.s3_key,
        Body=plan.body.encode(),
        ContentType="text/plain; charset=utf-8",
    )
    return plan.s3_bucket, plan.s3_key


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
        if error_code(exc) != "ChangeSetNotFound":
            raise
    stack_deleted = result.new_stack and _delete_empty_stack(aws, result, timeout)
    object_deleted = _delete_object(aws, result.uploaded) if result.uploaded else False
    return DiscardResult(cs_deleted, stack_deleted, object_deleted)


def _delete_empty_stack(aws: Aws, result: ChangeSetResult, timeout: float) -> bool:
    cfn = aws.cloudformation
    described = describe_stack(aws, result.stack_id)
    if described is None or described.get("StackStatus") != "REVIEW_IN_PROGRESS":
        return False
    if cfn.list_change_sets(StackName=result.stack_id).get("Summaries"):
        return False  # someone else's change set waits on this stack
    cfn.delete_stack(StackName=result.stack_id)
    poll(
        lambda: describe_stack(aws, result.stack_id),
        lambda s: s is None or s.get("StackStatus") == "DELETE_COMPLETE",
        what=f"deletion of the empty stack {result.stack}",
        timeout=timeout,
        interval=1.0,
    )
    return True


def execute(
    aws: Aws,
    result: ChangeSetResult,
    timeout: float = 3600,
    on_event: Callable[[StackEventInfo], None] | None = None,
) -> ExecuteResult:
    """Execute the change set and follow the stack's events until the import settles. A rollback is an
    ImportRolledBack (PolicyFailure) carrying the FAILED events that caused it.

    The end is read from the stack's own events, not from DescribeStacks: right after ExecuteChangeSet the
    stack can still show its status from before, and an earlier import's IMPORT_COMPLETE would pass for
    this one's."""
    follower = EventFollower(aws, result.stack_id)
    follower.fetch()  # what happened before this execution is not news
    aws.cloudformation.execute_change_set(ChangeSetName=result.change_set_id)
    events: list[StackEventInfo] = []

    def settled() -> str | None:
        status: str | None = None
        for event in follower.fetch():
            events.append(event)
            if on_event is not None:
                on_event(event)
            if follower.is_stack_event(event) and not event.status.endswith("_IN_PROGRESS"):
                status = event.status
        return status

    final = poll(
        settled,
        lambda s: s is not None,
        what=f"the import into stack {result.stack}",
        timeout=timeout,
        interval=2.0,
    )
    status = str(final)
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
        resources=list_stack_resources(aws, result.stack_id),
        events=events,
    )

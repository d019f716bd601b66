"""A stack as the service has it now: its description, resources, template and events. Both the import
preflight and the change set life cycle read stacks; these reads are the one way they do it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iacgen.core.session import Aws
    from iacgen.core.template import Template

STACK_TYPE = "AWS::CloudFormation::Stack"


@dataclass
class StackResourceInfo:
    logical_id: str
    type: str
    physical_id: str | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StackEventInfo:
    event_id: str
    timestamp: datetime | None
    logical_id: str
    type: str
    status: str
    reason: str | None
    physical_id: str | None

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"timestamp": self.timestamp.isoformat() if self.timestamp else None}


def describe_stack(aws: Aws, stack: str) -> dict[str, Any] | None:
    """The stack's description, or None when there is no such stack (the service says so with a 400)."""
    from botocore.exceptions import ClientError

    try:
        stacks = aws.cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in str(error.get("Message", "")):
            return None
        raise
    return dict(stacks[0]) if stacks else None


def list_stack_resources(aws: Aws, stack: str) -> list[StackResourceInfo]:
    cfn = aws.cloudformation
    found: list[StackResourceInfo] = []
    token: str | None = None
    while True:
        page = cfn.list_stack_resources(StackName=stack, **({"NextToken": token} if token else {}))
        for item in page.get("StackResourceSummaries", []):
            found.append(
                StackResourceInfo(
                    logical_id=item["LogicalResourceId"],
                    type=item["ResourceType"],
                    physical_id=item.get("PhysicalResourceId"),
                    status=item["ResourceStatus"],
                )
            )
        token = page.get("NextToken") or None
        if not token:
            return found


def stack_template(aws: Aws, stack: str) -> Template:
    """The template the stack runs, as written (TemplateStage Original: before transforms)."""
    from iacgen.core.template import load_template

    body = aws.cloudformation.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    text = body if isinstance(body, str) else json.dumps(body, indent=2)
    return load_template(text, source=f"stack {stack}'s template")


def _event(item: Mapping[str, Any]) -> StackEventInfo:
    return StackEventInfo(
        event_id=str(item["EventId"]),
        timestamp=item.get("Timestamp"),
        logical_id=str(item.get("LogicalResourceId", "")),
        type=str(item.get("ResourceType", "")),
        status=str(item.get("ResourceStatus", "")),
        reason=item.get("ResourceStatusReason"),
        physical_id=item.get("PhysicalResourceId"),
    )


class EventFollower:
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
        self.seen.update(event.event_id for event in new)
        return list(reversed(new))

    def is_stack_event(self, event: StackEventInfo) -> bool:
        """An event of the stack itself (its status changing), not of one of its resources."""
        return event.type == STACK_TYPE and event.physical_id == self.stack_id

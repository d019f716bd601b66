"""Post-import verification: after IMPORT_COMPLETE, does the stack hold exactly the resources the import
named, and do they look like the template says? AWS recommends drift detection after an import: the
import itself checks neither that template values match the live configuration nor, for a template edited
by hand, that every property is right.

Two checks: each imported logical id's physical id equals the identifier it was imported with (values
'|'-joined, as CloudFormation shows multi-part ids), and stack drift detection on the imported resources
(DetectStackDrift, polled with the one polling helper, then DescribeStackResourceDrifts) is IN_SYNC.
MODIFIED comes with the property differences the service reports. A resource type drift detection does not
support is NOT_CHECKED, which is no finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from iacgen.core.errors import AwsError, error_code
from iacgen.core.polling import poll

if TYPE_CHECKING:
    from iacgen.core.identifiers import ImportResource
    from iacgen.core.session import Aws

MAX_LOGICAL_IDS = 200  # DetectStackDrift's LogicalResourceIds (botocore's model)


class DriftStatus(StrEnum):
    IN_SYNC = "IN_SYNC"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    NOT_CHECKED = "NOT_CHECKED"
    UNKNOWN = "UNKNOWN"  # no drift result came back for the resource


class DifferenceType(StrEnum):
    ADD = "ADD"
    REMOVE = "REMOVE"
    NOT_EQUAL = "NOT_EQUAL"


@dataclass(frozen=True)
class PropertyDifference:
    path: str
    expected: str
    actual: str
    kind: DifferenceType

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "expected": self.expected, "actual": self.actual, "kind": self.kind.value}


@dataclass
class ResourceCheck:
    logical_id: str
    type: str
    expected_id: str
    physical_id: str | None
    drift: DriftStatus
    differences: list[PropertyDifference] = field(default_factory=list)

    @property
    def id_matches(self) -> bool:
        return self.physical_id == self.expected_id

    @property
    def ok(self) -> bool:
        return self.id_matches and self.drift in (DriftStatus.IN_SYNC, DriftStatus.NOT_CHECKED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.type,
            "expected_id": self.expected_id,
            "physical_id": self.physical_id,
            "id_matches": self.id_matches,
            "drift": self.drift.value,
            "differences": [d.to_dict() for d in self.differences],
        }


@dataclass
class Verification:
    stack: str
    detection_id: str | None
    detection_status: str
    detection_reason: str | None
    resources: list[ResourceCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.resources)

    @property
    def problems(self) -> list[ResourceCheck]:
        return [r for r in self.resources if not r.ok]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.resources:
            out[r.drift.value] = out.get(r.drift.value, 0) + 1
        return out

    def summary(self) -> str:
        """One line: what was checked and what was found ('MODIFIED: EC2VPC (/EnableDnsSupport)')."""
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts().items()))
        if self.ok:
            return f"verified {len(self.resources)} imported resource(s) of stack {self.stack}: {counts}"
        parts = []
        for r in self.problems:
            if not r.id_matches:
                parts.append(f"{r.logical_id} is {r.physical_id or 'missing'}, imported as {r.expected_id}")
            if r.drift in (DriftStatus.MODIFIED, DriftStatus.DELETED):
                paths = ", ".join(d.path for d in r.differences)
                parts.append(f"{r.logical_id} {r.drift.value}" + (f" ({paths})" if paths else ""))
        return f"stack {self.stack} does not match its template: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "ok": self.ok,
            "detection_id": self.detection_id,
            "detection_status": self.detection_status,
            "detection_reason": self.detection_reason,
            "counts": self.counts(),
            "resources": [r.to_dict() for r in self.resources],
        }


def expected_physical_id(identifier: dict[str, str]) -> str:
    """How CloudFormation shows a resource's physical id: the identifier's values, '|'-joined in order."""
    return "|".join(str(v) for v in identifier.values())


def verify_import(
    aws: Aws,
    stack: str,
    imported: Iterable[ImportResource],
    timeout: float = 600.0,
) -> Verification:
    """Both checks on the resources an import named. Raises AwsError when the service refuses drift detection
    (permissions, a stack busy again): the import itself is done either way."""
    from botocore.exceptions import BotoCoreError, ClientError

    wanted = list(imported)
    cfn = aws.cloudformation
    try:
        physical = _physical_ids(cfn, stack)
        detection_id, status = _detect(cfn, stack, [r.logical_id for r in wanted], timeout)
        drifts = _drifts(cfn, stack)
    except (ClientError, BotoCoreError) as exc:
        raise AwsError(
            f"could not verify stack {stack} after the import ({error_code(exc) or type(exc).__name__}): "
            f"{getattr(exc, 'response', {}).get('Error', {}).get('Message') or exc}",
            "the import is done; check it with `aws cloudformation detect-stack-drift`, or re-run with "
            "--no-verify (needs cloudformation:DetectStackDrift, DescribeStackDriftDetectionStatus, "
            "DescribeStackResourceDrifts and the read permissions of the imported types)",
        ) from exc
    result = Verification(
        stack=stack,
        detection_id=detection_id,
        detection_status=str(status.get("DetectionStatus", "")),
        detection_reason=status.get("DetectionStatusReason"),
    )
    for resource in wanted:
        drift = drifts.get(resource.logical_id, {})
        result.resources.append(
            ResourceCheck(
                logical_id=resource.logical_id,
                type=resource.type,
                expected_id=expected_physical_id(resource.identifier),
                physical_id=physical.get(resource.logical_id),
                drift=DriftStatus(drift.get("StackResourceDriftStatus", DriftStatus.UNKNOWN.value)),
                differences=[
                    PropertyDifference(
                        str(d.get("PropertyPath", "")),
                        str(d.get("ExpectedValue", "")),
                        str(d.get("ActualValue", "")),
                        DifferenceType(d.get("DifferenceType", "NOT_EQUAL")),
                    )
                    for d in drift.get("PropertyDifferences") or []
                ],
            )
        )
    return result


def _physical_ids(cfn: Any, stack: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
        for summary in page.get("StackResourceSummaries") or []:
            out[str(summary["LogicalResourceId"])] = str(summary.get("PhysicalResourceId") or "")
    return out


def _detect(cfn: Any, stack: str, logical_ids: list[str], timeout: float) -> tuple[str, dict[str, Any]]:
    """One detection for up to 200 logical ids (the model's limit); the whole stack beyond that."""
    args: dict[str, Any] = {"StackName": stack}
    if len(logical_ids) <= MAX_LOGICAL_IDS:
        args["LogicalResourceIds"] = logical_ids
    detection_id = str(cfn.detect_stack_drift(**args)["StackDriftDetectionId"])
    status = poll(
        lambda: dict(cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection_id)),
        lambda s: s.get("DetectionStatus") != "DETECTION_IN_PROGRESS",
        what=f"drift detection on stack {stack}",
        timeout=timeout,
        interval=2.0,
        max_interval=10.0,
    )
    return detection_id, status


def _drifts(cfn: Any, stack: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    token: str | None = None
    while True:
        page = cfn.describe_stack_resource_drifts(StackName=stack, **({"NextToken": token} if token else {}))
        for drift in page.get("StackResourceDrifts") or []:
            out[str(drift["LogicalResourceId"])] = drift
        token = page.get("NextToken")
        if not token:
            return out

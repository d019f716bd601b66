"""The drift operations as methods of moto's CloudFormationResponse (wire only: parse with `_get_param`, call
drift.py, return `ActionResult` so botocore's output shapes serialise the answer)."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult

from iacgen.localcloud import drift
from iacgen.localcloud.wire import install_operations, page, page_size, where, with_token


def detect_stack_drift(self: Any) -> ActionResult:
    detection_id = drift.detect_stack(
        *where(self), self._get_param("StackName"), self._get_param("LogicalResourceIds")
    )
    return ActionResult({"StackDriftDetectionId": detection_id})


def describe_stack_drift_detection_status(self: Any) -> ActionResult:
    return ActionResult(drift.detection_status(*where(self), self._get_param("StackDriftDetectionId")))


def describe_stack_resource_drifts(self: Any) -> ActionResult:
    drifts = drift.resource_drifts(
        *where(self), self._get_param("StackName"), self._get_param("StackResourceDriftStatusFilters")
    )
    size = page_size(self._get_param("MaxResults"), default=100)
    items, token = page(drifts, self._get_param("NextToken"), size)
    return ActionResult(with_token({"StackResourceDrifts": items}, token))


def detect_stack_resource_drift(self: Any) -> ActionResult:
    found = drift.detect_resource(
        *where(self), self._get_param("StackName"), self._get_param("LogicalResourceId")
    )
    return ActionResult({"StackResourceDrift": found})


OPERATIONS = {
    "detect_stack_drift": detect_stack_drift,
    "describe_stack_drift_detection_status": describe_stack_drift_detection_status,
    "describe_stack_resource_drifts": describe_stack_resource_drifts,
    "detect_stack_resource_drift": detect_stack_resource_drift,
}


def install() -> None:
    install_operations(OPERATIONS)

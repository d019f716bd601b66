"""The service's status vocabularies, as botocore's CloudFormation model lists them, so that mypy's strict
equality catches a comparison with a status that does not exist (`scan.status == "COMPLETED"`).

A response's value is cast to its vocabulary where it is read: one the service adds later still arrives as
its string, and the code acts only on the documented ones."""

from __future__ import annotations

from typing import Literal

ScanStatus = Literal["IN_PROGRESS", "FAILED", "COMPLETE", "EXPIRED"]
TemplateStatus = Literal[
    "CREATE_PENDING",
    "UPDATE_PENDING",
    "DELETE_PENDING",
    "CREATE_IN_PROGRESS",
    "UPDATE_IN_PROGRESS",
    "DELETE_IN_PROGRESS",
    "FAILED",
    "COMPLETE",
]
ChangeSetStatus = Literal[
    "CREATE_PENDING",
    "CREATE_IN_PROGRESS",
    "CREATE_COMPLETE",
    "DELETE_PENDING",
    "DELETE_IN_PROGRESS",
    "DELETE_COMPLETE",
    "DELETE_FAILED",
    "FAILED",
]

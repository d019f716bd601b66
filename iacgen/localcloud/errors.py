"""The IaC generator's modelled errors. `code` is the botocore shape name, so clients raise the modelled
exception class (client.exceptions.ResourceScanNotFoundException) with the service's wire code and status."""

from __future__ import annotations

from moto.cloudformation.exceptions import CloudFormationError


class ResourceScanInProgress(CloudFormationError):
    code = "ResourceScanInProgressException"


class ResourceScanLimitExceeded(CloudFormationError):
    code = "ResourceScanLimitExceededException"


class ResourceScanNotFound(CloudFormationError):
    code = "ResourceScanNotFoundException"


class GeneratedTemplateNotFound(CloudFormationError):
    code = "GeneratedTemplateNotFoundException"


class AlreadyExists(CloudFormationError):
    code = "AlreadyExistsException"


class LimitExceeded(CloudFormationError):
    code = "LimitExceededException"


class ConcurrentResourcesLimitExceeded(CloudFormationError):
    code = "ConcurrentResourcesLimitExceededException"


class ValidationError(CloudFormationError):
    code = "ValidationError"


def constraint(field: str, rule: str, got: object = None, hint: str = "") -> ValidationError:
    """The service's wording for a broken model constraint, which botocore does not check client-side, e.g.
    constraint('resources', 'have length less than or equal to 100', 101)."""
    message = (
        f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must {rule}"
    )
    if got is not None:
        message += f" (got {got})"
    return ValidationError(message + (f"; {hint}" if hint else ""))


def too_long(field: str, maximum: int, got: int, hint: str = "") -> ValidationError:
    return constraint(field, f"have length less than or equal to {maximum}", got, hint)

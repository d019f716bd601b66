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

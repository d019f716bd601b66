"""One error hierarchy. Each error carries a one-line message, a hint and the exit code the CLI uses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

EXIT_OK = 0
EXIT_POLICY = 1  # the run worked, but a policy said no (a --fail-on warning, a failed change set)
EXIT_USAGE = 2  # bad input or usage
EXIT_AWS = 3  # an AWS-side error: permissions, quota, service
EXIT_INTERRUPTED = 130


class Option(StrEnum):
    """An option a hint can point the user at, named for what it does. Hints raised by the core write
    `{opt:NAME}` where a front end has its own words for it: the CLI its flags (cli/flags.py), `ci` the
    manifest's keys; without words, hint_in() says "the NAME option"."""

    ALLOW_DELETE_POLICY = "allow_delete_policy"
    CREATE_BUCKET = "create_bucket"
    DELETION_POLICY = "deletion_policy"
    ENDPOINT_URL = "endpoint_url"
    EXCLUDE = "exclude"
    EXTERNAL_ID = "external_id"
    FORCE = "force"
    LOCAL = "local"
    NEW = "new"
    OUT = "out"
    PARAMETER = "parameter"
    PATCH_DELETION_POLICY = "patch_deletion_policy"
    PROFILE = "profile"
    REGION = "region"
    RELATED = "related"
    RELATED_DEPTH = "related_depth"
    REPORT_DIR = "report_dir"
    RESOURCE = "resource"
    RESOURCES = "resources"
    ROLE_NAME = "role_name"
    S3_BUCKET = "s3_bucket"
    SCAN_ID = "scan_id"
    SELECT = "select"
    STACK = "stack"
    STATE_DIR = "state_dir"
    TEMPLATE = "template"
    TIMEOUT = "timeout"
    TYPE = "type"
    UPDATE = "update"


_OPTION = re.compile(r"\{opt:([a-z0-9_]+)\}")


class IacgenError(Exception):
    exit_code = EXIT_AWS

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint_text = hint  # may hold {opt:NAME} placeholders

    @property
    def options(self) -> list[Option]:
        """The options the hint points at (typed: a front end maps them to its own words)."""
        return [Option(name) for name in _OPTION.findall(self.hint_text or "")]

    @property
    def hint(self) -> str | None:
        """The hint in words no front end owns ("the update option")."""
        return self.hint_in({})

    def hint_in(self, words: Mapping[Option, str]) -> str | None:
        """The hint with each option in the caller's words (the CLI passes its flags)."""
        if self.hint_text is None:
            return None
        return _OPTION.sub(
            lambda m: words.get(Option(m.group(1))) or f"the {m.group(1).replace('_', ' ')} option",
            self.hint_text,
        )

    def worded(self, words: Mapping[Option, str], prefix: str = "") -> IacgenError:
        """The same error with its hint already in a front end's words (ci: the manifest's keys), so whoever
        reports it later cannot word it as another front end's options; `prefix` goes before the message."""
        import copy

        again = copy.copy(self)  # the same class and fields (a subclass may take more than message and hint)
        again.message = prefix + self.message
        again.hint_text = self.hint_in(words)
        again.args = (again.message,)
        return again


class UsageError(IacgenError):
    """The user's input cannot work: fix the command line or the file."""

    exit_code = EXIT_USAGE


class AwsError(IacgenError):
    """The service refused or failed: permissions, quotas, throttling, a resource it could not find."""

    exit_code = EXIT_AWS


class PolicyFailure(IacgenError):
    """Everything ran, and the outcome is a 'no': a warning the user asked to fail on, a failed change set."""

    exit_code = EXIT_POLICY


class WaitTimeout(AwsError):
    """A wait ran past its timeout; the operation may still finish on the service side."""


# Hints for error codes the service returns, keyed by botocore's Error.Code.
_HINTS: dict[str, str] = {
    "ResourceScanInProgress": "another scan is running in this account and Region; "
    "wait for it (iacgen scan waits by default)",
    "ResourceScanLimitExceeded": "the daily scan quota or the cool-down after a failed scan is in force; "
    "reuse a recent scan (iacgen scans) or try again later",
    "ResourceScanNotFound": "check the scan id and the Region (iacgen scans lists them)",
    "GeneratedTemplateNotFound": "check the template name and the Region",
    "AlreadyExistsException": "choose another name, or reuse it with {opt:update}",
    "LimitExceededException": "an account quota was reached (1,000 generated templates); delete old ones",
    "ConcurrentResourcesLimitExceeded": "at most 5 templates can generate at once; wait and retry",
    "AccessDenied": "the credentials lack a permission; see the README's IAM section",
    "AccessDeniedException": "the credentials lack a permission; see the README's IAM section",
    "UnauthorizedOperation": "the credentials lack a permission; see the README's IAM section",
    "ExpiredToken": "the credentials have expired; refresh them (aws sso login, or new keys)",
    "ExpiredTokenException": "the credentials have expired; refresh them (aws sso login, or new keys)",
    "InvalidClientTokenId": "the access key is not valid in this partition; check {opt:profile}",
    "Throttling": "the API rate was exceeded after retries; wait a minute and re-run",
    "ValidationError": "the request was refused as invalid; the message above says which part",
}


def from_os_error(exc: OSError, what: str | None = None, hint: str | None = None) -> IacgenError | None:
    """A file or directory iacgen was told to use and cannot (no permission, not a directory, a file where
    a directory must be): bad input, exit 2. None for an OSError that names no path. A caller that knows
    what the path was for says so (`what`: GITHUB_STEP_SUMMARY, the report directory): the message names
    it, and the hint points there (`hint`), not at options that have nothing to do with it."""
    if exc.filename is None:
        return None
    where = str(exc.filename) + (f" -> {exc.filename2}" if exc.filename2 else "")
    if what is not None:
        return UsageError(
            f"{what}: {where}: {exc.strerror or type(exc).__name__}",
            hint or f"check the path given for {what} and its permissions",
        )
    return UsageError(
        f"{where}: {exc.strerror or type(exc).__name__}",
        "check the path and its permissions (another directory, or {opt:state_dir} / {opt:out})",
    )


def from_aws_exception(exc: BaseException, action: str | None = None) -> IacgenError | None:
    """Turn a botocore exception into an IacgenError with a hint; None for anything not botocore's."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
    )

    prefix = f"{action}: " if action else ""
    if isinstance(exc, ClientError):
        err: dict[str, Any] = dict(exc.response.get("Error", {}))
        code = str(err.get("Code", "Unknown"))
        message = str(err.get("Message") or exc)
        op = exc.operation_name
        return AwsError(f"{prefix}{op} failed ({code}): {message}", _HINTS.get(code))
    if isinstance(exc, NoCredentialsError):
        return UsageError(
            f"{prefix}no AWS credentials found",
            "set AWS_PROFILE or pass {opt:profile}, or use {opt:local} with a running local cloud",
        )
    if isinstance(exc, NoRegionError):
        return UsageError(f"{prefix}no AWS Region is set", "pass {opt:region} or set AWS_REGION")
    if isinstance(exc, ProfileNotFound):
        return UsageError(f"{prefix}{exc}", "list profiles with: aws configure list-profiles")
    if isinstance(exc, EndpointConnectionError):
        return AwsError(
            f"{prefix}cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}",
            "check the network, {opt:endpoint_url}, or start the local cloud (iacgen local start)",
        )
    if isinstance(exc, BotoCoreError):
        return AwsError(f"{prefix}{exc}")
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ResponseParserError) or _raised_in("botocore.parsers", exc):
        return AwsError(
            f"{prefix}the endpoint's answer is not an AWS API response: {str(exc).splitlines()[0][:200]}",
            "check --endpoint-url / AWS_ENDPOINT_URL: it must point at AWS or an emulator of it",
        )
    return None


def _raised_in(module: str, exc: BaseException) -> bool:
    """Whether the innermost frame of exc's traceback is in `module`: botocore's parsers fail with a bare
    KeyError or ValueError on an answer that is not the API's (a web page from a wrong endpoint)."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", "")).startswith(module)


def error_code(exc: BaseException) -> str | None:
    """botocore's error code without any 'Exception' suffix (the model's codes mix both spellings)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    return str(response.get("Error", {}).get("Code", "")).removesuffix("Exception")


def aws_error(exc: BaseException, action: str | None = None) -> BaseException:
    """The IacgenError for a botocore exception, or the exception itself when it is not botocore's."""
    return from_aws_exception(exc, action) or exc

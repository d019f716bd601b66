"""Reaching other accounts: who the caller is, and a client factory for another account through STS
AssumeRole (the caller's own account is used with the caller's credentials). Shared by `coverage` and by
`ci`'s fan-out over the manifest's targets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iacgen.core.errors import UsageError, aws_error
from iacgen.core.session import Credentials

if TYPE_CHECKING:
    from iacgen.core.session import Aws

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_SESSION_NAME = "iacgen"
DEFAULT_MAX_WORKERS = 8  # targets (account x Region) worked on at once, by coverage and ci's fan-out
MAX_WORKERS = 64
_ROLE_NAME_RE = re.compile(r"[\w+=,.@/-]{1,64}")  # IAM's role name characters (a path may lead)


def check_role_name(name: str) -> None:
    """The role assumed in other accounts: coverage's --role-name and a manifest target's role_name."""
    if not _ROLE_NAME_RE.fullmatch(name):
        raise UsageError(
            f"role name {name!r} is not valid: 1-64 letters, digits and +=,.@_-/",
            "give {opt:role_name} the role's name (default " + DEFAULT_ROLE_NAME + ")",
        )


def check_external_id(value: str | None) -> None:
    """sts:AssumeRole's ExternalId is 2-1224 characters; an empty one would be sent as none."""
    if value is not None and not 2 <= len(value) <= 1224:
        raise UsageError(
            f"external id {value!r} is not valid: 2-1224 characters",
            "give {opt:external_id} the value the role's trust policy asks for, or leave it out",
        )


def check_max_workers(count: int) -> None:
    if not 1 <= count <= MAX_WORKERS:
        raise UsageError(
            f"--max-workers must be 1-{MAX_WORKERS}, got {count}", f"the default is {DEFAULT_MAX_WORKERS}"
        )


@dataclass(frozen=True)
class Caller:
    account: str
    arn: str

    @property
    def partition(self) -> str:
        parts = self.arn.split(":")
        return parts[1] if len(parts) > 1 and parts[1] else "aws"


def caller(aws: Aws) -> Caller:
    """sts:GetCallerIdentity (needs no permission)."""
    try:
        identity = aws.client("sts").get_caller_identity()
    except Exception as exc:
        raise aws_error(exc, "identify the caller") from exc
    return Caller(str(identity["Account"]), str(identity.get("Arn", "")))


def reach(
    aws: Aws,
    who: Caller,
    account: str,
    region: str,
    *,
    role_name: str = DEFAULT_ROLE_NAME,
    external_id: str | None = None,
    session_name: str = DEFAULT_SESSION_NAME,
) -> Aws:
    """A client factory in `region` acting in `account`: the caller's own credentials for its own account,
    else the role's (AssumeRole through `aws`'s STS client; botocore's errors propagate to the caller)."""
    if account == who.account:
        return aws.derive(region)
    kwargs: dict[str, Any] = {
        "RoleArn": f"arn:{who.partition}:iam::{account}:role/{role_name}",
        "RoleSessionName": session_name,
    }
    if external_id:
        kwargs["ExternalId"] = external_id
    data = aws.client("sts").assume_role(**kwargs)
    return aws.derive(region, Credentials.from_api(data["Credentials"]))

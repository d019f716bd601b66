"""Several accounts and Regions at once: what moto lacks for an estate.

moto already keeps every backend per account and Region, maps the credentials STS AssumeRole hands out to the
role's account, and models AWS Organizations (CreateAccount even creates OrganizationAccountAccessRole in the
new account, trusting the management account). Three things differ from the service, and matter for a tool
that fans out over an organization:

* AssumeRole succeeds for any role ARN in moto, existing or not. The service refuses with AccessDenied unless
  the role exists and its trust policy allows the caller (and, where the policy asks for one, the external id
  matches). Here the role must exist in the target account, an Allow statement for `sts:AssumeRole` must name
  the caller's account (`123456789012`, `arn:aws:iam::123456789012:root`), the caller's own ARN, or `*`, and
  an `sts:ExternalId` condition (StringEquals/StringLike without wildcards) must equal the ExternalId given;
  a matching Deny wins. Other condition keys are not evaluated (they do not block).
* DescribeRegions in moto lists every Region of every partition, enabled or not. The service lists the Regions
  enabled for the account in the caller's partition, and every Region of it only with AllRegions=true.
* A request to a Region the account has not opted in to is refused by the service before it reaches the API
  (InvalidClientTokenId, "The security token included in the request is invalid"). Here the IaC generator
  operations (wire.where) refuse requests to a not-opted-in Region the same way.

Which Regions are enabled: the 17 commercial Regions AWS enables by default (those introduced before 20 March
2019, per the Account Management guide); every later commercial Region needs opting in, including af-south-1,
eu-south-1 and ap-southeast-3, which moto's table marks "opt-in-not-required". A scenario enables one for an
account with opt_in() (the state of the Account Management API's EnableRegion, reset with moto). Regions of
the other partitions, and names moto does not know, are not refused here.
The AccessDenied status code is 400 here (the STS model has no AccessDenied shape); the service sends 403.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

_ROLE_ARN = re.compile(
    r"^arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):role/(?:[\w+=,.@/-]*/)?(?P<name>[\w+=,.@-]+)$"
)
_ASSUMED = re.compile(r"^arn:(?P<partition>[\w-]+):sts::(?P<account>\d{12}):assumed-role/(?P<name>[^/]+)/")
_originals: dict[str, Any] = {}


class AccessDenied(ServiceException):
    code = "AccessDenied"


class InvalidClientTokenId(ServiceException):
    code = "InvalidClientTokenId"


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return [s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, dict)]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _principal_matches(statement: dict[str, Any], account: str, arns: list[str]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for entry in _as_list(principal.get("AWS")):
        if entry == "*" or entry == account or entry.endswith(f":iam::{account}:root") or entry in arns:
            return True
    return False


def _action_matches(statement: dict[str, Any]) -> bool:
    return any(a in ("*", "sts:*", "sts:AssumeRole") for a in _as_list(statement.get("Action")))


def _external_id_ok(statement: dict[str, Any], external_id: str | None) -> bool:
    conditions = statement.get("Condition") or {}
    for operator in ("StringEquals", "StringLike"):
        expected = {str(k).lower(): v for k, v in (conditions.get(operator) or {}).items()}.get(
            "sts:externalid"
        )
        if expected is not None and external_id not in _as_list(expected):
            return False
    return True


def trusts(document: Any, account: str, arns: list[str], external_id: str | None) -> bool:
    """Whether a role's trust policy lets this caller assume it (the subset described in the module doc)."""
    allowed = False
    for statement in _statements(document):
        if not (_action_matches(statement) and _principal_matches(statement, account, arns)):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow" and _external_id_ok(statement, external_id):
            allowed = True
    return allowed


def _caller(response: Any) -> tuple[str, list[str]]:
    """The caller's account and the ARNs a trust policy may name for it (an assumed-role session is named by
    its role's ARN)."""
    _, arn, account = response.backend.get_caller_identity(response.get_access_key(), response.region)
    arns = [str(arn)]
    if match := _ASSUMED.match(str(arn)):
        arns.append(f"arn:{match['partition']}:iam::{match['account']}:role/{match['name']}")
    return str(account), arns


def _role(partition: str, account: str, name: str) -> Any:
    from moto.iam.models import iam_backends

    for role in list(iam_backends[account][partition].roles.values()):
        if role.name == name:
            return role
    return None


def assume_role(self: Any) -> Any:
    role_arn = str(self._get_param("RoleArn") or "")
    account, arns = _caller(self)
    match = _ROLE_ARN.match(role_arn)
    role = _role(match["partition"], match["account"], match["name"]) if match else None
    if role is None or not trusts(
        role.assume_role_policy_document, account, arns, self._get_param("ExternalId")
    ):
        raise AccessDenied(
            f"User: {arns[0]} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        )
    return _originals["assume_role"](self)


# The commercial Regions enabled in every account (AWS Account Management guide: Regions introduced before
# 20 March 2019); every later one is disabled until the account opts in.
ENABLED_BY_DEFAULT = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-southeast-1", "ap-southeast-2",
        "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
    }
)  # fmt: skip


def _opted_in(account: str) -> set[str]:
    """The Regions `account` has opted in to, kept on moto's Account backend so they reset with moto."""
    from moto.account.models import account_backends

    backend = account_backends[account]["aws"]
    regions: set[str] | None = getattr(backend, "iacgen_opted_in", None)
    if regions is None:
        regions = set()
        backend.iacgen_opted_in = regions
    return regions


def opt_in(account: str, region: str) -> None:
    """Enable an opt-in Region for an account (what EnableRegion does once it has finished)."""
    _opted_in(account).add(region)


def _status(region: str, account: str) -> str:
    """DescribeRegions' OptInStatus: opt-in-not-required, opted-in or not-opted-in."""
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
    from moto.utilities.utils import get_partition

    known = region in {r.name for r in RegionsAndZonesBackend.regions}
    if region in ENABLED_BY_DEFAULT or not known or get_partition(region) != "aws":
        return "opt-in-not-required"
    return "opted-in" if region in _opted_in(account) else "not-opted-in"


def enabled(region: str, account: str) -> bool:
    """Whether `account` has this Region enabled (a name moto does not know is not refused here)."""
    return _status(region, account) != "not-opted-in"


def require_enabled(region: str, account: str) -> None:
    """The service's answer to a request sent to a Region the account has not opted in to."""
    if not enabled(region, account):
        raise InvalidClientTokenId("The security token included in the request is invalid")


def describe_regions(self: Any) -> Any:
    from moto.ec2.models.availability_zones_and_regions import Region, RegionsAndZonesBackend
    from moto.utilities.utils import get_partition

    self.error_on_dryrun()
    names = set(self._get_param("RegionNames", []) or [])
    every = str(self._get_param("AllRegions", "false")).lower() == "true"
    partition = get_partition(self.region)
    account = str(self.current_account)
    regions = [
        Region(r.name, r.endpoint, _status(r.name, account))
        for r in RegionsAndZonesBackend.regions
        if get_partition(r.name) == partition and (not names or r.name in names)
    ]
    return ActionResult({"Regions": [r for r in regions if every or r.opt_in_status != "not-opted-in"]})


def install() -> None:
    """Put the refusals on moto's STS and EC2 responses (idempotent)."""
    import warnings

    from moto.ec2.responses import EC2Response
    from moto.sts.responses import TokenResponse

    # moto warns that these codes match no modelled error shape: the service sends them all the same
    for code in ("AccessDenied", "InvalidClientTokenId"):
        warnings.filterwarnings("ignore", message=rf"Exception\({code}\)", category=UserWarning)
    if "assume_role" not in _originals:
        _originals["assume_role"] = TokenResponse.assume_role
        TokenResponse.assume_role = assume_role
        _originals["describe_regions"] = EC2Response.describe_regions
        EC2Response.describe_regions = describe_regions

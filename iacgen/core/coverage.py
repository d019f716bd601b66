"""How much of an estate is under IaC: for every target (account x Region), what the newest usable full scan
found by resource type, how much of it a stack manages (the scan's ManagedByStack), and totals per account,
per Region and overall.

Targets come from Regions (given, or the ones EC2 DescribeRegions says the account has enabled) times
accounts (given, or the ACTIVE accounts of the organization). The caller's own account is used with the
caller's credentials; every other account through STS AssumeRole of `role_name` (OrganizationAccountAccessRole
by default). Targets run on a bounded pool, each with its own clients (and so its own retries); a target
that fails (role not assumable, Region disabled, scan quota) is a result with its reason, and the others go
on. A stop event (set on Ctrl-C) ends the run with what was gathered.

Global resources (IAM) appear in every Region's scan of an account: per-target and per-Region figures count
what each scan lists; per-account and overall totals count each global resource once (managed if any
Region's scan says so).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from iacgen.core import accounts, scans
from iacgen.core.accounts import DEFAULT_MAX_WORKERS
from iacgen.core.errors import AwsError, IacgenError, UsageError, aws_error, error_code
from iacgen.core.polling import poll
from iacgen.core.reporter import NullReporter, Reporter

if TYPE_CHECKING:
    from iacgen.core.session import Aws

DEFAULT_ROLE_NAME = accounts.DEFAULT_ROLE_NAME
DEFAULT_SESSION_NAME = "iacgen-coverage"
GLOBAL_TYPE_PREFIXES = ("AWS::IAM::",)
_ACCOUNT_RE = re.compile(r"\d{12}")
_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}")
_DISABLED_REGION_CODES = {"InvalidClientTokenId", "UnrecognizedClient", "AuthFailure", "OptInRequired"}


class TargetStatus(StrEnum):
    OK = "ok"  # counted from a scan
    NO_SCAN = "no_scan"  # answered, but has no usable full scan (and --scan was not given)
    FAILED = "failed"  # the account or Region refused: role, Region, quota, scan failure
    INTERRUPTED = "interrupted"  # stopped before it finished


@dataclass(frozen=True)
class CoverageRequest:
    regions: tuple[str, ...] = ()  # empty and not all_regions: the caller's Region
    all_regions: bool = False
    accounts: tuple[str, ...] = ()  # empty and not organization: the caller's own account
    organization: bool = False
    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    role_session_name: str = DEFAULT_SESSION_NAME
    scan: bool = False  # start a new full scan in every target (within its quota) instead of reusing
    max_workers: int = DEFAULT_MAX_WORKERS
    timeout: float = 3600.0  # per scan wait


@dataclass
class Counts:
    found: int = 0
    managed: int = 0

    @property
    def unmanaged(self) -> int:
        return self.found - self.managed

    @property
    def share(self) -> float | None:
        """The share under IaC, 0..1; None when nothing was found."""
        return self.managed / self.found if self.found else None

    def add(self, other: Counts) -> None:
        self.found += other.found
        self.managed += other.managed

    def to_dict(self) -> dict[str, Any]:
        share = self.share
        return {
            "found": self.found,
            "managed": self.managed,
            "unmanaged": self.unmanaged,
            "share": round(share, 4) if share is not None else None,
        }


GlobalKey = tuple[str, tuple[tuple[str, str], ...]]


@dataclass
class TargetResult:
    account: str
    region: str | None  # None: the account failed before its Regions were known
    status: TargetStatus
    reason: str | None = None
    detail: str | None = None  # the service's own message, when the reason is a summary of it
    scan_id: str | None = None
    scan_action: str | None = None  # reused, started, joined
    scan_age_seconds: int | None = None
    by_type: dict[str, Counts] = field(default_factory=dict)
    # global resources (type, identifier) -> managed: kept to count them once per account
    global_resources: dict[GlobalKey, bool] = field(default_factory=dict, repr=False)

    @property
    def totals(self) -> Counts:
        out = Counts()
        for counts in self.by_type.values():
            out.add(counts)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "status": str(self.status),
            "reason": self.reason,
            "detail": self.detail,
            "scan_id": self.scan_id,
            "scan_action": self.scan_action,
            "scan_age_seconds": self.scan_age_seconds,
            **self.totals.to_dict(),
        }


@dataclass
class CoverageResult:
    caller_account: str
    targets: list[TargetResult]
    interrupted: bool = False
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def answered(self) -> list[TargetResult]:
        return [t for t in self.targets if t.status is TargetStatus.OK]

    @property
    def incomplete(self) -> list[TargetResult]:
        return [t for t in self.targets if t.status is not TargetStatus.OK]

    @property
    def complete(self) -> bool:
        return not self.interrupted and not self.incomplete

    def by_region(self) -> dict[str, Counts]:
        out: dict[str, Counts] = {}
        for t in self.answered:
            out.setdefault(t.region or "", Counts()).add(t.totals)
        return dict(sorted(out.items()))

    def by_account_type(self) -> dict[str, dict[str, Counts]]:
        """account -> type -> counts, each global resource once per account."""
        out: dict[str, dict[str, Counts]] = {}
        seen: dict[str, dict[GlobalKey, bool]] = {}
        for t in self.answered:
            types = out.setdefault(t.account, {})
            for type_name, counts in t.by_type.items():
                if not _is_global(type_name):
                    types.setdefault(type_name, Counts()).add(counts)
            merged = seen.setdefault(t.account, {})
            for key, managed in t.global_resources.items():
                merged[key] = merged.get(key, False) or managed
        for account, merged in seen.items():
            for (type_name, _), managed in merged.items():
                counts = out[account].setdefault(type_name, Counts())
                counts.found += 1
                counts.managed += int(managed)
        return {a: dict(sorted(types.items())) for a, types in sorted(out.items())}

    def by_account(self) -> dict[str, Counts]:
        out: dict[str, Counts] = {}
        for account, types in self.by_account_type().items():
            total = out.setdefault(account, Counts())
            for counts in types.values():
                total.add(counts)
        return out

    def by_type(self) -> dict[str, Counts]:
        out: dict[str, Counts] = {}
        for types in self.by_account_type().values():
            for type_name, counts in types.items():
                out.setdefault(type_name, Counts()).add(counts)
        return dict(sorted(out.items()))

    def overall(self) -> Counts:
        out = Counts()
        for counts in self.by_account().values():
            out.add(counts)
        return out

    def rows(self) -> Iterator[dict[str, Any]]:
        """One row per answered target and type, as the JSON and CSV reports list them."""
        for t in self.targets:
            for type_name, counts in t.by_type.items():
                yield {"account": t.account, "region": t.region, "type": type_name, **counts.to_dict()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "caller_account": self.caller_account,
            "complete": self.complete,
            "interrupted": self.interrupted,
            "rows": list(self.rows()),
            "targets": [t.to_dict() for t in self.targets],
            "totals": {
                "overall": self.overall().to_dict(),
                "by_account": {a: c.to_dict() for a, c in self.by_account().items()},
                "by_region": {r: c.to_dict() for r, c in self.by_region().items()},
                "by_type": {k: c.to_dict() for k, c in self.by_type().items()},
            },
            "global_types": "AWS::IAM::* resources are listed by every Region's scan; totals by account, by "
            "type and overall count each once",
            "calls": dict(sorted(self.calls.items())),
        }


def _is_global(type_name: str) -> bool:
    return type_name.startswith(GLOBAL_TYPE_PREFIXES)


class Stopped(Exception):
    """The run was asked to stop (Ctrl-C) while this target was working."""


# --- validation ------------------------------------------------------------------------------------------


def validate(request: CoverageRequest) -> None:
    """Everything about the request that can be wrong before any call (exit 2)."""
    if request.regions and request.all_regions:
        raise UsageError("--region and --all-regions exclude each other", "give Regions, or --all-regions")
    if request.accounts and request.organization:
        raise UsageError(
            "--account and --organization exclude each other", "give account ids, or --organization"
        )
    for account in request.accounts:
        if not _ACCOUNT_RE.fullmatch(account):
            raise UsageError(f"account id {account!r} is not 12 digits", "pass --account 123456789012")
    from iacgen.core.regions import check_region

    for region in request.regions:
        check_region(region)
    accounts.check_max_workers(request.max_workers)
    accounts.check_role_name(request.role_name)
    if not _SESSION_NAME_RE.fullmatch(request.role_session_name):
        raise UsageError(
            f"role session name {request.role_session_name!r} is not valid",
            "use 2-64 letters, digits and +=,.@_-",
        )
    accounts.check_external_id(request.external_id)


# --- per account and per target --------------------------------------------------------------------------


@dataclass
class _Account:
    account: str
    base: Aws  # the caller's credentials, in the caller's Region (its calls are merged back)
    aws: Aws | None = None  # in the caller's Region, with this account's credentials
    regions: list[str] = field(default_factory=list)
    failure: str | None = None
    detail: str | None = None


def _organization_accounts(aws: Aws) -> list[str]:
    """The organization's ACTIVE accounts (ListAccounts, every page)."""
    client = aws.client("organizations")
    accounts: list[str] = []
    token: str | None = None
    try:
        while True:
            page = client.list_accounts(**({"NextToken": token} if token else {}))
            accounts += [
                str(a["Id"]) for a in page.get("Accounts", []) if a.get("Status", a.get("State")) == "ACTIVE"
            ]
            token = page.get("NextToken") or None
            if not token:
                return accounts
    except Exception as exc:
        translated = aws_error(exc, "list the organization's accounts")
        if isinstance(translated, IacgenError):
            translated.hint_text = (
                "run from the organization's management account or a delegated administrator, "
                "or name the accounts with --account"
            )
        raise translated from exc


def _reason(exc: BaseException, region: str | None = None) -> str:
    """One line for a target's failure."""
    code = error_code(exc)
    if region and code in _DISABLED_REGION_CODES:
        return f"Region {region} refused the credentials ({code}): is it enabled in this account?"
    if isinstance(exc, IacgenError):
        return exc.message
    translated = aws_error(exc)
    return translated.message if isinstance(translated, IacgenError) else f"{type(exc).__name__}: {exc}"


def _prepare_account(aws: Aws, account: str, who: accounts.Caller, request: CoverageRequest) -> _Account:
    """Credentials for the account (assumed unless it is the caller's own) and its Regions."""
    home = aws.region
    out = _Account(account, aws.derive(home))
    try:
        out.aws = accounts.reach(
            out.base,
            who,
            account,
            home,
            role_name=request.role_name,
            external_id=request.external_id,
            session_name=request.role_session_name,
        )
    except Exception as exc:
        code = error_code(exc)
        out.failure = f"cannot assume {request.role_name}" + (f" ({code})" if code else f": {_reason(exc)}")
        out.detail = _reason(exc)
        return out
    if request.all_regions:
        try:
            regions = out.aws.client("ec2").describe_regions()["Regions"]
        except Exception as exc:
            out.failure = f"cannot list the enabled Regions: {_reason(exc)}"
            return out
        out.regions = sorted(str(r["RegionName"]) for r in regions)
    else:
        out.regions = list(dict.fromkeys(request.regions or (home,)))
    return out


def _newest_full_scan(aws: Aws, now: datetime) -> scans.ScanInfo | None:
    """The newest usable full scan, reading as few pages as it takes (the service lists newest first)."""
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"ScanTypeFilter": "FULL", "MaxResults": scans.PAGE_SIZE}
        if token:
            kwargs["NextToken"] = token
        page = aws.cloudformation.list_resource_scans(**kwargs)
        for item in page.get("ResourceScanSummaries", []):
            info = scans.ScanInfo.from_api(item, scan_type="FULL")
            if info.usable(now):
                return info
        token = page.get("NextToken") or None
        if not token:
            return None


def _sleeper(stop: threading.Event) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise Stopped()

    return sleep


def _wait(aws: Aws, scan_id: str, request: CoverageRequest, stop: threading.Event) -> scans.ScanInfo:
    return poll(
        lambda: scans.describe_scan(aws, scan_id),
        lambda s: s.status != "IN_PROGRESS",
        what=f"scan {scan_id}",
        timeout=request.timeout,
        interval=2.0,
        max_interval=15.0,
        sleep=_sleeper(stop),
    )


def _new_scan(aws: Aws, request: CoverageRequest, stop: threading.Event) -> scans.ScanOutcome:
    """A new full scan (or the full scan already running), waited for; someone else's partial scan is
    waited out first, as one scan runs at a time per account and Region."""
    for _ in range(2):
        outcome = scans.ensure_scan(aws, new=True, wait=False)
        info = _wait(aws, outcome.scan.scan_id, request, stop)
        if outcome.action != "waiting":
            if info.status == "FAILED":
                raise AwsError(f"scan {info.scan_id} FAILED: {info.status_reason or 'no reason given'}")
            outcome.scan = info
            return outcome
    raise AwsError("could not start a scan: another scan kept running")


def _count(target: TargetResult, aws: Aws, scan_id: str, stop: threading.Event) -> None:
    """Count the scan's resources by type, page by page, without keeping the listing (global ones by id)."""
    for resource in scans.list_resources(aws, scan_id, include_managed=True):
        if stop.is_set():
            raise Stopped()
        counts = target.by_type.setdefault(resource.type, Counts())
        counts.found += 1
        counts.managed += int(resource.managed)
        if _is_global(resource.type):
            target.global_resources[resource.key] = resource.managed
    target.by_type = dict(sorted(target.by_type.items()))


def _run_target(
    aws: Aws, account: str, region: str, request: CoverageRequest, stop: threading.Event
) -> TargetResult:
    target = TargetResult(account, region, TargetStatus.OK)
    try:
        if stop.is_set():
            raise Stopped()
        now = datetime.now(UTC)
        if request.scan:
            outcome = _new_scan(aws, request, stop)
            info, target.scan_action = outcome.scan, outcome.action
        else:
            found = _newest_full_scan(aws, now)
            if found is None:
                target.status = TargetStatus.NO_SCAN
                target.reason = "no usable full scan (COMPLETE, under 30 days old); --scan starts one"
                return target
            info, target.scan_action = found, "reused"
        target.scan_id = info.scan_id
        age = info.age(now)
        target.scan_age_seconds = int(age.total_seconds()) if age is not None else None
        _count(target, aws, info.scan_id, stop)
    except Stopped:
        target.status, target.reason, target.by_type = TargetStatus.INTERRUPTED, "interrupted", {}
        target.global_resources = {}
    except Exception as exc:
        target.status, target.reason, target.by_type = TargetStatus.FAILED, _reason(exc, region), {}
        target.global_resources = {}
    return target


# --- the run ---------------------------------------------------------------------------------------------


def coverage(
    aws: Aws,
    request: CoverageRequest,
    reporter: Reporter | None = None,
    *,
    stop: threading.Event | None = None,
    on_target: Callable[[TargetResult], None] | None = None,
) -> CoverageResult:
    """Coverage of every target. Ctrl-C (KeyboardInterrupt in the calling thread) or `stop` ends the run
    with what was gathered: the result says interrupted, and the targets not finished say so."""
    validate(request)
    report = reporter or NullReporter()
    stop = stop or threading.Event()
    who = accounts.caller(aws)
    names = list(dict.fromkeys(request.accounts or ()))
    if request.organization:
        names = _organization_accounts(aws)
        report.info(f"organization: {scans.plural(len(names), 'ACTIVE account')}")
    names = names or [who.account]
    result = CoverageResult(who.account, [])
    children: list[Aws] = []
    pool = ThreadPoolExecutor(max_workers=request.max_workers, thread_name_prefix="iacgen-coverage")
    pending: dict[Future[Any], tuple[str, str | None]] = {}
    for account in names:
        future = pool.submit(_prepare_account, aws, account, who, request)
        pending[future] = (account, None)

    def finish(target: TargetResult) -> None:
        result.targets.append(target)
        where = f"{target.account} {target.region or '(all Regions)'}"
        if target.status is TargetStatus.OK:
            totals = target.totals
            report.info(
                f"{where}: {totals.found} found, {totals.managed} managed (scan {target.scan_action})"
            )
        elif (
            target.status is TargetStatus.FAILED
        ):  # a target without a scan is in the summary, not a line each
            report.warn(f"{where}: {target.reason}")
        if on_target is not None:
            on_target(target)

    try:
        while pending:
            done, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                account, region = pending.pop(future)
                value = future.result()
                if isinstance(value, _Account):
                    children.append(value.base)
                    if value.failure or value.aws is None:
                        failed = TargetResult(account, None, TargetStatus.FAILED, value.failure, value.detail)
                        finish(failed)
                        continue
                    if value.aws is not value.base:
                        children.append(value.aws)
                    for name in value.regions:
                        child = value.aws.derive(name)
                        children.append(child)
                        pending[pool.submit(_run_target, child, account, name, request, stop)] = (
                            account,
                            name,
                        )
                else:
                    finish(value)
    except KeyboardInterrupt:
        stop.set()
        result.interrupted = True
        for future, (account, region) in pending.items():
            future.cancel()
            result.targets.append(TargetResult(account, region, TargetStatus.INTERRUPTED, "interrupted"))
    finally:
        pool.shutdown(wait=not result.interrupted, cancel_futures=True)
        for child in children:
            aws.calls.update(child.calls)
    if stop.is_set():
        result.interrupted = True
    result.targets.sort(key=lambda t: (t.account, t.region or ""))
    result.calls = dict(aws.calls)
    return result

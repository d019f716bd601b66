"""Resource scans: start, find, reuse and wait for them; list what they found.

A scan is expensive and rationed (one running per account+Region, 10 a day, cool-downs after failures), so
the default everywhere is to reuse the newest usable scan and to join a running one rather than fail.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from iacgen.core.errors import AwsError, UsageError, aws_error, error_code
from iacgen.core.polling import poll
from iacgen.core.statuses import ScanStatus
from iacgen.core.validation import check_type_patterns

if TYPE_CHECKING:
    from iacgen.core.session import Aws

MAX_SCAN_TYPES = 100
MAX_TYPE_LENGTH = 100
SCAN_VALIDITY = timedelta(days=30)
FAILED_SCAN_COOL_DOWN = timedelta(minutes=10)
BIG_SCAN_COOL_DOWN = timedelta(hours=24)  # after a scan that failed over 100,000 resources
SHORT_ID_LENGTH = 8
PAGE_SIZE = 100
_TOKEN_RE = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]{0,127}")


def _age(start: datetime | None, now: datetime) -> timedelta | None:
    return None if start is None else now - start


def short_id(scan_id: str) -> str:
    """The first characters of the scan's UUID: enough to tell an account's scans apart in a table (they
    are rationed to 10 a day), and accepted back by --scan-id."""
    return scan_id.rsplit("/", 1)[-1][:SHORT_ID_LENGTH]


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 resource', '2 resources', '2 properties': counts read the same in every message and title."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def human_age(delta: timedelta | None) -> str:
    if delta is None:
        return "unknown age"
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 90 * 60:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


@dataclass
class ScanInfo:
    """One scan as DescribeResourceScan / ListResourceScans report it (fields the list omits stay None)."""

    scan_id: str
    status: ScanStatus
    scan_type: str | None = None  # FULL or PARTIAL
    start_time: datetime | None = None
    end_time: datetime | None = None
    percentage: float | None = None
    status_reason: str | None = None
    resource_types: list[str] | None = None
    resources_scanned: int | None = None
    resources_read: int | None = None
    filter_types: list[str] | None = None  # a partial scan's ScanFilters types, from Describe only

    @classmethod
    def from_api(cls, data: Any, scan_type: str | None = None) -> ScanInfo:
        filters = data.get("ScanFilters") or []
        filter_types = [t for f in filters for t in f.get("Types", [])] if filters else None
        # ListResourceScans says ScanType; DescribeResourceScan does not, but it returns ScanFilters for
        # every partial scan (in any status), so their absence there means a full scan.
        kind = data.get("ScanType") or scan_type or ("PARTIAL" if filters else "FULL")
        return cls(
            scan_id=str(data["ResourceScanId"]),
            status=cast(ScanStatus, str(data.get("Status", ""))),
            scan_type=kind,
            start_time=data.get("StartTime"),
            end_time=data.get("EndTime"),
            percentage=data.get("PercentageCompleted"),
            status_reason=data.get("StatusReason"),
            resource_types=list(data["ResourceTypes"]) if "ResourceTypes" in data else None,
            resources_scanned=data.get("ResourcesScanned"),
            resources_read=data.get("ResourcesRead"),
            filter_types=filter_types,
        )

    def age(self, now: datetime | None = None) -> timedelta | None:
        return _age(self.start_time, now or datetime.now(UTC))

    def usable(self, now: datetime | None = None) -> bool:
        """COMPLETE and younger than the 30-day validity (the service marks it EXPIRED after that)."""
        age = self.age(now)
        return self.status == "COMPLETE" and age is not None and age <= SCAN_VALIDITY

    def to_dict(self) -> dict[str, Any]:
        age = self.age()
        return {
            "scan_id": self.scan_id,
            "status": self.status,
            "scan_type": self.scan_type,
            "start_time": self.start_time.isoformat() if self.start_time else None,
            "end_time": self.end_time.isoformat() if self.end_time else None,
            "age_seconds": int(age.total_seconds()) if age is not None else None,
            "percentage": self.percentage,
            "status_reason": self.status_reason,
            "resource_types": self.resource_types,
            "resources_scanned": self.resources_scanned,
            "resources_read": self.resources_read,
            "filter_types": self.filter_types,
        }


@dataclass(frozen=True)
class ScannedResource:
    """One resource a scan found. Identity is the type plus the whole identifier map."""

    type: str
    identifier: dict[str, str] = field(hash=False)
    managed: bool = field(default=False, compare=False)
    # the type and the sorted identifier items; computed once, a plain attribute (closures and partitions
    # look resources up by key many times each; functools.cached_property takes a lock per read in 3.11)
    key: tuple[str, tuple[tuple[str, str], ...]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.type, tuple(sorted(self.identifier.items()))))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScannedResource) and self.key == other.key

    @property
    def label(self) -> str:
        """Identifier values as CloudFormation shows a physical id ('|'-joined for composite ones)."""
        return "|".join(str(v) for v in self.identifier.values())

    @classmethod
    def from_api(cls, data: Any) -> ScannedResource:
        return cls(
            type=str(data["ResourceType"]),
            identifier={str(k): str(v) for k, v in (data.get("ResourceIdentifier") or {}).items()},
            managed=bool(data.get("ManagedByStack", False)),
        )

    def to_api(self) -> dict[str, Any]:
        return {"ResourceType": self.type, "ResourceIdentifier": dict(self.identifier)}

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "identifier": dict(self.identifier), "managed_by_stack": self.managed}


class ScanAction(StrEnum):
    """How `ensure_scan` came by the scan it returns."""

    STARTED = "started"  # a new scan
    REUSED = "reused"  # the newest usable scan that covers the request
    JOINED = "joined"  # one that was already running and covers the request
    GIVEN = "given"  # the one the caller named
    RESUMED = "resumed"  # the one an interrupted run left running (from the state file)
    WAITING = "waiting"  # someone else's running scan that must finish before ours can start


@dataclass
class ScanOutcome:
    """What `ensure_scan` did, and the scan it did it with."""

    scan: ScanInfo
    action: ScanAction
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "note": self.note, "scan": self.scan.to_dict()}


# --- validation ------------------------------------------------------------------------------------------


def validate_types(types: Iterable[str]) -> list[str]:
    """The service's ScanFilters rules, checked before the call (botocore checks only minimums)."""
    out: list[str] = []
    for raw in types:
        t = raw.strip()
        if not 1 <= len(t) <= MAX_TYPE_LENGTH:
            raise UsageError(
                f"resource type {raw!r} must be 1-{MAX_TYPE_LENGTH} characters",
                "use a type such as AWS::EC2::Instance or a prefix such as AWS::EC2::*",
            )
        if "*" in t[:-1]:
            raise UsageError(
                f"resource type {t!r}: '*' is allowed only at the end",
                "use a prefix wildcard such as AWS::EC2::*",
            )
        check_type_patterns([t], "--type")
        if not t.endswith("*") and t.count("::") != 2:
            raise UsageError(
                f"resource type {t!r} is neither a type nor a prefix",
                f"name a type (AWS::S3::Bucket) or every type of a service ({t.rstrip(':')}::*)",
            )
        if t not in out:
            out.append(t)
    if len(out) > MAX_SCAN_TYPES:
        raise UsageError(
            f"a partial scan takes at most {MAX_SCAN_TYPES} resource types, got {len(out)}",
            "group types with a wildcard such as AWS::EC2::*, or run a full scan (no {opt:type})",
        )
    from iacgen.core.resource_types import unknown_type_problem  # reads the type list: only now

    for t in out:
        problem = unknown_type_problem(t)
        if problem:
            raise UsageError(f"--type {t}: {problem[0]}", problem[1])
    return out


def type_matches(pattern: str, type_name: str) -> bool:
    """Whether a scan-filter type (exact, or a prefix ending in '*') takes in this type or type pattern."""
    if pattern.endswith("*"):
        return type_name.rstrip("*").startswith(pattern[:-1])
    return pattern == type_name


def covers(scan: ScanInfo, types: list[str] | None) -> bool:
    """Whether the scan saw every requested type; a full request (None) is covered by a full scan only."""
    if scan.scan_type == "FULL":
        return True
    if not types:
        return False
    patterns = scan.filter_types or []
    return all(any(type_matches(p, t) for p in patterns) for t in types)


# --- calls -----------------------------------------------------------------------------------------------


def start_scan(aws: Aws, types: list[str] | None, token: str | None = None) -> str:
    """StartResourceScan; the ClientRequestToken makes a retried start return the same scan, not a new one."""
    checked = validate_types(types) if types else None
    token = token or f"iacgen-{uuid.uuid4()}"
    if not _TOKEN_RE.fullmatch(token):
        raise UsageError(
            f"client request token {token!r} is not valid",
            "use 1-128 letters, digits and dashes, starting with a letter or digit",
        )
    kwargs: dict[str, Any] = {"ClientRequestToken": token}
    if checked:
        kwargs["ScanFilters"] = [{"Types": checked}]
    return str(aws.cloudformation.start_resource_scan(**kwargs)["ResourceScanId"])


def describe_scan(aws: Aws, scan_id: str) -> ScanInfo:
    try:
        data = aws.cloudformation.describe_resource_scan(ResourceScanId=scan_id)
    except Exception as exc:
        if error_code(exc) == "ResourceScanNotFound":
            raise UsageError(
                f"no scan {scan_id} in this account and Region", "list the scans with: iacgen scans"
            ) from exc
        raise
    return ScanInfo.from_api(data)


def lookup_scan_id(aws: Aws, text: str) -> str:
    """A scan ARN as given, or the one whose UUID starts with `text` (the short id tables show)."""
    text = text.strip()
    if text.startswith("arn:"):
        return text
    if len(text) < 4:
        raise UsageError(
            f"scan id {text!r} is too short", "give the scan ARN or at least 4 characters of its id"
        )
    matches = [s.scan_id for s in list_scans(aws) if s.scan_id.rsplit("/", 1)[-1].startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"no scan {text!r} in this account and Region", "list the scans with: iacgen scans")
    raise UsageError(f"scan id {text!r} matches {len(matches)} scans", "give more characters, or the ARN")


def list_scans(aws: Aws, *, details: bool = False) -> list[ScanInfo]:
    """Full and partial scans, newest first. ListResourceScans shows only FULL unless asked for PARTIAL."""
    scans: dict[str, ScanInfo] = {}
    for kind in ("FULL", "PARTIAL"):
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"ScanTypeFilter": kind, "MaxResults": PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            page = aws.cloudformation.list_resource_scans(**kwargs)
            for item in page.get("ResourceScanSummaries", []):
                info = ScanInfo.from_api(item, scan_type=kind)
                scans.setdefault(info.scan_id, info)
            token = page.get("NextToken") or None
            if not token:
                break
    ordered = sorted(
        scans.values(), key=lambda s: s.start_time or datetime.min.replace(tzinfo=UTC), reverse=True
    )
    if details:
        ordered = [_with_details(aws, s) for s in ordered]
    return ordered


def _with_details(aws: Aws, scan: ScanInfo) -> ScanInfo:
    full = describe_scan(aws, scan.scan_id)
    full.scan_type = full.scan_type or scan.scan_type
    if full.scan_type is None:
        full.scan_type = "PARTIAL" if full.filter_types else "FULL"
    return full


def find_reusable_scan(
    aws: Aws,
    types: list[str] | None = None,
    now: datetime | None = None,
    *,
    any_type: bool = False,
    started_after: datetime | None = None,
) -> ScanInfo | None:
    """The newest COMPLETE scan under 30 days old that covers `types` (None: a full scan), or None.
    any_type: accept any usable scan, full or partial (for commands that just need *a* scan);
    started_after: only a scan that started after this (an import since makes older scans stale)."""
    now = now or datetime.now(UTC)
    for scan in list_scans(aws):
        if not scan.usable(now):
            continue
        if started_after is not None and (scan.start_time is None or scan.start_time <= started_after):
            return None  # newest first: every scan from here on is older
        if any_type or scan.scan_type == "FULL":
            return scan
        if not types:  # a full scan was asked for: no partial scan covers it
            continue
        detailed = _with_details(aws, scan)  # ScanFilters are only in DescribeResourceScan
        if covers(detailed, types):
            return detailed
    return None


def running_scan(aws: Aws) -> ScanInfo | None:
    return next((s for s in list_scans(aws) if s.status == "IN_PROGRESS"), None)


def wait_for_scan(
    aws: Aws,
    scan_id: str,
    timeout: float,
    on_progress: Callable[[ScanInfo], None] | None = None,
    *,
    check: bool = True,
) -> ScanInfo:
    """Poll until the scan leaves IN_PROGRESS; with `check`, a FAILED scan is an AwsError with the service's
    reason and an EXPIRED one a UsageError."""
    scan = poll(
        lambda: describe_scan(aws, scan_id),
        lambda s: s.status != "IN_PROGRESS",
        what=f"scan {scan_id}",
        timeout=timeout,
        interval=2.0,
        on_update=on_progress,
    )
    if check and scan.status == "FAILED":
        raise AwsError(
            f"scan {scan_id} FAILED: {scan.status_reason or 'no reason given'}",
            "a failed scan starts a 10-minute cool-down; reuse an older scan (iacgen scans) or retry later",
        )
    if check and scan.status == "EXPIRED":
        raise UsageError(
            f"scan {scan_id} has EXPIRED (older than 30 days)", "start a new one: iacgen scan --new"
        )
    return scan


def limit_cause(scans: list[ScanInfo], now: datetime | None = None) -> str:
    """Which of the service's scan rations refused a start, read from the scan history: the cool-down after
    the newest failed scan (24 h if it failed over 100,000 resources, else 10 min) or the daily quota."""
    now = now or datetime.now(UTC)
    failed = [s for s in scans if s.status == "FAILED" and (s.end_time or s.start_time)]
    if failed:
        last = max(failed, key=lambda s: s.end_time or s.start_time or now)
        ended = last.end_time or last.start_time or now
        big = bool(re.search(r"100,?000", last.status_reason or ""))
        window = BIG_SCAN_COOL_DOWN if big else FAILED_SCAN_COOL_DOWN
        if now - ended < window:
            ready = ended + window
            which = "24-hour" if big else "10-minute"
            return (
                f"the {which} cool-down after the failed scan {short_id(last.scan_id)} "
                f"(a new scan can start in about {human_age(ready - now)}, at {ready:%H:%M} UTC)"
            )
    recent = sum(1 for s in scans if s.start_time and now - s.start_time < timedelta(days=1))
    return (
        f"the daily scan quota ({recent} scan(s) started in the last 24 h; the limit is 10 a day, "
        "1 a day for scans over 10,000 resources)"
    )


def _limit_error(aws: Aws, exc: BaseException, types: list[str] | None) -> AwsError:
    detail = str(getattr(exc, "response", {}).get("Error", {}).get("Message") or exc)
    history = list_scans(aws)
    reusable = find_reusable_scan(aws, types) or find_reusable_scan(aws, any_type=True)
    if reusable is not None:
        hint = (
            f"reuse the newest usable scan ({reusable.scan_type}, {human_age(reusable.age())} old): "
            f"iacgen scan --scan-id {reusable.scan_id}"
        )
    else:
        hint = "no usable scan exists to reuse; try again once the cool-down or the day is over"
    return AwsError(
        f"StartResourceScan refused (ResourceScanLimitExceeded) by {limit_cause(history)}: {detail}", hint
    )


def _given_scan(aws: Aws, scan_id: str) -> ScanInfo:
    scan = describe_scan(aws, lookup_scan_id(aws, scan_id))
    if scan.status in ("FAILED", "EXPIRED"):
        raise UsageError(
            f"scan {scan.scan_id} is {scan.status}"
            + (f": {scan.status_reason}" if scan.status_reason else ""),
            "pick a COMPLETE scan (iacgen scans) or start one: iacgen scan --new",
        )
    return scan


def _resumable(aws: Aws, remembered: str | None, types: list[str] | None) -> ScanInfo | None:
    """The scan an interrupted run left running (from the state file), if it still runs and covers the
    request: waiting on it again beats a refused StartResourceScan."""
    if not remembered:
        return None
    try:
        scan = describe_scan(aws, remembered)
    except UsageError:  # purged, or another Region
        return None
    return scan if scan.status == "IN_PROGRESS" and covers(scan, types) else None


def _start_or_join(
    aws: Aws,
    types: list[str] | None,
    token: str,
    *,
    wait: bool,
    timeout: float,
    on_progress: Callable[[ScanInfo], None] | None,
    on_start: Callable[[ScanOutcome], None] | None,
) -> ScanOutcome:
    """Start a scan; if one is already running (one per account and Region), join it when it covers the
    request, else wait for it to finish and start ours."""
    for attempt in range(2):
        try:
            return ScanOutcome(describe_scan(aws, start_scan(aws, types, token)), ScanAction.STARTED)
        except Exception as exc:
            code = error_code(exc)
            if code == "ResourceScanLimitExceeded":
                raise _limit_error(aws, exc, types) from exc
            if code != "ResourceScanInProgress" or attempt > 0:
                raise aws_error(exc, "start scan") from exc
        running = running_scan(aws)
        if running is None:  # it finished between our start and our look; try once more
            continue
        running = _with_details(aws, running)
        if covers(running, types):
            return ScanOutcome(
                running, ScanAction.JOINED, "a scan was already running; waiting for it instead"
            )
        if not wait:  # ours cannot start until it is done; a re-run will wait it out
            return ScanOutcome(running, ScanAction.WAITING, "another scan is running; ours starts after it")
        if on_start is not None:
            on_start(
                ScanOutcome(running, ScanAction.WAITING, "another scan is running; ours starts after it")
            )
        wait_for_scan(aws, running.scan_id, timeout, on_progress, check=False)
    raise AwsError(
        "could not start a scan: another scan kept running", "wait for it (iacgen scans) and re-run"
    )


def ensure_scan(
    aws: Aws,
    *,
    types: list[str] | None = None,
    new: bool = False,
    scan_id: str | None = None,
    wait: bool = True,
    timeout: float = 3600.0,
    on_progress: Callable[[ScanInfo], None] | None = None,
    on_start: Callable[[ScanOutcome], None] | None = None,
    token: str | None = None,
    remembered: str | None = None,
    started_after: datetime | None = None,
) -> ScanOutcome:
    """A scan to work from: the one given, else the one an interrupted run left running (`remembered`),
    else the newest usable one (unless `new`), else a new one; a scan already running is joined, not
    fought. on_start(outcome) is called once the scan is known and before any wait (and with action
    "waiting" for someone else's scan that must finish before ours can start), so a caller can save its
    id: an interrupted wait is then resumed by the next run."""
    checked = validate_types(types) if types else None
    if scan_id:
        outcome = ScanOutcome(_given_scan(aws, scan_id), ScanAction.GIVEN)
    else:
        resumed = _resumable(aws, remembered, checked)
        if resumed is not None:
            outcome = ScanOutcome(resumed, ScanAction.RESUMED, "the scan an interrupted run left running")
        elif not new and (reusable := find_reusable_scan(aws, checked, started_after=started_after)):
            outcome = ScanOutcome(
                reusable, ScanAction.REUSED, f"reusing a scan from {human_age(reusable.age())} ago"
            )
        else:
            outcome = _start_or_join(
                aws,
                checked,
                token or f"iacgen-{uuid.uuid4()}",
                wait=wait,
                timeout=timeout,
                on_progress=on_progress,
                on_start=on_start,
            )
    if on_start is not None:
        on_start(outcome)
    if wait and outcome.scan.status == "IN_PROGRESS":
        outcome.scan = wait_for_scan(aws, outcome.scan.scan_id, timeout, on_progress)
    return outcome


def resolve_scan(aws: Aws, scan_id: str | None, remembered: str | None) -> ScanInfo:
    """The COMPLETE scan a command works from: --scan-id, else the state file's, else the newest usable."""
    if scan_id:
        scan = describe_scan(aws, lookup_scan_id(aws, scan_id))
        _require_complete(scan)
        return scan
    if remembered:
        known: ScanInfo | None
        try:
            known = describe_scan(aws, remembered)
        except UsageError:
            known = None
        if known is not None and known.usable():
            return known
        if known is not None and known.status == "IN_PROGRESS":
            _require_complete(known)
    found = find_reusable_scan(aws, any_type=True)
    if found is None:
        raise UsageError("no usable resource scan in this account and Region", "run: iacgen scan")
    return found


def _require_complete(scan: ScanInfo) -> None:
    if scan.status == "IN_PROGRESS":
        raise UsageError(
            f"scan {scan.scan_id} is still running ({scan.percentage or 0:.0f}%)",
            "wait for it with: iacgen scan --scan-id " + scan.scan_id,
        )
    if scan.status != "COMPLETE":
        raise UsageError(
            f"scan {scan.scan_id} is {scan.status}"
            + (f": {scan.status_reason}" if scan.status_reason else ""),
            "start a new one: iacgen scan --new",
        )


def list_resources(
    aws: Aws,
    scan_id: str,
    *,
    type_prefix: str | None = None,
    tag_key: str | None = None,
    tag_value: str | None = None,
    identifier: str | None = None,
    include_managed: bool = False,
) -> Iterator[ScannedResource]:
    """Stream a scan's resources page by page (a scan can hold 100,000); the service applies the filters."""
    if tag_value is not None and tag_key is None:
        raise UsageError("--tag-value needs --tag-key", "pass both, e.g. --tag-key team --tag-value web")
    if tag_key is not None and not 1 <= len(tag_key) <= 128:
        raise UsageError("a tag key is 1-128 characters", None)
    if tag_value is not None and not 1 <= len(tag_value) <= 256:
        raise UsageError("a tag value is 1-256 characters", None)
    base: dict[str, Any] = {"ResourceScanId": scan_id, "MaxResults": PAGE_SIZE}
    for name, value in (
        ("ResourceTypePrefix", type_prefix),
        ("TagKey", tag_key),
        ("TagValue", tag_value),
        ("ResourceIdentifier", identifier),
    ):
        if value:
            base[name] = value
    token: str | None = None
    while True:
        kwargs = dict(base, NextToken=token) if token else base
        page = aws.cloudformation.list_resource_scan_resources(**kwargs)
        for item in page.get("Resources", []):
            resource = ScannedResource.from_api(item)
            if include_managed or not resource.managed:
                yield resource
        token = page.get("NextToken") or None  # the service documents "" as the end too
        if not token:
            return


def fetch_related(aws: Aws, scan_id: str) -> Callable[[list[ScannedResource]], list[ScannedResource]]:
    """ListResourceScanRelatedResources for one batch (≤100 inputs), all pages; duplicates are left for the
    caller, which dedupes across batches anyway."""

    def fetch(batch: list[ScannedResource]) -> list[ScannedResource]:
        if not 1 <= len(batch) <= PAGE_SIZE:
            raise ValueError(f"related-resources batch of {len(batch)}; the service takes 1-{PAGE_SIZE}")
        body = [r.to_api() for r in batch]
        out: list[ScannedResource] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"ResourceScanId": scan_id, "Resources": body, "MaxResults": PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            page = aws.cloudformation.list_resource_scan_related_resources(**kwargs)
            out.extend(ScannedResource.from_api(item) for item in page.get("RelatedResources", []))
            token = page.get("NextToken") or None
            if not token:
                return out

    return fetch


def summarize(resources: Iterable[ScannedResource]) -> dict[str, int]:
    """Counts by resource type, sorted by type."""
    counts = Counter(r.type for r in resources)
    return dict(sorted(counts.items()))

"""Resource scans as state (no wire): lifecycle, the service's rate rules, and the snapshot a scan lists.

State lives per account+Region as an attribute of moto's CloudFormation backend, so moto's reset wipes it with
everything else. Status is computed lazily from `settings.clock()`: a scan is IN_PROGRESS for the
`settings.scan_seconds` it was started with, then COMPLETE (or FAILED under fault injection), and a COMPLETE
scan is EXPIRED 30 days after it ended. The snapshot (what the scan lists) is taken the first time the scan is
observed complete.

Listing a FAILED or EXPIRED scan raises ResourceScanNotFound: those are the only errors the service models for
the list operations besides ResourceScanInProgress, a failed scan has nothing to list, and an expired scan's
results are gone (the reference lists "purged scan" under ResourceScanNotFound). The message says which.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from iacgen.localcloud import inventory
from iacgen.localcloud.errors import (
    ResourceScanInProgress,
    ResourceScanLimitExceeded,
    ResourceScanNotFound,
    ValidationError,
    constraint,
    too_long,
)
from iacgen.localcloud.inventory import Ref, ScannedResource
from iacgen.localcloud.settings import settings

DAY = 24 * 3600.0
VALIDITY_SECONDS = 30 * DAY
MAX_SCAN_TYPES = 100
MAX_TYPE_LENGTH = 100

IN_PROGRESS, COMPLETE, FAILED, EXPIRED = "IN_PROGRESS", "COMPLETE", "FAILED", "EXPIRED"
FULL, PARTIAL = "FULL", "PARTIAL"


@dataclass
class Snapshot:
    """What a completed scan found, frozen at completion; the relation graph is built on first use."""

    resources: list[ScannedResource]
    managed: dict[Ref, str]  # ref -> owning stack id, as owned_keys reported at completion
    _neighbours: dict[Ref, list[ScannedResource]] | None = field(default=None, repr=False)
    _by_identifier: dict[tuple[str, tuple[tuple[str, str], ...]], ScannedResource] | None = field(
        default=None, repr=False
    )
    _selections: dict[tuple[str, ...], list[ScannedResource]] = field(default_factory=dict, repr=False)

    def select(
        self, identifier: str, type_prefix: str, tag_key: str, tag_value: str
    ) -> list[ScannedResource]:
        """Resources matching every given filter ('' = not given). Cached per filter set, so paging through
        a large scan costs one pass, not one pass per page."""
        cache_key = (identifier, type_prefix, tag_key, tag_value)
        cached = self._selections.get(cache_key)
        if cached is None:
            cached = [r for r in self.resources if _matches(r, identifier, type_prefix, tag_key, tag_value)]
            if len(self._selections) >= 16:
                self._selections.clear()
            self._selections[cache_key] = cached
        return cached

    def is_managed(self, resource: ScannedResource) -> bool:
        return resource.ref in self.managed

    def lookup(self, type_name: str, identifier: dict[str, str]) -> ScannedResource | None:
        if self._by_identifier is None:
            self._by_identifier = {(r.type, _identity(r.identifier)): r for r in self.resources}
        return self._by_identifier.get((type_name, _identity(identifier)))

    def neighbours(self, resource: ScannedResource) -> list[ScannedResource]:
        if self._neighbours is None:
            self._neighbours = inventory.graph(self.resources)
        return self._neighbours.get(resource.ref, [])


def _matches(
    resource: ScannedResource, identifier: str, type_prefix: str, tag_key: str, tag_value: str
) -> bool:
    """The service's filters, all of which must match: identifier (a substring of any identifier value),
    type prefix, a tag with this key, a tag with this value."""
    if identifier and not any(identifier in value for value in resource.identifier.values()):
        return False
    if type_prefix and not resource.type.startswith(type_prefix):
        return False
    if tag_key and tag_key not in resource.tags:
        return False
    return not (tag_value and tag_value not in resource.tags.values())


def _identity(identifier: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in identifier.items()))


@dataclass
class ResourceScan:
    scan_id: str
    account_id: str
    region: str
    start: float
    duration: float
    scan_filters: list[dict[str, list[str]]] | None  # as given; None for a full scan
    client_token: str | None = None
    fail_reason: str = ""  # non-empty: ends FAILED with this StatusReason
    snapshot: Snapshot | None = None
    scanned: int = 0  # resources the scan found (ResourcesScanned), even when it failed over the limit
    over_limit: bool = False  # failed for finding more than the service processes: a 24-hour cool-down

    @property
    def scan_type(self) -> str:
        return PARTIAL if self.scan_filters else FULL

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def type_patterns(self) -> list[str]:
        return [t for f in self.scan_filters or () for t in f.get("Types", [])]

    def status(self, now: float) -> str:
        if now < self.end:
            return IN_PROGRESS
        if self.fail_reason:
            return FAILED
        if now >= self.end + VALIDITY_SECONDS:
            return EXPIRED
        return COMPLETE

    def percentage(self, now: float) -> float:
        if now >= self.end or self.duration <= 0:
            return 100.0
        return round(min(99.9, 100.0 * (now - self.start) / self.duration), 1)

    def resource_types(self) -> list[str]:
        """Concrete types: those asked for by name plus what wildcards expanded to (all found, if full)."""
        found = {r.type for r in self.snapshot.resources} if self.snapshot else set()
        if not self.scan_filters:
            return sorted(found)
        asked = {p for p in self.type_patterns if not p.endswith("*")}
        return sorted(asked | found)

    def describe(self, now: float) -> dict[str, Any]:
        """DescribeResourceScan's output, shaped for botocore's serialiser."""
        out = self._common(now)
        if out["Status"] != IN_PROGRESS:
            out["ResourcesScanned"] = self.scanned
            out["ResourcesRead"] = len(self.snapshot.resources) if self.snapshot else 0
        if out["Status"] in (COMPLETE, FAILED):
            out["ResourceTypes"] = self.resource_types()
        if self.scan_filters:
            out["ScanFilters"] = self.scan_filters
        return out

    def summary(self, now: float) -> dict[str, Any]:
        """A ListResourceScans entry."""
        return {**self._common(now), "ScanType": self.scan_type}

    def _common(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        out: dict[str, Any] = {
            "ResourceScanId": self.scan_id,
            "Status": status,
            "StartTime": _time(self.start),
            "PercentageCompleted": self.percentage(now),
        }
        if status != IN_PROGRESS:
            out["EndTime"] = _time(self.end)
        if reason := _reason(status, self.fail_reason):
            out["StatusReason"] = reason
        return out


def _reason(status: str, fail_reason: str) -> str:
    """Only the end states that need explaining carry a reason (the service's COMPLETE example has none)."""
    if status == FAILED:
        return fail_reason
    if status == EXPIRED:
        return "Scan results expire 30 days after the scan"
    return ""


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


@dataclass
class ScanState:
    """One account+Region's scans, oldest first, and the client tokens that started them."""

    scans: dict[str, ResourceScan] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


_STATE_ATTR = "iacgen_resource_scans"


def state(account_id: str, region: str) -> ScanState:
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[account_id][region]
    current = getattr(backend, _STATE_ATTR, None)
    if not isinstance(current, ScanState):
        current = ScanState()
        setattr(backend, _STATE_ATTR, current)
    return current


def _refresh(scan: ResourceScan, now: float) -> str:
    """The scan's status now, taking its snapshot the first time it is seen complete. A scan that finds
    more resources than the service processes (100,000) ends FAILED instead, reads nothing, and starts the
    24-hour cool-down (reference §2.2); the reason's wording is not the service's (unverified)."""
    status = scan.status(now)
    if status in (COMPLETE, EXPIRED) and scan.snapshot is None:
        snapshot = _take_snapshot(scan)
        scan.scanned = len(snapshot.resources)
        limit = settings.max_scan_resources
        if scan.scanned > limit:
            scan.over_limit = True
            scan.fail_reason = (
                f"Resource scan failed: it found {scan.scanned:,} resources, more than the maximum of "
                f"{limit:,} a scan processes; scan fewer resource types (ScanFilters) instead. A new scan "
                "can start after 24 hours"
            )
            snapshot = Snapshot([], {})
        scan.snapshot = snapshot
        status = scan.status(now)
    return status


def _take_snapshot(scan: ResourceScan) -> Snapshot:
    patterns = scan.type_patterns
    types = None if not patterns else [t for t in inventory.SUPPORTED_TYPES if type_matches(t, patterns)]
    resources = inventory.scan(scan.account_id, scan.region, types)
    owned = inventory.owned_keys(scan.account_id, scan.region)
    return Snapshot(resources, owned)


def type_matches(type_name: str, patterns: list[str]) -> bool:
    return any(type_name.startswith(p[:-1]) if p.endswith("*") else type_name == p for p in patterns)


def validate_scan_filters(scan_filters: Any) -> list[dict[str, list[str]]] | None:
    """The service's rules for ScanFilters: exactly one filter, 1-100 types of 1-100 chars, '*' only last."""
    if scan_filters is None:
        return None
    if not isinstance(scan_filters, list) or len(scan_filters) != 1:
        count = len(scan_filters) if isinstance(scan_filters, list) else 0
        raise constraint("scanFilters", "have length equal to 1", count)
    types = (scan_filters[0] or {}).get("Types") or []
    if not types:
        raise ValidationError("ScanFilters[0].Types must contain at least one resource type")
    if len(types) > MAX_SCAN_TYPES:
        raise too_long("scanFilters.1.member.types", MAX_SCAN_TYPES, len(types))
    for type_name in types:
        if not 1 <= len(type_name) <= MAX_TYPE_LENGTH:
            raise ValidationError(
                f"Resource type '{type_name[:40]}...' must be 1 to {MAX_TYPE_LENGTH} characters long"
            )
        if "*" in type_name[:-1]:
            raise ValidationError(
                f"Invalid resource type '{type_name}': a wildcard '*' is allowed only at the end"
            )
    return [{"Types": [str(t) for t in types]}]


def start_scan(
    account_id: str,
    region: str,
    client_token: str | None = None,
    scan_filters: Any = None,
) -> ResourceScan:
    """StartResourceScan: idempotent on the token for `settings.client_token_seconds` (the service's window
    is not documented: unverified) while no other scan runs; otherwise one running scan, the daily quota and
    the cool-down after a failure, in the order the service would report them."""
    filters = validate_scan_filters(scan_filters)
    current = state(account_id, region)
    now = settings.clock()
    statuses = {scan_id: _refresh(scan, now) for scan_id, scan in current.scans.items()}
    running = [scan_id for scan_id, status in statuses.items() if status == IN_PROGRESS]
    if client_token and client_token in current.tokens:
        earlier = current.scans[current.tokens[client_token]]
        others_running = any(scan_id != earlier.scan_id for scan_id in running)
        if now - earlier.start <= settings.client_token_seconds and not others_running:
            return earlier
    if running:
        raise ResourceScanInProgress(
            f"A resource scan is already in progress in this account and Region: {running[0]}"
        )
    failed = [s for s in current.scans.values() if statuses[s.scan_id] == FAILED]
    if failed:
        last = max(failed, key=lambda s: s.end)
        ready_at = last.end + (DAY if last.over_limit else settings.failed_scan_cooldown_seconds)
        if now < ready_at:
            which = f"over-{settings.max_scan_resources:,}-resources" if last.over_limit else "failed"
            raise ResourceScanLimitExceeded(
                f"Resource scan cool-down after the {which} scan {last.scan_id}: "
                f"a new scan can start in {int(ready_at - now) + 1} seconds"
            )
    recent = [s for s in current.scans.values() if now - s.start < DAY]
    if any(s.scanned > settings.large_scan_resources for s in recent):
        raise ResourceScanLimitExceeded(
            "Resource scan quota exceeded: 1 scan per account and Region in 24 hours for scans of more "
            f"than {settings.large_scan_resources:,} resources"
        )
    if len(recent) >= settings.daily_scan_quota:
        raise ResourceScanLimitExceeded(
            f"Resource scan quota exceeded: {settings.daily_scan_quota} scans per account and Region "
            f"in 24 hours"
        )
    fail_reason = settings.fail_next_scan
    if fail_reason:
        settings.fail_next_scan = ""
    scan = ResourceScan(
        scan_id=f"arn:aws:cloudformation:{region}:{account_id}:resourceScan/{uuid.uuid4()}",
        account_id=account_id,
        region=region,
        start=now,
        duration=max(0.0, float(settings.scan_seconds)),
        scan_filters=filters,
        client_token=client_token or None,
        fail_reason=fail_reason,
    )
    current.scans[scan.scan_id] = scan
    if client_token:
        current.tokens[client_token] = scan.scan_id
    _refresh(scan, now)  # a zero-length scan completes at once
    return scan


def get_scan(account_id: str, region: str, scan_id: str) -> ResourceScan:
    scan = state(account_id, region).scans.get(scan_id or "")
    if scan is None:
        raise ResourceScanNotFound(f"Resource scan {scan_id} not found")
    _refresh(scan, settings.clock())
    return scan


def describe_scan(account_id: str, region: str, scan_id: str) -> dict[str, Any]:
    scan = get_scan(account_id, region, scan_id)
    return scan.describe(settings.clock())


def list_scans(account_id: str, region: str, scan_type: str = FULL) -> list[dict[str, Any]]:
    """Summaries of the scans of one type, newest first."""
    now = settings.clock()
    scans = [s for s in state(account_id, region).scans.values() if s.scan_type == scan_type]
    for scan in scans:
        _refresh(scan, now)
    return [s.summary(now) for s in reversed(scans)]


def listable_snapshot(account_id: str, region: str, scan_id: str) -> Snapshot:
    """The snapshot a list call reads, or the error the service gives for a scan that has none."""
    scan = get_scan(account_id, region, scan_id)
    status = scan.status(settings.clock())
    if status == IN_PROGRESS:
        raise ResourceScanInProgress(f"Resource scan {scan_id} is still in progress")
    if status == FAILED:
        raise ResourceScanNotFound(f"Resource scan {scan_id} failed and has no resources: {scan.fail_reason}")
    if status == EXPIRED:
        raise ResourceScanNotFound(f"Resource scan {scan_id} has expired; start a new scan")
    if scan.snapshot is None:  # unreachable: _refresh takes it once COMPLETE
        raise ResourceScanInProgress(f"Resource scan {scan_id} is still in progress")
    return scan.snapshot

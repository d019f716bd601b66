"""The scan step: a scan to work from (given, resumed, reused, joined or started), its id saved before any
wait, and what it found by type; and the listing of a scan's resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iacgen.core import scans
from iacgen.core.errors import UsageError
from iacgen.core.reporter import NullReporter, Reporter, ScanProgress
from iacgen.core.scans import ScanAction

if TYPE_CHECKING:
    from iacgen.core.scans import ScannedResource, ScanOutcome
    from iacgen.core.session import Aws
    from iacgen.core.workspace import Workspace


@dataclass(frozen=True)
class ScanRequest:
    types: list[str] = field(default_factory=list)  # a partial scan of these types; empty: a full scan
    new: bool = False  # start a new scan even if a usable one exists
    scan_id: str | None = None  # work from this scan (ARN or short id)
    wait: bool = True
    timeout: float = 3600.0


@dataclass
class ScanResult:
    outcome: ScanOutcome
    types: list[str]  # the types asked for (validated); the summary covers only those
    resources_by_type: dict[str, int] | None = None  # None until the scan is COMPLETE
    managed_by_type: dict[str, int] | None = None
    total: int | None = None

    @property
    def complete(self) -> bool:
        return self.outcome.scan.status == "COMPLETE"

    def to_dict(self) -> dict[str, Any]:
        data = self.outcome.to_dict()
        if self.resources_by_type is not None:
            data.update(
                resources_by_type=self.resources_by_type,
                managed_by_type=self.managed_by_type,
                total=self.total,
            )
        return data


def narrate(outcome: ScanOutcome) -> str:
    """What the scan step tells the user about the scan it works from, once it is known."""
    info = outcome.scan
    age = scans.human_age(info.age())
    words: dict[ScanAction, str] = {
        ScanAction.STARTED: f"started scan {info.scan_id}",
        ScanAction.JOINED: f"a scan was already running; using it: {info.scan_id}",
        ScanAction.RESUMED: f"resuming scan {info.scan_id}, left running {age} ago by an interrupted run",
        ScanAction.GIVEN: f"using scan {info.scan_id} ({age} old)",
        ScanAction.WAITING: f"scan {info.scan_id} is running and does not cover this request; "
        "ours can start once it is done",
        ScanAction.REUSED: f"reusing scan {info.scan_id} ({info.scan_type}, {age} old); "
        "--new starts a fresh one",
    }
    return words[outcome.action]


def scan(
    workspace: Workspace, aws: Aws, request: ScanRequest, reporter: Reporter | None = None
) -> ScanResult:
    """Ensure a scan and summarise it. The scan's id is saved as soon as it is known and before the wait,
    so an interrupted wait is resumed by the next run."""
    report = reporter or NullReporter()
    if request.new and request.scan_id:
        raise UsageError(
            "a new scan and a given scan id exclude each other", "drop {opt:scan_id} or {opt:new}"
        )
    wanted = scans.validate_types(request.types) if request.types else []  # exit 2 before any call
    state = workspace.load()
    remembered = state.scan_id
    after = state.last_import_time(aws.region)  # what it adopted looks unmanaged in an older scan

    def on_start(outcome: ScanOutcome) -> None:
        # saved before it is announced and before the wait: a signal right after "started scan" leaves the
        # id for the re-run
        if outcome.action is not ScanAction.WAITING:
            with workspace.update() as state:
                state.scan_id, state.region = outcome.scan.scan_id, aws.region
        report.info(narrate(outcome))

    outcome = scans.ensure_scan(
        aws,
        types=wanted or None,
        new=request.new,
        scan_id=request.scan_id,
        wait=request.wait,
        timeout=request.timeout,
        on_progress=lambda info: report.progress(ScanProgress(info)),
        on_start=on_start,
        remembered=remembered,
        started_after=after,
    )
    result = ScanResult(outcome, wanted)
    info = outcome.scan
    if info.status != "COMPLETE":
        report.info(f"scan is {info.status}; run `iacgen scan` again to wait for it")
        return result
    found = list(scans.list_resources(aws, info.scan_id, include_managed=True))
    if wanted and info.scan_type == "FULL":  # a reused full scan: summarise what was asked for
        found = [r for r in found if any(scans.type_matches(t, r.type) for t in wanted)]
    result.resources_by_type = scans.summarize(found)
    result.managed_by_type = scans.summarize(r for r in found if r.managed)
    result.total = len(found)
    return result


@dataclass(frozen=True)
class ResourceFilters:
    type_prefix: str | None = None
    tag_key: str | None = None
    tag_value: str | None = None
    identifier: str | None = None
    include_managed: bool = False


@dataclass
class ResourceListing:
    scan_id: str
    resources: list[ScannedResource]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scan_id": self.scan_id,
            "count": len(self.resources),
            "resources": [r.to_dict() for r in self.resources],
        }


def list_resources(
    workspace: Workspace, aws: Aws, filters: ResourceFilters, scan_id: str | None = None
) -> ResourceListing:
    """What a scan found (the one given, else the last one used here, else the newest usable one)."""
    if filters.type_prefix:
        from iacgen.core.validation import check_type_patterns

        check_type_patterns([filters.type_prefix], "--type-prefix")
    found_scan = scans.resolve_scan(aws, scan_id, workspace.load().scan_id)
    found = list(
        scans.list_resources(
            aws,
            found_scan.scan_id,
            type_prefix=filters.type_prefix,
            tag_key=filters.tag_key,
            tag_value=filters.tag_value,
            identifier=filters.identifier,
            include_managed=filters.include_managed,
        )
    )
    return ResourceListing(found_scan.scan_id, found)

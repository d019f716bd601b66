"""The five resource-scan operations as methods on moto's CloudFormationResponse (wire only: parse, validate
like the service, page by hand; the state is in scanning.py).

Paging is done by hand (wire.page) because moto's PaginatedResult raises KeyError for these operations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult

from iacgen.localcloud import scanning
from iacgen.localcloud.errors import ValidationError, too_long
from iacgen.localcloud.inventory import ScannedResource
from iacgen.localcloud.wire import (
    decode_token,
    encode_token,
    install_operations,
    page,
    page_size,
    where,
    with_token,
)

MAX_RELATED_INPUTS = 100


def _item(resource: ScannedResource, managed: bool) -> dict[str, Any]:
    return {
        "ResourceType": resource.type,
        "ResourceIdentifier": dict(resource.identifier),
        "ManagedByStack": managed,
    }


def start_resource_scan(self: Any) -> Any:
    account, region = where(self)
    scan = scanning.start_scan(
        account,
        region,
        client_token=self._get_param("ClientRequestToken"),
        scan_filters=self._get_param("ScanFilters"),
    )
    return ActionResult({"ResourceScanId": scan.scan_id})


def describe_resource_scan(self: Any) -> Any:
    account, region = where(self)
    return ActionResult(scanning.describe_scan(account, region, self._get_param("ResourceScanId")))


def list_resource_scans(self: Any) -> Any:
    account, region = where(self)
    scan_type = self._get_param("ScanTypeFilter") or scanning.FULL
    if scan_type not in (scanning.FULL, scanning.PARTIAL):
        raise ValidationError(f"Invalid ScanTypeFilter '{scan_type}': must be FULL or PARTIAL")
    size = page_size(self._get_param("MaxResults"), default=10)
    summaries = scanning.list_scans(account, region, scan_type)  # newest first; new ones arrive in front
    # the token counts the oldest scans still to list, so a scan started between pages repeats nothing
    token = self._get_param("NextToken")
    remaining = min(decode_token(token), len(summaries)) if token else len(summaries)
    listed = summaries[len(summaries) - remaining :][:size]
    left = remaining - len(listed)
    return ActionResult(with_token({"ResourceScanSummaries": listed}, encode_token(left) if left else None))


def list_resource_scan_resources(self: Any) -> Any:
    account, region = where(self)
    size = page_size(self._get_param("MaxResults"), default=100)
    snapshot = scanning.listable_snapshot(account, region, self._get_param("ResourceScanId"))
    selected = snapshot.select(
        self._get_param("ResourceIdentifier") or "",
        self._get_param("ResourceTypePrefix") or "",
        self._get_param("TagKey") or "",
        self._get_param("TagValue") or "",
    )
    listed, token = page(selected, self._get_param("NextToken"), size)
    return ActionResult(with_token({"Resources": [_item(r, snapshot.is_managed(r)) for r in listed]}, token))


def list_resource_scan_related_resources(self: Any) -> Any:
    account, region = where(self)
    inputs = self._get_param("Resources") or []
    if len(inputs) > MAX_RELATED_INPUTS:
        raise too_long("resources", MAX_RELATED_INPUTS, len(inputs))
    size = page_size(self._get_param("MaxResults"), default=100)
    snapshot = scanning.listable_snapshot(account, region, self._get_param("ResourceScanId"))
    seen: set[tuple[str, str]] = set()
    related: list[ScannedResource] = []
    for item in inputs:
        resource = snapshot.lookup(
            str(item.get("ResourceType", "")), dict(item.get("ResourceIdentifier") or {})
        )
        if resource is None:
            continue
        for neighbour in snapshot.neighbours(resource):
            if neighbour.ref not in seen:
                seen.add(neighbour.ref)
                related.append(neighbour)
    listed, token = page(related, self._get_param("NextToken"), size)
    items = [_item(r, snapshot.is_managed(r)) for r in listed]
    return ActionResult(with_token({"RelatedResources": items}, token))


OPERATIONS: dict[str, Callable[[Any], Any]] = {
    "start_resource_scan": start_resource_scan,
    "describe_resource_scan": describe_resource_scan,
    "list_resource_scans": list_resource_scans,
    "list_resource_scan_resources": list_resource_scan_resources,
    "list_resource_scan_related_resources": list_resource_scan_related_resources,
}


def install() -> None:
    install_operations(OPERATIONS)

"""The five resource-scan operations as methods on moto's CloudFormationResponse (wire only: parse, validate
like the service, page by hand; the state is in scanning.py).

Paging is done here because moto's PaginatedResult raises KeyError for these operations. A NextToken is an
opaque offset into the (stable) result list; a malformed one is a ValidationError, as on the service.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from iacgen.localcloud import scanning
from iacgen.localcloud.errors import ValidationError
from iacgen.localcloud.inventory import ScannedResource

MAX_RELATED_INPUTS = 100


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"iacgen-offset:{offset}".encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        offset = int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Invalid NextToken: {token[:64]}") from exc
    if prefix != "iacgen-offset" or offset < 0:
        raise ValidationError(f"Invalid NextToken: {token[:64]}")
    return offset


def _page_size(value: Any, default: int, maximum: int = 100) -> int:
    if value is None:
        return default
    size = int(value)
    if not 1 <= size <= maximum:
        raise ValidationError(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
            f"Member must have value between 1 and {maximum}"
        )
    return size


def _page(items: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    offset = _decode_token(token)
    end = offset + size
    return items[offset:end], (_encode_token(end) if end < len(items) else None)


def _item(resource: ScannedResource, managed: bool) -> dict[str, Any]:
    return {
        "ResourceType": resource.type,
        "ResourceIdentifier": dict(resource.identifier),
        "ManagedByStack": managed,
    }


def _where(response: Any) -> tuple[str, str]:
    return str(response.current_account), str(response.region)


def start_resource_scan(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account, region = _where(self)
    scan = scanning.start_scan(
        account,
        region,
        client_token=self._get_param("ClientRequestToken"),
        scan_filters=self._get_param("ScanFilters"),
    )
    return ActionResult({"ResourceScanId": scan.scan_id})


def describe_resource_scan(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account, region = _where(self)
    return ActionResult(scanning.describe_scan(account, region, self._get_param("ResourceScanId")))


def list_resource_scans(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account, region = _where(self)
    scan_type = self._get_param("ScanTypeFilter") or scanning.FULL
    if scan_type not in (scanning.FULL, scanning.PARTIAL):
        raise ValidationError(f"Invalid ScanTypeFilter '{scan_type}': must be FULL or PARTIAL")
    size = _page_size(self._get_param("MaxResults"), default=10)
    summaries = scanning.list_scans(account, region, scan_type)
    page, token = _page(summaries, self._get_param("NextToken"), size)
    out: dict[str, Any] = {"ResourceScanSummaries": page}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


def list_resource_scan_resources(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account, region = _where(self)
    size = _page_size(self._get_param("MaxResults"), default=100)
    snapshot = scanning.listable_snapshot(account, region, self._get_param("ResourceScanId"))
    selected = snapshot.select(
        self._get_param("ResourceIdentifier") or "",
        self._get_param("ResourceTypePrefix") or "",
        self._get_param("TagKey") or "",
        self._get_param("TagValue") or "",
    )
    page, token = _page(selected, self._get_param("NextToken"), size)
    out: dict[str, Any] = {"Resources": [_item(r, snapshot.is_managed(r)) for r in page]}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


def list_resource_scan_related_resources(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account, region = _where(self)
    inputs = self._get_param("Resources") or []
    if len(inputs) > MAX_RELATED_INPUTS:
        raise ValidationError(
            f"1 validation error detected: Value at 'resources' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_RELATED_INPUTS} (got {len(inputs)})"
        )
    size = _page_size(self._get_param("MaxResults"), default=100)
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
    page, token = _page(related, self._get_param("NextToken"), size)
    out: dict[str, Any] = {"RelatedResources": [_item(r, snapshot.is_managed(r)) for r in page]}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


OPERATIONS: dict[str, Callable[[Any], Any]] = {
    "start_resource_scan": start_resource_scan,
    "describe_resource_scan": describe_resource_scan,
    "list_resource_scans": list_resource_scans,
    "list_resource_scan_resources": list_resource_scan_resources,
    "list_resource_scan_related_resources": list_resource_scan_related_resources,
}


def install() -> None:
    """Make the five operations exist on moto's CloudFormation responses (in-process and server alike)."""
    from moto.cloudformation.responses import CloudFormationResponse

    for name, method in OPERATIONS.items():
        setattr(CloudFormationResponse, name, method)

"""The calls iacgen makes on a 1,000-resource account (600 for the closure, which must fit one template),
against the minimum the service's limits allow:
listing pages of 100, related-resource batches of at most 100 distinct identifiers, no identifier in two
batches, every page but a batch's last one full."""

from __future__ import annotations

import math
from typing import Any

import pytest

from iacgen.core import scans, selection

REGION = "us-east-1"


@pytest.fixture
def sprawl_scan(aws: Any) -> tuple[Any, str]:
    from iacgen.localcloud import sprawl

    sprawl.seed(1000, region=REGION)
    return aws, scans.ensure_scan(aws, timeout=60).scan.scan_id


class Recorder:
    """What each call sent and got back, from botocore's own events."""

    def __init__(self, aws: Any) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.got: list[tuple[str, dict[str, Any]]] = []
        events = aws.cloudformation.meta.events
        events.register("provide-client-params.cloudformation", self._params)
        events.register("after-call.cloudformation", self._after)

    def _params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.sent.append((model.name, dict(params)))

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.got.append((model.name, parsed))

    def responses(self, op: str) -> list[dict[str, Any]]:
        return [p for name, p in self.got if name == op]


def test_a_full_listing_is_pages_of_100(sprawl_scan: tuple[Any, str]) -> None:
    aws, scan_id = sprawl_scan
    rec = Recorder(aws)
    before = aws.calls["cloudformation:ListResourceScanResources"]
    counts = scans.summarize(scans.list_resources(aws, scan_id, include_managed=True))
    assert sum(counts.values()) == 1000
    pages = rec.responses("ListResourceScanResources")
    made = aws.calls["cloudformation:ListResourceScanResources"] - before
    assert made == len(pages) == math.ceil(1000 / 100)
    assert all(len(p["Resources"]) == 100 for p in pages)
    assert all(params["MaxResults"] == 100 for _, params in rec.sent)


def test_a_related_closure_makes_the_minimum_of_calls(aws: Any) -> None:
    from iacgen.localcloud import sprawl

    sprawl.seed(600, region=REGION)  # 18 networks of 25
    scan_id = scans.ensure_scan(aws, timeout=60).scan.scan_id
    rec = Recorder(aws)
    plan = selection.plan_selection(aws, scan_id, ["type=AWS::EC2::Subnet"], related=True)
    closure = plan.closure
    assert len(closure.selected) == 42 and len(plan.resources) == 467  # and moto's default VPC
    assert closure.mixed_batches > 0 and not closure.attribution_pass  # packed: more than 25 selected
    # batches: per round, the frontier in batches of 100 (round 1: the selection; round n: what n-1 added)
    frontiers = [len(closure.selected)] + [
        sum(1 for a in closure.added if a.depth == d) for d in range(1, closure.rounds)
    ]
    minimum_batches = sum(math.ceil(f / 100) for f in frontiers)
    sent = [p for name, p in rec.sent if name == "ListResourceScanRelatedResources"]
    first_pages = [p for p in sent if "NextToken" not in p]
    assert closure.calls == len(first_pages) == minimum_batches
    # at most 100 identifiers per batch, and no identifier in two batches
    identifiers = [
        (r["ResourceType"], tuple(sorted(r["ResourceIdentifier"].items())))
        for p in first_pages
        for r in p["Resources"]
    ]
    assert all(len(p["Resources"]) <= 100 for p in first_pages)
    assert len(identifiers) == len(set(identifiers)) == sum(frontiers)
    # a batch's further pages only when its page was full
    pages = rec.responses("ListResourceScanRelatedResources")
    assert all(len(p["RelatedResources"]) == 100 for p in pages if p.get("NextToken"))
    assert aws.calls["cloudformation:ListResourceScanRelatedResources"] == len(sent) == len(pages)
    # the selection's listing: one call per 100 matches of the type prefix
    listing = rec.responses("ListResourceScanResources")
    matched = sum(len(p["Resources"]) for p in listing)
    assert len(listing) == max(1, math.ceil(matched / 100))


def test_a_selection_beyond_one_template_is_batched_per_lineage_at_once(aws: Any) -> None:
    """A selection that alone exceeds a template needs the exact links for the partition: one closure,
    batched per lineage from the start, with no packed pass before it (every identifier is sent once)."""
    from iacgen.localcloud import sprawl

    sprawl.seed(300, region=REGION)
    scan_id = scans.ensure_scan(aws, timeout=60).scan.scan_id
    rec = Recorder(aws)
    plan = selection.plan_selection(
        aws, scan_id, ["type=AWS::EC2::Subnet"], related=True, limit=None, attribute_over=10
    )
    closure = plan.closure
    assert len(closure.selected) > 10 and closure.attribution_pass and closure.mixed_batches == 0
    first_pages = [
        p for name, p in rec.sent if name == "ListResourceScanRelatedResources" and "NextToken" not in p
    ]
    assert closure.calls == len(first_pages)  # one closure's batches, nothing before them
    identifiers = [
        (r["ResourceType"], tuple(sorted(r["ResourceIdentifier"].items())))
        for p in first_pages
        for r in p["Resources"]
    ]
    assert closure.fixed_point and len(identifiers) == len(set(identifiers)) == len(plan.resources)

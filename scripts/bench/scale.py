"""Benchmark: iacgen's list + select + related + partition at 1,000 / 20,000 / 100,000 resources, against a
bare boto3 loop making the same calls, in one run, as ratios.

For each size a fresh local cloud server (a subprocess: its memory is not ours) is seeded with the sprawl
scenario and scanned once. Then, each in its own subprocess so that peak RSS is the side's own:
- bare: a boto3 loop (the same client configuration) that lists the whole scan counting types, lists the
  selection (ResourceTypePrefix AWS::EC2::VPC, exact type kept), and follows related resources
  breadth-first in batches of 100 distinct identifiers until nothing new comes back;
- iacgen: the library doing the same (scans.list_resources + summarize, selection.plan_selection with
  --related, and partition.partition over what it found).
Both warm the server's caches first with the same calls, so neither pays for the other's snapshot.

Printed per size: wall time of each side and the ratio (target <= 1.10), calls of each side against the
minimum the limits allow (pages of 100, batches of 100 distinct identifiers), peak RSS of iacgen's process
(target < 300 MB at 100,000), the partition; then how time grows from the middle size to the largest.

Run: .venv/bin/python scripts/bench/scale.py [--sizes 1000,20000,100000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import time
from typing import Any

REGION = "us-east-1"
SELECT_TYPE = "AWS::EC2::VPC"
PAGE = 100


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IACGEN_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        IACGEN_LOCAL_SCAN_SECONDS="0",
        IACGEN_POLL_SCALE="0.02",
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=10, read_timeout=600)
    return boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint, config=config)


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the two sides (each runs in its own process) ---------------------------------------------------------


def side_bare(endpoint: str, scan_id: str) -> dict[str, Any]:
    from collections import Counter

    cfn = _client(endpoint)
    calls = Counter[str]()

    def listing(**filters: str) -> Any:
        token = None
        while True:
            kwargs: dict[str, Any] = {"ResourceScanId": scan_id, "MaxResults": PAGE, **filters}
            if token:
                kwargs["NextToken"] = token
            calls["ListResourceScanResources"] += 1
            page = cfn.list_resource_scan_resources(**kwargs)
            yield from page.get("Resources", [])
            token = page.get("NextToken")
            if not token:
                return

    def key(item: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (item["ResourceType"], tuple(sorted(item["ResourceIdentifier"].items())))

    started = time.perf_counter()
    by_type = Counter(item["ResourceType"] for item in listing())
    prefixed = list(listing(ResourceTypePrefix=SELECT_TYPE))
    chosen = {key(i): i for i in prefixed if i["ResourceType"] == SELECT_TYPE}
    chosen = {k: i for k, i in chosen.items() if not i.get("ManagedByStack")}
    known = dict(chosen)
    frontier = list(chosen.values())
    frontiers: list[int] = []
    extra_pages = 0
    while frontier:
        frontiers.append(len(frontier))
        found: dict[Any, Any] = {}
        for start in range(0, len(frontier), PAGE):
            batch = [
                {"ResourceType": i["ResourceType"], "ResourceIdentifier": i["ResourceIdentifier"]}
                for i in frontier[start : start + PAGE]
            ]
            token = None
            while True:
                kwargs: dict[str, Any] = {"ResourceScanId": scan_id, "Resources": batch, "MaxResults": PAGE}
                if token:
                    kwargs["NextToken"] = token
                calls["ListResourceScanRelatedResources"] += 1
                page = cfn.list_resource_scan_related_resources(**kwargs)
                for item in page.get("RelatedResources", []):
                    k = key(item)
                    if k not in known and not item.get("ManagedByStack"):
                        found.setdefault(k, item)
                token = page.get("NextToken")
                if not token:
                    break
                extra_pages += 1
        known.update(found)
        frontier = list(found.values())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "calls": sum(calls.values()),
        "by_call": dict(calls),
        "listed": sum(by_type.values()),
        "selected": len(prefixed),
        "closure": len(known),
        "frontiers": frontiers,
        "extra_pages": extra_pages,
        "rss_mb": _rss_mb(),
    }


def side_iacgen(endpoint: str, scan_id: str) -> dict[str, Any]:
    from iacgen.core import partition, scans, selection
    from iacgen.core.session import Aws, AwsSettings

    aws = Aws(AwsSettings(region=REGION, endpoint_url=endpoint, local=True))
    aws.cloudformation  # noqa: B018 - the client is built before the clock starts, as the bare side's
    started = time.perf_counter()
    by_type = scans.summarize(scans.list_resources(aws, scan_id))
    plan = selection.plan_selection(
        aws, scan_id, [f"type={SELECT_TYPE}"], related=True, limit=None, attribute_over=10**9
    )
    keys = [r.key for r in plan.resources]
    partition.partition(keys, plan.closure.links)  # packed batches learn no links: by key order
    seconds = time.perf_counter() - started
    calls = sum(aws.calls.values())
    rss = _rss_mb()
    # what generate adds beyond one template: the closure again, one batch per lineage, to learn the links
    started = time.perf_counter()
    exact = selection.related_closure(
        scans.fetch_related(aws, scan_id),
        plan.closure.selected,
        limit=None,
        exact_attribution_limit=len(plan.closure.selected),
    )
    linked = partition.partition([r.key for r in exact.resources], exact.links)
    attribution = time.perf_counter() - started
    return {
        "seconds": seconds,
        "calls": calls,
        "by_call": {k.split(":", 1)[1]: v for k, v in aws.calls.items()},
        "listed": sum(by_type.values()),
        "selected": len(plan.closure.selected),
        "closure": len(plan.resources),
        "rss_mb": rss,
        "attribution_seconds": attribution,
        "attribution_calls": sum(aws.calls.values()) - calls,
        "parts": [len(p.members) for p in linked.parts],
        "crossings": len(linked.crossings),
        "groups": linked.groups,
        "rss_after_mb": _rss_mb(),
    }


# --- orchestration -------------------------------------------------------------------------------------


def _run_side(side: str, endpoint: str, scan_id: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--side", side, "--endpoint", endpoint, "--scan-id", scan_id],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{side} side failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout))


def _minimum(listed: int, selected: int, frontiers: list[int], extra_pages: int) -> int:
    """Pages of 100 for the full listing and for the selection's listing (ResourceTypePrefix AWS::EC2::VPC
    also lists the VPCGatewayAttachments, which the exact type then drops: counted as listed), batches of
    100 distinct identifiers per round, and the further pages of batches whose answers exceed 100."""
    pages = math.ceil(listed / PAGE) + max(1, math.ceil(selected / PAGE))
    return pages + sum(math.ceil(f / PAGE) for f in frontiers) + extra_pages


def measure(size: int, repeat: int) -> dict[str, Any]:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "iacgen", "local", "serve", "--port", str(port)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from iacgen.localcloud import server as local_server
        from iacgen.localcloud import sprawl

        deadline = time.monotonic() + 60
        while not local_server.answers("127.0.0.1", port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the local cloud did not start")
            time.sleep(0.2)
        started = time.perf_counter()
        world = sprawl.seed_remote(endpoint, size, REGION)
        seeded = time.perf_counter() - started
        cfn = _client(endpoint)
        scan_id = cfn.start_resource_scan()["ResourceScanId"]
        while cfn.describe_resource_scan(ResourceScanId=scan_id)["Status"] == "IN_PROGRESS":
            time.sleep(0.1)
        # warm the server's caches (snapshot, filter lists, relation graph) with one call of each kind
        first = cfn.list_resource_scan_resources(ResourceScanId=scan_id, MaxResults=1)["Resources"]
        cfn.list_resource_scan_resources(ResourceScanId=scan_id, ResourceTypePrefix=SELECT_TYPE, MaxResults=1)
        cfn.list_resource_scan_related_resources(
            ResourceScanId=scan_id,
            Resources=[{k: first[0][k] for k in ("ResourceType", "ResourceIdentifier")}],
        )
        # paired, alternating, best of `repeat` (once at the largest sizes: each side takes a minute)
        bares, ourses = [], []
        for _ in range(repeat):
            bares.append(_run_side("bare", endpoint, scan_id))
            ourses.append(_run_side("iacgen", endpoint, scan_id))
        bare = min(bares, key=lambda r: float(r["seconds"]))
        ours = min(ourses, key=lambda r: float(r["seconds"]))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"size": size, "seeded": world.resources, "seed_seconds": seeded, "bare": bare, "iacgen": ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--side", choices=("bare", "iacgen"), help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--scan-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side = side_bare if args.side == "bare" else side_iacgen
        print(json.dumps(side(args.endpoint, args.scan_id)))
        return
    os.environ.update(_env())
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [measure(size, 2 if size <= 20_000 else 1) for size in sizes]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    print(
        f"{'resources':>9} {'closure':>7} {'bare s':>7} {'iacgen s':>8} {'ratio':>6} "
        f"{'bare calls':>10} {'iacgen calls':>12} {'minimum':>7} {'RSS MB':>6}   "
        "partition: +calls +s -> parts (crossings)"
    )
    for row in rows:
        bare, ours = row["bare"], row["iacgen"]
        minimum = _minimum(bare["listed"], bare["selected"], bare["frontiers"], bare["extra_pages"])
        print(
            f"{row['seeded']:>9,} {ours['closure']:>7,} {bare['seconds']:>7.2f} {ours['seconds']:>8.2f} "
            f"{ours['seconds'] / bare['seconds']:>6.2f} {bare['calls']:>10,} {ours['calls']:>12,} "
            f"{minimum:>7,} {ours['rss_after_mb']:>6.0f}   +{ours['attribution_calls']:,} "
            f"+{ours['attribution_seconds']:.1f}s -> {len(ours['parts'])} of <=500, "
            f"{ours['groups']:,} groups ({ours['crossings']})"
        )
    if len(rows) >= 2:
        mid, big = rows[-2], rows[-1]
        factor = big["seeded"] / mid["seeded"]
        print(
            f"{mid['seeded']:,} -> {big['seeded']:,} resources (x{factor:.1f}): iacgen time "
            f"x{big['iacgen']['seconds'] / mid['iacgen']['seconds']:.2f}, bare time "
            f"x{big['bare']['seconds'] / mid['bare']['seconds']:.2f}, calls "
            f"x{big['iacgen']['calls'] / mid['iacgen']['calls']:.2f} (linear is x{factor:.1f})"
        )


if __name__ == "__main__":
    main()

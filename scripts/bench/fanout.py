"""Benchmark: `iacgen coverage` fanned out over 3 accounts x 2 Regions, with 1 worker and with the default
workers, in one run, as ratios.

It starts `iacgen local serve` in a subprocess (an in-process moto would serialise every worker on this
process's GIL), seeds the estate scenario into it, and measures through the library call the command makes:
- reusing each target's scan: the listing pass alone (per-call latency is what concurrency overlaps);
- with --scan: a new scan per target, each IN_PROGRESS for --scan-seconds (the service takes minutes), so
  the run is dominated by waiting, as against AWS;
- API calls against the minimum: one listing pass per target (ListResourceScanResources pages).

Run: .venv/bin/python scripts/bench/fanout.py [--scan-seconds 2] [--workers 8]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from typing import Any

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("IACGEN_POLL_SCALE", "0.05")  # poll a 2-second scan every 0.1 s, not every 2 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int, scan_seconds: float) -> subprocess.Popen[bytes]:
    from iacgen.localcloud.server import answers

    env = dict(os.environ, IACGEN_LOCAL_SCAN_SECONDS=str(scan_seconds))
    command = [sys.executable, "-m", "iacgen", "local", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not answers("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the local cloud did not start")
        time.sleep(0.1)
    return process


def _run(endpoint: str, accounts: list[str], regions: list[str], workers: int, scan: bool) -> dict[str, Any]:
    from iacgen.core.coverage import CoverageRequest, coverage
    from iacgen.core.session import Aws, AwsSettings

    aws = Aws(AwsSettings(region=regions[0], endpoint_url=endpoint, local=True))
    request = CoverageRequest(
        regions=tuple(regions), accounts=tuple(accounts), scan=scan, max_workers=workers, timeout=120
    )
    started = time.perf_counter()
    result = coverage(aws, request)
    seconds = time.perf_counter() - started
    if not result.complete:
        raise SystemExit(f"coverage did not complete: {[t.to_dict() for t in result.incomplete]}")
    calls = dict(aws.calls)
    return {
        "seconds": seconds,
        "calls": sum(calls.values()),
        "listing": calls.get("cloudformation:ListResourceScanResources", 0),
        "detail": calls,
        "found": result.overall().found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scan-seconds", type=float, default=2.0, help="how long each new scan runs")
    parser.add_argument("--workers", type=int, default=8, help="the default --max-workers")
    args = parser.parse_args()

    from iacgen.localcloud.estate import seed_estate

    port = _free_port()
    process = _serve(port, args.scan_seconds)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        world = seed_estate(endpoint)
        seeded = time.perf_counter() - started
        accounts, regions = list(world.accounts.values()), list(world.regions)
        targets = len(accounts) * len(regions)
        print(
            f"estate: {len(accounts)} accounts x {len(regions)} Regions = {targets} targets, seeded in "
            f"{seeded:.1f}s into {endpoint} (iacgen local serve, a subprocess); "
            f"scans run {args.scan_seconds:g}s"
        )
        rows: dict[str, dict[str, Any]] = {}
        for scan in (True, False):  # --scan first: it leaves the scans the reuse runs read
            for workers in (1, args.workers):
                label = f"{'--scan' if scan else 'reuse'}, {workers} worker{'s' if workers > 1 else ''}"
                rows[label] = _run(endpoint, accounts, regions, workers, scan)
        print(f"{'run':20} {'seconds':>8} {'calls':>6} {'minimum':>8} {'calls/min':>9}  resources")
        for label, m in rows.items():
            print(
                f"{label:20} {m['seconds']:8.2f} {m['calls']:6d} {m['listing']:8d} "
                f"{m['calls'] / m['listing']:9.2f}  {m['found']}"
            )
        for mode in ("--scan", "reuse"):
            one, many = rows[f"{mode}, 1 worker"], rows[f"{mode}, {args.workers} workers"]
            print(f"{mode}: speed-up x{one['seconds'] / many['seconds']:.2f} with {args.workers} workers")
        reuse = rows[f"reuse, {args.workers} workers"]["detail"]
        print("calls of a reuse run: " + ", ".join(f"{k} {v}" for k, v in sorted(reuse.items())))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()

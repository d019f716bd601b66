"""Benchmark: `generate --related` on a growing sprawl, in one run, as ratios.

What it measures, on the in-process local cloud (moto + iacgen.localcloud):
- API calls per resource that --related added, against the one-call-per-resource a naive client makes;
- how time and calls grow when the account grows 4x (linear growth means a ratio near 4).

Run: .venv/bin/python scripts/bench/related_closure.py [--teams 10] [--factor 4]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("IACGEN_POLL_SCALE", "0.02")

REGION = "us-east-1"


def measure(teams: int, select: str) -> dict[str, float]:
    from moto import mock_aws

    from iacgen.core import scans, selection
    from iacgen.core.session import Aws, AwsSettings
    from iacgen.localcloud import install
    from iacgen.localcloud.scenarios import seed_sprawl

    install()
    with mock_aws():
        seed_sprawl(teams, region=REGION)
        aws = Aws(AwsSettings(region=REGION))
        scans.ensure_scan(aws, timeout=60)
        before = sum(aws.calls.values())
        started = time.perf_counter()
        plan = selection.plan_selection(
            aws, scans.resolve_scan(aws, None, None).scan_id, [select], related=True
        )
        elapsed = time.perf_counter() - started
        related_calls = aws.calls["cloudformation:ListResourceScanRelatedResources"]
        return {
            "selected": len(plan.closure.selected),
            "added": len(plan.closure.added),
            "related_calls": related_calls,
            "all_calls": sum(aws.calls.values()) - before,
            "seconds": elapsed,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--factor", type=int, default=4)
    args = parser.parse_args()
    small_n, large_n = args.teams, args.teams * args.factor
    rows = {
        "one team, small account": measure(small_n, "tag:team=t0"),
        "one team, large account": measure(large_n, "tag:team=t0"),
        "all instances, small account": measure(small_n, "type=AWS::EC2::Instance"),
        "all instances, large account": measure(large_n, "type=AWS::EC2::Instance"),
    }
    for label, m in rows.items():
        closure = m["selected"] + m["added"]
        print(
            f"{label:30} {m['selected']:4.0f} selected + {m['added']:4.0f} related: "
            f"{m['related_calls']:3.0f} related calls ({m['related_calls'] / closure:.2f} per resource; "
            f"a call per resource would be 1.00), {m['all_calls']:3.0f} calls in all, {m['seconds']:.3f}s"
        )
    one_s, one_l = rows["one team, small account"], rows["one team, large account"]
    print(
        f"account x{args.factor}, same selection: calls x{one_l['all_calls'] / one_s['all_calls']:.2f}, "
        f"time x{one_l['seconds'] / one_s['seconds']:.2f} (the cost follows the selection, not the account)"
    )


if __name__ == "__main__":
    main()

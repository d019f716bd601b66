"""Which AWS Regions exist, from botocore's partition data: a misspelt --region is named as such (exit 2)
instead of surfacing as "cannot reach https://cloudformation.nowhere-1.amazonaws.com/" after retries."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from iacgen.core.errors import UsageError


@dataclass(frozen=True)
class Partition:
    name: str
    pattern: re.Pattern[str]
    regions: frozenset[str]


@lru_cache(maxsize=1)
def partitions() -> tuple[Partition, ...]:
    """The partitions botocore ships (aws, aws-cn, aws-us-gov, the isolated ones), each with its Regions and
    the pattern its future Regions follow."""
    from botocore.loaders import create_loader

    # botocore's own data files, read without a session (a session would resolve AWS_PROFILE to find them)
    data = create_loader().load_data("partitions")
    return tuple(
        Partition(
            name=str(p["id"]),
            pattern=re.compile(str(p["regionRegex"])),
            # the "aws-global"-style pseudo-Regions are endpoints, not places a stack can live
            regions=frozenset(str(r) for r in p.get("regions", {}) if not str(r).endswith("-global")),
        )
        for p in data["partitions"]
    )


def partition_of(region: str) -> str | None:
    """The partition a Region belongs to: listed in botocore's data, or following a partition's pattern (a
    Region newer than the installed botocore); None for a name no partition could have."""
    for partition in partitions():
        if region in partition.regions:
            return partition.name
    for partition in partitions():
        if partition.pattern.match(region):
            return partition.name
    return None


def check_region(region: str) -> None:
    """Raise a UsageError naming the Region when no partition has or could have it."""
    if partition_of(region) is not None:
        return
    known = sorted(r for p in partitions() for r in p.regions)
    close = difflib.get_close_matches(region, known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise UsageError(
        f"unknown AWS Region {region!r}",
        f"{hint}Regions look like us-east-1 or eu-west-2; check {{opt:region}}, AWS_REGION and the profile",
    )

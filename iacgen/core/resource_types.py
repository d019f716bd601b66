"""CloudFormation resource type names, from cfn-lint's bundled provider schemas: a well-formed name that is no
type at all (`AWS::Fake::Thing`) matches nothing on the service, so it is refused before any call, with the
closest real name when there is one; and a name in the wrong case is given its real spelling (AWS::EC2::VPC,
not AWS::EC2::Vpc), for the command line and iacgen.yaml alike.

Loaded only when a type is checked (never at import: `iacgen --help` stays fast), and read from cfn-lint's
per-Region index files without importing cfn-lint (about 0.9 s): us-east-1's first, the other Regions' only
for a name us-east-1 lacks (a type some Regions have). When the index is not where this cfn-lint keeps it,
cfn-lint's schema manager lists the types instead; when neither works, nothing is refused.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

FIRST_REGION = "us-east-1"
# difflib's ratio above which a name is suggested: AWS::S3::Buckets -> AWS::S3::Bucket (0.97), not
# AWS::Fake::Thing -> AWS::IoT::Thing (0.84), a guess rather than a typo.
SUGGEST_CUTOFF = 0.85


def _providers_dir() -> Path | None:
    spec = importlib.util.find_spec("cfnlint")  # finds the package without running its __init__
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "data" / "schemas" / "providers"
        if (folder / f"{FIRST_REGION}.json").is_file():
            return folder
    return None


def _read(path: Path) -> frozenset[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    return frozenset(str(k) for k in data) if isinstance(data, dict) else frozenset()


@lru_cache(maxsize=2)
def known_types(every_region: bool = False) -> frozenset[str]:
    """The type names cfn-lint knows: us-east-1's, or with `every_region` the union over its Regions.
    Empty when the list cannot be read (then no name is refused)."""
    folder = _providers_dir()
    if folder is not None:
        paths = sorted(folder.glob("*.json")) if every_region else [folder / f"{FIRST_REGION}.json"]
        found = frozenset().union(*(_read(p) for p in paths))
        if found:
            return found
    try:
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

        return frozenset(PROVIDER_SCHEMA_MANAGER.get_resource_types(FIRST_REGION))
    except Exception:  # an unexpected cfn-lint: better to let a name through than to refuse a real one
        return frozenset()


def _matches(pattern: str, types: frozenset[str]) -> bool:
    if pattern.endswith("*"):
        return any(t.startswith(pattern[:-1]) for t in types)
    return pattern in types


def unknown_type_problem(pattern: str) -> tuple[str, str] | None:
    """(problem, hint) when `pattern` (a type, or a prefix ending in '*') names no CloudFormation type."""
    if _matches(pattern, known_types()):
        return None
    types = known_types(every_region=True)
    if not types or _matches(pattern, types):
        return None
    if pattern.endswith("*"):
        names = sorted({t.rsplit("::", 1)[0] + "::*" for t in types})
        problem = f"resource type prefix {pattern!r} matches no CloudFormation resource type"
    else:
        names = sorted(types)
        problem = f"resource type {pattern!r} is not a CloudFormation resource type"
    same = [n for n in names if n.lower() == pattern.lower()]  # AWS::EC2::Vpc: only the case is wrong
    close = same or difflib.get_close_matches(pattern, names, n=1, cutoff=SUGGEST_CUTOFF)
    if close:
        return problem, f"did you mean {close[0]}?"
    return (
        problem,
        "name a type as the CloudFormation resource type reference does (AWS::EC2::VPC, AWS::S3::*)",
    )


@lru_cache(maxsize=1)
def _segments() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each leading run of a known type's segments, upper-cased, to its real spelling."""
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    for name in known_types(every_region=True):
        parts = tuple(name.split("::"))
        for end in range(1, len(parts) + 1):
            out.setdefault(tuple(p.upper() for p in parts[:end]), parts[:end])
    return out


def real_spelling(pattern: str) -> str | None:
    """The known spelling of a type or type glob written in another case ('aws::ec2::vpc' -> AWS::EC2::VPC,
    'aws::ec2::*' -> AWS::EC2::*, 'aws::ec2::vpc*' -> AWS::EC2::VPC*); None when no known type fits."""
    stem = pattern.removesuffix("*")
    parts = stem.split("::")
    partial = parts.pop() if pattern.endswith("*") else ""  # AWS::EC2::Vpc*: a segment's start
    if pattern.endswith("*") and not partial and parts and not parts[-1]:
        parts.pop()  # AWS::EC2::* splits as [..., 'EC2', '']
    found = _segments().get(tuple(p.upper() for p in parts)) if parts else ()
    if found is None:
        return None
    if partial:
        starts = sorted(
            spelt[-1]
            for key, spelt in _segments().items()
            if len(key) == len(parts) + 1 and spelt[:-1] == found and key[-1].startswith(partial.upper())
        )
        if not starts:
            return None
        found = (*found, starts[0][: len(partial)])
    return "::".join(found) + ("::*" if pattern.endswith("::*") else "*" if pattern.endswith("*") else "")

"""The warnings a generated template carries: one item per property, grouped by resource, with what to do
about each type, the counts every summary words the same way, and the fail-on check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from iacgen.core.errors import PolicyFailure, UsageError
from iacgen.core.scans import plural


class WarningType(StrEnum):
    """The service's WarningDetail Type values (DescribeGeneratedTemplate)."""

    MUTUALLY_EXCLUSIVE_PROPERTIES = "MUTUALLY_EXCLUSIVE_PROPERTIES"
    UNSUPPORTED_PROPERTIES = "UNSUPPORTED_PROPERTIES"
    MUTUALLY_EXCLUSIVE_TYPES = "MUTUALLY_EXCLUSIVE_TYPES"
    EXCLUDED_PROPERTIES = "EXCLUDED_PROPERTIES"
    EXCLUDED_RESOURCES = "EXCLUDED_RESOURCES"


WARNING_TYPES: tuple[str, ...] = tuple(WarningType)

# What the user should do, per warning type (reference §4). `fix` is a short category for summaries.
_ADVICE: dict[str, tuple[str, str]] = {
    "MUTUALLY_EXCLUSIVE_PROPERTIES": (
        "parameter",
        "kept as a template parameter (name contains OneOf): give its value at import (--parameter K=V), "
        "or swap in the alternative property the resource really uses",
    ),
    "UNSUPPORTED_PROPERTIES": (
        "dropped",
        "left out of the template (write-only, cannot be read back): add it by hand if the resource uses it",
    ),
    "MUTUALLY_EXCLUSIVE_TYPES": (
        "string",
        "typed as a string in the template although it accepts several types: check the value's shape",
    ),
    "EXCLUDED_PROPERTIES": (
        "excluded",
        "left out of the template by the generator: add it by hand if the stack should manage it",
    ),
    "EXCLUDED_RESOURCES": (
        "excluded",
        "the generator left this resource (or part of it) out: adopt it separately or add it by hand",
    ),
}
# What each `fix` category means, in a few words, for summaries that have no room for the advice.
FIX_MEANING = {
    "parameter": "a template parameter to fill at import",
    "dropped": "left out of the template",
    "string": "typed as a string",
    "excluded": "left out by the generator",
    "other": "check by hand",
}
_REQUIRED_WRITE_ONLY = ("parameter", "required write-only property: a template parameter to fill at import")


@dataclass
class WarningItem:
    type: str
    property_path: str | None
    required: bool
    description: str | None
    fix: str
    advice: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ResourceWarnings:
    """One resource's warnings, one item per property; `details` counts the service's WarningDetail entries
    (what TotalWarnings adds up), which may each name several properties."""

    logical_id: str
    resource_type: str
    identifier: dict[str, str]
    warnings: list[WarningItem]
    details: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WarningCounts:
    """The same counts, worded the same way, wherever warnings are summarised (generate and warnings)."""

    warnings: int  # WarningDetail entries, as the service's TotalWarnings counts them
    properties: int
    resources: int
    by_type: dict[str, dict[str, int]]  # per warning type: {"resources": n, "properties": m}

    @classmethod
    def of(cls, found: list[ResourceWarnings]) -> WarningCounts:
        by_type: dict[str, dict[str, int]] = {}
        for r in found:
            for kind in dict.fromkeys(w.type for w in r.warnings):
                counts = by_type.setdefault(kind, {"resources": 0, "properties": 0})
                counts["resources"] += 1
                counts["properties"] += sum(1 for w in r.warnings if w.type == kind)
        return cls(
            warnings=sum(r.details for r in found),
            properties=sum(len(r.warnings) for r in found),
            resources=len(found),
            by_type=by_type,
        )

    def sentence(self) -> str:
        if not self.warnings:
            return "no warnings"
        return (
            f"{plural(self.warnings, 'warning')} on {plural(self.resources, 'resource')}, "
            f"naming {plural(self.properties, 'property', 'properties')}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def advice_for(warning_type: str, required: bool) -> tuple[str, str]:
    if warning_type == "UNSUPPORTED_PROPERTIES" and required:
        return _REQUIRED_WRITE_ONLY
    return _ADVICE.get(warning_type, ("other", "see the description; check the template by hand"))


def warnings_from_describe(data: Any) -> list[ResourceWarnings]:
    """DescribeGeneratedTemplate's per-resource warnings, one item per property, grouped by logical id."""
    out: list[ResourceWarnings] = []
    for res in data.get("Resources") or []:
        items: list[WarningItem] = []
        details = res.get("Warnings") or []
        for w in details:
            kind = str(w.get("Type", ""))
            props = w.get("Properties") or [{}]
            for p in props:
                required = bool(p.get("Required", False))
                fix, advice = advice_for(kind, required)
                items.append(
                    WarningItem(kind, p.get("PropertyPath"), required, p.get("Description"), fix, advice)
                )
        if items:
            out.append(
                ResourceWarnings(
                    str(res.get("LogicalResourceId", "")),
                    str(res.get("ResourceType", "")),
                    dict(res.get("ResourceIdentifier") or {}),
                    items,
                    len(details),
                )
            )
    return out


def parse_fail_on(values: Iterable[str]) -> set[str]:
    """--fail-on TYPE[,TYPE]: warning types, case-insensitive; unknown ones are a UsageError (exit 2)."""
    wanted: set[str] = set()
    for value in values:
        for part in value.split(","):
            name = part.strip().upper()
            if not name:
                continue
            if name not in WARNING_TYPES:
                raise UsageError(
                    f"unknown warning type {part.strip()!r} in --fail-on",
                    "one of: " + ", ".join(WARNING_TYPES),
                )
            wanted.add(name)
    return wanted


def check_fail_on(warnings: list[ResourceWarnings], fail_on: set[str]) -> None:
    """PolicyFailure (exit 1) when any warning of a --fail-on type is present."""
    hits = [(r.logical_id, w.type) for r in warnings for w in r.warnings if w.type in fail_on]
    if hits:
        types = sorted({t for _, t in hits})
        resources = sorted({lid for lid, _ in hits})
        raise PolicyFailure(
            f"--fail-on: {', '.join(types)} on {plural(len(resources), 'resource')} "
            f"({plural(len(hits), 'property', 'properties')}): " + ", ".join(resources),
            'handle each in the template file or at import (see "What to do"); the generated template '
            "keeps its warnings, so once they are handled drop the type from --fail-on",
        )

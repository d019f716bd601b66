"""Identifiers for ResourcesToImport: from the resources file `iacgen generate` writes, or derived from the
template where it states the type's primary identifier as a literal (the service names the identifier
properties through GetTemplateSummary)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen.core.errors import UsageError

if TYPE_CHECKING:
    from iacgen.core.session import Aws
    from iacgen.core.template import TemplateResource

AddProblem = Callable[[str, str | None], None]

_HINT_FILE = "the resources file is a JSON list of {ResourceType, LogicalResourceId, ResourceIdentifier}"


class IdentifierSource(StrEnum):
    """Where an import's resource identifier came from."""

    RESOURCES_FILE = "resources file"
    DERIVED = "derived"  # from the template's properties (the type's primary identifier)


@dataclass
class ImportResource:
    """One entry of ResourcesToImport, and where its identifier came from."""

    logical_id: str
    type: str
    identifier: dict[str, str]
    identifier_source: IdentifierSource

    def to_request(self) -> dict[str, Any]:
        return {
            "ResourceType": self.type,
            "LogicalResourceId": self.logical_id,
            "ResourceIdentifier": dict(self.identifier),
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_resources_file(path: Path) -> list[dict[str, Any]]:
    """ResourcesToImport entries from a file (a JSON list, or an object with a ResourcesToImport list)."""
    from iacgen.core.validation import MAX_RESOURCES_FILE_BYTES, read_user_file

    if not path.exists() and not path.is_symlink():
        raise UsageError(f"resources file not found: {path}", "check the path")
    raw = read_user_file(path, "resources file", MAX_RESOURCES_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})", "save it as UTF-8 JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}", _HINT_FILE) from exc
    if isinstance(data, dict) and isinstance(data.get("ResourcesToImport"), list):
        data = data["ResourcesToImport"]
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON list of resources to import", _HINT_FILE)
    for index, item in enumerate(data):
        if not _is_resource_entry(item):
            raise UsageError(
                f"{path}: entry {index} is not a resource to import",
                "each entry needs ResourceType, LogicalResourceId and a non-empty ResourceIdentifier map "
                "of strings",
            )
    return data


def _is_resource_entry(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("LogicalResourceId"), str)
        and isinstance(item.get("ResourceType"), str)
        and isinstance(item.get("ResourceIdentifier"), dict)
        and bool(item["ResourceIdentifier"])
        and all(isinstance(v, str | int) for v in item["ResourceIdentifier"].values())
    )


def listed_identifiers(
    entries: list[dict[str, Any]],
    resources: Mapping[str, TemplateResource],
    problem: AddProblem,
    properties: Mapping[str, list[str]],
) -> dict[str, ImportResource]:
    """The resources file's entries by logical id; the file must agree with the template, and each entry's
    identifier keys with the ones the service names for its type (`properties`, by logical id)."""
    listed: dict[str, ImportResource] = {}
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
    for entry in entries:
        lid, rtype = entry["LogicalResourceId"], entry["ResourceType"]
        ident = {str(k): str(v) for k, v in entry["ResourceIdentifier"].items()}
        if lid in listed:
            problem(f"resources file lists {lid} twice", "keep one entry per logical id")
            continue
        key = (rtype, tuple(sorted(ident.items())))
        if key in seen:
            problem(
                f"resources file lists the same {rtype} {ident} as {seen[key]} and {lid}",
                "a resource can be imported only once",
            )
        seen[key] = lid
        listed[lid] = ImportResource(lid, rtype, ident, IdentifierSource.RESOURCES_FILE)
        if lid not in resources:
            problem(
                f"resources file lists {lid} ({rtype}), which is not in the template",
                "regenerate the resources file (iacgen generate) or remove the entry",
            )
        elif resources[lid].type != rtype:
            problem(
                f"{lid} is {resources[lid].type} in the template but {rtype} in the resources file",
                "regenerate the resources file (iacgen generate) or fix the entry",
            )
        elif lid in properties and sorted(ident) != sorted(properties[lid]):
            problem(
                f"the resources file identifies {lid} ({rtype}) by {'+'.join(sorted(ident))}; "
                f"CloudFormation identifies a {rtype} by {'+'.join(properties[lid])}",
                "regenerate the resources file (iacgen generate) or fix the entry's ResourceIdentifier keys",
            )
    return listed


def derived_identifiers(
    resources: Mapping[str, TemplateResource], props_by_lid: Mapping[str, list[str]]
) -> tuple[dict[str, ImportResource], dict[str, str]]:
    """Identifiers the template states outright in the identifier properties; and, for the others, why not."""
    derived: dict[str, ImportResource] = {}
    why_not: dict[str, str] = {}
    for lid, res in resources.items():
        props = props_by_lid.get(lid)
        if not props:
            why_not[lid] = "the service names no identifier property for this type"
            continue
        values = {p: res.properties.get(p) for p in props}
        if not all(_is_plain_scalar(v) for v in values.values()):
            why_not[lid] = f"its identifier {'+'.join(props)} is not set as a literal in the template"
            continue
        derived[lid] = ImportResource(
            lid, res.type, {p: str(v) for p, v in values.items()}, IdentifierSource.DERIVED
        )
    return derived, why_not


def identifier_properties(aws: Aws, needed: Mapping[str, str]) -> dict[str, list[str]]:
    """Identifier property names per logical id, from GetTemplateSummary on a minimal template holding just
    these resources' types: no upload needed for large templates, and the user's Refs can't trip it up."""
    if not needed:
        return {}
    body = json.dumps({"Resources": {lid: {"Type": rtype} for lid, rtype in needed.items()}})
    summary = aws.cloudformation.get_template_summary(TemplateBody=body)
    by_lid: dict[str, list[str]] = {}
    by_type: dict[str, list[str]] = {}
    for item in summary.get("ResourceIdentifierSummaries", []) or []:
        props = [str(p) for p in item.get("ResourceIdentifiers", []) or []]
        if not props:
            continue
        by_type.setdefault(str(item.get("ResourceType", "")), props)
        for lid in item.get("LogicalResourceIds", []) or []:
            by_lid[str(lid)] = props
    found = {lid: by_lid.get(lid) or by_type.get(rtype) for lid, rtype in needed.items()}
    return {lid: props for lid, props in found.items() if props}


def _is_plain_scalar(value: Any) -> bool:
    """A literal the template states outright (not !Ref/!Sub/Fn::...), usable as an identifier value."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    tag = getattr(value, "tag", None)
    tag_value = getattr(tag, "value", tag)
    return not (isinstance(tag_value, str) and tag_value.startswith("!"))

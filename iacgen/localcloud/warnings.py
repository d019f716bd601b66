"""Property-level warnings of a generated template, derived from the provider schema's write-only properties.

The service cannot read write-only properties back, so it either leaves them out (and says so) or turns them
into template parameters. Each write-only path of the type is judged by the first rule that applies:

1. Has write-only members listed too: judged by those members (`SnapStart` by `SnapStart/ApplyOn`, which is
   the path the service names).
2. Below an optional, readable top-level property the resource does not have: nothing was set, nothing to
   report (`VpcEncryptionControl/*` of a VPC without encryption control). A write-only top-level property
   cannot be read, so its members are always judged.
3. Has a schema `default`: the default is assumed, nothing to report (a key pair's `KeyFormat`).
4. Is an exclusive alternative of a readable property of the same object (`requiredXor`, `dependentExcluded`,
   `oneOf`/`anyOf` members), or can only be set together (`dependentRequired`) with such a property: the
   readable alternative carries the value, nothing to report (a VPC's or subnet's `Ipv4IpamPoolId` and
   `Ipv4NetmaskLength` next to `CidrBlock`; an instance's `BlockDeviceMappings/*/NoDevice` next to `Ebs`; a
   security group rule's `SourceSecurityGroupName` next to `CidrIp`/`SourceSecurityGroupId`).
5. Belongs to an exclusive group whose members are all write-only, inside a required object: the service
   "selects one of the exclusive sets" (the first), makes a parameter (name contains `OneOf`) of each of its
   required members and reports them as MUTUALLY_EXCLUSIVE_PROPERTIES (Required true); the set's optional
   members are UNSUPPORTED_PROPERTIES; the other sets are left out silently (UG "Resolve write-only
   properties", and its AWS::Lambda::Function page). The schema usually carries such groups; the one it does
   not carry (Lambda `Code`, whose sets the AWS docs list) is in `DOCUMENTED_EXCLUSIVE_SETS`, the only
   non-schema datum.
6. Required: with several types -> a parameter typed String and MUTUALLY_EXCLUSIVE_TYPES; a scalar -> a
   parameter without default and no warning (the docs' general case); an array or object cannot be a parameter
   -> UNSUPPORTED_PROPERTIES with Required true.
7. Otherwise (optional, scalar or array): left out, UNSUPPORTED_PROPERTIES with Required false.

Outcome for the workshop: the Instance (rule 7: AdditionalInfo, Ipv6AddressCount, Ipv6Addresses,
LicenseSpecifications, PropagateTagsToVolumeOnCreation) and the Subnet (rule 7: EnableLniAtDeviceIndex) warn;
the VPC, KeyPair and SecurityGroup do not. One WarningDetail per warning type, properties in schema order,
UNSUPPORTED_PROPERTIES first (the order of the service's Lambda warnings: `SnapStart/ApplyOn` and
`Code/S3ObjectVersion`, then MUTUALLY_EXCLUSIVE_PROPERTIES `Code/S3Bucket`, `Code/S3Key`). A parameter's
description is the schema's, then "This property can be replaced with other exclusive properties" on a new
line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacgen.localcloud.schemas import provider_schema, write_only_paths

UNSUPPORTED = "UNSUPPORTED_PROPERTIES"
EXCLUSIVE_PROPERTIES = "MUTUALLY_EXCLUSIVE_PROPERTIES"
EXCLUSIVE_TYPES = "MUTUALLY_EXCLUSIVE_TYPES"

# (type, object path) -> exclusive sets in the service's order of preference: (required, optional members).
# Source: UG "How to resolve issues with write-only properties in AWS::Lambda::Function resources".
DOCUMENTED_EXCLUSIVE_SETS: dict[tuple[str, str], list[tuple[tuple[str, ...], tuple[str, ...]]]] = {
    ("AWS::Lambda::Function", "Code"): [
        (("S3Bucket", "S3Key"), ("S3ObjectVersion",)),
        (("ImageUri",), ()),
        (("ZipFile",), ()),
    ],
}


@dataclass(frozen=True)
class ParameterSpec:
    """A template parameter that stands in for a write-only property at `path` ('Code/S3Bucket')."""

    path: str
    description: str
    one_of: bool = False


@dataclass
class Analysis:
    warnings: list[dict[str, Any]] = field(default_factory=list)  # WarningDetail, as the service returns it
    parameters: list[ParameterSpec] = field(default_factory=list)


@dataclass(frozen=True)
class _Node:
    """An object schema that holds a property, and where it sits."""

    container: dict[str, Any]
    container_path: str  # '' for the resource itself, 'Code', 'SecurityGroupIngress/*'
    container_required: bool  # the object itself must be present
    leaf: str


def _deref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in node and seen < 20:
        name = node["$ref"].rsplit("/", 1)[-1]
        merged = dict(schema.get("definitions", {}).get(name, {}))
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        node = merged
        seen += 1
    return node


def _locate(schema: dict[str, Any], path: str) -> _Node | None:
    parts = path.split("/")
    container: dict[str, Any] = schema
    required = True
    walked: list[str] = []
    for part in parts[:-1]:
        if part == "*":
            items = container.get("items")
            if not isinstance(items, dict):
                return None
            container = _deref(schema, items)
            required = False
        else:
            props = container.get("properties", {})
            if part not in props:
                return None
            required = required and part in container.get("required", [])
            container = _deref(schema, props[part])
        walked.append(part)
    return _Node(container, "/".join(walked), required, parts[-1])


def _leaf_schema(schema: dict[str, Any], node: _Node) -> dict[str, Any]:
    raw = node.container.get("properties", {}).get(node.leaf, {})
    resolved = dict(_deref(schema, raw))
    resolved["description"] = raw.get("description") or resolved.get("description") or ""
    return resolved


Sets = list[tuple[tuple[str, ...], tuple[str, ...]]]  # exclusive member sets: (required, optional members)


@dataclass(frozen=True)
class _Group:
    sets: Sets
    one_required: bool  # one set must be given (requiredXor, oneOf/anyOf, documented), not just "not both"

    @property
    def members(self) -> set[str]:
        return {m for req, opt in self.sets for m in (*req, *opt)}


def _groups(type_name: str, node: _Node) -> list[_Group]:
    """Exclusive groups of the object holding the property."""
    documented = DOCUMENTED_EXCLUSIVE_SETS.get((type_name, node.container_path))
    groups = [_Group(documented, True)] if documented else []
    c = node.container
    if isinstance(c.get("requiredXor"), list):
        groups.append(_Group([((str(m),), ()) for m in c["requiredXor"]], True))
    for a, others in (c.get("dependentExcluded") or {}).items():
        for b in others:
            groups.append(_Group([((str(a),), ()), ((str(b),), ())], False))
    for key in ("oneOf", "anyOf"):
        branches = [b["required"] for b in c.get(key, []) if isinstance(b, dict) and b.get("required")]
        if len(branches) > 1:
            groups.append(_Group([(tuple(str(m) for m in b), ()) for b in branches], True))
    return groups


def _join(container_path: str, name: str) -> str:
    return f"{container_path}/{name}" if container_path else name


_SCALARS = {"string", "integer", "number", "boolean"}


def _is_scalar(leaf: dict[str, Any]) -> bool:
    types = leaf.get("type")
    return bool(types) and set(types if isinstance(types, list) else [types]) <= _SCALARS


def _several_types(leaf: dict[str, Any]) -> bool:
    if isinstance(leaf.get("type"), list) and len(leaf["type"]) > 1:
        return True
    branches = leaf.get("oneOf") or leaf.get("anyOf") or []
    return len({str(b.get("type")) for b in branches if isinstance(b, dict)}) > 1


def analyse(type_name: str, properties: dict[str, Any]) -> Analysis:
    """Warnings and parameters for one resource whose readable properties are `properties`."""
    schema = provider_schema(type_name)
    write_only = write_only_paths(type_name)
    wo = set(write_only)
    found: dict[str, list[dict[str, Any]]] = {EXCLUSIVE_PROPERTIES: [], EXCLUSIVE_TYPES: [], UNSUPPORTED: []}
    out = Analysis()
    nodes = {p: _locate(schema, p) for p in write_only}

    def readable(node: _Node, name: str) -> bool:
        path = _join(node.container_path, name)
        return name in node.container.get("properties", {}) and path not in wo

    def exempt_by_alternative(node: _Node) -> bool:
        return any(
            node.leaf in g.members and any(readable(node, m) for m in g.members - {node.leaf})
            for g in _groups(type_name, node)
        )

    exempt = {p for p, n in nodes.items() if n is not None and exempt_by_alternative(n)}
    changed = True
    while changed:  # dependentRequired partners of exempt properties are exempt too
        changed = False
        for p, n in nodes.items():
            if n is None or p in exempt:
                continue
            deps = n.container.get("dependentRequired") or {}
            partners = set(deps.get(n.leaf, [])) | {a for a, bs in deps.items() if n.leaf in bs}
            if any(_join(n.container_path, q) in exempt for q in partners):
                exempt.add(p)
                changed = True

    handled_groups: set[tuple[str, int]] = set()
    for path in write_only:
        node = nodes[path]
        if node is None:
            continue
        parts = path.split("/")
        if any(other.startswith(path + "/") for other in wo):
            continue  # rule 1
        if (
            len(parts) > 1
            and parts[0] not in properties
            and parts[0] not in schema.get("required", [])
            and parts[0] not in wo
        ):
            continue  # rule 2
        leaf = _leaf_schema(schema, node)
        description = str(leaf.get("description") or "")
        if "default" in leaf:
            continue  # rule 3
        if path in exempt:
            continue  # rule 4
        group_index, group = next(
            (
                (i, g)
                for i, g in enumerate(_groups(type_name, node))
                if g.one_required
                and node.leaf in g.members
                and all(_join(node.container_path, m) in wo for m in g.members)
            ),
            (-1, None),
        )
        if group is not None and node.container_required:  # rule 5
            if (node.container_path, group_index) in handled_groups:
                continue
            handled_groups.add((node.container_path, group_index))
            chosen_required, chosen_optional = group.sets[0]
            for name in chosen_required:
                member_path = _join(node.container_path, name)
                member = _leaf_schema(schema, _Node(node.container, node.container_path, True, name))
                member_description = str(member.get("description") or "")
                found[EXCLUSIVE_PROPERTIES].append(_prop(member_path, True, member_description))
                note = "\nThis property can be replaced with other exclusive properties"
                out.parameters.append(ParameterSpec(member_path, member_description + note, one_of=True))
            for name in chosen_optional:
                member = _leaf_schema(schema, _Node(node.container, node.container_path, True, name))
                found[UNSUPPORTED].append(
                    _prop(_join(node.container_path, name), False, str(member.get("description") or ""))
                )
            continue
        required = node.container_required and node.leaf in node.container.get("required", [])
        if required and _several_types(leaf):  # rule 6
            found[EXCLUSIVE_TYPES].append(_prop(path, True, description))
            out.parameters.append(ParameterSpec(path, description))
        elif required and _is_scalar(leaf):
            out.parameters.append(ParameterSpec(path, description))
        else:  # rules 6 (array/object) and 7
            found[UNSUPPORTED].append(_prop(path, required, description))
    for kind in (UNSUPPORTED, EXCLUSIVE_PROPERTIES, EXCLUSIVE_TYPES):
        if found[kind]:
            out.warnings.append({"Type": kind, "Properties": found[kind]})
    return out


def _prop(path: str, required: bool, description: str) -> dict[str, Any]:
    return {"PropertyPath": path, "Required": required, "Description": description}

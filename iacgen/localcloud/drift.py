"""Stack drift detection (DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts,
DetectStackResourceDrift): the template's properties against what moto holds now. State only; the wire is
in drift_responses.py.

What is compared, following the service's documented rules: only the properties the template sets (top
level), after resolving `Ref` to a stack resource's physical id or a parameter's value; write-only properties
are left out (they cannot be read back); a list whose schema says `insertionOrder: false` (tags, security
group rules, ... at any depth) is compared as a multiset, so an element added or removed is one ADD or
REMOVE and the elements around it are no difference. The actual side is rendered the way a generated
template is (properties.render), with links to the stack's own resources written as the same
`Ref`/`Fn::GetAtt`, so a template fresh from the generator is IN_SYNC. Scalars compare by their text (`"80"`
equals `80`, `true` equals `"true"`). A resource that no longer exists is DELETED; a resource moto created
itself (not imported) or a type the local cloud cannot read is NOT_CHECKED.

Detection is asynchronous in the service; here the comparison is made when DetectStackDrift is called and the
detection stays DETECTION_IN_PROGRESS for `settings.drift_seconds` (0 by default), read lazily from the
settings clock.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from iacgen.localcloud import inventory, properties
from iacgen.localcloud.errors import ValidationError
from iacgen.localcloud.schemas import UnknownResourceType, provider_schema, write_only_paths
from iacgen.localcloud.settings import settings

_STATE_ATTR = "_iacgen_drift"
IN_SYNC, MODIFIED, DELETED, NOT_CHECKED = "IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED"
_BUSY = ("_IN_PROGRESS", "REVIEW_IN_PROGRESS")


@dataclass
class Detection:
    id: str
    stack_id: str
    started: float
    drifts: list[dict[str, Any]]

    def status(self, now: float) -> str:
        done = now - self.started >= max(0.0, float(settings.drift_seconds))
        return "DETECTION_COMPLETE" if done else "DETECTION_IN_PROGRESS"

    def describe(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        out: dict[str, Any] = {
            "StackId": self.stack_id,
            "StackDriftDetectionId": self.id,
            "DetectionStatus": status,
            "Timestamp": datetime.fromtimestamp(self.started, tz=UTC),
        }
        if status == "DETECTION_COMPLETE":
            drifted = [d for d in self.drifts if d["StackResourceDriftStatus"] in (MODIFIED, DELETED)]
            out["StackDriftStatus"] = "DRIFTED" if drifted else IN_SYNC
            out["DriftedStackResourceCount"] = len(drifted)
        else:
            out["StackDriftStatus"] = "UNKNOWN"
        return out


@dataclass
class DriftState:
    detections: dict[str, Detection] = field(default_factory=dict)
    latest: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # stack id -> last drifts


def _state(backend: Any) -> DriftState:
    current = getattr(backend, _STATE_ATTR, None)
    if not isinstance(current, DriftState):
        current = DriftState()
        setattr(backend, _STATE_ATTR, current)
    return current


def _backend(account: str, region: str) -> Any:
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[account][region]


def _stack(backend: Any, name_or_id: str | None) -> Any:
    for stack in list(backend.stacks.values()):
        if name_or_id in (stack.name, stack.stack_id) and stack.status != "DELETE_COMPLETE":
            return stack
    raise ValidationError(f"Stack with id {name_or_id} does not exist")


# --- comparison --------------------------------------------------------------------------------------------


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _normalize(value: Any, physical: dict[str, str], parameters: dict[str, str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            name = value["Ref"]
            if name in physical:
                return physical[name]
            if name in parameters:
                return parameters[name]
            return value
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            parts = target.split(".", 1) if isinstance(target, str) else list(target)
            return f"Fn::GetAtt:{'.'.join(str(p) for p in parts)}"
        return {k: _normalize(v, physical, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v, physical, parameters) for v in value]
    return _scalar(value)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else _canonical(value)


def _diff(path: str, expected: Any, actual: Any, out: list[dict[str, str]], spec: _Spec) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            if key not in actual:
                out.append(_difference(f"{path}/{key}", value, None, "REMOVE"))
            else:
                _diff(f"{path}/{key}", value, actual[key], out, spec.child(key))
        for key in actual:
            if key not in expected:
                out.append(_difference(f"{path}/{key}", None, actual[key], "ADD"))
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if spec.unordered():
            _diff_unordered(path, expected, actual, out)
            return
        items = spec.items()
        for i, value in enumerate(expected):
            if i >= len(actual):
                out.append(_difference(f"{path}/{i}", value, None, "REMOVE"))
            else:
                _diff(f"{path}/{i}", value, actual[i], out, items)
        for i in range(len(expected), len(actual)):
            out.append(_difference(f"{path}/{i}", None, actual[i], "ADD"))
        return
    if _canonical(expected) != _canonical(actual):
        out.append(_difference(path, expected, actual, "NOT_EQUAL"))


def _diff_unordered(path: str, expected: list[Any], actual: list[Any], out: list[dict[str, str]]) -> None:
    """An unordered list is a multiset: an element found on both sides (however placed) is no difference;
    each one left over is REMOVE at its index in the template, or ADD at its index in the live list. So one
    tag added is one ADD, not a shift of every tag sorting after it."""
    unmatched: dict[str, list[int]] = {}
    for i, value in enumerate(actual):
        unmatched.setdefault(_canonical(value), []).append(i)
    for i, value in enumerate(expected):
        same = unmatched.get(_canonical(value))
        if same:
            same.pop(0)
        else:
            out.append(_difference(f"{path}/{i}", value, None, "REMOVE"))
    for i in sorted(i for left in unmatched.values() for i in left):
        out.append(_difference(f"{path}/{i}", None, actual[i], "ADD"))


def _difference(path: str, expected: Any, actual: Any, kind: str) -> dict[str, str]:
    return {
        "PropertyPath": path,
        "ExpectedValue": "" if expected is None else _text(expected),
        "ActualValue": "" if actual is None else _text(actual),
        "DifferenceType": kind,
    }


def _drop_write_only(props: dict[str, Any], type_name: str) -> dict[str, Any]:
    """Write-only properties cannot be read back: the service leaves them out of the comparison."""
    out = copy.deepcopy(props)
    for path in write_only_paths(type_name):
        _remove(out, path.split("/"))
    return out


def _remove(node: Any, parts: list[str]) -> None:
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        for item in node if isinstance(node, list) else []:
            _remove(item, rest)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _remove(node[head], rest)
        if node[head] in ({}, []):  # all it held was write-only (Lambda's Code/S3Bucket, Code/S3Key)
            del node[head]
    else:
        del node[head]


@dataclass(frozen=True)
class _Spec:
    """A place in a provider schema (a property, an item of a list, a key of an object), `$ref`s followed:
    where the schema says `insertionOrder: false`, at any depth, the list there is compared as a multiset."""

    root: dict[str, Any]
    node: dict[str, Any]

    @classmethod
    def of(cls, type_name: str) -> _Spec:
        try:
            root = provider_schema(type_name)
        except UnknownResourceType:
            root = {}
        return cls(root, {"properties": root.get("properties", {})})

    def _at(self, node: Any) -> _Spec:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 32:
            ref = node["$ref"].removeprefix("#/definitions/")
            node, seen = self.root.get("definitions", {}).get(ref, {}), seen + 1
        return _Spec(self.root, node if isinstance(node, dict) else {})

    def child(self, key: str) -> _Spec:
        return self._at(self.node.get("properties", {}).get(key, {}))

    def items(self) -> _Spec:
        return self._at(self.node.get("items", {}))

    def unordered(self) -> bool:
        return self.node.get("insertionOrder") is False


def _compare(type_name: str, expected: dict[str, Any], actual: dict[str, Any]) -> list[dict[str, str]]:
    differences: list[dict[str, str]] = []
    spec = _Spec.of(type_name)
    for name, value in expected.items():
        if name not in actual:
            differences.append(_difference(f"/{name}", value, None, "REMOVE"))
            continue
        _diff(f"/{name}", value, actual[name], differences, spec.child(name))
    return differences


def _resource_drift(
    account: str,
    region: str,
    stack: Any,
    logical_id: str,
    physical: dict[str, str],
    ids: dict[tuple[str, str], str],
    now: float,
) -> dict[str, Any]:
    from iacgen.localcloud.generating import _resolve
    from iacgen.localcloud.importing import AdoptedResource

    template = stack.template_dict.get("Resources", {}).get(logical_id, {})
    type_name = str(template.get("Type", ""))
    resource = stack.resource_map._parsed_resources.get(logical_id)
    out: dict[str, Any] = {
        "StackId": stack.stack_id,
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical.get(logical_id, ""),
        "ResourceType": type_name,
        "Timestamp": datetime.fromtimestamp(now, tz=UTC),
    }
    parameters = {str(k): str(v) for k, v in (stack.parameters or {}).items()}
    expected = _normalize(dict(template.get("Properties") or {}), physical, parameters)
    if not isinstance(resource, AdoptedResource) or not properties.supported(type_name):
        out["StackResourceDriftStatus"] = NOT_CHECKED
        return out
    expected = _drop_write_only(expected, type_name)
    out["ExpectedProperties"] = _canonical(expected)
    live = inventory.find(account, region, type_name, resource.identifier)
    try:
        rendered = properties.render(account, region, live, full=True) if live is not None else None
    except properties.ResourceGone:
        rendered = None
    if rendered is None:
        out["StackResourceDriftStatus"] = DELETED
        return out
    actual = _normalize(_resolve(rendered, ids), physical, parameters)
    out["ActualProperties"] = _canonical(actual)
    differences = _compare(type_name, expected, actual)
    out["PropertyDifferences"] = differences
    out["StackResourceDriftStatus"] = MODIFIED if differences else IN_SYNC
    return out


def _detect(account: str, region: str, stack: Any, logical_ids: list[str] | None) -> list[dict[str, Any]]:
    from iacgen.localcloud.importing import AdoptedResource

    if stack.status.endswith(_BUSY):
        raise ValidationError(
            f"Drift detection cannot be performed on stack {stack.name} in {stack.status} state"
        )
    declared = list(stack.template_dict.get("Resources") or {})
    unknown = [lid for lid in logical_ids or [] if lid not in declared]
    if unknown:
        raise ValidationError(f"Resources [{', '.join(unknown)}] do not exist in stack {stack.name}")
    parsed = stack.resource_map._parsed_resources
    # moto's resource map also holds the resolved parameters: a Ref to one is the parameter's value
    physical = {
        lid: str(getattr(obj, "physical_resource_id", "") or "")
        for lid, obj in list(parsed.items())
        if lid in declared
    }
    ids = {
        (obj.cf_resource_type, obj.physical_resource_id): lid
        for lid, obj in list(parsed.items())
        if isinstance(obj, AdoptedResource)
    }
    now = settings.clock()
    wanted = logical_ids or declared
    return [
        _resource_drift(account, region, stack, lid, physical, ids, now) for lid in wanted if lid in parsed
    ]


# --- operations --------------------------------------------------------------------------------------------


def detect_stack(account: str, region: str, stack_name: str | None, logical_ids: list[str] | None) -> str:
    backend = _backend(account, region)
    stack = _stack(backend, stack_name)
    drifts = _detect(account, region, stack, logical_ids)
    state = _state(backend)
    detection = Detection(str(uuid.uuid4()), stack.stack_id, settings.clock(), drifts)
    state.detections[detection.id] = detection
    state.latest[stack.stack_id] = drifts
    return detection.id


def detection_status(account: str, region: str, detection_id: str | None) -> dict[str, Any]:
    detection = _state(_backend(account, region)).detections.get(detection_id or "")
    if detection is None:
        raise ValidationError(f"Stack drift detection {detection_id} does not exist")
    return detection.describe(settings.clock())


def resource_drifts(
    account: str, region: str, stack_name: str | None, status_filters: list[str] | None
) -> list[dict[str, Any]]:
    backend = _backend(account, region)
    stack = _stack(backend, stack_name)
    drifts = _state(backend).latest.get(stack.stack_id, [])
    wanted = set(status_filters or [])
    return [copy.deepcopy(d) for d in drifts if not wanted or d["StackResourceDriftStatus"] in wanted]


def detect_resource(account: str, region: str, stack_name: str | None, logical_id: str) -> dict[str, Any]:
    backend = _backend(account, region)
    stack = _stack(backend, stack_name)
    found = _detect(account, region, stack, [logical_id])
    if not found:
        raise ValidationError(f"Resource {logical_id} does not exist in stack {stack.name}")
    return found[0]

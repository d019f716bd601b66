"""Folding an existing stack's template into an import body.

The service requires an import into an existing stack to describe the whole stack, and refuses any change to
what the stack already has. So the stack's resources are sent exactly as the stack has them (edit them with a
normal update), its Parameters, Mappings and Conditions are kept, and its Outputs stay as they are; the user's
Outputs that the stack does not already have are set aside for a later update.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iacgen.core.template import Template

KEPT_SECTIONS = ("Parameters", "Mappings", "Conditions")


@dataclass
class Merged:
    kept: list[str]  # the stack's resources the user's template did not name
    outputs_set_aside: list[str]  # the user's Outputs that are not already the stack's


def section(data: Any, name: str) -> Any:
    """A top-level section when it is a mapping, else None."""
    value = data.get(name)
    return value if isinstance(value, Mapping) else None


def dump_section(name: str, value: Any) -> str:
    """One section as YAML text, short-form tags kept, for the user to paste back later."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump({name: value}, buf)
    return buf.getvalue()


def merge_stack(template: Template, stack_template: Template, owned: set[str]) -> Merged:
    """Fold the stack's template into `template` (in place), for the resources the stack really holds
    (`owned`: after a rolled-back import the stack's template can name resources that were never adopted)."""
    data, old = template.data, stack_template.data
    resources = data["Resources"]
    kept: list[str] = []
    for lid, definition in old["Resources"].items():
        if lid not in owned:
            continue
        if lid not in resources:
            kept.append(str(lid))
        resources[lid] = definition
    for name in KEPT_SECTIONS:
        old_section = section(old, name)
        if old_section:
            target = _ensure_section(data, name)
            for key, value in old_section.items():
                target[key] = value
    user_outputs = section(data, "Outputs") or {}
    old_outputs = section(old, "Outputs") or {}
    set_aside = [
        str(k) for k, v in user_outputs.items() if k not in old_outputs or _plain(old_outputs[k]) != _plain(v)
    ]
    if old_outputs:
        data["Outputs"] = old_outputs
    elif "Outputs" in data:
        del data["Outputs"]
    return Merged(kept, set_aside)


def _ensure_section(data: Any, name: str, after: str = "Resources") -> Any:
    existing = section(data, name)
    if existing is not None:
        return existing
    from ruamel.yaml.comments import CommentedMap

    new = CommentedMap()
    keys = list(data.keys())
    if hasattr(data, "insert") and after in keys:
        data.insert(keys.index(after), name, new)
    else:
        data[name] = new
    return new


def _plain(value: Any) -> Any:
    """A comparable form of a round-trip value (ruamel's TaggedScalar has no equality of its own)."""
    tag = getattr(getattr(value, "tag", None), "value", None)
    if isinstance(value, Mapping):
        return (tag, tuple((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (tag, tuple(_plain(v) for v in value))
    return (tag, getattr(value, "value", value) if tag else value)

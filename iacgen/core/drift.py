"""Drift between a freshly generated template and the template file committed in the repository, per resource:
added (in the account, not in the file), removed (in the file, no longer generated), or changed, with the
property paths that differ (`Properties.Tags[0].Value`). Policies and Metadata are ignored: the committed file
is expected to differ there.

Resources are matched by type + primary identifier where both sides know it (the generator's
ResourceIdentifier, the committed resources file, or identifier properties the committed template states as
literals), then by logical id, then by an identical body. Logical ids are not stable between generations (the
service writes `<Type><name>` or the older `<Type>00<id>00<random5>`), so references (Ref, GetAtt, Sub,
DependsOn) in the generated side are renamed to the committed side's logical ids before comparing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from iacgen.core.template import Template

IGNORED_ATTRIBUTES = frozenset({"DeletionPolicy", "UpdateReplacePolicy", "Metadata"})

Identifier = Mapping[str, str]
MatchedBy = Literal["identifier", "logical id", "identical body"]


class DriftKind(StrEnum):
    ADDED = "added"  # the account has it (the generator wrote it); the committed file does not
    REMOVED = "removed"  # the committed file has it; the generator no longer writes it
    CHANGED = "changed"  # both have it, with different values


@dataclass(frozen=True)
class PropertyDiff:
    path: str  # Properties.Tags[0].Value; Type, DependsOn, Condition are paths too
    committed: Any  # None: absent in the committed file
    generated: Any  # None: absent in the generated template

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "committed": self.committed, "generated": self.generated}


@dataclass(frozen=True)
class DriftItem:
    kind: DriftKind
    type: str
    logical_id: str  # the committed file's logical id; the generated one for an added resource
    generated_logical_id: str | None
    identifier: dict[str, str] | None
    matched_by: MatchedBy | None
    line: int | None  # 1-based line in the committed file: the resource's, or `Resources:` for an added one
    diffs: list[PropertyDiff] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.kind is DriftKind.CHANGED:
            paths = ", ".join(d.path for d in self.diffs[:5]) + (" ..." if len(self.diffs) > 5 else "")
            return f"{self.logical_id} ({self.type}) changed: {paths}"
        if self.kind is DriftKind.ADDED:
            return f"{self.logical_id} ({self.type}) is in the account but not in the committed template"
        return f"{self.logical_id} ({self.type}) is in the committed template but no longer generated"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "type": self.type,
            "logical_id": self.logical_id,
            "generated_logical_id": self.generated_logical_id,
            "identifier": self.identifier,
            "matched_by": self.matched_by,
            "line": self.line,
            "diffs": [d.to_dict() for d in self.diffs],
        }


@dataclass(frozen=True)
class Drift:
    committed: str  # the committed file's path, as given
    items: list[DriftItem]
    unchanged: int  # matched resources without differences
    matches: dict[str, str] = field(default_factory=dict)  # generated logical id -> committed logical id

    @property
    def drifted(self) -> bool:
        return bool(self.items)

    def count(self, kind: DriftKind) -> int:
        return sum(1 for i in self.items if i.kind is kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "committed": self.committed,
            "drifted": self.drifted,
            "unchanged": self.unchanged,
            "added": self.count(DriftKind.ADDED),
            "removed": self.count(DriftKind.REMOVED),
            "changed": self.count(DriftKind.CHANGED),
            "items": [i.to_dict() for i in self.items],
        }


@dataclass
class _Side:
    logical_id: str
    type: str
    body: dict[str, Any]  # canonical, without the ignored attributes
    identifier: dict[str, str] | None
    line: int | None


def compare(
    generated: Template,
    committed: Template,
    *,
    generated_ids: Mapping[str, Identifier] | None = None,
    committed_ids: Mapping[str, Identifier] | None = None,
) -> Drift:
    """The drift of `committed` from `generated`. `generated_ids` are the generator's ResourceIdentifier by
    logical id; `committed_ids` the committed resources file's (either may be missing or partial)."""
    gen = _sides(generated, generated_ids or {}, None)
    id_props = {s.type: sorted(s.identifier) for s in gen.values() if s.identifier}
    com = _sides(committed, committed_ids or {}, id_props)
    pairs: dict[str, tuple[str, MatchedBy]] = {}  # committed lid -> (generated lid, how)

    by_key = {_key(s): lid for lid, s in gen.items() if s.identifier}
    for lid, side in com.items():
        if side.identifier and _key(side) in by_key:
            pairs[lid] = (by_key[_key(side)], "identifier")
    taken = {g for g, _ in pairs.values()}
    for lid, side in com.items():
        other = gen.get(lid)
        if (
            lid not in pairs
            and other is not None
            and lid not in taken
            and other.type == side.type
            and not (side.identifier and other.identifier)  # both identified and different: not the same one
        ):
            pairs[lid] = (lid, "logical id")
            taken.add(lid)
    rename = {g: c for c, (g, _) in pairs.items()}
    for lid, side in com.items():
        if lid in pairs:
            continue
        for glid, other in gen.items():
            if glid not in taken and other.type == side.type and _renamed(other.body, rename) == side.body:
                pairs[lid] = (glid, "identical body")
                taken.add(glid)
                rename[glid] = lid
                break

    items: list[DriftItem] = []
    unchanged = 0
    for lid, side in com.items():
        if lid not in pairs:
            items.append(DriftItem(DriftKind.REMOVED, side.type, lid, None, side.identifier, None, side.line))
            continue
        glid, how = pairs[lid]
        other = gen[glid]
        diffs = _diff("", side.body, _renamed(other.body, rename))
        if diffs:
            ident = other.identifier or side.identifier
            items.append(DriftItem(DriftKind.CHANGED, side.type, lid, glid, ident, how, side.line, diffs))
        else:
            unchanged += 1
    resources_line = _section_line(committed)
    for glid, other in gen.items():
        if glid not in taken:
            items.append(
                DriftItem(DriftKind.ADDED, other.type, glid, glid, other.identifier, None, resources_line)
            )
    return Drift(committed.source, items, unchanged, {g: c for c, (g, _) in pairs.items()})


def _key(side: _Side) -> tuple[str, tuple[tuple[str, str], ...]]:
    return side.type, tuple(sorted((side.identifier or {}).items()))


def _sides(
    t: Template, ids: Mapping[str, Identifier], id_props: Mapping[str, list[str]] | None
) -> dict[str, _Side]:
    section = t.data.get("Resources")
    lines = {lid: r.line for lid, r in t.resources().items()}
    out: dict[str, _Side] = {}
    if not isinstance(section, dict):
        return out
    for key, raw in section.items():
        if not isinstance(raw, dict):
            continue
        lid = str(key)
        body = {str(k): canonical(v) for k, v in raw.items() if str(k) not in IGNORED_ATTRIBUTES}
        rtype = str(body.get("Type", ""))
        ident: dict[str, str] | None = {str(k): str(v) for k, v in ids[lid].items()} if lid in ids else None
        if ident is None and id_props is not None and rtype in id_props:
            ident = _stated_identifier(body.get("Properties"), id_props[rtype])
        out[lid] = _Side(lid, rtype, body, ident, lines.get(lid))
    return out


def _stated_identifier(props: Any, names: list[str]) -> dict[str, str] | None:
    """The identifier when the template states every identifier property as a literal (a BucketName)."""
    if not isinstance(props, dict) or not names:
        return None
    values = {n: props.get(n) for n in names}
    if all(isinstance(v, str) for v in values.values()):
        return {n: str(v) for n, v in values.items()}
    return None


def _section_line(t: Template) -> int | None:
    try:
        return int(t.data.lc.key("Resources")[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


# --- values


def canonical(value: Any) -> Any:
    """Plain values for comparison: short-form tags in long form, scalars as strings (CloudFormation reads
    `22`, `"22"` and `'22'` alike; `true` and `"true"` too), mappings as dicts."""
    tag = getattr(getattr(value, "tag", None), "value", None)
    tag = str(tag) if tag and str(tag).startswith("!") else None
    if isinstance(value, dict):
        plain: Any = {str(k): canonical(v) for k, v in value.items()}
    elif isinstance(value, list):
        plain = [canonical(v) for v in value]
    elif value is None:
        plain = None
    elif isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        plain = "true" if value else "false"
    elif hasattr(value, "value") and tag:  # a TaggedScalar such as !Ref X
        plain = str(value.value)
    else:
        plain = str(value)
    if tag is None:
        return plain
    name = tag.lstrip("!")
    if name in ("Ref", "Condition"):
        return {name: plain}
    if name == "GetAtt" and isinstance(plain, str):
        return {"Fn::GetAtt": plain.split(".", 1)}
    return {f"Fn::{name}": plain}


_SUB_VAR = re.compile(r"\$\{([A-Za-z0-9]+)((?:\.[A-Za-z0-9.]+)?)\}")


def _renamed(value: Any, rename: Mapping[str, str]) -> Any:
    """References to generated logical ids rewritten to the committed ones they were matched with."""
    if not rename:
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                out[k] = rename.get(v, v)
            elif k == "Fn::GetAtt" and isinstance(v, list) and v and isinstance(v[0], str):
                out[k] = [rename.get(v[0], v[0]), *v[1:]]
            elif k == "DependsOn":
                out[k] = [rename.get(d, d) for d in v] if isinstance(v, list) else rename.get(v, v)
            elif k == "Fn::Sub":
                out[k] = _renamed_sub(v, rename)
            else:
                out[k] = _renamed(v, rename)
        return out
    if isinstance(value, list):
        return [_renamed(v, rename) for v in value]
    return value


def _renamed_sub(value: Any, rename: Mapping[str, str]) -> Any:
    def sub(text: str) -> str:
        return _SUB_VAR.sub(lambda m: "${" + rename.get(m.group(1), m.group(1)) + m.group(2) + "}", text)

    if isinstance(value, str):
        return sub(value)
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [sub(value[0]), *(_renamed(v, rename) for v in value[1:])]
    return _renamed(value, rename)


def _diff(path: str, committed: Any, generated: Any) -> list[PropertyDiff]:
    if committed == generated:
        return []
    if isinstance(committed, dict) and isinstance(generated, dict):
        out: list[PropertyDiff] = []
        for key in [*committed, *(k for k in generated if k not in committed)]:
            sub = f"{path}.{key}" if path else key
            if key not in generated:
                out.append(PropertyDiff(sub, committed[key], None))
            elif key not in committed:
                out.append(PropertyDiff(sub, None, generated[key]))
            else:
                out.extend(_diff(sub, committed[key], generated[key]))
        return out
    if isinstance(committed, list) and isinstance(generated, list):
        if _keyed(committed) and _keyed(generated):
            return _diff_keyed(path, committed, generated)
        out = []
        for index in range(max(len(committed), len(generated))):
            sub = f"{path}[{index}]"
            if index >= len(generated):
                out.append(PropertyDiff(sub, committed[index], None))
            elif index >= len(committed):
                out.append(PropertyDiff(sub, None, generated[index]))
            else:
                out.extend(_diff(sub, committed[index], generated[index]))
        return out
    return [PropertyDiff(path, committed, generated)]


def _keyed(items: list[Any]) -> bool:
    """A list of {Key: ..., ...} entries (Tags): its order carries no meaning."""
    return bool(items) and all(isinstance(i, dict) and isinstance(i.get("Key"), str) for i in items)


def _diff_keyed(path: str, committed: list[Any], generated: list[Any]) -> list[PropertyDiff]:
    gen = {item["Key"]: (index, item) for index, item in enumerate(generated)}
    seen: set[str] = set()
    out: list[PropertyDiff] = []
    for index, item in enumerate(committed):
        key = item["Key"]
        seen.add(key)
        if key not in gen:
            out.append(PropertyDiff(f"{path}[{index}]", item, None))
        else:
            out.extend(_diff(f"{path}[{index}]", item, gen[key][1]))
    for key, (index, item) in gen.items():
        if key not in seen:
            out.append(PropertyDiff(f"{path}[{index}]", None, item))
    return out

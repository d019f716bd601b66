"""Changes to a template's text, by minimal edits: policy patching, the DeletionPolicy an import needs, and
the Outputs an import cannot carry.

Why text edits: an engineer reviews the diff of a patched template before it adopts production resources,
and ruamel's dumper re-indents sequences, re-flows long lines and re-spaces flow collections, which would bury
a one-line policy change in noise. So changes are spliced into the original text at positions taken from
ruamel's node tree, and the result is parsed again to prove it says what was meant and nothing else changed.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from iacgen.core.errors import UsageError
from iacgen.core.policies import DELETION_POLICY, UPDATE_REPLACE_POLICY, check_snapshot, normalize_policy
from iacgen.core.template import (
    BOM,
    FOR_EACH,
    Template,
    TemplateFormat,
    TemplateResource,
    load_template,
    shape,
)

_BUG_HINT = "this is a bug in iacgen; set the policy by hand and report the template's layout"


# --- patching


@dataclass
class PolicyChange:
    logical_id: str
    type: str
    attribute: str
    old: str | None
    new: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.type,
            "attribute": self.attribute,
            "old": self.old,
            "new": self.new,
        }


@dataclass
class SkippedResource:
    logical_id: str
    type: str
    attribute: str | None  # None when the whole resource was left out (not selected)
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.type,
            "attribute": self.attribute,
            "reason": self.reason,
        }


@dataclass
class PatchResult:
    text: str
    changed: list[PolicyChange] = field(default_factory=list)
    skipped: list[SkippedResource] = field(default_factory=list)
    source: str = "<template>"

    @property
    def resources_changed(self) -> int:
        return len({c.logical_id for c in self.changed})

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "resources_changed": self.resources_changed,
            "changed": [c.to_dict() for c in self.changed],
            "skipped": [s.to_dict() for s in self.skipped],
        }


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def patch_policies(
    text: str,
    *,
    deletion_policy: str | None = None,
    update_replace_policy: str | None = None,
    types: list[str] | None = None,
    logical_ids: list[str] | None = None,
    source: str = "<template>",
) -> PatchResult:
    """Set DeletionPolicy / UpdateReplacePolicy on every resource, or on those whose Type matches a glob in
    `types` and (AND) whose logical id is in `logical_ids`, changing only the policy lines of `text`.
    A glob that matches nothing, or a logical id the template lacks, is a UsageError: a typo must not
    silently leave a production resource with the wrong policy."""
    wanted: dict[str, str] = {}
    if deletion_policy is not None:
        wanted[DELETION_POLICY] = normalize_policy(deletion_policy, DELETION_POLICY)
    if update_replace_policy is not None:
        wanted[UPDATE_REPLACE_POLICY] = normalize_policy(update_replace_policy, UPDATE_REPLACE_POLICY)
    if not wanted:
        raise UsageError("no policy to set", "give a DeletionPolicy and/or an UpdateReplacePolicy")
    template = load_template(text, source)
    resources = template.resources()
    selected = _select(resources, types, source)
    if logical_ids:
        _check_logical_ids(template, resources, logical_ids, source)
        kept = set(selected)
        excluded = [lid for lid in dict.fromkeys(logical_ids) if lid not in kept]
        if excluded:
            r = resources[excluded[0]]
            raise UsageError(
                f"{source}: {r.logical_id} is of type {r.type}, which no type glob matches",
                "resources and types must both match; drop the type glob or the logical id",
            )
        chosen = set(logical_ids)
        selected = [lid for lid in selected if lid in chosen]
    if "Snapshot" in wanted.values():
        check_snapshot(resources, selected, source)
    return _apply(template, wanted, selected, only_missing=False)


def _select(resources: dict[str, TemplateResource], types: list[str] | None, source: str) -> list[str]:
    if not types:
        return list(resources)
    from iacgen.core.validation import check_type_patterns

    check_type_patterns(types, "--type")  # case-sensitive, as the service's types and generate's type=
    chosen: set[str] = set()
    for glob in types:
        matched = {lid for lid, r in resources.items() if fnmatch.fnmatchcase(r.type, glob)}
        if not matched:
            present = sorted({r.type for r in resources.values()})
            shown = ", ".join(present[:8]) + (f" and {len(present) - 8} more" if len(present) > 8 else "")
            raise UsageError(
                f"{source}: type glob {glob!r} matches no resource",
                f"types in this template: {shown or 'none'}",
            )
        chosen |= matched
    return [lid for lid in resources if lid in chosen]


def _check_logical_ids(
    template: Template, resources: dict[str, TemplateResource], logical_ids: list[str], source: str
) -> None:
    unknown = [lid for lid in dict.fromkeys(logical_ids) if lid not in resources]
    if not unknown:
        return
    expands = [lid for lid in unknown if str(lid).startswith(FOR_EACH) and lid in template.data["Resources"]]
    if expands:
        raise UsageError(
            f"{source}: {expands[0]} is an Fn::ForEach loop, not a resource",
            "its resources expand at deploy time; set their policies inside the loop by hand",
        )
    present = list(resources)
    shown = ", ".join(present[:8]) + (f" and {len(present) - 8} more" if len(present) > 8 else "")
    more = f" (and {len(unknown) - 1} more: {', '.join(unknown[1:])})" if len(unknown) > 1 else ""
    raise UsageError(
        f"{source}: no resource with logical id {unknown[0]!r}{more}",
        f"logical ids are case-sensitive; in this template: {shown or 'none'}",
    )


def _apply(
    template: Template, wanted: dict[str, str], selected: list[str], *, only_missing: bool
) -> PatchResult:
    text = template.text
    source = template.source
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    resources = template.resources()
    result = PatchResult(text=text, source=source)
    chosen = set(selected)
    for lid, r in resources.items():
        if lid not in chosen:
            result.skipped.append(SkippedResource(lid, r.type, None, "not selected"))
    for key in template.data["Resources"]:
        if isinstance(key, str) and key.startswith(FOR_EACH):
            result.skipped.append(
                SkippedResource(key, "Fn::ForEach", None, "expands at deploy time; not patched")
            )

    nodes = _resource_nodes(template._node)
    edits: list[_Edit] = []
    expected: dict[str, dict[str, str]] = {}
    done: dict[int, list[PolicyChange]] = {}  # an aliased resource body is edited once
    newline = "\r\n" if "\r\n" in body else "\n"
    for lid in selected:
        r = resources[lid]
        node = nodes.get(lid)
        if node is None:
            result.skipped.append(
                SkippedResource(lid, r.type, None, "not found in the text; left as written")
            )
            continue
        if id(node) in done:
            for c in done[id(node)]:
                result.changed.append(PolicyChange(lid, r.type, c.attribute, c.old, c.new))
                expected.setdefault(lid, {})[c.attribute] = c.new
            continue
        own = {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}
        current = {DELETION_POLICY: r.deletion_policy, UPDATE_REPLACE_POLICY: r.update_replace_policy}
        changes: list[PolicyChange] = []
        missing: list[tuple[str, str]] = []
        for attribute, value in wanted.items():
            if attribute in own:
                if only_missing and current[attribute] is not None:
                    continue
                value_node = own[attribute][1]
                reason = _unpatchable(value_node)
                if reason:
                    result.skipped.append(SkippedResource(lid, r.type, attribute, reason))
                    continue
                if value_node.value == value and current[attribute] is not None:
                    result.skipped.append(SkippedResource(lid, r.type, attribute, f"already {value}"))
                    continue
                edits.append(_replacement(body, own[attribute][0], value_node, value, template.format))
            else:
                missing.append((attribute, value))
            changes.append(PolicyChange(lid, r.type, attribute, current[attribute], value))
        if missing:
            insertion = _insertion(body, node, own, missing, template.format, newline)
            if isinstance(insertion, str):
                inserted = {a for a, _ in missing}
                changes = [c for c in changes if c.attribute not in inserted]
                for attribute, _ in missing:
                    result.skipped.append(SkippedResource(lid, r.type, attribute, insertion))
            else:
                edits.append(insertion)
        done[id(node)] = changes
        result.changed.extend(changes)
        for c in changes:
            expected.setdefault(lid, {})[c.attribute] = c.new
    if not edits:
        return result
    new_body = body
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        new_body = new_body[: edit.start] + edit.text + new_body[edit.end :]
    result.text = bom + new_body
    _verify(template, result.text, expected, drop=frozenset({"policies"}))
    return result


def _resource_nodes(root: Node | None) -> dict[str, MappingNode]:
    found: dict[str, MappingNode] = {}
    if not isinstance(root, MappingNode):
        return found
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "Resources" and isinstance(value, MappingNode):
            for rkey, rvalue in value.value:
                if isinstance(rkey, ScalarNode) and isinstance(rvalue, MappingNode):
                    found[str(rkey.value)] = rvalue
    return found


def _replacement(body: str, key: ScalarNode, node: ScalarNode, value: str, fmt: TemplateFormat) -> _Edit:
    """The new value over the old one's span, quoted as the old one was (always quoted in JSON)."""
    quote = '"' if fmt == "json" else node.style if node.style in ("'", '"') else ""
    start, end = node.start_mark.index, node.end_mark.index
    if start == end:  # an empty value (`DeletionPolicy:`) is marked at the next token: write after the colon
        colon = body.index(":", key.end_mark.index) + 1
        return _Edit(colon, colon, f" {quote}{value}{quote}")
    return _Edit(start, end, f"{quote}{value}{quote}")


def _unpatchable(node: Node) -> str | None:
    if not isinstance(node, ScalarNode) or str(node.tag).startswith("!"):
        return "is an expression; left as written"
    if node.style in ("|", ">"):
        return "is a block scalar; left as written"
    return None


def _insertion(
    body: str,
    node: MappingNode,
    own: dict[str, tuple[ScalarNode, Node]],
    missing: list[tuple[str, str]],
    fmt: TemplateFormat,
    newline: str,
) -> _Edit | str:
    """Where and what to insert for attributes the resource lacks; a reason string when it cannot be done."""
    if "Type" not in own:
        return "its Type comes from a YAML merge key; add the policy by hand"
    type_key, type_value = own["Type"]
    if fmt == "json":
        pairs = [(f'"{a}"', f'"{v}"') for a, v in missing]
    else:
        quote = (
            type_value.style if isinstance(type_value, ScalarNode) and type_value.style in ("'", '"') else ""
        )
        pairs = [(a, f"{quote}{v}{quote}") for a, v in missing]
    line_start = body.rfind("\n", 0, type_key.start_mark.index) + 1
    indent = body[line_start : type_key.start_mark.index]
    own_line = indent.strip() == ""
    after = type_value.end_mark.index
    if node.flow_style:
        tail = re.compile(r"[ \t]*(,?)[ \t]*\r?\n").match(body, after)
        if own_line and tail and tail.group(1) == ",":  # Type is followed by more keys: new lines after it
            return _Edit(tail.end(), tail.end(), "".join(f"{indent}{k}: {v},{newline}" for k, v in pairs))
        if own_line and tail:  # Type is the last key: new lines before it, so no existing line changes
            return _Edit(line_start, line_start, "".join(f"{indent}{k}: {v},{newline}" for k, v in pairs))
        return _Edit(after, after, "".join(f", {k}: {v}" for k, v in pairs))
    if not own_line or (isinstance(type_value, ScalarNode) and type_value.style in ("|", ">")):
        return "its Type line has an unusual layout; add the policy by hand"
    eol = body.find("\n", after)
    rest = body[after : eol if eol >= 0 else len(body)].strip()
    if rest and not rest.startswith("#"):
        return "its Type line has an unusual layout; add the policy by hand"
    lines = [f"{indent}{k}: {v}" for k, v in pairs]
    if eol < 0:
        return _Edit(len(body), len(body), "".join(newline + line for line in lines))
    return _Edit(eol + 1, eol + 1, "".join(line + newline for line in lines))


def _verify(
    before: Template, text: str, expected: dict[str, dict[str, str]], drop: frozenset[str]
) -> Template:
    """Parse the edited text and prove it: same format, the expected attributes, and nothing else changed."""
    source = before.source
    try:
        after = load_template(text, source)
    except UsageError as exc:
        raise UsageError(
            f"{source}: editing produced an unreadable template ({exc.message})", _BUG_HINT
        ) from None
    if after.format != before.format:
        raise UsageError(f"{source}: editing turned {before.format} into {after.format}", _BUG_HINT)
    section = after.data["Resources"]
    for lid, attributes in expected.items():
        for attribute, value in attributes.items():
            got = section.get(lid, {}).get(attribute)
            if got != value:
                raise UsageError(
                    f"{source}: {lid}.{attribute} reads {got!r} after editing, not {value!r}", _BUG_HINT
                )
    if shape(before.data, drop) != shape(after.data, drop):
        raise UsageError(f"{source}: editing changed more than intended", _BUG_HINT)
    return after


# --- import helpers


def set_missing_deletion_policy(t: Template, policy: str) -> list[str]:
    """Give every resource without a DeletionPolicy this one (an IMPORT needs one on each); returns their ids.
    `t` is updated in place: its text keeps every other byte."""
    value = normalize_policy(policy, DELETION_POLICY)
    resources = t.resources()
    lacking = [lid for lid, r in resources.items() if r.deletion_policy is None]
    if value == "Snapshot":
        check_snapshot(resources, lacking, t.source)
    if t.modified:  # `data` was changed by the caller: edit it too; dump_template re-serialises anyway
        section = t.data["Resources"]
        for lid in lacking:
            body = section[lid]
            keys = list(body)
            body.insert(keys.index("Type") + 1 if "Type" in keys else len(keys), DELETION_POLICY, value.value)
        return lacking
    result = _apply(t, {DELETION_POLICY: value}, lacking, only_missing=True)
    if result.text != t.text:
        _replace(t, result.text)
    return [c.logical_id for c in result.changed]


def strip_outputs(t: Template) -> list[str]:
    """Remove the Outputs section (an IMPORT change set may not add or change Outputs); returns the names that
    were removed, for a later update. `t` is updated in place; every other byte of its text is kept."""
    outputs = t.outputs()
    if "Outputs" not in t.data:
        return []
    if t.modified:  # `data` was changed by the caller: edit it too; dump_template re-serialises anyway
        del t.data["Outputs"]
        return list(outputs)
    bom = BOM if t.text.startswith(BOM) else ""
    body = t.text[len(bom) :]
    root = t._node
    pairs = list(root.value)
    index = next(i for i, (k, _) in enumerate(pairs) if isinstance(k, ScalarNode) and k.value == "Outputs")
    key, value = pairs[index]
    if root.flow_style:
        start, end = _flow_pair_span(body, pairs, index)
    else:
        start = body.rfind("\n", 0, key.start_mark.index) + 1
        last = _last_content(value, key.end_mark.index)
        nl = body.find("\n", last)
        end = len(body) if nl < 0 else nl + 1
    new_text = bom + body[:start] + body[end:]
    _verify(t, new_text, {}, drop=frozenset({"Outputs"}))
    _replace(t, new_text)
    return list(outputs)


def _flow_pair_span(body: str, pairs: list[tuple[Node, Node]], index: int) -> tuple[int, int]:
    """The span to delete for pair `index` of a flow mapping (JSON), with one neighbouring comma."""
    key, value = pairs[index]
    if index + 1 < len(pairs):  # drop "key": value, up to the next key
        line_start = body.rfind("\n", 0, key.start_mark.index) + 1
        next_key = pairs[index + 1][0]
        next_line_start = body.rfind("\n", 0, next_key.start_mark.index) + 1
        if body[line_start : key.start_mark.index].strip() == "" and next_line_start > line_start:
            return line_start, next_line_start
        return key.start_mark.index, next_key.start_mark.index
    previous = pairs[index - 1][1]  # the last pair: drop from the end of the previous value
    return previous.end_mark.index, value.end_mark.index


def _last_content(node: Node, floor: int) -> int:
    """The index of the last character that belongs to `node` (block mappings end where the next key starts,
    so their end mark cannot be used)."""
    last = floor
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, ScalarNode):
            end = n.end_mark.index
            if n.style in ("|", ">"):
                end -= 1  # a block scalar ends after its line break
            last = max(last, end - 1 if end > n.start_mark.index else end)
        elif isinstance(n.value, list):
            if getattr(n, "flow_style", False):
                last = max(last, n.end_mark.index - 1)
            for item in n.value:
                stack.extend(item if isinstance(item, tuple) else (item,))
    return last


def _replace(t: Template, text: str) -> None:
    fresh = load_template(text, t.source)
    t.data, t.text, t._shape, t._node = fresh.data, fresh.text, fresh._shape, fresh._node

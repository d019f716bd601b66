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

from ruamel.yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import Node, ScalarNode

from iacgen.core.errors import UsageError
from iacgen.core.policies import (
    DELETION_POLICY,
    POLICY_ATTRIBUTES,
    UPDATE_REPLACE_POLICY,
    check_snapshot,
    normalize_policy,
)
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
    pinned: list[str] = field(default_factory=list)  # aliases written out: their anchored value changed

    @property
    def resources_changed(self) -> int:
        return len({c.logical_id for c in self.changed})

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "resources_changed": self.resources_changed,
            "changed": [c.to_dict() for c in self.changed],
            "skipped": [s.to_dict() for s in self.skipped],
            "pinned": self.pinned,
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
    A glob that matches nothing, a logical id the template lacks, or a change that cannot be made (an
    expression, an Fn::ForEach loop, a layout the text edit cannot handle) is a UsageError: a typo or a
    skipped resource must not leave a production resource with the wrong policy behind an exit 0."""
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
    else:
        _check_loops(template, types, source)
    if "Snapshot" in wanted.values():
        check_snapshot(resources, selected, source)
    return _apply(template, wanted, selected, only_missing=False)


def _check_loops(template: Template, types: list[str] | None, source: str) -> None:
    """A selection that takes in an Fn::ForEach loop's resources (every resource, or a type glob one of them
    matches) cannot be honoured for them: they expand at deploy time. Refused, not skipped with a note."""
    for key, loop in template.data["Resources"].items():
        if not (isinstance(key, str) and key.startswith(FOR_EACH)):
            continue
        bodies = loop[2] if isinstance(loop, list) and len(loop) == 3 and isinstance(loop[2], dict) else {}
        kinds = {str(b.get("Type")) for b in bodies.values() if isinstance(b, dict)}
        if types and not any(fnmatch.fnmatchcase(k, glob) for k in kinds for glob in types):
            continue
        raise UsageError(
            f"{source}: {key} is an Fn::ForEach loop: its resources expand at deploy time, so patch cannot "
            "set their policies",
            "set them inside the loop by hand, and choose the other resources with {opt:type} or "
            "{opt:resource}; nothing was written",
        )


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


class _Refused(Exception):
    """A requested edit that cannot be made: the patch as a whole is refused (never a silent skip)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _apply(
    template: Template, wanted: dict[str, str], selected: list[str], *, only_missing: bool
) -> PatchResult:
    """Plan the edits for `selected`, splice them into the text and verify the result. A requested change
    that cannot be made is a UsageError naming the resource: exit 0 must mean every change was applied."""
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
    if not selected:
        return result
    doc = _Document(body)
    plan = _Plan(doc, template.format, "\r\n" if "\r\n" in body else "\n", chosen)
    expected: dict[str, dict[str, str]] = {}
    done: dict[int, list[PolicyChange]] = {}  # an aliased resource body is edited once
    try:
        for lid in selected:
            r = resources[lid]
            entry = doc.entries.get(lid)
            if entry is None:
                raise _Refused(
                    f"{lid} comes into Resources through a YAML merge key: it has no text of its own to edit",
                    f"write {lid} out under Resources",
                )
            node = entry.resolved()
            if id(node) in done:
                for c in done[id(node)]:
                    result.changed.append(PolicyChange(lid, r.type, c.attribute, c.old, c.new))
                    expected.setdefault(lid, {})[c.attribute] = c.new
                continue
            current = {DELETION_POLICY: r.deletion_policy, UPDATE_REPLACE_POLICY: r.update_replace_policy}
            changes: list[PolicyChange] = []
            for attribute, value in wanted.items():
                if only_missing and current[attribute] is not None:
                    continue
                if plan.set(lid, node, attribute, value, current[attribute] is not None):
                    changes.append(PolicyChange(lid, r.type, attribute, current[attribute], value))
                else:
                    result.skipped.append(SkippedResource(lid, r.type, attribute, f"already {value}"))
            done[id(node)] = changes
            result.changed.extend(changes)
            for c in changes:
                expected.setdefault(lid, {})[c.attribute] = c.new
        plan.pin_aliases()
    except _Refused as exc:
        hint = exc.hint if only_missing else f"{exc.hint}; nothing was written"
        raise UsageError(f"{source}: {exc.message}", hint) from None
    result.pinned = plan.pinned
    if not plan.edits:
        return result
    new_body = body
    for edit in sorted(plan.edits.values(), key=lambda e: e.start, reverse=True):
        new_body = new_body[: edit.start] + edit.text + new_body[edit.end :]
    result.text = bom + new_body
    _verify(template, result.text, expected, drop=frozenset({"policies"}))
    return result


# --- the text as written: occurrences, aliases and merge keys


@dataclass(eq=False)
class _Occ:
    """One value as written in the text. Unlike ruamel's node graph, where an alias is the anchored node
    itself, an alias here is an occurrence of its own, with its own position: the one to edit."""

    kind: str  # "scalar", "map", "seq" or "alias"
    start: int
    end: int
    anchor: str | None = None  # &name on this value; for an alias, the name it refers to
    tag: str | None = None
    value: str = ""  # a scalar's value
    style: str | None = None
    flow: bool = False
    pairs: list[tuple[_Occ, _Occ]] = field(default_factory=list)
    items: list[_Occ] = field(default_factory=list)
    target: _Occ | None = None  # what an alias refers to

    def resolved(self) -> _Occ:
        return self.target if self.kind == "alias" and self.target is not None else self

    def own(self) -> dict[str, tuple[_Occ, _Occ]]:
        """A mapping's own keys (a merge key's are not among them)."""
        found: dict[str, tuple[_Occ, _Occ]] = {}
        for k, v in self.pairs:
            key = k.resolved()
            if key.kind == "scalar" and key.value != "<<" and key.value not in found:
                found[key.value] = (k, v)
        return found

    def merged(self) -> list[_Occ]:
        """The mappings a merge key (<<: *a or <<: [*a, *b]) takes keys from, in order."""
        out: list[_Occ] = []
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == "<<" and k.tag in (None, "tag:yaml.org,2002:merge"):
                value = v.resolved()
                out.extend(i.resolved() for i in value.items) if value.kind == "seq" else out.append(value)
        return out


class _Document:
    """The occurrences of a template's text, with who refers to what: aliases and merge keys by target."""

    def __init__(self, body: str) -> None:
        from ruamel.yaml import YAML

        self.body = body
        self._events = iter(YAML(typ="rt").parse(body))
        self._anchors: dict[str, _Occ] = {}
        self.aliases: dict[int, list[_Occ]] = {}  # id(target) -> its aliases
        self.mergers: dict[int, list[_Occ]] = {}  # id(mapping) -> the mappings that merge it
        root: _Occ | None = None
        for event in self._events:
            if isinstance(event, (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent)):
                root = self._occ(event)
                break
        self.entries: dict[str, _Occ] = {}  # logical id -> its occurrence in Resources (maybe an alias)
        self.owners: dict[int, str] = {}  # id(occurrence) -> the logical id it is the body of
        section = root.resolved().own().get("Resources") if root is not None else None
        if section is not None:
            for k, v in section[1].resolved().pairs:
                key = k.resolved()
                if key.kind == "scalar" and key.value != "<<":
                    self.entries[key.value] = v
                    self.owners[id(v)] = (
                        key.value
                    )  # the occurrence itself: an alias's target may be elsewhere

    def _occ(self, event: Any) -> _Occ:
        start, end = event.start_mark.index, event.end_mark.index
        if isinstance(event, AliasEvent):
            target = self._anchors.get(str(event.anchor))
            occ = _Occ("alias", start, end, anchor=str(event.anchor), target=target)
            if target is not None:
                self.aliases.setdefault(id(target), []).append(occ)
            return occ
        anchor = str(event.anchor) if event.anchor else None
        tag = str(event.tag) if event.tag else None
        if isinstance(event, ScalarEvent):
            occ = _Occ("scalar", start, end, anchor, tag, str(event.value), event.style)
        elif isinstance(event, MappingStartEvent):
            occ = _Occ("map", start, end, anchor, tag, flow=bool(event.flow_style))
            while not isinstance(nxt := next(self._events), MappingEndEvent):
                occ.pairs.append((self._occ(nxt), self._occ(next(self._events))))
            occ.end = nxt.end_mark.index
            for source in occ.merged():
                self.mergers.setdefault(id(source), []).append(occ)
            for k, v in occ.pairs:  # a merge key's aliases are read through `mergers`, not as copies
                if k.kind == "scalar" and k.value == "<<":
                    for ref in v.items if v.kind == "seq" else [v]:
                        if ref.kind == "alias" and ref.target is not None:
                            self.aliases[id(ref.target)].remove(ref)
        else:
            occ = _Occ("seq", start, end, anchor, tag, flow=bool(event.flow_style))
            while not isinstance(nxt := next(self._events), SequenceEndEvent):
                occ.items.append(self._occ(nxt))
            occ.end = nxt.end_mark.index
        if anchor:
            self._anchors[anchor] = occ
        return occ

    def resource_at(self, index: int) -> str | None:
        """The logical id whose text holds `index`, if any."""
        return next((lid for lid, v in self.entries.items() if v.start <= index < v.end), None)

    def line(self, index: int) -> int:
        return self.body.count("\n", 0, index) + 1


class _Plan:
    """The edits that set the requested policies, checked against every other reader of the text they
    change: an anchored resource body, a merge key's source, an anchored policy value."""

    def __init__(self, doc: _Document, fmt: TemplateFormat, newline: str, chosen: set[str]) -> None:
        self.doc, self.fmt, self.newline, self.chosen = doc, fmt, newline, chosen
        self.edits: dict[tuple[int, int], _Edit] = {}
        self.replaced: set[int] = set()  # ids of value occurrences given a new value
        self.anchored: list[_Occ] = []  # anchored values given a new value: their aliases keep the old one
        self.pinned: list[str] = []

    def set(self, lid: str, node: _Occ, attribute: str, value: str, present: bool) -> bool:
        """Plan `attribute: value` in `node`, `lid`'s body; False when it already says so."""
        body = self.doc.body
        own = node.own()
        if attribute in own:
            key, occ = own[attribute]
            literal = occ.resolved()
            if literal.kind != "scalar" or (literal.tag or "").startswith("!"):
                raise _Refused(
                    f"{lid}'s {attribute} is an expression ({_shown(body, literal)}), which patch does not "
                    "overwrite",
                    f"set it by hand, or leave {lid} out of the selection ({{opt:type}}, {{opt:resource}})",
                )
            if literal.value == value and present:
                return False
            self._check_readers(lid, node, attribute)
            self._add(_replacement(body, key, occ, value, self.fmt))
            self.replaced.add(id(occ))
            if occ.kind != "alias" and occ.anchor and self.doc.aliases.get(id(occ)):
                self.anchored.append(occ)
            return True
        if present and _merged_value(node, attribute) == value:
            return False
        self._check_readers(lid, node, attribute)
        edit = _insertion(body, node, own, [(attribute, value)], self.fmt, self.newline)
        if isinstance(edit, str):
            raise _Refused(
                f"cannot add {attribute} to {lid}: {edit}", f"add {attribute}: {value} to {lid} by hand"
            )
        key_ = (edit.start, edit.end)
        if key_ in self.edits:  # a second attribute inserted at the same place: one edit, both lines
            edit = _Edit(edit.start, edit.end, self.edits[key_].text + edit.text)
        self.edits[key_] = edit
        return True

    def _add(self, edit: _Edit) -> None:
        self.edits[(edit.start, edit.end)] = edit

    def _check_readers(self, lid: str, node: _Occ, attribute: str) -> None:
        """Refuse when changing `attribute` in `node` would change it for what is not selected: a resource
        that is the same body through an alias, a copy elsewhere, or a mapping that merges it (<<: *name)
        without a value of its own."""
        name = node.anchor or "?"
        for where in [node, *self.doc.aliases.get(id(node), [])]:
            other = self.doc.owners.get(id(where))
            if other == lid or other in self.chosen:
                continue
            if other is None:
                raise _Refused(
                    f"{lid}'s body is also used at line {self.doc.line(where.start)} (YAML anchor &{name}); "
                    f"setting {attribute} on {lid} would change it there too",
                    f"write {lid} out without the anchor, or set the policy by hand",
                )
            raise _Refused(
                f"{lid} and {other} are one body (YAML anchor &{name}); setting {attribute} on {lid} would "
                f"set it on {other} too",
                f"patch both ({{opt:resource}} {lid} {{opt:resource}} {other}), or write {other} out "
                "without the alias",
            )
        for merger in self.doc.mergers.get(id(node), []):
            other = self.doc.owners.get(id(merger))
            if attribute in merger.own() or (other is not None and other in self.chosen):
                continue  # its own value wins over the merged one; or it is patched too and gets one
            who = other or f"the mapping at line {self.doc.line(merger.start)}"
            raise _Refused(
                f"{who} takes {attribute} from {lid} through a YAML merge key (<<: *{name}); setting it on "
                f"{lid} would change it for {who} too",
                f"give {who} its own {attribute}, or patch both ({{opt:resource}} {lid} {{opt:resource}} "
                f"{other or 'ID'})",
            )

    def pin_aliases(self) -> None:
        """An anchored policy value that changes keeps its old meaning for its aliases: they get the old
        value written out, unless they are given the new one themselves."""
        body = self.doc.body
        for occ in self.anchored:
            literal = body[_value_start(body, occ) : occ.end]
            for alias in self.doc.aliases.get(id(occ), []):
                if id(alias) in self.replaced:
                    continue
                lid = self.doc.resource_at(alias.start)
                inside = f" (in {lid})" if lid else ""
                if occ.style in ("|", ">") or "\n" in literal or not literal:
                    raise _Refused(
                        f"*{occ.anchor} at line {self.doc.line(alias.start)} refers to a value patch "
                        "changes, and that value cannot be written out in its place",
                        f"write the value out at line {self.doc.line(alias.start)} by hand",
                    )
                self._add(_Edit(alias.start, alias.end, literal))
                self.pinned.append(
                    f"*{occ.anchor} at line {self.doc.line(alias.start)}{inside} written "
                    f"out as {literal}, the value &{occ.anchor} had"
                )


def _shown(body: str, occ: _Occ) -> str:
    first = body[_value_start(body, occ) : occ.end].strip().splitlines()
    return (first[0][:40] + ("..." if len(first) > 1 or len(first[0]) > 40 else "")) if first else ""


def _merged_value(node: _Occ, attribute: str) -> str | None:
    for source in node.merged():
        own = source.own()
        if attribute in own:
            literal = own[attribute][1].resolved()
            return literal.value if literal.kind == "scalar" else None
        found = _merged_value(source, attribute)
        if found is not None:
            return found
    return None


_ANCHOR = re.compile(r"&[^\s,\[\]{}]+[ \t]*")


def _value_start(body: str, occ: _Occ) -> int:
    """Where a value's own text starts: after its &anchor, if it has one."""
    m = _ANCHOR.match(body, occ.start) if occ.anchor and occ.kind != "alias" else None
    return m.end() if m else occ.start


def _replacement(body: str, key: _Occ, occ: _Occ, value: str, fmt: TemplateFormat) -> _Edit:
    """The new value over the old one's span (an alias's too; an anchor stays), quoted as the old one was
    (always quoted in JSON); a block scalar becomes a plain value on the key's line."""
    literal = occ.resolved()
    quote = '"' if fmt == "json" else literal.style if literal.style in ("'", '"') else ""
    start, end = _value_start(body, occ), occ.end
    if start >= end:  # an empty value (`DeletionPolicy:`) is marked at the next token: write after the colon
        at = body.index(":", key.end) + 1 if occ.start == occ.end else end
        return _Edit(at, at, f" {quote}{value}{quote}")
    if occ.kind == "scalar" and occ.style in ("|", ">"):
        last = start + len(body[start:end].rstrip())  # its last character; its line break (and any
        nl = body.find("\n", last, end)  # trailing blank lines) stay
        return _Edit(start, end if nl < 0 else (nl - 1 if body[nl - 1] == "\r" else nl), value)
    return _Edit(start, end, f"{quote}{value}{quote}")


def _insertion(
    body: str,
    node: _Occ,
    own: dict[str, tuple[_Occ, _Occ]],
    missing: list[tuple[str, str]],
    fmt: TemplateFormat,
    newline: str,
) -> _Edit | str:
    """Where and what to insert for attributes the resource lacks: after its Type line, else before it, else
    (a Type from a merge key) before its first key; a reason when its layout allows none of them."""
    type_value = own["Type"][1].resolved() if "Type" in own else None
    if fmt == "json":
        pairs = [(f'"{a}"', f'"{v}"') for a, v in missing]
    else:
        style = type_value.style if type_value is not None else None
        quote = style if style in ("'", '"') else ""
        pairs = [(a, f"{quote}{v}{quote}") for a, v in missing]
    if node.flow:
        if "Type" not in own:
            brace = body.index("{", _value_start(body, node)) + 1
            return _Edit(brace, brace, "".join(f" {k}: {v}," for k, v in pairs))
        type_key, type_occ = own["Type"]
        line_start, indent, own_line = _line_of(body, type_key.start)
        after = type_occ.end
        tail = re.compile(r"[ \t]*(,?)[ \t]*\r?\n").match(body, after)
        if own_line and tail and tail.group(1) == ",":  # Type is followed by more keys: new lines after it
            return _Edit(tail.end(), tail.end(), "".join(f"{indent}{k}: {v},{newline}" for k, v in pairs))
        if own_line and tail:  # Type is the last key: new lines before it, so no existing line changes
            return _Edit(line_start, line_start, "".join(f"{indent}{k}: {v},{newline}" for k, v in pairs))
        return _Edit(after, after, "".join(f", {k}: {v}" for k, v in pairs))
    anchor_key = own["Type"][0] if "Type" in own else (node.pairs[0][0] if node.pairs else None)
    if anchor_key is None:
        return "it has no keys"
    line_start, indent, own_line = _line_of(body, anchor_key.start)
    if not own_line:
        return "its keys do not start their own lines"
    lines = [f"{indent}{k}: {v}" for k, v in pairs]
    before = _Edit(line_start, line_start, "".join(line + newline for line in lines))
    if "Type" not in own or own["Type"][1].resolved().style in ("|", ">"):
        return before  # a Type from a merge key, or on more than one line: the new lines go before
    after = own["Type"][1].end
    eol = body.find("\n", after)
    rest = body[after : eol if eol >= 0 else len(body)].strip()
    if rest and not rest.startswith("#"):
        return before
    if eol < 0:
        return _Edit(len(body), len(body), "".join(newline + line for line in lines))
    return _Edit(eol + 1, eol + 1, "".join(line + newline for line in lines))


def _line_of(body: str, index: int) -> tuple[int, str, bool]:
    """The start of the line holding `index`, the text before it there, and whether that is only blanks."""
    line_start = body.rfind("\n", 0, index) + 1
    indent = body[line_start:index]
    return line_start, indent, indent.strip() == ""


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
    if "policies" in drop:  # and no policy but those asked for, whatever aliases or merge keys share
        old = before.data["Resources"]
        for lid, body in old.items():
            if not isinstance(body, dict):
                continue
            for attribute in POLICY_ATTRIBUTES:
                if attribute in expected.get(lid, {}):
                    continue
                got = section.get(lid, {}).get(attribute)
                if shape(body.get(attribute)) != shape(got):
                    raise UsageError(
                        f"{source}: editing changed {lid}.{attribute} too, to {got!r}",
                        _BUG_HINT,
                    )
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

"""CloudFormation templates, round-tripped: read with ruamel.yaml, changed by minimal text edits.

Why text edits: an engineer reviews the diff of a patched template before it adopts production resources,
and ruamel's dumper re-indents sequences, re-flows long lines and re-spaces flow collections, which would bury
a one-line policy change in noise. So changes are spliced into the original text at positions taken from
ruamel's node tree, and the result is parsed again to prove it says what was meant and nothing else changed.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from iacgen.core.errors import UsageError

DELETION_POLICY = "DeletionPolicy"
UPDATE_REPLACE_POLICY = "UpdateReplacePolicy"
POLICY_ATTRIBUTES = (DELETION_POLICY, UPDATE_REPLACE_POLICY)

# Types whose DeletionPolicy/UpdateReplacePolicy may be Snapshot: the DeletionPolicy attribute page of the
# CloudFormation User Guide, and cfn-lint's `valid_snapshot_types` (rule E3035), which adds DocDB and Neptune.
SNAPSHOT_TYPES = frozenset(
    {
        "AWS::DocDB::DBCluster",
        "AWS::EC2::Volume",
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::Neptune::DBCluster",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::Redshift::Cluster",
    }
)

# RetainExceptOnCreate exists for DeletionPolicy only.
POLICY_VALUES: dict[str, tuple[str, ...]] = {
    DELETION_POLICY: ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot"),
    UPDATE_REPLACE_POLICY: ("Delete", "Retain", "Snapshot"),
}

TemplateFormat = Literal["yaml", "json"]

_BOM = "\ufeff"
_FOR_EACH = "Fn::ForEach::"
_BUG_HINT = "this is a bug in iacgen; set the policy by hand and report the template's layout"
_SYNTAX_HINT = "fix the template at that position (cfn-lint or a YAML/JSON linter shows the context)"


def normalize_policy(value: str, attribute: str = DELETION_POLICY) -> str:
    """The CloudFormation spelling of a policy in any case: 'delete', 'RETAIN', 'retain_except_on_create'."""
    allowed = POLICY_VALUES[attribute]
    key = re.sub(r"[\s_-]", "", value).lower()
    for spelling in allowed:
        if spelling.lower() == key:
            return spelling
    raise UsageError(f"{value!r} is not a valid {attribute}", f"use one of: {', '.join(allowed)}")


def body_size(text: str) -> int:
    """The size CloudFormation counts against TemplateBody's 51,200-byte limit: UTF-8 bytes."""
    return len(text.encode("utf-8"))


# --- reading


@dataclass
class TemplateResource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    deletion_policy: str | None  # the literal value, or the function's name when it is an expression
    update_replace_policy: str | None
    line: int | None = None  # 1-based line of the logical id, for messages

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.type,
            "deletion_policy": self.deletion_policy,
            "update_replace_policy": self.update_replace_policy,
            "line": self.line,
        }


@dataclass
class Template:
    """A parsed template. `text` is what `data` was read from; `dump_template` returns it verbatim while
    `data` still holds the same values (comment-only edits to `data` are not detected)."""

    data: CommentedMap
    format: TemplateFormat
    source: str = "<template>"
    text: str = ""
    _shape: Any = field(default=None, repr=False, compare=False)
    _node: Any = field(default=None, repr=False, compare=False)  # ruamel's node tree of `text`: positions

    def resources(self) -> dict[str, TemplateResource]:
        found: dict[str, TemplateResource] = {}
        section = self.data.get("Resources")
        if not isinstance(section, dict):
            return found
        for key, body in section.items():
            if not isinstance(
                body, dict
            ):  # Fn::ForEach::Name (AWS::LanguageExtensions) expands at deploy time
                continue
            props = body.get("Properties")
            found[str(key)] = TemplateResource(
                logical_id=str(key),
                type=str(body.get("Type", "")),
                properties=props if isinstance(props, dict) else CommentedMap(),
                deletion_policy=_describe(body.get(DELETION_POLICY)),
                update_replace_policy=_describe(body.get(UPDATE_REPLACE_POLICY)),
                line=_line_of(section, key),
            )
        return found

    def parameters(self) -> dict[str, dict[str, Any]]:
        section = self.data.get("Parameters")
        if not isinstance(section, dict):
            return {}
        return {str(k): v for k, v in section.items() if isinstance(v, dict)}

    def outputs(self) -> dict[str, Any]:
        section = self.data.get("Outputs")
        return {str(k): v for k, v in section.items()} if isinstance(section, dict) else {}

    @property
    def modified(self) -> bool:
        """True when `data` no longer matches `text` (then dump_template re-serialises)."""
        return bool(_shape(self.data) != self._shape)


def _describe(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, TaggedScalar):
        return f"{value.tag.value} {value.value}"
    tag = getattr(getattr(value, "tag", None), "value", None)
    if tag:
        return str(tag)
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    return str(value)


def _line_of(mapping: Any, key: Any) -> int | None:
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


def _where(source: str, mapping: Any, key: Any, value: bool = False) -> str:
    try:
        line, col = mapping.lc.value(key) if value else mapping.lc.key(key)
        return f"{source}:{line + 1}:{col + 1}"
    except (AttributeError, KeyError, TypeError):
        return source


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def read_template_file(path: Path) -> str:
    """The file's text exactly as stored (no newline translation, so CRLF files patch byte-for-byte)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no such file", "check the path (iacgen generate writes NAME.yaml)"
        ) from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a template", "give the template file's path") from None
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot read: {exc.strerror or exc}", "check the file's permissions"
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (byte {exc.start})", "CloudFormation reads UTF-8; convert it"
        ) from None


def load_template(text: str, source: str = "<template>") -> Template:
    """Parse a YAML or JSON template (JSON when its first character is '{')."""
    data, fmt, node = _parse(text, source)
    _check_shape(data, source)
    return Template(data=data, format=fmt, source=source, text=text, _shape=_shape(data), _node=node)


def _parse(text: str, source: str) -> tuple[Any, TemplateFormat, Node | None]:
    body = text.removeprefix(_BOM)
    if not body.strip():
        raise UsageError(
            f"{source}: the template is empty", "a template is a YAML or JSON mapping with Resources"
        )
    fmt: TemplateFormat = "yaml"
    json_error: json.JSONDecodeError | None = None
    if body.lstrip().startswith("{"):
        try:
            json.loads(body)
            fmt = "json"
        except json.JSONDecodeError as exc:
            json_error = exc
    if json_error is not None:  # a template that opens with '{' is JSON; YAML's flow style would hide errors
        where = f"{source}:{json_error.lineno}:{json_error.colno}"
        raise UsageError(f"{where}: not valid JSON: {json_error.msg}", _SYNTAX_HINT)
    try:
        y = _yaml()  # one parse gives both the node tree (positions) and the data
        node = y.compose(body)
        data = y.constructor.construct_document(node) if node is not None else None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = str(exc.problem or exc.context or "syntax error").splitlines()[0]
        context = exc.context_mark
        if exc.problem and exc.context and context is not None and context is not mark:
            problem += f" ({exc.context} at {context.line + 1}:{context.column + 1})"
        kind = "JSON" if fmt == "json" else "YAML"
        raise UsageError(f"{where}: not valid {kind}: {problem}", _SYNTAX_HINT) from None
    except YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"{source}: not valid YAML: {first}", _SYNTAX_HINT) from None
    return data, fmt, node


def _check_shape(data: Any, source: str) -> None:
    hint = "a CloudFormation template is a mapping with a Resources section of LogicalId: {Type: ...} entries"
    if not isinstance(data, CommentedMap):
        kind = "a list" if isinstance(data, list) else "a scalar"
        raise UsageError(
            f"{source}: not a CloudFormation template: the top level is {kind}, not a mapping", hint
        )
    if "Resources" not in data:
        raise UsageError(f"{source}: not a CloudFormation template: no Resources section", hint)
    section = data["Resources"]
    if not isinstance(section, CommentedMap):
        where = _where(source, data, "Resources", value=True)
        raise UsageError(f"{where}: Resources must be a mapping of logical ids to resources", hint)
    for key, body in section.items():
        if isinstance(key, str) and key.startswith(_FOR_EACH):
            continue
        if not isinstance(body, dict):
            where = _where(source, section, key, value=True)
            raise UsageError(f"{where}: resource {key} must be a mapping with a Type", hint)
        if not isinstance(body.get("Type"), str) or not body.get("Type"):
            where = _where(source, section, key)
            raise UsageError(f"{where}: resource {key} has no Type", "add Type: AWS::Service::Resource")


# --- shape


def _shape(value: Any, drop: frozenset[str] = frozenset()) -> Any:
    """A comparable picture of the values, tags and quoting in `value`: equal shapes dump to the same text.

    `drop` names top-level sections to leave out; "policies" leaves out the resources' policy attributes."""
    tag = getattr(getattr(value, "tag", None), "value", None)
    if isinstance(value, TaggedScalar):
        return ("tagged", tag, value.value)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if k in drop:
                continue
            if k == "Resources" and "policies" in drop and isinstance(v, dict):
                items.append((k, _resources_shape(v)))
            else:
                items.append((_shape(k), _shape(v)))
        return ("map", tag, tuple(items))
    if isinstance(value, list):
        return ("seq", tag, tuple(_shape(v) for v in value))
    return (type(value).__name__, value)


def _resources_shape(section: dict[str, Any]) -> Any:
    return tuple(
        (k, ("map", tuple((_shape(a), _shape(b)) for a, b in v.items() if a not in POLICY_ATTRIBUTES)))
        if isinstance(v, dict)
        else (k, _shape(v))
        for k, v in section.items()
    )


# --- writing


def dump_template(t: Template) -> str:
    """The template's text: the original bytes while `data` is unchanged, else a re-serialisation that keeps
    the format, indentation, newline style and (for YAML) comments, quoting and tags."""
    if not t.modified:
        return t.text
    text = _dump_json(t) if t.format == "json" else _dump_yaml(t)
    if "\r\n" in t.text:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return (_BOM if t.text.startswith(_BOM) else "") + text


def _dump_yaml(t: Template) -> str:
    y = _yaml()
    mapping, sequence, offset = _yaml_indents(t.text.removeprefix(_BOM))
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    y.explicit_start = t.text.removeprefix(_BOM).lstrip().startswith("---")
    y.explicit_end = re.search(r"(^|\n)\.\.\.\s*$", t.text) is not None
    out = io.StringIO()
    y.dump(t.data, out)
    return out.getvalue()


def _yaml_indents(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file has them; ruamel's defaults if unknown."""
    mapping = 2
    m = re.search(r"^Resources:[ \t]*(?:#.*)?\r?\n(?:[ \t]*(?:#.*)?\r?\n)*( +)\S", text, re.MULTILINE)
    if m:
        mapping = len(m.group(1))
    parent: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        dash = re.match(r"^( *)-( +)\S", line)
        if dash and parent is not None:
            offset = max(0, len(dash.group(1)) - len(parent))
            return mapping, offset + 1 + len(dash.group(2)), offset
        key = re.match(r"^( *)[^\s#-][^#]*:\s*(#.*)?$", line)
        parent = key.group(1) if key else None
    return mapping, 2, 0


def _dump_json(t: Template) -> str:
    text = t.text.removeprefix(_BOM)
    m = re.search(r"^([ \t]+)\"", text, re.MULTILINE)
    indent: str | None = m.group(1) if m else None
    ascii_only = bool(re.search(r"\\u[0-9a-fA-F]{4}", text))
    out = json.dumps(_to_plain(t.data), indent=indent, ensure_ascii=ascii_only)
    return out + ("\n" if text.endswith("\n") else "")


def _to_plain(value: Any) -> Any:
    """JSON-ready values; short-form tags become their long form."""
    if isinstance(value, TaggedScalar):
        return _long_form(str(value.tag.value), str(value.value))
    tag = getattr(getattr(value, "tag", None), "value", None)
    if isinstance(value, dict):
        plain: Any = {str(k): _to_plain(v) for k, v in value.items()}
    elif isinstance(value, list):
        plain = [_to_plain(v) for v in value]
    elif isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return bool(value)
    else:
        return value
    return _long_form(str(tag), plain) if tag and str(tag).startswith("!") else plain


def _long_form(tag: str, value: Any) -> Any:
    name = tag.lstrip("!")
    if name in ("Ref", "Condition"):
        return {name: value}
    if name == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{name}": value}


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
        _check_snapshot(resources, selected, source)
    return _apply(template, wanted, selected, only_missing=False)


def _select(resources: dict[str, TemplateResource], types: list[str] | None, source: str) -> list[str]:
    if not types:
        return list(resources)
    chosen: set[str] = set()
    for glob in types:
        matched = {lid for lid, r in resources.items() if fnmatch.fnmatchcase(r.type.lower(), glob.lower())}
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
    expands = [lid for lid in unknown if str(lid).startswith(_FOR_EACH) and lid in template.data["Resources"]]
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


def _check_snapshot(resources: dict[str, TemplateResource], selected: list[str], source: str) -> None:
    unsupported = [resources[lid] for lid in selected if resources[lid].type not in SNAPSHOT_TYPES]
    if not unsupported:
        return
    first = unsupported[0]
    more = f" and {len(unsupported) - 1} more" if len(unsupported) > 1 else ""
    where = f"{source}:{first.line}" if first.line else source
    raise UsageError(
        f"{where}: Snapshot is not supported by {first.logical_id} ({first.type}){more}",
        "Snapshot works only for "
        + ", ".join(sorted(SNAPSHOT_TYPES))
        + "; limit it with --type, or use Retain",
    )


def _apply(
    template: Template, wanted: dict[str, str], selected: list[str], *, only_missing: bool
) -> PatchResult:
    text = template.text
    source = template.source
    bom = _BOM if text.startswith(_BOM) else ""
    body = text[len(bom) :]
    resources = template.resources()
    result = PatchResult(text=text, source=source)
    chosen = set(selected)
    for lid, r in resources.items():
        if lid not in chosen:
            result.skipped.append(SkippedResource(lid, r.type, None, "not selected"))
    for key in template.data["Resources"]:
        if isinstance(key, str) and key.startswith(_FOR_EACH):
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
    if _shape(before.data, drop) != _shape(after.data, drop):
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
        _check_snapshot(resources, lacking, t.source)
    if t.modified:  # `data` was changed by the caller: edit it too; dump_template re-serialises anyway
        section = t.data["Resources"]
        for lid in lacking:
            body = section[lid]
            keys = list(body)
            body.insert(keys.index("Type") + 1 if "Type" in keys else len(keys), DELETION_POLICY, value)
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
    bom = _BOM if t.text.startswith(_BOM) else ""
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

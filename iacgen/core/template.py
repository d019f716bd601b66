"""CloudFormation templates, round-tripped: read with ruamel.yaml (the model, its positions and shape), and
written back verbatim unless the data was changed. Changes to a template's text are core/template_edits.py's;
the policy vocabulary and rules are core/policies.py's."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node

from iacgen.core.errors import UsageError
from iacgen.core.policies import DELETION_POLICY, POLICY_ATTRIBUTES, UPDATE_REPLACE_POLICY
from iacgen.core.validation import MAX_TEMPLATE_FILE_BYTES, alias_use, read_user_file

TemplateFormat = Literal["yaml", "json"]

BOM = "\ufeff"
FOR_EACH = "Fn::ForEach::"
_SYNTAX_HINT = "fix the template at that position (cfn-lint or a YAML/JSON linter shows the context)"


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
        return bool(shape(self.data) != self._shape)


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
    """The file's text exactly as stored (no newline translation, so CRLF files patch byte-for-byte); links
    are followed, anything but a regular file of a bounded size is refused (validation.read_user_file)."""
    if not path.exists() and not path.is_symlink():
        raise UsageError(f"{path}: no such file", "check the path (iacgen generate writes NAME.yaml)")
    raw = read_user_file(path, "template", MAX_TEMPLATE_FILE_BYTES)
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
    return Template(data=data, format=fmt, source=source, text=text, _shape=shape(data), _node=node)


def _parse(text: str, source: str) -> tuple[Any, TemplateFormat, Node | None]:
    body = text.removeprefix(BOM)
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
        alias_use(node, source)  # bounded: an alias bomb is refused before anything walks it
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
        if isinstance(key, str) and key.startswith(FOR_EACH):
            continue
        if not isinstance(key, str):  # YAML reads `1:` as a number and `? [a, b]` as a sequence
            where = _where(source, section, key)
            read_as = (
                "true/false"
                if isinstance(key, bool)
                else "a number"
                if isinstance(key, int | float)
                else None
            )
            raise UsageError(
                f"{where}: a logical id is read as {read_as or 'something other than text'}: {key}",
                f"a logical id is alphanumeric text: quote it ('{key}')" if read_as else "give it a name",
            )
        if not isinstance(body, dict):
            where = _where(source, section, key, value=True)
            raise UsageError(f"{where}: resource {key} must be a mapping with a Type", hint)
        if not isinstance(body.get("Type"), str) or not body.get("Type"):
            where = _where(source, section, key)
            raise UsageError(f"{where}: resource {key} has no Type", "add Type: AWS::Service::Resource")


# --- shape


def shape(value: Any, drop: frozenset[str] = frozenset()) -> Any:
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
                items.append((shape(k), shape(v)))
        return ("map", tag, tuple(items))
    if isinstance(value, list):
        return ("seq", tag, tuple(shape(v) for v in value))
    return (type(value).__name__, value)


def _resources_shape(section: dict[str, Any]) -> Any:
    return tuple(
        (k, ("map", tuple((shape(a), shape(b)) for a, b in v.items() if a not in POLICY_ATTRIBUTES)))
        if isinstance(v, dict)
        else (k, shape(v))
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
    return (BOM if t.text.startswith(BOM) else "") + text


def _dump_yaml(t: Template) -> str:
    y = _yaml()
    mapping, sequence, offset = _yaml_indents(t.text.removeprefix(BOM))
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    y.explicit_start = t.text.removeprefix(BOM).lstrip().startswith("---")
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
    text = t.text.removeprefix(BOM)
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


def plain(value: Any) -> Any:
    """A parsed template value as JSON-ready data, short-form tags (!Ref, !GetAtt, ...) in their long form."""
    return _to_plain(value)

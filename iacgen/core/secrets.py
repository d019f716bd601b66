"""Literal secrets in a template: passwords, tokens, keys and connection strings written out as values
(environment variables of functions and containers, properties such as SecretString), which a generated
template copies from the live resource and which would end in a repository and in the stack's template.

`find_secrets` reports them (the value itself is never shown: only its length); `replace_secrets` edits the
file minimally, like the policy patcher: each value becomes a reference to a new NoEcho parameter
(`!Ref NAME` in YAML, `{"Ref": "NAME"}` in JSON), the parameters are added to (or as) the Parameters section,
and nothing else changes. The import then asks for each value (`--parameter NAME=...`), which a pipeline
takes from its secret store.

Detection is by name and by shape, so it errs on the side of reporting: a property or variable whose name
says password, secret, token, key or credentials, and any value that looks like an AWS access key id, a PEM
private key, a URL with a password, or a connection string with Password=. Values that are already
references (`Ref`, `Fn::*`, `{{resolve:...}}` dynamic references) are not literal secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen.core.errors import UsageError

if TYPE_CHECKING:
    from iacgen.core.template import Template

_NAME = re.compile(
    r"password|passwd|passphrase|pwd|secret|token|apikey|accesskey|secretkey|privatekey|credential"
    r"|connectionstring|connstr|authkey|signingkey|clientsecret|masterkey"
)
# ...but not names that hold a reference to a secret, or settings about one
_NOT_A_VALUE = re.compile(
    r"(arn|arns|id|ids|name|names|length|type|policy|rotation|version|versionstage|field|enabled|required"
    r"|expiration|ttl|validity|mode|source|format|location|path|ref|reference|count|size|units|kmskeyid"
    r"|header|hint|prompt|url|uri|endpoint|parameter|configuration|config|strategy)$"
)
_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a URL with a password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)),
    ("a connection string with a password", re.compile(r"(?i)(?:^|[;\s])(password|pwd)\s*=\s*[^;\s]+")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
)


@dataclass(frozen=True)
class SecretFinding:
    logical_id: str
    type: str
    path: tuple[
        str | int, ...
    ]  # from the resource's Properties, e.g. ("Environment", "Variables", "DB_PASS")
    why: str  # "its name says password", "an AWS access key id", ...
    length: int
    parameter: str = field(default="", compare=False)  # the NoEcho parameter patch --secrets would add

    @property
    def where(self) -> str:
        return "Properties" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": list(self.path), "where": self.where}


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _name_says_secret(name: str) -> bool:
    n = _normal(name)
    return bool(_NAME.search(n)) and not _NOT_A_VALUE.search(n)


def _literal(value: Any) -> str | None:
    """A plain string value (not a tagged short form such as !Sub, not a dynamic reference); else None."""
    if not isinstance(value, str) or not value or "{{resolve:" in value:
        return None
    return str(value)


def _walk(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path, name that labels the value, literal value) for every string leaf; {Name: N, Value: V} pairs
    (ECS, CodeBuild environments) are labelled by N."""
    if isinstance(value, dict):
        if any(str(k).startswith("Fn::") or k == "Ref" for k in value):
            return
        label = value.get("Name") if isinstance(value.get("Name"), str) else None
        for k, v in value.items():
            name = str(label) if (label and k == "Value") else str(k)
            yield from _walk_leaf(v, (*path, str(k)), name)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_leaf(v, (*path, i), str(path[-1]) if path else "")


def _walk_leaf(
    value: Any, path: tuple[str | int, ...], name: str
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    if isinstance(value, (dict, list)):
        yield from _walk(value, path)
        return
    text = _literal(value)
    if text is not None:
        yield path, name, text


def find_secrets(template: Template) -> list[SecretFinding]:
    """Every literal value in the resources' Properties that looks like a secret, in template order, each
    with the NoEcho parameter name `replace_secrets` would give it."""
    found: list[SecretFinding] = []
    taken = set(dict(template.data.get("Parameters") or {}))
    for lid, resource in template.resources().items():
        properties = resource.properties
        if not properties:
            continue
        for path, name, text in _walk(properties, ()):
            why = None
            if name and _name_says_secret(name):
                why = f"its name ({name}) says it is a secret"
            else:
                why = next((label for label, pattern in _VALUE_PATTERNS if pattern.search(text)), None)
            if why is None:
                continue
            parameter = _parameter_name(lid, name or str(path[-1]), taken)
            taken.add(parameter)
            found.append(SecretFinding(lid, resource.type, path, why, len(text), parameter))
    return found


def secrets_in_file(path: Path) -> list[SecretFinding]:
    """find_secrets on a template file (for warnings and ci)."""
    from iacgen.core.template import load_template, read_template_file

    return find_secrets(load_template(read_template_file(path), str(path)))


def _parameter_name(logical_id: str, name: str, taken: set[str]) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    words = "".join(p[:1].upper() + (p[1:].lower() if p.isupper() else p[1:]) for p in parts)
    base = re.sub(r"[^A-Za-z0-9]", "", logical_id + words)[:240] or "Secret"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


# --- replacing them -----------------------------------------------------------------------------------------


@dataclass
class SecretsPatch:
    text: str
    replaced: list[SecretFinding]
    skipped: list[tuple[SecretFinding, str]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "replaced": [f.to_dict() for f in self.replaced],
            "skipped": [{**f.to_dict(), "reason": why} for f, why in self.skipped],
        }


def replace_secrets(template: Template) -> SecretsPatch:
    """The template's text with every literal secret replaced by a Ref to a new NoEcho parameter; only
    those value spans and the new parameter entries differ from the original."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from iacgen.core.template import load_template

    findings = find_secrets(template)
    text = template.text
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    root = template._node
    json_format = template.format == "json"
    edits: list[tuple[int, int, str]] = []
    replaced: list[SecretFinding] = []
    skipped: list[tuple[SecretFinding, str]] = []

    def child(node: Any, key: str | int) -> Any:
        if isinstance(node, MappingNode):
            return next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)
        if isinstance(node, SequenceNode) and isinstance(key, int) and key < len(node.value):
            return node.value[key]
        return None

    resources = child(root, "Resources")
    for finding in findings:
        node = child(child(resources, finding.logical_id), "Properties")
        for step in finding.path:
            node = child(node, step)
        if not isinstance(node, ScalarNode) or node.style in ("|", ">") or node.anchor:
            skipped.append((finding, "not a one-line value in the text (block scalar, anchor or merge key)"))
            continue
        ref = f'{{"Ref": "{finding.parameter}"}}' if json_format else f"!Ref {finding.parameter}"
        edits.append((node.start_mark.index, node.end_mark.index, ref))
        replaced.append(finding)
    if not replaced:
        return SecretsPatch(text, [], skipped)
    newline = "\r\n" if "\r\n" in body else "\n"
    edits.append(_parameters_edit(body, root, [f.parameter for f in replaced], json_format, newline))
    new_body = body
    for start, end, new in sorted(edits, key=lambda e: e[0], reverse=True):
        new_body = new_body[:start] + new + new_body[end:]
    new_text = bom + new_body
    _verify(template, load_template(new_text, template.source), replaced)
    return SecretsPatch(new_text, replaced, skipped)


def _parameters_edit(
    body: str, root: Any, names: list[str], json_format: bool, newline: str
) -> tuple[int, int, str]:
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    keys = {k.value: (k, v) for k, v in root.value if isinstance(k, ScalarNode)}
    if json_format:
        entries = ", ".join(f'"{n}": {{"Type": "String", "NoEcho": true}}' for n in names)
        if "Parameters" in keys:
            node = keys["Parameters"][1]
            if not isinstance(node, MappingNode):
                raise UsageError("the template's Parameters is not a mapping", "fix the template")
            brace = body.index("{", node.start_mark.index) + 1
            return brace, brace, entries + ("," if node.value else "")
        key = keys["Resources"][0]
        line_start = body.rfind("\n", 0, key.start_mark.index) + 1
        indent = body[line_start : key.start_mark.index]
        return key.start_mark.index, key.start_mark.index, f'"Parameters": {{{entries}}},{newline}{indent}'
    if root.flow_style:
        raise UsageError("the template is a YAML flow mapping; add the NoEcho parameters by hand", None)
    step = _indent_step(body, keys["Resources"][1])
    if "Parameters" in keys:
        node = keys["Parameters"][1]
        if not isinstance(node, MappingNode) or node.flow_style or not node.value:
            raise UsageError(
                "the template's Parameters section is not a block mapping; add the NoEcho parameters by hand",
                None,
            )
        first = node.value[0][0]
        line_start = body.rfind("\n", 0, first.start_mark.index) + 1
        indent = body[line_start : first.start_mark.index]
        lines = "".join(
            f"{indent}{n}:{newline}{indent}{step}Type: String{newline}{indent}{step}NoEcho: true{newline}"
            for n in names
        )
        return line_start, line_start, lines
    key = keys["Resources"][0]
    line_start = body.rfind("\n", 0, key.start_mark.index) + 1
    lines = "".join(
        f"{step}{n}:{newline}{step}{step}Type: String{newline}{step}{step}NoEcho: true{newline}"
        for n in names
    )
    return line_start, line_start, f"Parameters:{newline}{lines}"


def _indent_step(body: str, resources: Any) -> str:
    from ruamel.yaml.nodes import MappingNode

    if isinstance(resources, MappingNode) and resources.value and not resources.flow_style:
        first = resources.value[0][0]
        line_start = body.rfind("\n", 0, first.start_mark.index) + 1
        indent = body[line_start : first.start_mark.index]
        if indent and not indent.strip():
            return indent
    return "  "


def _verify(before: Template, after: Template, replaced: list[SecretFinding]) -> None:
    """The edit says exactly what was meant: each replaced value is a Ref to its parameter, the parameters
    exist with NoEcho, and no secret is left where one was replaced."""
    params = dict(after.data.get("Parameters") or {})
    resources = after.resources()
    for f in replaced:
        spec = params.get(f.parameter)
        node: Any = resources[f.logical_id].properties
        for step in f.path:
            node = node[step]
        tag = getattr(getattr(node, "tag", None), "value", None)
        is_ref = (tag == "!Ref" and str(getattr(node, "value", "")) == f.parameter) or (
            isinstance(node, dict) and dict(node) == {"Ref": f.parameter}
        )
        if not (isinstance(spec, dict) and spec.get("NoEcho") is True and is_ref):
            raise UsageError(
                f"{before.source}: could not replace {f.logical_id} {f.where} cleanly",
                "this is a bug in iacgen; replace the value by hand and report the template's layout",
            )
    if len(resources) != len(before.resources()):
        raise UsageError(f"{before.source}: replacing secrets changed the resources", "report this bug")

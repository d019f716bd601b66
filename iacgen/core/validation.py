"""The service's input rules, checked locally so a bad input is a clear exit 2 before anything exists in the
account: logical ids, resource type names, parameter keys, generated template names, endpoint URLs, the
files iacgen reads, and the YAML a template may use.

Sources: the CloudFormation User Guide (template anatomy: "The logical ID must be alphanumeric (A-Za-z0-9)
and unique within the template"; resource type format `service-provider::service-name::data-type-name`;
custom resources `Custom::Name`; parameters "alphanumeric", 255 characters; "YAML aliases are not allowed in
CloudFormation templates"), botocore's model for names and lengths.

YAML aliases and merge keys: CloudFormation refuses them ("Template error: YAML aliases are not allowed in
CloudFormation templates"). iacgen expands them in the body it sends, as `aws cloudformation package` does,
and never in the user's file (patch edits text, so anchors stay). Expansion is bounded: a template whose
aliases expand beyond MAX_EXPANDED_NODES values (an "alias bomb") is refused in milliseconds, before
anything walks it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from iacgen.core.errors import UsageError

MAX_LOGICAL_ID = 255
MAX_PARAMETER_KEY = 255
MAX_TEMPLATE_NAME = 128
# A template the service can take is at most 1 MiB (TemplateURL); twice that leaves room for comments. Larger
# files are refused before parsing, so a 20 MB file answers at once instead of after minutes of parsing.
MAX_TEMPLATE_FILE_BYTES = 2 * 1_048_576
MAX_RESOURCES_FILE_BYTES = 2 * 1_048_576
MAX_EXPANDED_NODES = 200_000

_ALPHANUMERIC = re.compile(r"[A-Za-z0-9]+")
# Registry types: three segments of 2-64 alphanumerics (a fourth ::MODULE for modules); Custom::Name.
_REGISTRY_TYPE = re.compile(r"[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}(::MODULE)?")
_CUSTOM_TYPE = re.compile(r"Custom::[A-Za-z0-9_@-]{1,60}")
_TEMPLATE_NAME_BAD = re.compile(r"[/\\\x00-\x1f]")
_KNOWN_ORGS = ("AWS", "Alexa", "Custom")


# --- template contents -------------------------------------------------------------------------------------


def logical_id_problem(logical_id: str) -> str | None:
    if not _ALPHANUMERIC.fullmatch(logical_id):
        return f"logical id {logical_id!r} is not alphanumeric (A-Za-z0-9 only)"
    if len(logical_id) > MAX_LOGICAL_ID:
        return f"logical id {logical_id[:40]}... is {len(logical_id)} characters; at most {MAX_LOGICAL_ID}"
    return None


def type_problem(type_name: str) -> tuple[str, str] | None:
    """(problem, hint) for a resource type the service would not recognise, else None."""
    if _CUSTOM_TYPE.fullmatch(type_name):
        return None
    if not _REGISTRY_TYPE.fullmatch(type_name):
        return (
            f"resource type {type_name!r} is not Service::Provider::Resource",
            "write it as AWS::S3::Bucket (three ::-separated names), or Custom::Name for a custom resource",
        )
    problem = case_problem(type_name)
    if problem:
        return problem
    return None


def case_problem(type_pattern: str) -> tuple[str, str] | None:
    """Types are case-sensitive on the service: aws::s3::bucket or AWS::S3::* written in lower case matches
    nothing, silently. Every AWS type name starts each segment with a capital letter."""
    segments = [s for s in type_pattern.rstrip("*").split("::") if s]
    first = segments[0] if segments else ""
    lowered = [s for s in segments if s[:1].islower()]
    if lowered or (first.upper() in (o.upper() for o in _KNOWN_ORGS) and first not in _KNOWN_ORGS):
        from iacgen.core.resource_types import real_spelling

        fixed = real_spelling(type_pattern)  # a real type's spelling, never a guess (AWS::EC2::Vpc)
        return (
            f"resource type {type_pattern!r} is not spelled as the service spells types",
            "type names are case-sensitive and lower case matches nothing; "
            + (
                f"write {fixed}"
                if fixed
                else "write each name as AWS spells it (AWS::EC2::VPC, AWS::S3::Bucket)"
            ),
        )
    return None


def check_type_patterns(patterns: Iterable[str], option: str) -> None:
    """A type or type glob given on the command line (scan --type, patch --type, --select type=)."""
    for pattern in patterns:
        problem = case_problem(pattern)
        if problem:
            raise UsageError(f"{option} {pattern}: {problem[0]}", problem[1])


def template_problems(
    resources: Mapping[str, Any], parameters: Iterable[str]
) -> list[tuple[str, str | None]]:
    """What the service would refuse about a template's logical ids, types and parameter keys."""
    problems: list[tuple[str, str | None]] = []
    bad_ids = [p for p in (logical_id_problem(str(lid)) for lid in resources) if p]
    if bad_ids:
        problems.append(
            (
                "; ".join(bad_ids[:5]) + (f" and {len(bad_ids) - 5} more" if len(bad_ids) > 5 else ""),
                "rename them in the template (and in the resources file): letters and digits, at most 255",
            )
        )
    for lid, resource in resources.items():
        type_name = str(getattr(resource, "type", None) or resource.get("Type", ""))
        problem = type_problem(type_name)
        if problem:
            problems.append((f"{lid}: {problem[0]}", problem[1]))
    for key in parameters:
        if not _ALPHANUMERIC.fullmatch(str(key)) or len(str(key)) > MAX_PARAMETER_KEY:
            problems.append(
                (f"parameter name {str(key)[:60]!r} is not alphanumeric or longer than 255", None)
            )
    return problems


def check_parameter_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """--parameter K=V given as pairs: a key given twice is refused (the last would silently win)."""
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise UsageError(
                f"--parameter {key} is given twice ({out[key]!r} and {value!r})", "give each parameter once"
            )
        if not _ALPHANUMERIC.fullmatch(key) or len(key) > MAX_PARAMETER_KEY:
            raise UsageError(
                f"--parameter {key!r}: a parameter name is alphanumeric, at most 255 characters",
                "use the name the template declares under Parameters",
            )
        out[key] = value
    return out


# --- names, numbers and URLs ---------------------------------------------------------------------------


def check_template_name(name: str) -> None:
    """A generated template's name also names the files generate writes (NAME.yaml, NAME.resources.json)."""
    if not 1 <= len(name) <= MAX_TEMPLATE_NAME:
        raise UsageError(
            f"template name must be 1-{MAX_TEMPLATE_NAME} characters, got {len(name)}",
            "choose a shorter name" if name else "give the template a name",
        )
    if _TEMPLATE_NAME_BAD.search(name) or name in (".", ".."):
        raise UsageError(
            f"template name {name!r} contains a path separator or a control character",
            "the name also names the files written here: use {opt:out} DIR/NAME.yaml to write elsewhere",
        )


def check_timeout(seconds: float, option: str = "--timeout") -> None:
    if not seconds > 0:
        raise UsageError(f"{option} must be more than 0 seconds, got {seconds:g}", f"e.g. {option} 600")


def check_endpoint_url(url: str, option: str = "--endpoint-url") -> None:
    """An endpoint is http(s)://host[:port][/path]; botocore would raise a bare ValueError otherwise."""
    hint = "give a URL such as https://cloudformation.us-east-1.amazonaws.com or http://127.0.0.1:4566"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise UsageError(f"{option} {url!r} is not a valid URL: {exc}", hint) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} {url!r} is not an http:// or https:// URL with a host", hint)
    del port


def check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is out of range", "a TCP port is 0-65535 (0: any free port)")


# --- the files iacgen reads ------------------------------------------------------------------------------


def read_user_file(path: Path, what: str, max_bytes: int) -> bytes:
    """A file the user hands over: followed through symbolic links, refused unless it is a regular file (a
    FIFO would block, a device never end), and refused above max_bytes before any of it is read."""
    try:
        info = path.stat()  # follows links
    except FileNotFoundError:
        if path.is_symlink():
            raise UsageError(f"{path}: a symbolic link to a missing file", "fix or remove the link") from None
        raise UsageError(f"{path}: no such file", f"check the path of the {what}") from None
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot read: {exc.strerror or exc}", "check the path and permissions"
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path}: is a directory, not a {what}", f"give the {what}'s path")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise UsageError(f"{path}: is {kind}, not a regular file", f"save the {what} to a file and pass that")
    if info.st_size > max_bytes:
        raise UsageError(
            f"{path}: {info.st_size:,} bytes; a {what} is at most {max_bytes:,} bytes here",
            "the service accepts templates of at most 1 MiB (through S3); split it",
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot read: {exc.strerror or exc}", "check the file's permissions"
        ) from None
    if len(data) > max_bytes:  # grew while we looked
        raise UsageError(f"{path}: more than {max_bytes:,} bytes", "split it")
    return data


# --- YAML aliases -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AliasUse:
    aliases: int  # nodes reached more than once
    merge_keys: int
    expanded_nodes: int  # values after expanding every alias

    @property
    def any(self) -> bool:
        return bool(self.aliases or self.merge_keys)


def alias_use(root: Any, source: str = "<template>") -> AliasUse:
    """Count aliases, merge keys and the expanded size of a composed YAML node graph in linear time (each
    node's expanded size is computed once); UsageError past MAX_EXPANDED_NODES."""
    if root is None:
        return AliasUse(0, 0, 0)
    sizes: dict[int, int] = {}
    seen: set[int] = set()
    aliases = merges = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            if any(id(c) not in sizes for c in _children(node)):
                raise UsageError(
                    f"{source}: a YAML alias refers to a value that contains it (a recursive alias)",
                    "CloudFormation does not take aliases; write the values out",
                )
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > MAX_EXPANDED_NODES:
                raise UsageError(
                    f"{source}: its YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values",
                    "an alias bomb? CloudFormation does not take aliases; write the values out",
                )
            continue
        if key in seen:
            aliases += 1
            continue
        seen.add(key)
        stack.append((node, True))
        value = getattr(node, "value", None)
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            merges += sum(1 for k, _ in value if getattr(k, "tag", None) and "merge" in str(k.tag))
        stack.extend((child, False) for child in _children(node))
    return AliasUse(aliases, merges, sizes.get(id(root), 0))


def _children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return []
    out: list[Any] = []
    for item in value:
        if isinstance(item, tuple):
            out.extend(item)
        else:
            out.append(item)
    return out


_ALIAS_TOKEN = re.compile(r"(^|[\s\[{,])[&*][^\s\[\]{},]", re.MULTILINE)


def uses_aliases(text: str, source: str = "<template>") -> AliasUse:
    """Whether a template's text uses YAML aliases or merge keys: a cheap look for '&name' / '*name'
    tokens first, then the node graph (composed, not constructed: construction folds merge keys away)."""
    if text.lstrip("\ufeff \t\r\n").startswith("{") or not _ALIAS_TOKEN.search(text):
        return AliasUse(0, 0, 0)
    from ruamel.yaml import YAML

    return alias_use(YAML(typ="rt").compose(text.removeprefix("\ufeff")), source)


def expanded_body(template: Any) -> str | None:
    """The body to send for a template that uses YAML aliases or merge keys: JSON with every alias and merge
    key expanded and short-form tags in their long form; None when the template uses neither."""
    import json

    from iacgen.core.template import _to_plain

    if not uses_aliases(str(template.text), str(template.source)).any:
        return None
    return json.dumps(_to_plain(template.data), indent=2) + "\n"

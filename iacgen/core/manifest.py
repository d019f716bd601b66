"""The `iacgen.yaml` manifest: what `iacgen ci` reads (and `iacgen init` writes), committed next to the
templates so a run is reproducible. pydantic validates it; every problem becomes one UsageError naming the
key's path (`templates[0].select[1]`) and what was expected.

    version: 1
    region: eu-west-1                 # optional; so are profile and endpoint
    scan: {policy: reuse, max_age: 7d, types: [AWS::EC2::*]}
    templates:
      - name: workshop
        select: [tag:Name=workshop]   # the same expressions as `iacgen generate --select`
        related: true
        path: infra/workshop.yaml     # the committed template: drift is measured against it
        policies: {deletion: RETAIN, overrides: [{type: AWS::EC2::KeyPair, deletion: Retain}]}
        stack: {name: workshop, mode: new}
        parameters: {DbPassword: {env: DB_PASSWORD}}
        fail_on: [UNSUPPORTED_PROPERTIES, drift]
    targets:                          # optional: run the plan in each (ci_fanout); none: the settings above
      - {name: prod, account: "210987654321", region: eu-west-1, role_name: OrganizationAccountAccessRole}
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from iacgen.core.errors import Option, UsageError
from iacgen.core.policies import GeneratorPolicy, Policy

if TYPE_CHECKING:
    from iacgen.core.state import TemplateRecord
    from iacgen.core.workspace import Workspace

MANIFEST_FILE = Path("iacgen.yaml")
MANIFEST_VERSION = 1
DRIFT = "drift"  # the fail_on entry that makes drift fail the run
SECRETS = "secrets"  # ... that makes a literal secret in the template fail it; the others are warning types
SCAN_MAX_AGE = timedelta(days=30)  # a scan older than this cannot generate templates (reference: validity)

_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_DYNAMIC_REFERENCE = re.compile(r"^\{\{resolve:(ssm|ssm-secure|secretsmanager):[^{}]+\}\}$")
_PARAMETER_FORMS = (
    "expected a literal string, {env: VARIABLE}, or a dynamic reference such as {{resolve:ssm:NAME}}, "
    "{{resolve:ssm-secure:NAME}} or {{resolve:secretsmanager:ID:SecretString:KEY}}"
)
# The manifest's words for the options the core's hints point at (core.errors.Option), as the CLI has its
# flags: `ci` rewords an error from a step with these, so it names the key to change, never a flag.
MANIFEST_WORDS: dict[Option, str] = {
    Option.ALLOW_DELETE_POLICY: "policies.allow_delete_policy: true",
    Option.DELETION_POLICY: "policies.deletion",
    Option.PATCH_DELETION_POLICY: "policies.overrides[].deletion",
    Option.TYPE: "an override's type",
    Option.RESOURCE: "an override's logical_id",
    Option.SELECT: "select",
    Option.EXCLUDE: "exclude",
    Option.RELATED: "related: true",
    Option.RELATED_DEPTH: "depth",
    Option.PARAMETER: "parameters:",
    Option.S3_BUCKET: "s3_bucket",
    Option.OUT: "path:",
    Option.STACK: "stack.name",
    Option.REGION: "region (or targets[].region)",
    Option.PROFILE: "profile",
    Option.ENDPOINT_URL: "endpoint",
    Option.ROLE_NAME: "targets[].role_name",
    Option.EXTERNAL_ID: "targets[].external_id",
}
_AT = "\x00"
_HINT_MARK = "\x01"  # a validator's own hint follows it in the message (_usage_error gives it as the hint)
_HINT = "see the manifest reference in the README's CI section, or write a starter with: iacgen init"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ScanPolicy(StrEnum):
    REUSE = "reuse"  # the newest usable scan that covers the types, up to max_age; a new one if none
    NEW = "new"  # always start a scan (counts against the 10-a-day quota)


class Format(StrEnum):
    YAML = "yaml"
    JSON = "json"


class StackMode(StrEnum):
    NEW = "new"  # the stack must not exist: the import creates it
    EXISTING = "existing"  # the stack must exist: the import adds to it
    AUTO = "auto"  # whichever it is at run time


_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_MAX_AGE_RANGE = "expected a duration above 0 and at most 30d (a scan is usable for 30 days)"


def _duration(value: Any) -> timedelta:
    """'7d', '12h', '30m', or a whole number of days. An amount beyond what timedelta holds (100000000000d)
    is out of range, said as such: timedelta's own OverflowError would be an internal error."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        amount, unit = value, "d"
    else:
        match = _DURATION.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError("expected a duration such as 7d, 12h or 30m")
        amount, unit = int(match.group(1)), match.group(2)
    try:
        return timedelta(**{_UNITS[unit]: amount})
    except OverflowError:
        raise ValueError(_MAX_AGE_RANGE) from None


class Scan(_Strict):
    policy: ScanPolicy = ScanPolicy.REUSE
    max_age: timedelta = SCAN_MAX_AGE
    types: list[str] | None = None  # a partial scan of these types (AWS::EC2::* allowed); None: a full scan

    @field_validator("max_age", mode="before")
    @classmethod
    def _max_age(cls, value: Any) -> timedelta:
        age = _duration(value)
        if not timedelta(0) < age <= SCAN_MAX_AGE:
            raise ValueError(_MAX_AGE_RANGE)
        return age

    @field_validator("types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        from iacgen.core.scans import validate_types

        types: list[str] = _usage_to_value(validate_types, value)
        return types


def _at(parts: list[str | int], message: str) -> str:
    """A validator's message naming where below its field it applies; _usage_error extends the key path."""
    return f"{_AT}{json.dumps(parts)}{_AT}{message}"


def _usage_to_value(check: Any, *args: Any) -> Any:
    """Run one of the core's own checks (the same rules as the commands), as a pydantic validation error."""
    try:
        return check(*args)
    except UsageError as exc:
        hint = exc.hint_in(MANIFEST_WORDS)
        raise ValueError(f"{exc.message}; {hint}" if hint else exc.message) from None


class Override(_Strict):
    """A policy for the resources of some types (glob) or some logical ids; later overrides win."""

    type: str | None = None
    logical_id: str | None = None
    deletion: Policy | None = None
    update_replace: Policy | None = None

    @model_validator(mode="after")
    def _complete(self) -> Override:
        if (self.type is None) == (self.logical_id is None):
            raise ValueError("expected exactly one of type (a glob such as AWS::EC2::*) or logical_id")
        if self.deletion is None and self.update_replace is None:
            raise ValueError("expected deletion and/or update_replace")
        return self

    @field_validator("deletion", mode="before")
    @classmethod
    def _deletion(cls, value: Any) -> Policy | None:
        from iacgen.core.policies import DELETION_POLICY, normalize_policy

        if value is not None and not isinstance(value, str):
            raise ValueError("expected a policy such as Retain or Delete")
        return None if value is None else _usage_to_value(normalize_policy, value, DELETION_POLICY)

    @field_validator("update_replace", mode="before")
    @classmethod
    def _update_replace(cls, value: Any) -> Policy | None:
        from iacgen.core.policies import UPDATE_REPLACE_POLICY, normalize_policy

        if value is not None and not isinstance(value, str):
            raise ValueError("expected a policy such as Retain or Delete")
        return None if value is None else _usage_to_value(normalize_policy, value, UPDATE_REPLACE_POLICY)


class Policies(_Strict):
    """What the generator writes on every resource (DELETE or RETAIN), then the overrides `patch` applies."""

    deletion: GeneratorPolicy = GeneratorPolicy.RETAIN
    update_replace: GeneratorPolicy = GeneratorPolicy.RETAIN
    retain_vpc_defaults: StrictBool = True  # strict: a YAML true/false, never "yes" or 1
    allow_delete_policy: StrictBool = False  # Delete may reach stateful types (buckets, volumes, tables, ...)
    overrides: list[Override] = Field(default_factory=list)

    @field_validator("deletion", "update_replace", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Stack(_Strict):
    name: str | None = None  # default: the template's name
    mode: StackMode = StackMode.AUTO

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-zA-Z][-a-zA-Z0-9]{0,127}", value):
            raise ValueError(
                "expected a stack name: a letter, then letters, digits and hyphens (at most 128)"
            )
        return value


class EnvParameter(_Strict):
    env: str  # the environment variable holding the value (CI secrets)


ParameterValue = str | EnvParameter


class TemplateEntry(_Strict):
    name: str
    select: list[str] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)
    related: StrictBool = True  # strict: a YAML true/false; "yes" or 1 is a wrong type, not true
    depth: StrictInt | None = Field(default=None, ge=0)  # None: to a fixed point; `true` is not 1
    format: Format = Format.YAML
    path: Path | None = None  # the committed template; default NAME.yaml / NAME.json
    policies: Policies = Field(default_factory=Policies)
    stack: Stack = Field(default_factory=Stack)
    # Values for the template's parameters (write-only properties): a literal, {env: NAME}, or a dynamic
    # reference such as {{resolve:ssm:/path}} / {{resolve:secretsmanager:id:SecretString:key}}.
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    s3_bucket: str | None = None  # where bodies over 51,200 bytes are uploaded (and removed after)
    fail_on: list[str] = Field(default_factory=list)  # warning types, and/or "drift"

    @field_validator("s3_bucket")
    @classmethod
    def _s3_bucket(cls, value: str | None) -> str | None:
        from iacgen.core.bodies_bucket import check_bucket_name

        if value is not None:
            _usage_to_value(check_bucket_name, value)
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        from iacgen.core.validation import check_template_name

        _usage_to_value(check_template_name, value)
        return value

    @field_validator("select", "exclude")
    @classmethod
    def _expressions(cls, value: list[str]) -> list[str]:
        from iacgen.core.selection import parse_select

        for index, expr in enumerate(value):
            try:
                parse_select(expr)
            except UsageError as exc:  # with its own hint: "write AWS::EC2::VPC", the grammar
                hint = exc.hint_in(MANIFEST_WORDS)
                raise ValueError(_at([index], exc.message + (_HINT_MARK + hint if hint else ""))) from None
        return value

    @field_validator("fail_on", mode="before")
    @classmethod
    def _fail_on(cls, value: Any) -> Any:
        if not isinstance(value, list):  # a bare string too: the reference documents a list
            return value
        out = []
        for index, item in enumerate(value):
            try:
                out.append(parse_fail_on_entry(item) if isinstance(item, str) else item)
            except ValueError as exc:
                raise ValueError(_at([index], str(exc))) from None
        return out

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for key, item in value.items():
            if isinstance(item, bool) or not isinstance(item, str | int | float | dict):
                raise ValueError(_at([str(key)], _PARAMETER_FORMS))
            if isinstance(item, float) and not math.isfinite(item):  # .inf, or 1e400 read as one
                raise ValueError(_at([str(key)], "not a finite number; quote it if it is a string"))
            if isinstance(item, dict) and (set(item) != {"env"} or not isinstance(item["env"], str)):
                raise ValueError(_at([str(key)], _PARAMETER_FORMS))
            if isinstance(item, str) and item.startswith("{{resolve:") and not _DYNAMIC_REFERENCE.match(item):
                raise ValueError(_at([str(key)], _PARAMETER_FORMS))
        return {k: str(v) if isinstance(v, int | float) else v for k, v in value.items()}

    @model_validator(mode="after")
    def _depth_needs_related(self) -> TemplateEntry:
        if not self.related and self.depth is not None:
            raise ValueError("depth bounds related resources, which related: false turns off; drop one")
        return self

    @property
    def template_path(self) -> Path:
        return self.path or Path(f"{self.name}.{self.format.value}")

    @property
    def stack_name(self) -> str:
        return self.stack.name or self.name

    @property
    def fails_on_drift(self) -> bool:
        return DRIFT in self.fail_on

    @property
    def fails_on_secrets(self) -> bool:
        return SECRETS in self.fail_on

    @property
    def fail_on_warnings(self) -> set[str]:
        return {v for v in self.fail_on if v not in (DRIFT, SECRETS)}


def parse_fail_on_entry(value: str) -> str:
    """One fail_on entry: 'drift' or a warning type, any case; ValueError names the allowed ones."""
    from iacgen.core.template_warnings import WARNING_TYPES

    name = value.strip()
    if name.lower() in (DRIFT, SECRETS):
        return name.lower()
    if name.upper() in WARNING_TYPES:
        return name.upper()
    raise ValueError(
        f"expected {DRIFT}, {SECRETS} or a warning type ({', '.join(WARNING_TYPES)}), got {value!r}"
    )


class Target(_Strict):
    """One account x Region `iacgen ci` runs the whole plan in (`targets:`; none: the caller's settings)."""

    name: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]{0,63}$"
    )  # default ACCOUNT-REGION
    account: str | None = Field(default=None, pattern=r"^\d{12}$")  # default: the caller's own account
    region: str
    role_name: str = "OrganizationAccountAccessRole"  # assumed in every account but the caller's
    external_id: str | None = None

    @field_validator("role_name")
    @classmethod
    def _role_name(cls, value: str) -> str:
        from iacgen.core.accounts import check_role_name

        _usage_to_value(check_role_name, value)  # the rule coverage's --role-name has
        return value

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str | None) -> str | None:
        from iacgen.core.accounts import check_external_id

        _usage_to_value(check_external_id, value)
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        from iacgen.core.regions import check_region

        _usage_to_value(check_region, value)
        return value


class Manifest(_Strict):
    version: Literal[1]
    region: str | None = None
    profile: str | None = None
    endpoint: str | None = None
    scan: Scan = Field(default_factory=Scan)
    templates: list[TemplateEntry] = Field(min_length=1)
    targets: list[Target] = Field(default_factory=list)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        from iacgen.core.validation import check_endpoint_url

        if value is not None:  # here, with the file and line: the session's check names --endpoint-url
            _usage_to_value(check_endpoint_url, value, "URL")
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        if type(value) is not int:  # a Literal compares equal: true and 1.0 would pass as 1
            raise ValueError(_version_expected(value))
        return value

    @model_validator(mode="after")
    def _unique(self) -> Manifest:
        for attr, key, what in (
            ("name", "name", "template name"),
            ("stack_name", "stack", "stack"),
            ("template_path", "path", "path"),
        ):
            seen: set[Any] = set()
            for index, entry in enumerate(self.templates):
                value = getattr(entry, attr)
                if value in seen:
                    raise ValueError(
                        _at(["templates", index, key], f"{what} {value} is already used by another template")
                    )
                seen.add(value)
        names = [t.name or f"{t.account or 'caller'}-{t.region}" for t in self.targets]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ValueError(_at(["targets", index], f"target {name} is already listed"))
        # two targets in one place would plan the same resources into the same stacks: one real import fails
        places = [(t.account, t.region) for t in self.targets]
        for index, place in enumerate(places):
            if place in places[:index]:
                first = names[places.index(place)]
                where = f"account {place[0]}" if place[0] else "the caller's account"
                raise ValueError(
                    _at(["targets", index], f"{where} in {place[1]} is already target {first}'s")
                )
        return self

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _version_expected(value: Any) -> str:
    return f"expected version: {MANIFEST_VERSION} (the only manifest version), got {value!r}"


def resolve_parameter(value: str | EnvParameter) -> str:
    """The value to send: a literal or dynamic reference as written, or an env var's value (must be set)."""
    if isinstance(value, str):
        return value
    found = os.environ.get(value.env)
    if found is None:
        raise UsageError(
            f"environment variable {value.env} is not set (a manifest parameter reads it)",
            "set it in the CI job (a secret), or give the value in iacgen.yaml",
        )
    return found


# --- loading


def load_manifest(path: Path = MANIFEST_FILE) -> Manifest:
    """Read and validate a manifest file; UsageError (exit 2) for every way it can be wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", "write a starter manifest with: iacgen init") from None
    except IsADirectoryError:
        raise UsageError(
            f"{path}: is a directory, not a manifest", "give the iacgen.yaml file's path"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}", "check the file (UTF-8 YAML)") from None
    manifest = parse_manifest(text, str(path))
    for index, entry in enumerate(manifest.templates):
        if entry.template_path.resolve() == path.resolve():
            where = "path" if entry.path is not None else "name"
            raise UsageError(
                f"{path}: templates[{index}].{where}: the template would be {entry.template_path}, "
                "the manifest itself",
                "give the template a path: of its own, or another name",
            )
    return manifest


def parse_manifest(text: str, source: str = "iacgen.yaml") -> Manifest:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(text)
    except DuplicateKeyError as exc:
        raise _duplicate_key(exc, text, source) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(
            f"{where}: not valid YAML: {problem}", "fix the YAML syntax at that position"
        ) from None
    except ValueError:  # Python refuses to read an integer of more than 4300 digits (int_max_str_digits)
        digits = re.search(r"\d{4301,}", text)
        line = text.count("\n", 0, digits.start()) + 1 if digits else None
        raise UsageError(
            f"{source}:{line}: a number of more than 4300 digits" if line else f"{source}: a number too long",
            "no manifest value needs one; quote it if it is a string",
        ) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise UsageError(f"{source}: expected a mapping (version: 1, templates: [...]), got {got}", _HINT)
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise _usage_error(exc, text, source) from None


def _duplicate_key(exc: Any, text: str, source: str) -> UsageError:
    """`templates[0].select: key select appears twice (lines 4 and 6)`: ruamel's own message shows each
    value as "[]" whatever it holds, so this names the key, its path and both lines, from the composed
    nodes (composing keeps both keys)."""
    from ruamel.yaml import YAML

    mark = exc.problem_mark
    hint = "keep one of them (a YAML mapping has each key once)"
    try:
        root = YAML(typ="safe", pure=True).compose(text)
    except Exception:
        root = None
    stack: list[tuple[Any, list[str | int]]] = [(root, [])]
    seen: set[int] = set()
    while stack:
        node, loc = stack.pop()
        if node is None or id(node) in seen or not isinstance(node.value, list):
            continue
        seen.add(id(node))
        if not node.tag.endswith(":map"):
            stack.extend((item, [*loc, index]) for index, item in enumerate(node.value))
            continue
        keys = [key for key, _ in node.value]
        stack.extend((value, [*loc, str(key.value)]) for key, value in node.value)
        for key in keys:
            if (key.start_mark.line, key.start_mark.column) == (mark.line, mark.column):
                first = next(k for k in keys if k.value == key.value).start_mark.line + 1
                lines = f"lines {first} and {mark.line + 1}" if first != mark.line + 1 else f"line {first}"
                where = f"{source}:{mark.line + 1}: {key_path([*loc, str(key.value)])}"
                return UsageError(f"{where}: key {key.value} appears twice ({lines})", hint)
    return UsageError(f"{source}:{mark.line + 1}: a key appears twice", hint)


def _usage_error(exc: ValidationError, text: str, source: str) -> UsageError:
    # an unknown key first: a misspelt key (selct) also makes the key it meant missing, and names the cause
    errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc: list[str | int] = list(first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if message.startswith(_AT):  # a validator named the item at fault: extend the key path
        parts, message = message[1:].split(_AT, 1)
        loc.extend(json.loads(parts))
    message, _, own_hint = message.partition(_HINT_MARK)
    if first["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}; expected one of: {', '.join(_allowed_keys(loc[:-1]))}"
    elif first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] == "literal_error" and loc == ["version"]:
        message = _version_expected(first["input"])
    elif first["type"] in _WRONG_TYPE:  # pydantic says what it wanted; say what YAML read, as YAML writes it
        message = f"{message}, got {_as_yaml(first['input'])}"
        if first["type"] == "string_type" and type(first["input"]) in (int, float):
            message += " (quote it to make it a string)"
    path = key_path(loc)
    line = _line_of(text, loc)
    where = f"{source}:{line}" if line else source
    others = len(errors) - 1  # more problems, not more keys: "(and 6 more)" after a key list read as keys
    more = f" ({others} more problem{'s' if others > 1 else ''} in the file)" if others else ""
    return UsageError(f"{where}: {path or '(top level)'}: {message}{more}", own_hint or _HINT)


_WRONG_TYPE = {"bool_type", "int_type", "list_type", "string_type", "dict_type", "model_type"}


def _as_yaml(value: Any) -> str:
    """A value as the manifest spelt it: true, 2, "yes", a list."""
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a mapping"
    return json.dumps(value) if isinstance(value, str | bool | int | float) or value is None else repr(value)


def locate(source: Path, loc: list[str | int]) -> str:
    """Where a key is, for a problem ci finds after loading (a template path: that cannot be read):
    `iacgen.yaml:9: templates[0].path`, as the manifest's own errors say it."""
    try:
        line = _line_of(source.read_text(encoding="utf-8"), loc)
    except (OSError, UnicodeDecodeError):
        line = None
    return f"{source}:{line}: {key_path(loc)}" if line else f"{source}: {key_path(loc)}"


def key_path(loc: list[str | int]) -> str:
    """('templates', 0, 'select', 1) -> 'templates[0].select[1]'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_MODELS: dict[str, type[BaseModel]] = {
    "scan": Scan,
    "templates": TemplateEntry,
    "policies": Policies,
    "overrides": Override,
    "stack": Stack,
    "targets": Target,
}


def _allowed_keys(loc: list[str | int]) -> list[str]:
    model: type[BaseModel] = Manifest
    for part in loc:
        if isinstance(part, str) and part in _MODELS:
            model = _MODELS[part]
        elif isinstance(part, str) and part == "parameters":
            model = EnvParameter
    return list(model.model_fields)


def _line_of(text: str, loc: list[str | int]) -> int | None:
    """The 1-based line of the key (or list item) at loc, from a round-trip parse, which keeps positions."""
    from ruamel.yaml import YAML

    try:
        node: Any = YAML(typ="rt").load(text)
    except Exception:
        return None
    line: int | None = None
    for part in loc:
        try:
            position = node.lc.item(part) if isinstance(part, int) else node.lc.key(part)
            line = int(position[0]) + 1
            node = node[part]
        except (AttributeError, KeyError, IndexError, TypeError):
            break
    return line


# --- a starter manifest (iacgen init)

_EXAMPLE_ENTRY = """\
  - name: {name}
    # The same expressions as `iacgen generate --select` (an AND of terms; several entries are an OR).
    select: [{select}]
    exclude: [{exclude}]
    related: {related}          # add what the selection relates to (route tables, gateways, ...)
    {depth}# bound --related; unset: to a fixed point
    format: {format}
    path: {path}   # the committed template: ci reports drift against it
    policies:
      deletion: {deletion}     # what the generator writes on every resource: RETAIN or DELETE
      update_replace: {update_replace}
      retain_vpc_defaults: {retain_vpc_defaults}
      allow_delete_policy: {allow_delete_policy}   # true: Delete may reach stateful resources (buckets, ...)
      overrides: []        # e.g. {{type: "AWS::EC2::KeyPair", deletion: Retain}}, {{logical_id: X, ...}}
    stack: {{name: {stack}, mode: auto}}   # new | existing | auto
    parameters: {{}}         # write-only properties: Name: literal | {{env: VAR}} | "{{{{resolve:ssm:/p}}}}"
    # s3_bucket: my-bucket # for bodies over 51,200 bytes (uploaded under iacgen/, removed after)
    fail_on: []            # warning types that fail the run, drift and/or secrets
"""

_HEADER = """\
# iacgen.yaml: the adoption plan `iacgen ci` checks (a dry run: it never executes a change set).
# Reference: the README's CI section. Written by `iacgen init` {origin}.
version: 1
# region: us-east-1      # default: --region, AWS_REGION or the profile's
# profile: ci
scan:
  policy: reuse          # reuse the newest usable scan up to max_age, else start one; `new`: always start one
  max_age: 7d
  # types: [AWS::EC2::*]  # a partial scan of these types only
templates:
"""


@dataclass(frozen=True)
class InitResult:
    path: Path
    origin: Literal["last generate", "example"]
    template: str  # the template name the starter names

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "origin": self.origin, "template": self.template}


def _flow(items: list[str]) -> str:
    """Selection expressions as the items of a YAML flow list, each quoted (JSON strings are YAML)."""
    return ", ".join(json.dumps(item) for item in items)


def _recorded_policies(record: TemplateRecord | None) -> dict[str, str]:
    """The policies generate recorded (what its file has on each resource), else the defaults: a manifest
    with other ones would generate another template, and drift, which ignores policies, would not say so."""
    allowed = {p.value for p in GeneratorPolicy}
    deletion = record.deletion_policy if record else None
    update_replace = record.update_replace_policy if record else None
    retain = record.retain_vpc_defaults if record else None
    allow = record.allow_delete_policy if record else None
    return {
        "deletion": deletion if deletion in allowed else GeneratorPolicy.RETAIN.value,
        "update_replace": update_replace if update_replace in allowed else GeneratorPolicy.RETAIN.value,
        "retain_vpc_defaults": "false" if retain is False else "true",
        "allow_delete_policy": "true" if allow is True else "false",
    }


def init_manifest(path: Path, workspace: Workspace) -> InitResult:
    """Write a commented starter manifest at `path`, from the last `generate` recorded in the workspace if
    there is one, else an example; never over an existing file (UsageError, exit 2). It always validates."""
    from iacgen.core.files import write_atomic

    if path.is_dir():
        raise UsageError(f"{path} is a directory", "give a file's path, e.g. --out DIR/iacgen.yaml")
    if path.exists() or path.is_symlink():
        raise UsageError(f"{path} already exists; iacgen init never overwrites it", "edit it, or pass --out")
    record = workspace.load().last_record()
    policies = _recorded_policies(record if record is not None and record.template_path else None)
    if record is not None and record.template_path:
        name, template_path = record.name, record.template_path
        fmt = "json" if template_path.endswith(".json") else "yaml"
        types: list[str] = []
        if record.resources_path and Path(record.resources_path).exists():
            from iacgen.core.identifiers import read_resources_file

            entries = read_resources_file(Path(record.resources_path))
            types = sorted({str(e["ResourceType"]) for e in entries})
        origin: Literal["last generate", "example"] = "last generate"
        if record.select:  # generate's own selection: the same plan
            select, exclude = _flow(record.select), _flow(record.exclude or [])
            related, depth = bool(record.related), record.related_depth
            where = f"from the last generate here ({name}), with its selection"
        else:  # a state file from before the selection was recorded: the types it generated
            select = ", ".join(f'"type={t}"' for t in types) or '"tag:Name=' + name + '"'
            exclude, related, depth = "", True, None
            where = f"from the last generate here ({name}); narrow select to what you passed to generate"
    else:
        name, template_path, fmt, select = "workshop", "workshop.yaml", "yaml", '"tag:Name=workshop"'
        exclude, related, depth = "", True, None
        origin, where = "example", "as an example: change the selection to your resources"
    stack = name if re.fullmatch(r"[a-zA-Z][-a-zA-Z0-9]{0,127}", name) else "my-stack"
    text = _HEADER.format(origin=where) + _EXAMPLE_ENTRY.format(
        name=name,
        select=select,
        exclude=exclude,
        related="true" if related else "false",
        depth=f"depth: {depth}           " if depth is not None else "# depth: 1             ",
        format=fmt,
        path=template_path,
        stack=stack,
        **policies,
    )
    parse_manifest(text, str(path))  # a starter that does not validate would be a bug
    write_atomic(path, text)
    return InitResult(path, origin, name)

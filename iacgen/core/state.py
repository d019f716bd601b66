"""The state file's data (.iacgen/state.json): ids and paths that link the steps, so each command can run
alone, re-run or resume. Ids only, never credentials.
Reading, locking and writing it is core/workspace.py's job."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any


class StateFormatError(ValueError):
    """A field of the state file has the wrong type; the message names it (templates.web.stack ...)."""


@dataclass
class TemplateRecord:
    """What `generate` left for `warnings`, `patch` and `import`."""

    name: str
    generated_template_id: str | None = None
    template_path: str | None = None
    resources_path: str | None = None
    template_sha256: str | None = None  # what generate wrote, to tell a later hand edit (or patch) apart
    stack: str | None = None  # the stack it was imported into
    # the selection generate was given, so `iacgen init` can write the same plan (None: not recorded)
    select: list[str] | None = None
    exclude: list[str] | None = None
    related: bool | None = None
    related_depth: int | None = None
    # ... and the policies it wrote (DELETE / RETAIN), so init's manifest reproduces the same template (drift
    # ignores policies: a manifest with other ones would pass while generating a different file)
    deletion_policy: str | None = None
    update_replace_policy: str | None = None
    retain_vpc_defaults: bool | None = None
    allow_delete_policy: bool | None = None
    # every template file generate wrote under this name, as sha256sum prints them ("SHA256  PATH"): a file
    # written under another --format or --out is still known as iacgen's own
    written: list[str] | None = None

    def sha_written(self, path: str) -> str | None:
        """The digest generate wrote `path` with, if it wrote it."""
        if self.template_path == path and self.template_sha256:
            return self.template_sha256
        for line in self.written or []:
            digest, _, where = line.partition("  ")
            if where == path:
                return digest
        return None

    def with_written(self, path: str, digest: str) -> list[str]:
        """`written` with `path`'s digest replaced (or added)."""
        kept = [line for line in self.written or [] if line.partition("  ")[2] != path]
        return [*kept, f"{digest}  {path}"]


@dataclass
class PendingChangeSet:
    """An IMPORT change set this workspace created and has not yet executed or deleted: if the run is killed
    before it can clean up, the next import removes it (and the empty stack it created)."""

    stack: str
    stack_id: str
    change_set_id: str
    change_set_name: str
    new_stack: bool
    bucket: str | None = None  # a template body this run uploaded (bucket, key)
    key: str | None = None
    pid: int | None = None  # the process waiting on it: a live one's change set is not a leftover


@dataclass
class ImportMark:
    """The last import this workspace executed. A scan from before it still lists what it adopted as not
    managed by any stack, so scan reuse looks past such scans and generate warns about them."""

    stack: str
    region: str
    at: str  # ISO 8601: the service's time of the import's last event


@dataclass
class State:
    region: str | None = None
    scan_id: str | None = None
    templates: dict[str, TemplateRecord] = field(default_factory=dict)
    last_template: str | None = None
    pending_change_sets: list[PendingChangeSet] = field(default_factory=list)
    # a selection generated as several templates: NAME -> [NAME-1, NAME-2, ...], in import order
    sets: dict[str, list[str]] = field(default_factory=dict)
    last_import: ImportMark | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        """The state from the file's JSON; unknown keys are ignored (a newer iacgen's), a known key with the
        wrong type is a StateFormatError."""
        templates = _mapping(data.get("templates"), "templates")
        pending = data.get("pending_change_sets") or []
        if not isinstance(pending, list):
            raise StateFormatError(f"pending_change_sets: expected a list, got {_kind(pending)}")
        return cls(
            region=_text(data.get("region"), "region"),
            scan_id=_text(data.get("scan_id"), "scan_id"),
            templates={
                str(name): _record(TemplateRecord, rec, f"templates.{name}", name=str(name))
                for name, rec in templates.items()
            },
            last_template=_text(data.get("last_template"), "last_template"),
            pending_change_sets=[
                _record(PendingChangeSet, item, f"pending_change_sets[{i}]") for i, item in enumerate(pending)
            ],
            sets=_sets(data.get("sets")),
            last_import=None
            if data.get("last_import") is None
            else _record(ImportMark, data["last_import"], "last_import"),
        )

    def last_import_time(self, region: str | None) -> datetime | None:
        """When the last import in `region` ended (the service's time), if there was one."""
        mark = self.last_import
        if mark is None or mark.region != region:
            return None
        try:
            return datetime.fromisoformat(mark.at)
        except ValueError:  # a hand-edited file: no mark rather than a failure
            return None

    def import_since(self, region: str | None, started: datetime | None) -> ImportMark | None:
        """The last import in `region`, if it ended after a scan that started at `started`."""
        at = self.last_import_time(region)
        return self.last_import if at is not None and started is not None and at > started else None

    def last_record(self) -> TemplateRecord | None:
        return self.templates.get(self.last_template) if self.last_template else None

    def record_for(self, template: str) -> TemplateRecord | None:
        """The record of the generated template written at this path, if any."""
        for record in self.templates.values():
            if record.template_path and Path(record.template_path) == Path(template):
                return record
        return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number"}.get(
        type(value), type(value).__name__
    )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StateFormatError(f"{where}: expected an object, got {_kind(value)}")
    return value


def _text(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise StateFormatError(f"{where}: expected a string or null, got {_kind(value)}")


def _record(kind: Any, value: Any, where: str, **given: Any) -> Any:
    """A dataclass from a JSON object, each field checked against its annotation (str, bool, optional)."""
    found = _mapping(value, where)
    values: dict[str, Any] = {}
    for f in fields(kind):
        if f.name not in found:
            continue
        item = found[f.name]
        optional = "None" in str(f.type)
        if item is None and optional:
            values[f.name] = None
        elif "list" in str(f.type):
            if not isinstance(item, list) or not all(isinstance(x, str) for x in item):
                raise StateFormatError(f"{where}.{f.name}: expected a list of strings, got {_kind(item)}")
            values[f.name] = list(item)
        elif "int" in str(f.type):
            if not isinstance(item, int) or isinstance(item, bool):
                raise StateFormatError(f"{where}.{f.name}: expected a number, got {_kind(item)}")
            values[f.name] = item
        elif "bool" in str(f.type):
            if not isinstance(item, bool):
                raise StateFormatError(f"{where}.{f.name}: expected true or false, got {_kind(item)}")
            values[f.name] = item
        elif not isinstance(item, str):
            raise StateFormatError(f"{where}.{f.name}: expected a string, got {_kind(item)}")
        else:
            values[f.name] = item
    values.update(given)
    try:
        return kind(**values)
    except TypeError:
        missing = [f.name for f in fields(kind) if f.name not in values]
        raise StateFormatError(f"{where}: missing {', '.join(missing)}") from None


def _sets(value: Any) -> dict[str, list[str]]:
    """The generated sets: NAME -> [NAME-1, NAME-2, ...]."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise StateFormatError(f"sets: expected a mapping of name to list of names, got {_kind(value)}")
    return {str(k): [str(n) for n in v] for k, v in value.items()}

"""The state file (.iacgen/state.json) links the steps, so each command can run alone, re-run or resume."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from iacgen.core.errors import UsageError
from iacgen.core.files import write_atomic

STATE_DIR = Path(".iacgen")
STATE_FILE = "state.json"


@dataclass
class TemplateRecord:
    """What `generate` left for `warnings`, `patch` and `import`."""

    name: str
    generated_template_id: str | None = None
    template_path: str | None = None
    resources_path: str | None = None
    template_sha256: str | None = None  # what generate wrote, to tell a later hand edit (or patch) apart
    stack: str | None = None  # the stack it was imported into


@dataclass
class State:
    region: str | None = None
    scan_id: str | None = None
    templates: dict[str, TemplateRecord] = field(default_factory=dict)
    last_template: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        templates = {
            name: TemplateRecord(**{k: v for k, v in rec.items() if k in TemplateRecord.__dataclass_fields__})
            for name, rec in (data.get("templates") or {}).items()
        }
        return cls(
            region=data.get("region"),
            scan_id=data.get("scan_id"),
            templates=templates,
            last_template=data.get("last_template"),
        )


def load_state(state_dir: Path = STATE_DIR) -> State:
    path = state_dir / STATE_FILE
    if not path.exists():
        return State()
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"cannot read {path}: {exc}", f"fix or delete {path}; it is rebuilt by the next run"
        ) from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a JSON object", f"delete {path}; it is rebuilt by the next run")
    return State.from_dict(data)


def save_state(state: State, state_dir: Path = STATE_DIR) -> None:
    write_atomic(state_dir / STATE_FILE, state.to_json())


def sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def check_overwrite(path: Path, record: TemplateRecord | None, force: bool) -> None:
    """Refuse to replace a template file that iacgen did not write or that was changed since (a patch, an
    edit): regenerating must not silently throw that work away."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory", "give a file path, e.g. --out dir/NAME.yaml")
    if force or not path.exists():
        return
    written = record.template_sha256 if record and record.template_path == str(path) else None
    if written is None:
        raise UsageError(
            f"{path} exists and was not written by iacgen generate",
            "pass --out another path, or --force to overwrite it",
        )
    if sha256_of(path) != written:
        raise UsageError(
            f"{path} was changed since iacgen generate wrote it (a patch or an edit)",
            "pass --out another path to keep your changes, or --force to overwrite them",
        )


@dataclass(frozen=True)
class ImportFiles:
    template: Path
    resources: Path | None
    note: str | None  # where the defaults came from, for the user; None when both were given


def import_files(state: State, template: Path | None, resources: Path | None) -> ImportFiles:
    """The template and resources file an import uses: explicit paths first, then what generate recorded,
    then NAME.resources.json beside the template."""
    note: str | None = None
    if template is None:
        record = state.templates.get(state.last_template) if state.last_template else None
        if record is None or not record.template_path:
            raise UsageError(
                "no template to import", "pass --template PATH, or run iacgen generate NAME first"
            )
        template = Path(record.template_path)
        if resources is None and record.resources_path:
            resources = Path(record.resources_path)
        note = f"using {template} from the last generated template ({record.name})"
    elif resources is None:
        for record in state.templates.values():
            if record.template_path and record.resources_path and Path(record.template_path) == template:
                resources = Path(record.resources_path)
                break
    if resources is None:
        stem = template.name.rsplit(".", 1)[0]
        sibling = template.with_name(f"{stem}.resources.json")
        if sibling.exists():
            resources = sibling
    return ImportFiles(template, resources, note)


def record_import(state: State, template: Path, stack: str) -> None:
    for record in state.templates.values():
        if record.template_path and Path(record.template_path) == template:
            record.stack = stack

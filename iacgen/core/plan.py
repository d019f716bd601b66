"""The state file (.iacgen/state.json) links the steps, so each command can run alone, re-run or resume."""

from __future__ import annotations

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

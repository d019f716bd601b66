"""The state file's data (.iacgen/state.json): ids and paths that link the steps, so each command can run
alone, re-run or resume. Ids only, never credentials.
Reading, locking and writing it is core/workspace.py's job."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


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

    def last_record(self) -> TemplateRecord | None:
        return self.templates.get(self.last_template) if self.last_template else None

    def record_for(self, template: str) -> TemplateRecord | None:
        """The record of the generated template written at this path, if any."""
        from pathlib import Path

        for record in self.templates.values():
            if record.template_path and Path(record.template_path) == Path(template):
                return record
        return None

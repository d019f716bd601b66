"""The patch step: set DeletionPolicy / UpdateReplacePolicy on a template's resources, changing only the
policy lines, and write the result (atomically) to another file, over the template, or nowhere (the caller
prints result.text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacgen.core.errors import UsageError
from iacgen.core.reporter import NullReporter, Reporter
from iacgen.core.template import read_template_file
from iacgen.core.template_edits import PatchResult, patch_policies
from iacgen.core.workspace import Workspace


@dataclass(frozen=True)
class PatchRequest:
    template: Path | None  # the file to read; None: `text` is the template (stdin)
    text: str | None = None
    deletion_policy: str | None = None
    update_replace_policy: str | None = None
    types: list[str] = field(default_factory=list)
    logical_ids: list[str] = field(default_factory=list)
    out: Path | None = None  # write here; None and not in_place: nothing is written
    in_place: bool = False

    @property
    def destination(self) -> Path | None:
        return self.template if self.in_place else self.out


@dataclass
class PatchFileResult:
    patch: PatchResult
    destination: Path | None  # None: the caller has the text to print
    in_place: bool

    @property
    def text(self) -> str:
        return self.patch.text

    def to_dict(self) -> dict[str, Any]:
        return {**self.patch.to_dict(), "out": str(self.destination), "in_place": self.in_place}


def patch_file(
    workspace: Workspace, request: PatchRequest, reporter: Reporter | None = None
) -> PatchFileResult:
    report = reporter or NullReporter()
    if request.template is None:
        if request.text is None or request.in_place:
            raise UsageError("patching in place needs a template file", "give the template's path")
        source, text = "<stdin>", request.text
    else:
        source, text = str(request.template), read_template_file(request.template)
    result = patch_policies(
        text,
        deletion_policy=request.deletion_policy,
        update_replace_policy=request.update_replace_policy,
        types=request.types or None,
        logical_ids=request.logical_ids or None,
        source=source,
    )
    destination = request.destination
    if destination is not None and not (request.in_place and result.text == text):
        workspace.write(destination, result.text)  # an unchanged file keeps its mtime
    _narrate(report, result, destination)
    return PatchFileResult(result, destination, request.in_place)


def _narrate(report: Reporter, result: PatchResult, destination: Path | None) -> None:
    where = str(destination) if destination is not None else "stdout"
    for skip in result.skipped:
        if skip.reason not in ("not selected",) and not skip.reason.startswith("already "):
            report.warn(f"{skip.logical_id} ({skip.type}): {skip.attribute or 'resource'} {skip.reason}")
    if not result.changed:
        report.info(f"no changes: the selected resources already have these policies ({where})")
        return
    report.info(
        f"{result.source}: {len(result.changed)} policy change(s) on {result.resources_changed} resource(s)"
        f" -> {where}"
    )

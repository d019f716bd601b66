"""The patch step: set DeletionPolicy / UpdateReplacePolicy on a template's resources, changing only the
policy lines, and write the result (atomically) to another file, over the template, or nowhere (the caller
prints result.text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacgen.core import stateful
from iacgen.core.errors import UsageError
from iacgen.core.policies import DELETION_POLICY
from iacgen.core.reporter import NullReporter, Reporter
from iacgen.core.secrets import SecretsPatch, replace_secrets
from iacgen.core.stateful import AtRisk
from iacgen.core.template import load_template, read_template_file
from iacgen.core.template_edits import PatchResult, patch_policies
from iacgen.core.vpc_defaults import template_vpc_defaults
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
    allow_delete_policy: bool = False  # DeletionPolicy Delete on stateful types (stateful.STATEFUL_TYPES)
    secrets: bool = False  # replace literal secrets with NoEcho parameters (secrets.replace_secrets)

    @property
    def destination(self) -> Path | None:
        return self.template if self.in_place else self.out


@dataclass
class PatchFileResult:
    patch: PatchResult
    destination: Path | None  # None: the caller has the text to print
    in_place: bool
    secrets: SecretsPatch | None = None
    at_risk: list[AtRisk] = field(default_factory=list)
    vpc_defaults: list[tuple[str, str]] = field(default_factory=list)  # (logical id, why) set to Delete

    @property
    def text(self) -> str:
        return self.patch.text

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.patch.to_dict(),
            "out": str(self.destination),
            "in_place": self.in_place,
            "secrets": self.secrets.to_dict() if self.secrets else None,
            "at_risk": [r.to_dict() for r in self.at_risk],
            "vpc_defaults": [{"logical_id": lid, "why": why} for lid, why in self.vpc_defaults],
        }


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
    original = text
    secrets_patch = replace_secrets(load_template(text, source)) if request.secrets else None
    if secrets_patch is not None:
        text = secrets_patch.text
    if request.deletion_policy is None and request.update_replace_policy is None:
        result = PatchResult(text=text, source=source)
    else:
        result = patch_policies(
            text,
            deletion_policy=request.deletion_policy,
            update_replace_policy=request.update_replace_policy,
            types=request.types or None,
            logical_ids=request.logical_ids or None,
            source=source,
        )
    deleted = [c for c in result.changed if c.attribute == DELETION_POLICY and c.new == "Delete"]
    risks = stateful.at_risk((c.logical_id, c.type, None) for c in deleted)
    if risks and not request.allow_delete_policy:
        raise UsageError(
            f"DeletionPolicy Delete on {len(risks)} stateful resource(s) would let a stack deletion destroy "
            f"{stateful.summary(risks)}",
            "{opt:allow_delete_policy} accepts that; or leave them Retain (narrow it with {opt:type} or "
            "{opt:resource}); nothing was written",
        )
    defaults = _vpc_defaults_set_to_delete(result, {c.logical_id for c in deleted})
    text = original
    destination = request.destination
    if destination is not None and not (request.in_place and result.text == text):
        workspace.write(destination, result.text)  # an unchanged file keeps its mtime
    if request.deletion_policy is not None or request.update_replace_policy is not None:
        _narrate(report, result, destination)
    if secrets_patch is not None:
        _narrate_secrets(report, secrets_patch)
    if risks:
        report.warn(
            f"DeletionPolicy Delete on {len(risks)} stateful resource(s): deleting the stack would destroy "
            f"{stateful.summary(risks)}"
        )
    for lid, why in defaults:
        report.warn(
            f"{lid} is {why}: EC2 deletes it only with its VPC, so with Delete a stack deletion fails on it; "
            "keep it Retain (iacgen patch --resource " + lid + " --deletion-policy Retain)"
        )
    return PatchFileResult(result, destination, request.in_place, secrets_patch, risks, defaults)


def _vpc_defaults_set_to_delete(result: PatchResult, logical_ids: set[str]) -> list[tuple[str, str]]:
    """VPC defaults among the resources just set to Delete, as far as the template shows them."""
    if not logical_ids:
        return []
    marked = template_vpc_defaults(load_template(result.text, result.source))
    return [(lid, why) for lid, why in marked if lid in logical_ids]


def _narrate_secrets(report: Reporter, patch: SecretsPatch) -> None:
    for finding, why in patch.skipped:
        report.warn(f"{finding.logical_id} {finding.where}: a literal secret left as written: {why}")
    if not patch.replaced:
        report.info("no literal secrets to replace")
        return
    names = ", ".join(f.parameter for f in patch.replaced)
    report.info(
        f"replaced {len(patch.replaced)} literal secret(s) with NoEcho parameters ({names}); give their "
        "values at import: --parameter NAME=VALUE (from your secret store)"
    )


def _narrate(report: Reporter, result: PatchResult, destination: Path | None) -> None:
    where = str(destination) if destination is not None else "stdout"
    for skip in result.skipped:
        if skip.reason not in ("not selected",) and not skip.reason.startswith("already "):
            report.warn(f"{skip.logical_id} ({skip.type}): {skip.attribute or 'resource'} {skip.reason}")
    for note in result.pinned:
        report.info(note)
    if not result.changed:
        report.info(f"no changes: the selected resources already have these policies ({where})")
        return
    report.info(
        f"{result.source}: {len(result.changed)} policy change(s) on {result.resources_changed} resource(s)"
        f" -> {where}"
    )

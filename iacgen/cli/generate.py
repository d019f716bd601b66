"""`iacgen generate` and `iacgen warnings`: thin commands over iacgen.core.selection and .generation."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from iacgen.cli.context import app_context
from iacgen.core.policies import GeneratorPolicy

if TYPE_CHECKING:
    from rich.console import RenderableType

    from iacgen.cli.render import Output
    from iacgen.core.generation import FailedResource, GeneratedTemplate
    from iacgen.core.scans import ScannedResource
    from iacgen.core.selection import Added, Closure, SelectionPlan
    from iacgen.core.template_warnings import ResourceWarnings
    from iacgen.core.workflow import GenerateResult, WarningsResult
    from iacgen.core.workflow.generate_set import GenerateSetResult

SCREENFUL = 40  # rows of one kind beyond which a table shows counts by type instead (the JSON keeps all)
VIA_SHOWN = 2  # selected resources named per "pulled in by" cell; the JSON has them all


class Format(StrEnum):
    yaml = "yaml"
    json = "json"


def _ident(identifier: dict[str, str]) -> str:
    return "|".join(str(v) for v in identifier.values())


def _via(added: Added) -> str:
    labels = [p.label for p in added.pulled_in_by]
    shown = ", ".join(labels[:VIA_SHOWN]) + (
        f" +{len(labels) - VIA_SHOWN} more" if len(labels) > VIA_SHOWN else ""
    )
    return f"depth {added.depth} via {shown}" + ("" if added.exact else " (batched)")


def _selection_rows(closure: Closure, logical: dict[tuple[str, str], str]) -> list[tuple[str, str, str, str]]:
    """(logical id, type, identifier, why) for every resource the selection chose, added or left out; a kind
    of row with more than a screenful (SCREENFUL) is summarised as one row per type."""
    from iacgen.core.scans import plural

    def row(r: ScannedResource, why: str) -> tuple[str, str, str, str]:
        return (logical.get((r.type, r.label), "-"), r.type, r.label, why)

    kinds: list[tuple[str, list[tuple[ScannedResource, str]]]] = [
        ("selected", [(r, "selected") for r in closure.selected]),
        *(
            (f"added by --related at depth {depth}", [(a.resource, _via(a)) for a in added])
            for depth, added in _by_depth(closure.added)
        ),
        ("left out: owned by a stack", [(r, "left out: owned by a stack") for r in closure.skipped_managed]),
        ("left out: --exclude", [(r, "left out: --exclude") for r in closure.skipped_excluded]),
    ]
    rows: list[tuple[str, str, str, str]] = []
    for kind, members in kinds:
        if len(members) <= SCREENFUL:
            rows.extend(row(r, why) for r, why in members)
            continue
        counts = Counter(r.type for r, _ in members)
        rows.extend(
            ("-", type_name, plural(n, "resource"), f"{kind} (one row per type; --output json lists each)")
            for type_name, n in sorted(counts.items())
        )
    return rows


def _by_depth(added: list[Added]) -> list[tuple[int, list[Added]]]:
    groups: dict[int, list[Added]] = {}
    for a in added:
        groups.setdefault(a.depth, []).append(a)
    return sorted(groups.items())


def _selection_table(title: str, rows: list[tuple[str, str, str, str]], width: int) -> RenderableType:
    from iacgen.cli.tables import table

    caption = "Why: selected by --select, or added by --related at that depth via the selected resource(s)"
    return table(title, ("Logical id", "Type", "Identifier", "Why"), rows, width, caption)


def _result_tables(
    plan: SelectionPlan, gt: GeneratedTemplate, paths: dict[str, str], width: int
) -> RenderableType:
    from rich.console import Group
    from rich.table import Table

    from iacgen.core.scans import plural

    logical = {(r["type"], _ident(r["identifier"])): r["logical_id"] for r in gt.resources}
    title = f"{gt.name}: {plural(len(gt.resources), 'resource')} ({gt.action})"
    parts: list[RenderableType] = [_selection_table(title, _selection_rows(plan.closure, logical), width)]
    if gt.warnings:
        parts.append(_warnings_summary(gt, width))
    files = Table.grid(padding=(0, 2))
    files.add_row("template", paths["template_path"])
    files.add_row("resources to import", paths["resources_path"])
    kept = gt.vpc_defaults.logical_ids if gt.vpc_defaults is not None else []
    files.add_row(
        "policies",
        f"DeletionPolicy {gt.configuration.get('DeletionPolicy')}"
        + (f" (Retain on the VPC defaults: {', '.join(kept)})" if kept else "")
        + f", UpdateReplacePolicy {gt.configuration.get('UpdateReplacePolicy')}",
    )
    parts.append(files)
    return Group(*parts)


def _warnings_summary(gt: GeneratedTemplate, width: int) -> RenderableType:
    """Counts by warning type, in the same words as `iacgen warnings`, which has the detail."""
    from iacgen.cli.tables import Column, table
    from iacgen.core.template_warnings import FIX_MEANING, WarningCounts, advice_for

    counts = WarningCounts.of(gt.warnings)
    rows = [
        (kind, str(n["resources"]), str(n["properties"]), FIX_MEANING[advice_for(kind, False)[0]])
        for kind, n in counts.by_type.items()
    ]
    columns = ("Warning", Column("Resources", "right"), Column("Properties", "right"), "Meaning")
    return table(f"{counts.sentence()}; details: iacgen warnings {gt.name}", columns, rows, width)


def _warnings_tables(warnings: list[ResourceWarnings], title: str, width: int) -> RenderableType:
    """One small table per resource (its logical id, type and identifier as the title), one row per property;
    what to do is said once per warning type, at the end. Reads the same in 60 columns and in a CI log."""
    from rich.console import Group
    from rich.text import Text

    from iacgen.cli.tables import table

    parts: list[RenderableType] = [Text(title, style="bold")]
    advice: dict[str, str] = {}
    for res in warnings:
        rows = []
        previous = None
        for w in res.warnings:
            prop = (w.property_path or "-") + (" (required)" if w.required else "")
            rows.append((w.type if w.type != previous else "", prop, w.description or ""))
            previous = w.type
            advice.setdefault(w.type + (" (required)" if w.required else ""), w.advice)
        heading = f"{res.logical_id}  {res.resource_type}  {_ident(res.identifier)}"
        parts.append(table(heading, ("Warning", "Property", "Description"), rows, width))
    if advice:
        parts.append(table("What to do", ("Warning", "What to do"), list(advice.items()), width))
    return Group(*parts)


def _failed_table(failed: list[FailedResource], width: int) -> RenderableType:
    from iacgen.cli.tables import table

    rows = [(f.logical_id or "", f.resource_type, _ident(f.identifier), f.reason) for f in failed]
    return table("Failed resources", ("Logical id", "Type", "Identifier", "Reason"), rows, width)


def render_generate(output: Output, result: GenerateResult | GenerateSetResult) -> None:
    from iacgen.core.workflow.generate_set import GenerateSetResult

    if isinstance(result, GenerateSetResult):
        output.emit(result, lambda: _set_tables(result, output.out.width))
        return
    paths = {"template_path": str(result.template_path), "resources_path": str(result.resources_path)}
    output.emit(result, lambda: _result_tables(result.selection, result.template, paths, output.out.width))


def _set_tables(result: GenerateSetResult, width: int) -> RenderableType:
    """The selection (summarised by type where long), then one row per template of the set, then the
    references that cross two templates, counted per pair (the JSON lists each)."""
    from collections import Counter

    from rich.console import Group
    from rich.table import Table

    from iacgen.core.scans import plural

    logical = {
        (r["type"], _ident(r["identifier"])): r["logical_id"]
        for p in result.parts
        for r in p.template.resources
    }
    total = sum(len(p.template.resources) for p in result.parts)
    title = f"{result.name}: {plural(total, 'resource')} in {plural(len(result.parts), 'template')}"
    parts: list[RenderableType] = [
        _selection_table(title, _selection_rows(result.selection.closure, logical), width)
    ]
    table = Table(title=f"{result.name}: the set, in import order (iacgen import --stack {result.name})")
    for col in ("Template", "Resources", "Warnings", "File", "Resources to import"):
        table.add_column(
            col, overflow="fold", justify="right" if col in ("Resources", "Warnings") else "left"
        )
    for p in result.parts:
        table.add_row(
            p.name,
            str(len(p.template.resources)),
            str(p.template.total_warnings),
            str(p.template_path),
            str(p.resources_path),
        )
    parts.append(table)
    pairs = Counter((r.part, r.target_part) for r in result.literal_references)
    if pairs:
        names = {p.number: p.name for p in result.parts}
        crossing = Table(
            title="Literal references to another template's resources (--output json lists each; after the "
            "import, export them as Outputs and use Fn::ImportValue)"
        )
        crossing.add_column("In template")
        crossing.add_column("Names a resource of")
        crossing.add_column("References", justify="right")
        for (src, dst), n in sorted(pairs.items()):
            crossing.add_row(names[src], names[dst], str(n))
        parts.append(crossing)
    return Group(*parts)


def render_warnings(output: Output, result: WarningsResult) -> None:
    output.emit(
        result,
        lambda: _warnings_tables(
            result.resources, f"{result.name}: {result.counts.sentence()}", output.out.width
        ),
    )
    if result.secrets and not output.json:
        output.out.print(_secrets_table(result))


def _secrets_table(result: WarningsResult) -> RenderableType:
    """Literal secrets in the template file: where, and why it looks like one; never the value."""
    from rich.markup import escape
    from rich.table import Table

    secrets = result.secrets or []
    table = Table(
        title=f"{len(secrets)} literal secret(s) in {result.template_path}; "
        "iacgen patch --secrets makes them NoEcho parameters",
        title_justify="left",
    )
    for column in ("Logical id", "Where", "Why", "Length"):
        table.add_column(column)
    for f in secrets:
        table.add_row(escape(f.logical_id), escape(f.where), escape(f.why), str(f.length))
    return table


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate(
        ctx: typer.Context,
        name: str = typer.Argument(
            ...,
            metavar="NAME",
            help="Name of the generated template (1-128 characters, unique in the Region).",
        ),
        select: list[str] = typer.Option(
            [],
            "--select",
            "-s",
            metavar="EXPR",
            help="What to adopt: comma-separated terms that must all match (type=AWS::EC2::Instance, "
            "type=AWS::EC2::*, tag:KEY=VALUE, tag:KEY, id=VALUE). Repeat for an OR.",
        ),
        exclude: list[str] = typer.Option(
            [],
            "--exclude",
            "-x",
            metavar="EXPR",
            help="Leave out what this expression matches, even when --related reaches it (repeatable).",
        ),
        related: bool | None = typer.Option(
            None,
            "--related/--no-related",
            help="Add the resources the selection depends on or that depend on it, to a fixed point; "
            "resources owned by a stack are left out.",
        ),
        related_depth: int | None = typer.Option(
            None,
            "--related-depth",
            metavar="N",
            min=0,
            help="Stop --related after N rounds (implies --related).",
        ),
        deletion_policy: GeneratorPolicy = typer.Option(
            GeneratorPolicy.RETAIN,
            "--deletion-policy",
            metavar="DELETE|RETAIN",
            case_sensitive=False,
            help="DeletionPolicy the generator puts on every resource (patch can change it per resource "
            "later). With DELETE, the VPC's main route table, default security group, default network ACL "
            "and subnet associations with that ACL get Retain: EC2 deletes them only with their VPC, so "
            "Delete would make a stack deletion fail (EC2 Describe calls; see --no-retain-vpc-defaults).",
        ),
        update_replace_policy: GeneratorPolicy = typer.Option(
            GeneratorPolicy.RETAIN,
            "--update-replace-policy",
            metavar="DELETE|RETAIN",
            case_sensitive=False,
            help="UpdateReplacePolicy the generator puts on every resource.",
        ),
        allow_delete_policy: bool = typer.Option(
            False,
            "--allow-delete-policy",
            help="Allow --deletion-policy DELETE on stateful types (buckets, tables, databases, volumes, "
            "keys, log groups, queues, secrets, ...); without it such a selection is refused.",
        ),
        retain_vpc_defaults: bool = typer.Option(
            True,
            "--retain-vpc-defaults/--no-retain-vpc-defaults",
            help="With --deletion-policy DELETE, give the VPC defaults in the template DeletionPolicy Retain "
            "(default). --no-retain-vpc-defaults keeps Delete on them too, and makes no EC2 call.",
        ),
        fmt: Format = typer.Option(
            Format.yaml, "--format", metavar="yaml|json", case_sensitive=False, help="Template format."
        ),
        out: Path | None = typer.Option(
            None,
            "--out",
            metavar="PATH",
            help="Where to write the template (default NAME.yaml or NAME.json); NAME.resources.json goes "
            "beside it.",
        ),
        update: bool = typer.Option(
            False, "--update", help="Update an existing generated template of this name to this selection."
        ),
        force: bool = typer.Option(
            False, "--force", help="Overwrite the template file even if it was changed since it was written."
        ),
        scan_id: str | None = typer.Option(
            None,
            "--scan-id",
            metavar="ID",
            help="The scan to select from: its ARN or short id (default: the last scan used here).",
        ),
        timeout: float = typer.Option(
            1800.0, "--timeout", metavar="SECONDS", min=1, help="How long to wait for the generation."
        ),
        max_resources: int = typer.Option(
            500,
            "--max-resources",
            metavar="N",
            min=1,
            max=500,
            help="Resources per generated template (the service's limit, 500, by default): a larger "
            "selection becomes templates NAME-1, NAME-2, ... split along the relations between resources.",
        ),
    ) -> None:
        """Generate a template from scanned resources.

        Select scanned resources (and related ones), generate a template of them, and write it with the
        list of resources to import.

        Re-running the same command after an interruption picks the generation up where it is."""
        from iacgen.core import generation, workflow

        app_ctx = app_context(ctx)
        output = app_ctx.output
        request = workflow.GenerateRequest(
            name=name,
            select=select,
            exclude=exclude,
            related=related,
            related_depth=related_depth,
            deletion_policy=deletion_policy,
            update_replace_policy=update_replace_policy,
            retain_vpc_defaults=retain_vpc_defaults,
            allow_delete_policy=allow_delete_policy,
            format=fmt.value,
            out=out,
            update=update,
            force=force,
            scan_id=scan_id,
            timeout=timeout,
            template_limit=max_resources,
        )
        try:
            with app_ctx.reporter() as reporter:
                result = workflow.generate(app_ctx.workspace, app_ctx.aws, request, reporter)
        except generation.GenerationFailed as exc:
            if not output.json:
                output.err.print(_failed_table(exc.failed, output.err.width))
            raise
        render_generate(output, result)

    @app.command("warnings")
    def warnings(
        ctx: typer.Context,
        name: str | None = typer.Argument(
            None, metavar="NAME", help="Generated template name or ARN (default: the last generated here)."
        ),
        fail_on: list[str] = typer.Option(
            [],
            "--fail-on",
            metavar="TYPE[,TYPE]",
            help="Exit 1 if any warning of these types is present, e.g. UNSUPPORTED_PROPERTIES (repeatable).",
        ),
    ) -> None:
        """Show a generated template's warnings.

        The property-level warnings of a generated template, grouped by resource, with what to do about
        each type: a parameter to fill, a property that was dropped, a type that became a string."""
        from iacgen.core import workflow

        app_ctx = app_context(ctx)
        result = workflow.warnings(app_ctx.workspace, app_ctx.aws, name, fail_on)
        render_warnings(app_ctx.output, result)
        failure = result.failure()
        if failure is not None:
            raise failure

"""`iacgen generate` and `iacgen warnings`: thin commands over iacgen.core.selection and .generation."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iacgen.cli.context import app_context

if TYPE_CHECKING:
    from rich.console import RenderableType

    from iacgen.cli.render import Output
    from iacgen.core.generation import FailedResource, GeneratedTemplate, ResourceWarnings
    from iacgen.core.scans import ScannedResource
    from iacgen.core.selection import Added, Closure, SelectionPlan

VIA_SHOWN = 2  # selected resources named per "pulled in by" cell; the JSON has them all
WHY_MIN = 30  # the narrowest "Why" column worth a one-row-per-resource layout


class Policy(StrEnum):
    DELETE = "DELETE"
    RETAIN = "RETAIN"


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
    """(logical id, type, identifier, why) for every resource the selection chose, added or left out."""

    def row(r: ScannedResource, why: str) -> tuple[str, str, str, str]:
        return (logical.get((r.type, r.label), "-"), r.type, r.label, why)

    return [
        *(row(r, "selected") for r in closure.selected),
        *(row(a.resource, _via(a)) for a in closure.added),
        *(row(r, "left out: owned by a stack") for r in closure.skipped_managed),
        *(row(r, "left out: --exclude") for r in closure.skipped_excluded),
    ]


def _selection_table(title: str, rows: list[tuple[str, str, str, str]], width: int) -> RenderableType:
    """Four columns where they fit (a wide terminal, a CI log); in 80 columns, two, each cell two lines,
    so that type names and ids are never cut in the middle."""
    from rich.table import Table

    caption = "Why: selected by --select, or added by --related at that depth via the selected resource(s)"
    fixed = [
        max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(("Logical id", "Type", "Identifier"))
    ]
    if width >= sum(fixed) + WHY_MIN + 13:  # 13: borders and padding of four columns
        table = Table(title=title, caption=caption)
        for col in ("Logical id", "Type", "Identifier"):
            table.add_column(col, no_wrap=True)  # names and ids are never broken
        table.add_column("Why", overflow="fold", ratio=1)
        for values in rows:
            table.add_row(*values)
        return table
    table = Table(title=title, caption=caption, show_lines=True)
    table.add_column("Logical id / type", overflow="fold")
    table.add_column("Identifier / why", overflow="fold")
    for logical_id, kind, ident, why in rows:
        table.add_row(f"{logical_id}\n{kind}", f"{ident}\n{why}")
    return table


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
        parts.append(_warnings_summary(gt))
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


def _warnings_summary(gt: GeneratedTemplate) -> RenderableType:
    """Counts by warning type, in the same words as `iacgen warnings`, which has the detail."""
    from rich.table import Table

    from iacgen.core.generation import FIX_MEANING, WarningCounts, advice_for

    counts = WarningCounts.of(gt.warnings)
    table = Table(title=f"{counts.sentence()}; details: iacgen warnings {gt.name}")
    table.add_column("Warning", no_wrap=True)
    table.add_column("Resources", justify="right")
    table.add_column("Properties", justify="right")
    table.add_column("Meaning", overflow="fold")
    for kind, n in counts.by_type.items():
        table.add_row(
            kind, str(n["resources"]), str(n["properties"]), FIX_MEANING[advice_for(kind, False)[0]]
        )
    return table


def _warnings_tables(warnings: list[ResourceWarnings], title: str) -> RenderableType:
    """One small table per resource (its logical id, type and identifier as the title), one row per property;
    what to do is said once per warning type, at the end. Reads the same in 80 columns and in a CI log."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    parts: list[RenderableType] = [Text(title, style="bold")]
    advice: dict[str, str] = {}
    for res in warnings:
        table = Table(
            title=escape(f"{res.logical_id}  {res.resource_type}  {_ident(res.identifier)}"),
            title_justify="left",
        )
        table.add_column("Warning", overflow="fold")
        table.add_column("Property", overflow="fold")
        table.add_column("Description", overflow="fold", ratio=1)
        previous = None
        for w in res.warnings:
            prop = (w.property_path or "-") + (" (required)" if w.required else "")
            table.add_row(w.type if w.type != previous else "", escape(prop), escape(w.description or ""))
            previous = w.type
            advice.setdefault(w.type + (" (required)" if w.required else ""), w.advice)
        parts.append(table)
    todo = Table(title="What to do", title_justify="left")
    todo.add_column("Warning", overflow="fold")
    todo.add_column("What to do", overflow="fold", ratio=1)
    for kind, what in advice.items():
        todo.add_row(kind, what)
    if advice:
        parts.append(todo)
    return Group(*parts)


def _failed_table(failed: list[FailedResource]) -> RenderableType:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Failed resources")
    for col in ("Logical id", "Type", "Identifier", "Reason"):
        table.add_column(col, overflow="fold")
    for f in failed:
        table.add_row(f.logical_id or "", f.resource_type, escape(_ident(f.identifier)), escape(f.reason))
    return table


def _narrate_selection(output: Output, plan: SelectionPlan, related: bool, depth: int | None) -> None:
    from iacgen.core.scans import plural, short_id

    closure = plan.closure
    output.info(f"selected {plural(len(closure.selected), 'resource')} from scan {short_id(plan.scan_id)}")
    if related:
        stopped = "" if closure.fixed_point else f"; stopped by --related-depth {depth} before a fixed point"
        output.info(
            f"--related added {plural(len(closure.added), 'resource')} in {plural(closure.rounds, 'round')} "
            f"({plural(closure.calls, 'call')}){stopped}"
        )
    left_out = len(closure.skipped_managed) + len(closure.skipped_excluded)
    if left_out:
        output.info(
            f"left out {plural(left_out, 'related resource')}: "
            f"{len(closure.skipped_managed)} owned by a stack, {len(closure.skipped_excluded)} by --exclude"
        )


def _narrate_defaults(output: Output, gt: GeneratedTemplate) -> None:
    """One line: which resources keep Retain and why, or why none could be checked."""
    from iacgen.core.scans import plural

    found = gt.vpc_defaults
    if found is None:
        return
    if found.note:
        output.warn(found.note)
    if found.found:
        output.info(
            f"DeletionPolicy Retain on {plural(len(found.found), 'VPC default')} "
            f"({', '.join(found.logical_ids)}): EC2 deletes them only with their VPC, so Delete would make "
            "a stack deletion fail; --no-retain-vpc-defaults keeps Delete"
        )


_SUBMITTED = {
    "created": "creating generated template {name}",
    "updated": "updating generated template {name}",
    "resumed": "generated template {name} already has exactly these resources and policies; picking it up",
}


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
        related: bool = typer.Option(
            False,
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
        deletion_policy: Policy = typer.Option(
            Policy.RETAIN,
            "--deletion-policy",
            metavar="DELETE|RETAIN",
            case_sensitive=False,
            help="DeletionPolicy the generator puts on every resource (patch can change it per resource "
            "later). With DELETE, the VPC's main route table, default security group, default network ACL "
            "and subnet associations with that ACL get Retain: EC2 deletes them only with their VPC, so "
            "Delete would make a stack deletion fail (EC2 Describe calls; see --no-retain-vpc-defaults).",
        ),
        update_replace_policy: Policy = typer.Option(
            Policy.RETAIN,
            "--update-replace-policy",
            metavar="DELETE|RETAIN",
            case_sensitive=False,
            help="UpdateReplacePolicy the generator puts on every resource.",
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
    ) -> None:
        """Select scanned resources (and related ones), generate a template of them, and write it with the
        list of resources to import.

        Re-running the same command after an interruption picks the generation up where it is."""
        from iacgen.core import generation, scans, selection
        from iacgen.core.errors import UsageError
        from iacgen.core.files import write_atomic
        from iacgen.core.plan import TemplateRecord, check_overwrite, sha256_of

        app_ctx = app_context(ctx)
        output, aws = app_ctx.output, app_ctx.aws
        template_path = out or Path(f"{name}.{fmt.value}")
        resources_path = template_path.with_name(f"{name}.resources.json")
        for expr in [*select, *exclude]:
            selection.parse_select(expr)  # bad input is exit 2 before any AWS call
        if not 1 <= len(name) <= 128:
            raise UsageError(f"template name must be 1-128 characters, got {len(name)}", None)
        state = app_ctx.load_state()
        check_overwrite(template_path, state.templates.get(name), force)
        scan = scans.resolve_scan(aws, scan_id, state.scan_id)
        related = related or related_depth is not None
        plan = selection.plan_selection(
            aws, scan.scan_id, select, exclude, related=related, depth=related_depth
        )
        _narrate_selection(output, plan, related, related_depth)
        total = len(plan.resources)
        with output.progress() as bar:
            task = bar.add_task(f"generating {name}", total=total)

            def on_progress(p: generation.TemplateProgress) -> None:
                bar.update(
                    task,
                    completed=p.succeeded + p.failed,
                    total=p.total or total,
                    description=f"generating {name}: {p.succeeded} done, {p.pending + p.processing} pending, "
                    f"{p.failed} failed",
                )

            try:
                gt = generation.generate(
                    aws,
                    name,
                    plan.resources,
                    deletion_policy=deletion_policy.value,
                    update_replace_policy=update_replace_policy.value,
                    update=update,
                    timeout=timeout,
                    on_progress=on_progress,
                    on_submitted=lambda _id, action: output.info(_SUBMITTED[action].format(name=name)),
                    fmt=fmt.value.upper(),
                    keep_vpc_defaults=retain_vpc_defaults,
                )
            except generation.GenerationFailed as exc:
                bar.stop()
                if not output.json:
                    output.err.print(_failed_table(exc.failed))
                raise
        write_atomic(template_path, gt.body if gt.body.endswith("\n") else gt.body + "\n")
        write_atomic(resources_path, json.dumps(gt.resources_to_import, indent=2) + "\n")
        state.templates[name] = TemplateRecord(
            name=name,
            generated_template_id=gt.template_id,
            template_path=str(template_path),
            resources_path=str(resources_path),
            template_sha256=sha256_of(template_path),
        )
        state.last_template, state.scan_id, state.region = name, scan.scan_id, aws.region
        app_ctx.save_state(state)
        _narrate_defaults(output, gt)
        counts = generation.WarningCounts.of(gt.warnings)
        output.info(
            f"wrote {template_path} and {resources_path} "
            f"({scans.plural(len(gt.resources_to_import), 'resource')} to import)"
        )
        if counts.warnings:
            output.info(f"{counts.sentence()}; details: iacgen warnings {name}")
        paths = {"template_path": str(template_path), "resources_path": str(resources_path)}
        data: dict[str, Any] = {**paths, "template": gt.to_dict(), "selection": plan.to_dict()}
        output.emit(data, lambda: _result_tables(plan, gt, paths, output.out.width))

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
        """The property-level warnings of a generated template, grouped by resource, with what to do about
        each type: a parameter to fill, a property that was dropped, a type that became a string."""
        from iacgen.core import generation
        from iacgen.core.errors import UsageError

        wanted = generation.parse_fail_on(fail_on)
        app_ctx = app_context(ctx)
        if name is None:
            name = app_ctx.load_state().last_template
            if name is None:
                raise UsageError(
                    "no template name given and none generated yet", "run: iacgen generate NAME ..."
                )
        found = generation.get_warnings(app_ctx.aws, name)
        counts = generation.WarningCounts.of(found)
        app_ctx.output.emit(
            {
                "name": name,
                "total": counts.warnings,
                "properties": counts.properties,
                "counts": counts.to_dict(),
                "resources": [r.to_dict() for r in found],
            },
            lambda: _warnings_tables(found, f"{name}: {counts.sentence()}"),
        )
        generation.check_fail_on(found, wanted)

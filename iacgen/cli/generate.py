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

    from iacgen.core.generation import FailedResource, GeneratedTemplate, ResourceWarnings
    from iacgen.core.selection import SelectionPlan


class Policy(StrEnum):
    DELETE = "DELETE"
    RETAIN = "RETAIN"


class Format(StrEnum):
    yaml = "yaml"
    json = "json"


def _ident(identifier: dict[str, str]) -> str:
    return "|".join(str(v) for v in identifier.values())


def _result_tables(plan: SelectionPlan, gt: GeneratedTemplate, paths: dict[str, str]) -> RenderableType:
    from rich.console import Group
    from rich.table import Table

    logical = {(r["type"], _ident(r["identifier"])): r["logical_id"] for r in gt.resources}
    table = Table(title=f"{gt.name}: {len(gt.resources)} resources ({gt.action})")
    for col in ("Logical id", "Type", "Identifier", "Why"):
        table.add_column(col, overflow="fold")
    for r in plan.closure.selected:
        table.add_row(logical.get((r.type, r.label), ""), r.type, r.label, "selected")
    for a in plan.closure.added:
        via = ", ".join(p.label for p in a.pulled_in_by)
        why = f"related, depth {a.depth}, via {via}" + ("" if a.exact else " (batched)")
        table.add_row(
            logical.get((a.resource.type, a.resource.label), ""), a.resource.type, a.resource.label, why
        )
    parts: list[RenderableType] = [table]
    if gt.warnings:
        title = f"{gt.total_warnings} warning(s); what to do: iacgen warnings {gt.name}"
        parts.append(_warnings_table(gt.warnings, title, advice=False))
    files = Table.grid(padding=(0, 2))
    files.add_row("template", paths["template_path"])
    files.add_row("resources to import", paths["resources_path"])
    files.add_row(
        "policies",
        f"DeletionPolicy {gt.configuration.get('DeletionPolicy')}, "
        f"UpdateReplacePolicy {gt.configuration.get('UpdateReplacePolicy')}",
    )
    parts.append(files)
    return Group(*parts)


def _grouped(res: ResourceWarnings) -> list[tuple[str, str, str]]:
    """(warning type, properties, advice) per warning type of one resource, in the service's order."""
    rows: dict[tuple[str, str], list[str]] = {}
    for w in res.warnings:
        path = (w.property_path or "-") + (" (required)" if w.required else "")
        rows.setdefault((w.type, w.advice), []).append(path)
    return [(kind, ", ".join(props), advice) for (kind, advice), props in rows.items()]


def _warnings_table(warnings: list[ResourceWarnings], title: str, advice: bool = True) -> RenderableType:
    from rich.table import Table

    table = Table(title=title, show_lines=advice)
    for col in ("Logical id", "Type", "Warning", "Properties", *(["What to do"] if advice else [])):
        table.add_column(col, overflow="fold")
    for res in warnings:
        for i, (kind, props, what) in enumerate(_grouped(res)):
            first = i == 0
            row = [res.logical_id if first else "", res.resource_type if first else "", kind, props]
            table.add_row(*row, *([what] if advice else []))
    return table


def _failed_table(failed: list[FailedResource]) -> RenderableType:
    from rich.table import Table

    table = Table(title="Failed resources")
    for col in ("Logical id", "Type", "Identifier", "Reason"):
        table.add_column(col, overflow="fold")
    for f in failed:
        table.add_row(f.logical_id or "", f.resource_type, _ident(f.identifier), f.reason)
    return table


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="Name of the generated template (1-128 characters)."),
        select: list[str] = typer.Option(
            [],
            "--select",
            "-s",
            help="Selection expression (repeatable = OR), e.g. type=AWS::EC2::*,tag:team=web",
        ),
        exclude: list[str] = typer.Option([], "--exclude", "-x", help="Remove what this expression matches."),
        related: bool = typer.Option(False, "--related/--no-related", help="Add related resources."),
        related_depth: int | None = typer.Option(
            None, "--related-depth", min=0, help="Rounds of related resources (implies --related)."
        ),
        deletion_policy: Policy = typer.Option(Policy.RETAIN, "--deletion-policy", case_sensitive=False),
        update_replace_policy: Policy = typer.Option(
            Policy.RETAIN, "--update-replace-policy", case_sensitive=False
        ),
        fmt: Format = typer.Option(Format.yaml, "--format", case_sensitive=False, help="Template format."),
        out: Path | None = typer.Option(None, "--out", help="Template path (default NAME.yaml / NAME.json)."),
        update: bool = typer.Option(False, "--update", help="Update an existing template of this name."),
        force: bool = typer.Option(
            False, "--force", help="Overwrite the template file even if it was changed since it was written."
        ),
        scan_id: str | None = typer.Option(
            None, "--scan-id", help="Scan to select from (default: the last)."
        ),
        timeout: float = typer.Option(1800.0, "--timeout", help="Seconds to wait for the generation."),
    ) -> None:
        """Select resources (and related ones), generate the template, write it and the import list."""
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
        plan = selection.plan_selection(
            aws,
            scan.scan_id,
            select,
            exclude,
            related=related or related_depth is not None,
            depth=related_depth,
        )
        closure = plan.closure
        output.info(f"selected {len(closure.selected)} resource(s) from scan {scan.scan_id}")
        if related or related_depth is not None:
            output.info(
                f"--related added {len(closure.added)} in {closure.rounds} round(s), {closure.calls} call(s)"
                + ("" if closure.fixed_point else " (stopped by --related-depth)")
            )
            for a in closure.added:
                via = ", ".join(p.label for p in a.pulled_in_by)
                output.info(f"  + {a.resource.type} {a.resource.label} (depth {a.depth}, via {via})")
        for r in closure.skipped_managed:
            output.info(f"  - skipped {r.type} {r.label}: owned by a stack")
        with output.progress() as bar:
            task = bar.add_task(f"generating {name}", total=len(closure.resources))

            def on_progress(p: generation.TemplateProgress) -> None:
                bar.update(
                    task,
                    completed=p.succeeded + p.failed,
                    total=p.total or len(closure.resources),
                    description=f"generating {name}: {p.succeeded} done, {p.pending + p.processing} pending, "
                    f"{p.failed} failed",
                )

            try:
                gt = generation.generate(
                    aws,
                    name,
                    closure.resources,
                    deletion_policy=deletion_policy.value,
                    update_replace_policy=update_replace_policy.value,
                    update=update,
                    timeout=timeout,
                    on_progress=on_progress,
                    fmt=fmt.value.upper(),
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
        output.info(f"wrote {template_path} and {resources_path}")
        if gt.total_warnings:
            output.info(f"{gt.total_warnings} warning(s); details: iacgen warnings {name}")
        paths = {"template_path": str(template_path), "resources_path": str(resources_path)}
        data: dict[str, Any] = {**paths, "template": gt.to_dict(), "selection": plan.to_dict()}
        output.emit(data, lambda: _result_tables(plan, gt, paths))

    @app.command("warnings")
    def warnings(
        ctx: typer.Context,
        name: str | None = typer.Argument(
            None, help="Generated template name (default: the last generated)."
        ),
        fail_on: list[str] = typer.Option(
            [], "--fail-on", help="Exit 1 if any warning of these types is present (TYPE[,TYPE])."
        ),
    ) -> None:
        """The property-level warnings of a generated template, grouped by resource, with what to do."""
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
        total = sum(
            len({w.type for w in r.warnings}) for r in found
        )  # WarningDetail entries, as TotalWarnings
        properties = sum(len(r.warnings) for r in found)
        title = f"{name}: {total} warning(s), {properties} propert(ies), on {len(found)} resource(s)"
        app_ctx.output.emit(
            {
                "name": name,
                "total": total,
                "properties": properties,
                "resources": [r.to_dict() for r in found],
            },
            lambda: _warnings_table(found, title),
        )
        generation.check_fail_on(found, wanted)

"""`iacgen import`: preflight, the IMPORT change set, then execute or discard it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import RenderableType

    from iacgen.cli.render import Output
    from iacgen.core.changeset import ChangeSetResult, ExecuteResult
    from iacgen.core.preflight import ImportPlan
    from iacgen.core.stacks import StackEventInfo


def _parse_parameters(items: list[str]) -> dict[str, str]:
    from iacgen.core.errors import UsageError

    parsed: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--parameter {item!r} is not KEY=VALUE", "write it as --parameter KeyName=value"
            )
        parsed[key.strip()] = value
    return parsed


def _plan_lines(plan: ImportPlan) -> list[str]:
    lines: list[str] = []
    where = "a new stack" if plan.new_stack else f"existing stack ({plan.stack_status})"
    derived = [r.logical_id for r in plan.to_import if r.identifier_source == "derived"]
    lines.append(f"preflight: {len(plan.to_import)} resource(s) to import into {plan.stack}, {where}")
    if plan.resources_path:
        lines.append(f"  identifiers from {plan.resources_path}")
    if derived:
        lines.append(f"  identifiers derived from the template's properties: {', '.join(derived)}")
    if plan.deletion_policy_added:
        lines.append(
            f"  DeletionPolicy {plan.deletion_policy} added (in the body sent, not in the file) to "
            f"{len(plan.deletion_policy_added)} resource(s): {', '.join(plan.deletion_policy_added)}"
        )
    if plan.outputs_set_aside:
        lines.append(
            f"  Outputs set aside ({', '.join(plan.outputs_set_aside)}): an import cannot add Outputs; "
            "add them with a stack update after the import"
        )
    if plan.already_in_stack:
        lines.append(f"  already in the stack, not imported again: {', '.join(plan.already_in_stack)}")
    if plan.kept_from_stack:
        lines.append(f"  the stack's other resources are kept unchanged: {', '.join(plan.kept_from_stack)}")
    if plan.parameters:
        shown = plan.to_dict()["parameters"]
        lines.append("  parameters: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    if plan.previous_parameters:
        lines.append(f"  the stack's parameters keep their values: {', '.join(plan.previous_parameters)}")
    if plan.template_url:
        lines.append(f"  body is {plan.body_bytes:,} bytes: uploading to s3://{plan.s3_bucket}/{plan.s3_key}")
    return lines


def _identifier_text(identifier: dict[str, str], fallback: str | None) -> str:
    if len(identifier) == 1:
        return next(iter(identifier.values()))
    return ", ".join(f"{k}={v}" for k, v in identifier.items()) or (fallback or "")


def _table(
    title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]], id_column: int
) -> RenderableType:
    """Ids are never cut: their column is as wide as the longest id, and the other columns fold."""
    from rich.table import Table

    table = Table(title=title)
    for index, column in enumerate(columns):
        if index == id_column:
            table.add_column(column, no_wrap=True, min_width=max((len(r[index]) for r in rows), default=0))
        else:
            table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _changes_table(result: ChangeSetResult) -> RenderableType:
    rows = [
        (c.logical_id, c.type, _identifier_text(c.identifier, c.physical_id), c.action)
        for c in result.changes
    ]
    title = f"Change set {result.change_set_name} ({len(result.changes)} changes)"
    return _table(title, ("Logical id", "Type", "Identifier", "Action"), rows, 2)


def _resources_table(result: ExecuteResult) -> RenderableType:
    rows = [(r.logical_id, r.type, r.physical_id or "", r.status) for r in result.resources]
    title = f"Stack {result.stack}: {result.status}"
    return _table(title, ("Logical id", "Type", "Physical id", "Status"), rows, 2)


def _show_event(output: Output, event: StackEventInfo) -> None:
    from rich.markup import escape

    reason = f": {event.reason}" if event.reason else ""
    output.info(escape(f"  {event.status} {event.logical_id} ({event.type}){reason}"))


def _run(
    ctx: typer.Context,
    *,
    stack: str,
    template: Path | None,
    resources: Path | None,
    parameters: list[str],
    patch_deletion_policy: str | None,
    s3_bucket: str | None,
    dry_run: bool,
    execute_now: bool,
    yes: bool,
    timeout: float,
) -> None:
    from iacgen.cli.context import app_context
    from iacgen.core import changeset, preflight
    from iacgen.core.errors import UsageError

    app = app_context(ctx)
    output = app.output
    if dry_run and execute_now:
        raise UsageError("--dry-run and --execute exclude each other", "pass one of them")
    interactive = not (dry_run or execute_now or yes)
    if interactive and not (sys.stdin is not None and sys.stdin.isatty()):  # None: stdin closed
        raise UsageError(
            "stdin is not a terminal, so there is no one to confirm the import",
            "pass --execute to import, or --dry-run to only review the change set",
        )
    from iacgen.core.plan import import_files, record_import

    state = app.load_state()
    files = import_files(state, template, resources)
    template_path, resources_path = files.template, files.resources
    if files.note:
        output.info(files.note)

    plan = preflight.plan_import(
        app.aws,
        stack=stack,
        template_path=template_path,
        resources_path=resources_path,
        parameters=_parse_parameters(parameters),
        patch_deletion_policy=patch_deletion_policy,
        s3_bucket=s3_bucket,
    )
    for line in _plan_lines(plan):
        output.info(line)
    document: dict[str, Any] = {
        "plan": plan.to_dict(),
        "change_set": None,
        "discarded": None,
        "execution": None,
    }
    if plan.nothing_to_import:
        output.info(f"nothing to import: stack {stack} already holds every resource in {template_path}")
        output.emit(document, None)
        return

    with output.progress() as bar:
        task = bar.add_task("creating the IMPORT change set", total=None)
        result = changeset.create_change_set(
            app.aws,
            plan,
            timeout=timeout,
            on_progress=lambda status: bar.update(task, description=f"change set: {status}"),
        )
    document["change_set"] = result.to_dict()
    if not output.json:
        output.out.print(_changes_table(result))

    go = execute_now or yes
    if interactive:
        try:
            go = typer.confirm(f"Import {len(result.changes)} resource(s) into stack {stack}?", err=True)
        except (typer.Abort, KeyboardInterrupt):
            changeset.discard(app.aws, result)
            raise
    if not go:
        discarded = changeset.discard(app.aws, result)
        document["discarded"] = discarded.to_dict()
        what = "change set deleted" + (", empty stack deleted" if discarded.stack_deleted else "")
        output.info(f"{'dry run' if dry_run else 'not executed'}: {what}; nothing was imported")
        output.emit(document, None)
        return

    output.info(f"executing {result.change_set_name}:")
    executed = changeset.execute(app.aws, result, timeout=timeout, on_event=lambda e: _show_event(output, e))
    document["execution"] = executed.to_dict()
    record_import(state, template_path, stack)
    app.save_state(state)
    output.info(f"stack {stack} is {executed.status}: {len(executed.resources)} resource(s)")
    if plan.outputs_set_aside:
        output.info(
            f"remember the Outputs set aside ({', '.join(plan.outputs_set_aside)}): "
            "add them with a stack update"
        )
    output.emit(document, lambda: _resources_table(executed))


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        ctx: typer.Context,
        stack: str = typer.Option(
            ..., "--stack", metavar="NAME", help="The stack to import into (new or existing)."
        ),
        template: Path | None = typer.Option(
            None, "--template", metavar="PATH", help="The template (default: the last generated one)."
        ),
        resources: Path | None = typer.Option(
            None,
            "--resources",
            metavar="PATH",
            help="ResourcesToImport JSON (default: NAME.resources.json beside the template).",
        ),
        parameter: list[str] = typer.Option(
            [], "--parameter", metavar="KEY=VALUE", help="A template parameter value, KEY=VALUE (repeatable)."
        ),
        patch_deletion_policy: str | None = typer.Option(
            None,
            "--patch-deletion-policy",
            metavar="POLICY",
            help="Add this DeletionPolicy (Retain, Delete, RetainExceptOnCreate, Snapshot) where missing, "
            "in the body sent only.",
        ),
        s3_bucket: str | None = typer.Option(
            None,
            "--s3-bucket",
            metavar="BUCKET",
            help="Upload bodies over 51,200 bytes here and pass a TemplateURL.",
        ),
        dry_run: bool = typer.Option(
            False,
            "--dry-run",
            help="Create and show the change set, then delete it (and an empty new stack).",
        ),
        execute_now: bool = typer.Option(
            False, "--execute", help="Execute the change set and follow the events to IMPORT_COMPLETE."
        ),
        yes: bool = typer.Option(False, "--yes", "-y", help="Execute without asking."),
        timeout: float = typer.Option(
            3600, "--timeout", metavar="SECONDS", help="Seconds to wait for each step."
        ),
    ) -> None:
        """Adopt the template's resources into a stack with an IMPORT change set."""
        _run(
            ctx,
            stack=stack,
            template=template,
            resources=resources,
            parameters=parameter,
            patch_deletion_policy=patch_deletion_policy,
            s3_bucket=s3_bucket,
            dry_run=dry_run,
            execute_now=execute_now,
            yes=yes,
            timeout=timeout,
        )

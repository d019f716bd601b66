"""`iacgen import`: preflight, the IMPORT change set, then execute or discard it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import RenderableType

    from iacgen.cli.render import Output
    from iacgen.core.changeset import ChangeSetResult, ExecuteResult
    from iacgen.core.workflow.importing import ImportResult, ImportSetResult


def _parse_parameters(items: list[str]) -> dict[str, str]:
    from iacgen.core.errors import UsageError
    from iacgen.core.validation import check_parameter_pairs

    pairs: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--parameter {item!r} is not KEY=VALUE", "write it as --parameter KeyName=value"
            )
        pairs.append((key.strip(), value))
    return check_parameter_pairs(pairs)


def _identifier_text(identifier: dict[str, str], fallback: str | None) -> str:
    if len(identifier) == 1:
        return next(iter(identifier.values()))
    return ", ".join(f"{k}={v}" for k, v in identifier.items()) or (fallback or "")


def _changes_table(result: ChangeSetResult, width: int) -> RenderableType:
    from iacgen.cli.tables import table

    rows = [
        (c.logical_id, c.type, _identifier_text(c.identifier, c.physical_id), c.action)
        for c in result.changes
    ]
    title = f"Change set {result.change_set_name} ({len(result.changes)} changes)"
    return table(title, ("Logical id", "Type", "Identifier", "Action"), rows, width)


def _resources_table(result: ExecuteResult, width: int) -> RenderableType:
    from iacgen.cli.tables import table

    rows = [(r.logical_id, r.type, r.physical_id or "", r.status) for r in result.resources]
    title = f"Stack {result.stack}: {result.status}"
    return table(title, ("Logical id", "Type", "Physical id", "Status"), rows, width)


def _run(
    ctx: typer.Context,
    *,
    stack: str,
    template: Path | None,
    resources: Path | None,
    parameters: list[str],
    patch_deletion_policy: str | None,
    allow_delete_policy: bool,
    s3_bucket: str | None,
    create_bucket: bool,
    dry_run: bool,
    execute_now: bool,
    yes: bool,
    timeout: float,
    verify: bool,
) -> None:
    from iacgen.cli.context import app_context
    from iacgen.core import workflow
    from iacgen.core.errors import UsageError

    app = app_context(ctx)
    if dry_run and execute_now:
        raise UsageError("--dry-run and --execute exclude each other", "pass one of them")
    interactive = not (dry_run or execute_now or yes)
    if interactive and not (sys.stdin is not None and sys.stdin.isatty()):  # None: stdin closed
        raise UsageError(
            "stdin is not a terminal, so there is no one to confirm the import",
            "pass --execute to import, or --dry-run to only review the change set",
        )
    if interactive:
        mode = workflow.ImportMode.CONFIRM
    else:
        mode = workflow.ImportMode.EXECUTE if execute_now or yes else workflow.ImportMode.DRY_RUN
    request = workflow.ImportRequest(
        stack=stack,
        template=template,
        resources=resources,
        parameters=_parse_parameters(parameters),
        patch_deletion_policy=patch_deletion_policy,
        allow_delete_policy=allow_delete_policy,
        s3_bucket=s3_bucket,
        create_bucket=create_bucket,
        mode=mode,
        timeout=timeout,
        verify=verify,
    )

    def confirm(result: ChangeSetResult) -> bool:
        return typer.confirm(f"Import {len(result.changes)} resource(s) into stack {stack}?", err=True)

    with app.reporter(change_set_table=lambda r: _changes_table(r, app.output.out.width)) as reporter:
        result = workflow.run_import(app.workspace, app.aws, request, reporter, confirm=confirm)
    render_import(app.output, result)


def _sets_apart(
    render: Callable[[Output, ImportResult], None],
) -> Callable[[Output, ImportResult | ImportSetResult], None]:
    """A generated set's import (several stacks) is rendered as one row per stack; one stack's as before."""

    def dispatch(output: Output, result: ImportResult | ImportSetResult) -> None:
        from iacgen.core.workflow.importing import ImportSetResult

        if isinstance(result, ImportSetResult):
            output.emit(result, lambda: _set_table(result))
        else:
            render(output, result)

    return dispatch


def _set_table(result: ImportSetResult) -> RenderableType:
    from rich.table import Table

    table = Table(title=f"Set {result.name}: {len(result.parts)} stacks")
    for column in ("Stack", "Change sets", "Resources", "Status"):
        table.add_column(column, overflow="fold")
    for name, part in result.parts.items():
        last = part.batches[-1] if part.batches else part
        if last.execution is not None:
            status, count = last.execution.status, str(len(last.execution.resources))
        elif part.plan.nothing_to_import:
            status, count = "already imported", str(len(part.plan.already_in_stack))
        else:
            status, count = "not executed", str(len(part.plan.to_import))
        table.add_row(name, str(1 + len(part.batches)), count, status)
    return table


@_sets_apart
def render_import(output: Output, result: ImportResult) -> None:
    """The JSON document; in a table, the stack's resources once executed (the change set's table was shown
    when it was ready)."""
    executed = result.execution
    output.emit(
        result, (lambda: _resources_table(executed, output.out.width)) if executed is not None else None
    )


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
        allow_delete_policy: bool = typer.Option(
            False,
            "--allow-delete-policy",
            help="Let --patch-deletion-policy Delete reach stateful resources (buckets, queues, ...).",
        ),
        s3_bucket: str | None = typer.Option(
            None,
            "--s3-bucket",
            metavar="BUCKET",
            help="Upload bodies over 51,200 bytes here and pass a TemplateURL.",
        ),
        create_bucket: bool = typer.Option(
            False,
            "--create-bucket",
            help="Without --s3-bucket, put bodies over 51,200 bytes in iacgen's own bucket "
            "(iacgen-templates-ACCOUNT-REGION, private and encrypted; created when first needed).",
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
            3600, "--timeout", metavar="SECONDS", min=1, help="Seconds to wait for each step."
        ),
        verify: bool = typer.Option(
            True,
            "--verify/--no-verify",
            help="After the import, check the physical ids and run drift detection (findings are warnings).",
        ),
    ) -> None:
        """Import the template's resources into a stack.

        Adopts them with an IMPORT change set: preflight, review, then execute on confirmation."""
        _run(
            ctx,
            stack=stack,
            template=template,
            resources=resources,
            parameters=parameter,
            patch_deletion_policy=patch_deletion_policy,
            allow_delete_policy=allow_delete_policy,
            s3_bucket=s3_bucket,
            create_bucket=create_bucket,
            dry_run=dry_run,
            execute_now=execute_now,
            yes=yes,
            timeout=timeout,
            verify=verify,
        )

"""`iacgen scan`, `iacgen scans`, `iacgen resources`: thin commands over iacgen.core.scans."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from iacgen.cli.context import app_context

if TYPE_CHECKING:
    from rich.console import RenderableType

    from iacgen.cli.render import Output
    from iacgen.core.scans import ScanInfo, ScannedResource
    from iacgen.core.workflow import ScanResult

SCAN_ID_HELP = "The scan: its ARN, or the short id `iacgen scans` shows."


def _details(s: ScanInfo) -> str:
    """The one column that says what is specific to this scan: its reason, progress, or what it covered."""
    if s.status == "FAILED":
        return s.status_reason or "no reason given"
    if s.status == "IN_PROGRESS":
        return f"{s.percentage or 0:.0f}% done"
    if s.filter_types:
        return ", ".join(s.filter_types)
    return "all types" if s.scan_type == "FULL" else ""


def _scan_table(scans: list[ScanInfo], width: int) -> RenderableType:
    from iacgen.cli.tables import Column, table
    from iacgen.core.scans import human_age, short_id

    rows = [
        (
            short_id(s.scan_id),
            s.scan_type or "",
            s.status,
            human_age(s.age()),
            str(s.resources_read) if s.resources_read is not None else "",
            _details(s),
        )
        for s in scans
    ]
    columns: list[Column | str] = [
        "Scan",
        "Type",
        "Status",
        Column("Age", "right"),
        Column("Read", "right"),
        "Details",
    ]
    caption = "--scan-id takes the Scan column or the ARN (--output json)"
    return table("Resource scans (newest first)", columns, rows, width, caption)


def _summary_table(
    counts: dict[str, int], managed: dict[str, int], types: list[str], width: int
) -> RenderableType:
    from iacgen.cli.tables import Column, table

    rows = [(t, str(n), str(managed.get(t, 0))) for t, n in counts.items()]
    rows.append(("total", str(sum(counts.values())), str(sum(managed.values()))))
    title = "Scanned resources by type" + (f" ({', '.join(types)})" if types else "")
    return table(
        title, ["Resource type", Column("Found", "right"), Column("Owned by a stack", "right")], rows, width
    )


def _resources_table(scan_id: str, resources: list[ScannedResource], width: int) -> RenderableType:
    from iacgen.cli.tables import table
    from iacgen.core.scans import plural, short_id

    rows = [
        (r.type, ", ".join(f"{k}={v}" for k, v in r.identifier.items()), "yes" if r.managed else "")
        for r in resources
    ]
    title = f"{plural(len(resources), 'resource')} in scan {short_id(scan_id)}"
    return table(title, ["Resource type", "Identifier", "Owned by a stack"], rows, width)


def render_scan(output: Output, result: ScanResult) -> None:
    """The scan step's result: the scan itself while it runs, else what it found by type."""
    if result.resources_by_type is None:
        output.emit(result, lambda: _scan_table([result.outcome.scan], output.out.width))
        return
    counts, managed = result.resources_by_type, result.managed_by_type or {}
    output.emit(result, lambda: _summary_table(counts, managed, result.types, output.out.width))


def register(app: typer.Typer) -> None:
    @app.command("scan")
    def scan(
        ctx: typer.Context,
        types: list[str] = typer.Option(
            [],
            "--type",
            "-t",
            metavar="TYPE",
            help="Scan only this resource type, e.g. AWS::EC2::Instance or AWS::EC2::* (repeatable, at most "
            "100; '*' only at the end). Without it, a full scan.",
        ),
        new: bool = typer.Option(
            False,
            "--new/--reuse",
            help="Start a new scan even if a usable one (COMPLETE, under 30 days old, covering the types) "
            "exists. Scans are rationed: 10 a day.",
        ),
        scan_id: str | None = typer.Option(
            None, "--scan-id", metavar="ID", help=SCAN_ID_HELP + " Waits for it if it is still running."
        ),
        no_wait: bool = typer.Option(
            False, "--no-wait", help="Return once the scan is started; a later `iacgen scan` waits for it."
        ),
        timeout: float = typer.Option(
            3600.0, "--timeout", metavar="SECONDS", min=1, help="How long to wait for the scan to finish."
        ),
    ) -> None:
        """Scan the account, or reuse a recent scan.

        Start a full or partial resource scan, or reuse a recent one, and summarise what it found by type.

        A running scan is joined rather than fought (one runs at a time per account and Region), and its id
        is saved at once: an interrupted wait is resumed by running the command again."""
        from iacgen.core import workflow

        app_ctx = app_context(ctx)
        request = workflow.ScanRequest(
            types=types, new=new, scan_id=scan_id, wait=not no_wait, timeout=timeout
        )
        with app_ctx.reporter() as reporter:
            result = workflow.scan(app_ctx.workspace, app_ctx.aws, request, reporter)
        render_scan(app_ctx.output, result)

    @app.command("scans")
    def list_scans(ctx: typer.Context) -> None:
        """List the resource scans, newest first.

        Full and partial, with status, age and what they read."""
        from iacgen.core import scans

        app_ctx = app_context(ctx)
        found = scans.list_scans(app_ctx.aws, details=True)
        app_ctx.output.emit(
            [s.to_dict() for s in found], lambda: _scan_table(found, app_ctx.output.out.width)
        )

    @app.command("resources")
    def resources(
        ctx: typer.Context,
        type_prefix: str | None = typer.Option(
            None,
            "--type-prefix",
            metavar="PREFIX",
            help="Only types that start with this, e.g. AWS::EC2:: or AWS::EC2::VPC (which also matches "
            "AWS::EC2::VPCGatewayAttachment).",
        ),
        tag_key: str | None = typer.Option(
            None, "--tag-key", metavar="KEY", help="Only resources with this tag."
        ),
        tag_value: str | None = typer.Option(
            None, "--tag-value", metavar="VALUE", help="Only resources whose --tag-key tag has this value."
        ),
        identifier: str | None = typer.Option(
            None, "--identifier", metavar="VALUE", help="Only resources with this identifier value."
        ),
        include_managed: bool = typer.Option(
            False,
            "--include-managed",
            help="Also list resources a stack already owns (they cannot be adopted).",
        ),
        scan_id: str | None = typer.Option(
            None, "--scan-id", metavar="ID", help=SCAN_ID_HELP + " Default: the last scan used here."
        ),
    ) -> None:
        """List what a scan found.

        Filtered by the service; resources a stack owns are left out by default."""
        from iacgen.core import workflow

        app_ctx = app_context(ctx)
        filters = workflow.ResourceFilters(type_prefix, tag_key, tag_value, identifier, include_managed)
        listing = workflow.list_resources(app_ctx.workspace, app_ctx.aws, filters, scan_id)
        app_ctx.output.emit(
            listing, lambda: _resources_table(listing.scan_id, listing.resources, app_ctx.output.out.width)
        )

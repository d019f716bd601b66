"""`iacgen scan`, `iacgen scans`, `iacgen resources`: thin commands over iacgen.core.scans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from iacgen.cli.context import app_context

if TYPE_CHECKING:
    from rich.console import RenderableType

    from iacgen.core.scans import ScanInfo, ScannedResource


def _scan_table(scans: list[ScanInfo]) -> RenderableType:
    from rich.table import Table

    from iacgen.core.scans import human_age

    table = Table(title="Resource scans (newest first)")
    for col in ("Scan id", "Type", "Status", "Age", "Done", "Resources read", "Types"):
        table.add_column(col, overflow="fold")
    for s in scans:
        types = ", ".join(s.filter_types) if s.filter_types else ("all" if s.scan_type == "FULL" else "")
        table.add_row(
            s.scan_id,
            s.scan_type or "",
            s.status + (f" ({s.status_reason})" if s.status_reason and s.status != "COMPLETE" else ""),
            human_age(s.age()),
            f"{s.percentage:.0f}%" if s.percentage is not None else "",
            str(s.resources_read) if s.resources_read is not None else "",
            types,
        )
    return table


def _summary_table(counts: dict[str, int], managed: dict[str, int]) -> RenderableType:
    from rich.table import Table

    table = Table(title="Scanned resources by type")
    table.add_column("Resource type")
    table.add_column("Found", justify="right")
    table.add_column("Owned by a stack", justify="right")
    for type_name, n in counts.items():
        table.add_row(type_name, str(n), str(managed.get(type_name, 0)))
    table.add_row("total", str(sum(counts.values())), str(sum(managed.values())), style="bold")
    return table


def _resources_table(scan_id: str, resources: list[ScannedResource]) -> RenderableType:
    from rich.table import Table

    table = Table(title=f"{len(resources)} resources in {scan_id}")
    table.add_column("Resource type")
    table.add_column("Identifier", overflow="fold")
    table.add_column("Owned by a stack")
    for r in resources:
        table.add_row(
            r.type, ", ".join(f"{k}={v}" for k, v in r.identifier.items()), "yes" if r.managed else ""
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command("scan")
    def scan(
        ctx: typer.Context,
        types: list[str] = typer.Option(
            [], "--type", "-t", help="Partial scan of this resource type (repeatable; AWS::EC2::* allowed)."
        ),
        new: bool = typer.Option(False, "--new/--reuse", help="Start a new scan instead of reusing one."),
        scan_id: str | None = typer.Option(None, "--scan-id", help="Use (and wait for) this scan."),
        no_wait: bool = typer.Option(False, "--no-wait", help="Return once the scan has started."),
        timeout: float = typer.Option(3600.0, "--timeout", help="Seconds to wait for the scan."),
    ) -> None:
        """Start a full or partial resource scan, or reuse a recent one; summary by resource type."""
        from iacgen.core import scans

        app_ctx = app_context(ctx)
        out, aws = app_ctx.output, app_ctx.aws
        state = app_ctx.load_state()
        saved: set[str] = set()

        def remember(scan_id: str) -> None:
            if scan_id not in saved:  # saved as soon as known, so an interrupted wait can be resumed
                saved.add(scan_id)
                state.scan_id, state.region = scan_id, aws.region
                app_ctx.save_state(state)

        with out.progress() as bar:
            task = bar.add_task("scanning", total=100.0)

            def on_progress(info: ScanInfo) -> None:
                remember(info.scan_id)
                bar.update(task, completed=info.percentage or 0.0, description=f"scan {info.status.lower()}")

            outcome = scans.ensure_scan(
                aws,
                types=types or None,
                new=new,
                scan_id=scan_id,
                wait=not no_wait,
                timeout=timeout,
                on_progress=on_progress,
            )
        info = outcome.scan
        remember(info.scan_id)
        age = scans.human_age(info.age())
        messages = {
            "reused": f"reusing scan {info.scan_id} ({info.scan_type}, {age} old); --new starts a fresh one",
            "joined": f"a scan was already running; used {info.scan_id}",
            "started": f"started scan {info.scan_id}",
            "given": f"using scan {info.scan_id} ({age} old)",
        }
        out.info(messages.get(outcome.action, info.scan_id))
        data: dict[str, Any] = outcome.to_dict()
        if info.status != "COMPLETE":
            out.info(f"scan is {info.status}; re-run `iacgen scan --scan-id {info.scan_id}` to wait for it")
            out.emit(data, lambda: _scan_table([info]))
            return
        found = list(scans.list_resources(aws, info.scan_id, include_managed=True))
        counts = scans.summarize(found)
        managed = scans.summarize(r for r in found if r.managed)
        data.update(resources_by_type=counts, managed_by_type=managed, total=len(found))
        out.emit(data, lambda: _summary_table(counts, managed))

    @app.command("scans")
    def list_scans(ctx: typer.Context) -> None:
        """List the resource scans, full and partial, with status, age and counts."""
        from iacgen.core import scans

        app_ctx = app_context(ctx)
        found = scans.list_scans(app_ctx.aws, details=True)
        app_ctx.output.emit([s.to_dict() for s in found], lambda: _scan_table(found))

    @app.command("resources")
    def resources(
        ctx: typer.Context,
        type_prefix: str | None = typer.Option(
            None, "--type-prefix", help="e.g. AWS::EC2:: or AWS::EC2::VPC"
        ),
        tag_key: str | None = typer.Option(None, "--tag-key", help="Only resources with this tag key."),
        tag_value: str | None = typer.Option(None, "--tag-value", help="...and this tag value."),
        identifier: str | None = typer.Option(None, "--identifier", help="Identifier value to look for."),
        include_managed: bool = typer.Option(
            False, "--include-managed", help="Also list resources a stack already owns."
        ),
        scan_id: str | None = typer.Option(None, "--scan-id", help="Scan to read (default: the last one)."),
    ) -> None:
        """List what the scan found, filtered by the service; resources owned by a stack are left out."""
        from iacgen.core import scans

        app_ctx = app_context(ctx)
        aws = app_ctx.aws
        scan = scans.resolve_scan(aws, scan_id, app_ctx.load_state().scan_id)
        found = list(
            scans.list_resources(
                aws,
                scan.scan_id,
                type_prefix=type_prefix,
                tag_key=tag_key,
                tag_value=tag_value,
                identifier=identifier,
                include_managed=include_managed,
            )
        )
        data = {"scan_id": scan.scan_id, "count": len(found), "resources": [r.to_dict() for r in found]}
        app_ctx.output.emit(data, lambda: _resources_table(scan.scan_id, found))

"""`iacgen coverage`: how much of an estate (accounts x Regions) is under IaC; a thin command over
iacgen.core.coverage."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from iacgen.cli.context import app_context
from iacgen.cli.tables import Column, table

if TYPE_CHECKING:
    from rich.console import RenderableType

    from iacgen.core.coverage import Counts, CoverageResult, TargetResult


class ReportFormat(StrEnum):
    markdown = "markdown"
    csv = "csv"


def _figures(counts: Counts) -> list[str]:
    from iacgen.core.coverage_report import percent

    return [str(counts.found), str(counts.managed), str(counts.unmanaged), percent(counts)]


_FIGURES = [Column(name, "right") for name in ("Found", "Managed", "Unmanaged", "Under IaC")]


def _tables(result: CoverageResult, width: int) -> RenderableType:
    """Three tables that keep ids, Regions and types whole at any width (as lists when too narrow)."""
    from rich.console import Group

    targets = [
        [t.account, t.region or "(all)", *_figures(t.totals), _scan_or_reason(t)] for t in result.targets
    ]
    types = [[type_name, *_figures(counts)] for type_name, counts in result.by_type().items()]
    totals = [[f"account {account}", *_figures(c)] for account, c in result.by_account().items()]
    totals += [[f"Region {region}", *_figures(c)] for region, c in result.by_region().items()]
    totals.append(["overall", *_figures(result.overall())])
    return Group(
        table("IaC coverage by target", ["Account", "Region", *_FIGURES, "Scan or reason"], targets, width),
        table(
            "By resource type",
            ["Resource type", *_FIGURES],
            types,
            width,
            caption="IAM (global) resources counted once per account",
        ),
        table("Totals", ["Scope", *_FIGURES], totals, width),
    )


def _scan_or_reason(t: TargetResult) -> str:
    from iacgen.core.scans import short_id

    return f"{short_id(t.scan_id)} ({t.scan_action})" if t.scan_id else f"{t.status}: {t.reason or ''}"


def register(app: typer.Typer) -> None:
    @app.command("coverage")
    def coverage(
        ctx: typer.Context,
        regions: list[str] = typer.Option(
            [],
            "--region",
            metavar="REGION",
            help="A Region to cover (repeatable). Default: the global --region or the profile's.",
        ),
        all_regions: bool = typer.Option(
            False, "--all-regions", help="Every Region enabled in each account (EC2 DescribeRegions)."
        ),
        accounts: list[str] = typer.Option(
            [], "--account", metavar="ID", help="An account to cover (repeatable). Default: the caller's."
        ),
        organization: bool = typer.Option(
            False,
            "--organization",
            help="Every ACTIVE account of the organization (Organizations ListAccounts).",
        ),
        role_name: str = typer.Option(
            "OrganizationAccountAccessRole",
            "--role-name",
            metavar="NAME",
            help="The role to assume in every account but the caller's own.",
        ),
        external_id: str | None = typer.Option(
            None, "--external-id", metavar="ID", help="The external id the roles' trust policies ask for."
        ),
        role_session_name: str = typer.Option(
            "iacgen-coverage", "--role-session-name", metavar="NAME", help="The assumed roles' session name."
        ),
        scan: bool = typer.Option(
            False,
            "--scan",
            help="Start a new full scan in every target (each within its own 10-a-day quota) instead of "
            "reusing the newest usable one.",
        ),
        max_workers: int = typer.Option(
            8, "--max-workers", metavar="N", help="Targets worked on at once (1-64)."
        ),
        timeout: float = typer.Option(
            3600.0, "--timeout", metavar="SECONDS", min=1, help="How long to wait for each new scan."
        ),
        report_format: ReportFormat | None = typer.Option(
            None,
            "--format",
            metavar="markdown|csv",
            help="Write a report in this format: to --out, or on stdout instead of the table.",
        ),
        out: Path | None = typer.Option(
            None, "--out", metavar="PATH", help="The report file (--format; written whole or not at all)."
        ),
        fail_under: float | None = typer.Option(
            None,
            "--fail-under",
            metavar="PERCENT",
            min=0,
            max=100,
            help="Exit 1 when less than this share of the resources found is under IaC.",
        ),
    ) -> None:
        """How much of an estate is under IaC: found, managed by a stack, unmanaged, per account x Region
        and resource type, from each target's newest usable scan.

        Exit codes: 0 every target answered; 3 some target has no counts (role not assumable, Region
        disabled, quota, no usable scan) and the others are still reported; 1 under --fail-under; 130
        interrupted, after printing what was gathered.
        """
        from iacgen.core.coverage import CoverageRequest
        from iacgen.core.coverage import coverage as run
        from iacgen.core.errors import EXIT_INTERRUPTED, AwsError, PolicyFailure, UsageError

        if out is not None and report_format is None:
            raise UsageError("--out needs --format", "pass --format markdown or --format csv")
        context = app_context(ctx)
        if report_format is not None and out is None and context.output.json:
            raise UsageError(
                f"--format {report_format.value} writes its report on stdout, where --output json goes",
                f"pass --out FILE for the {report_format.value} report, or leave out one of the two",
            )
        if out is not None:
            from iacgen.core.files import check_writable

            check_writable(out)  # before the scans: a run across an estate is long to lose to a typo
        request = CoverageRequest(
            regions=tuple(regions),
            all_regions=all_regions,
            accounts=tuple(a.strip() for a in accounts),
            organization=organization,
            role_name=role_name,
            external_id=external_id,
            role_session_name=role_session_name,
            scan=scan,
            max_workers=max_workers,
            timeout=timeout,
        )
        with context.reporter() as reporter:
            result = run(context.aws, request, reporter)
        output = context.output
        if report_format is not None:
            from iacgen.core import coverage_report
            from iacgen.core.files import write_atomic

            text = (
                coverage_report.to_markdown(result)
                if report_format is ReportFormat.markdown
                else coverage_report.to_csv(result)
            )
            if out is None:
                typer.echo(text, nl=False)
            else:
                write_atomic(out, text)
                output.info(f"wrote {out} ({report_format.value})")
        if out is not None or report_format is None:
            output.emit(result, lambda: _tables(result, output.out.width))
        missing = result.incomplete
        if result.interrupted:
            gathered = len(result.answered)
            output.error(
                f"interrupted: {gathered} of {len(result.targets)} targets counted",
                "the scans this run started go on in the service: re-run without --scan once they are "
                "complete (with --scan, a re-run joins one still running)"
                if scan
                else "re-run to finish",
            )
            ctx.exit(EXIT_INTERRUPTED)
        if missing:
            from iacgen.core.coverage import TargetStatus

            names = ", ".join(f"{t.account}/{t.region or '*'}" for t in missing[:5])
            scans_missing = not scan and any(t.status is TargetStatus.NO_SCAN for t in missing)
            raise AwsError(
                f"{len(missing)} of {len(result.targets)} targets have no counts ({names}"
                f"{', ...' if len(missing) > 5 else ''})"
                + ("; the others are reported" if len(missing) < len(result.targets) else ""),
                "each target's reason is in the table (or --output json)"
                + ("; --scan starts missing scans" if scans_missing else ""),
            )
        overall = result.overall()
        if fail_under is not None and overall.share is not None and 100 * overall.share < fail_under:
            raise PolicyFailure(
                f"--fail-under: {_percent(100 * overall.share, fail_under)}% of the estate is under IaC, "
                f"below {fail_under:g}%",
                "adopt more resources (iacgen generate / import), or lower --fail-under",
            )


def _percent(share: float, threshold: float) -> str:
    """The share with as many decimals as it takes to show it below the threshold (28.57, not 28.6 < 28.6)."""
    for decimals in (1, 2, 3):
        text = f"{share:.{decimals}f}"
        if float(text) < threshold:
            return text
    return f"{share:.4f}"

"""`iacgen init`, `iacgen ci`, `iacgen iam-policy`: the manifest, the CI dry run, the policy it needs."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from iacgen.core.ci import CiRun
    from iacgen.core.ci_fanout import FanoutRun


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        ctx: typer.Context,
        out: Path = typer.Option(Path("iacgen.yaml"), "--out", metavar="FILE", help="Where to write it."),
    ) -> None:
        """Write a starter iacgen.yaml manifest.

        Commented; from the last generate here, else an example."""
        from iacgen.cli.context import app_context
        from iacgen.core.manifest import init_manifest

        app_ctx = app_context(ctx)
        result = init_manifest(out, app_ctx.workspace)
        app_ctx.output.emit(result.to_dict())
        if not app_ctx.output.json:
            app_ctx.output.info(
                f"wrote {result.path} ({result.origin}: {result.template}); check it with: iacgen ci"
            )

    @app.command("ci")
    def ci(
        ctx: typer.Context,
        config: Path = typer.Option(Path("iacgen.yaml"), "--config", metavar="FILE", help="The manifest."),
        fail_on: list[str] | None = typer.Option(
            None,
            "--fail-on",
            metavar="TYPES|drift|secrets",
            help="Also fail on these warning types, drift and/or literal secrets (comma-separated, "
            "repeatable).",
        ),
        report_dir: Path = typer.Option(
            Path("iacgen-report"), "--report-dir", metavar="DIR", help="Where report.json/.md/.sarif go."
        ),
        max_workers: int = typer.Option(
            8, "--max-workers", metavar="N", help="Manifest targets worked on at once (1-64)."
        ),
    ) -> None:
        """Run the whole pipeline as a dry run, with reports.

        Exit 0 clean, 1 not acceptable, 2 bad input, 3 AWS, 130 interrupted."""
        from iacgen.cli.context import app_context
        from iacgen.core.ci import CiRequest, CiRun
        from iacgen.core.ci_fanout import run_manifest

        app_ctx = app_context(ctx)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        request = CiRequest(
            config=config,
            report_dir=report_dir,
            fail_on=list(fail_on or []),
            step_summary=Path(summary) if summary else None,
        )
        with app_ctx.reporter() as reporter:  # SIGTERM is Ctrl-C (main): clean-up on the way out, exit 130
            run = run_manifest(app_ctx.workspace, app_ctx.aws, request, reporter, max_workers=max_workers)
        if isinstance(run, CiRun):
            app_ctx.output.emit(run.to_dict(), lambda: _summary(run))
        else:
            app_ctx.output.emit(run.to_dict(), lambda: _fanout_summary(run))
        if run.exit_code:
            raise typer.Exit(run.exit_code)

    @app.command("iam-policy")
    def iam_policy(
        command: str | None = typer.Option(
            None, "--command", metavar="NAME", help="Only this command's actions (default: every command's)."
        ),
        stacks: list[str] | None = typer.Option(
            None, "--stack", metavar="NAME", help="Scope stack actions to this stack; repeatable."
        ),
        buckets: list[str] | None = typer.Option(
            None, "--s3-bucket", metavar="BUCKET", help="Allow uploading large bodies to BUCKET/iacgen/*."
        ),
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="Take the stacks and buckets from this iacgen.yaml."
        ),
        create_bucket: bool = typer.Option(
            False, "--create-bucket", help="Also allow import --create-bucket (iacgen's own bucket)."
        ),
    ) -> None:
        """Print the IAM policy a command needs.

        A JSON policy document, scoped to the stacks and buckets it touches."""
        from iacgen.core.permissions import policy_document

        document = policy_document(
            command, stacks=stacks, buckets=buckets, config=config, create_bucket=create_bucket
        )
        sys.stdout.write(document.to_json())


def _summary(run: CiRun) -> Any:
    """What a person reads in ten seconds: the verdict, per template what would be imported, and why not."""
    from rich.console import Group
    from rich.text import Text

    lines = [Text(f"iacgen ci: {run.verdict.value.upper()} (exit {run.exit_code}): {_counts(run)}")]
    lines += [Text(line) for line in _details(run)]
    if run.reports is not None:
        lines.append(Text(f"reports: {run.reports.json}, {run.reports.markdown}, {run.reports.sarif}"))
    return Group(*lines)


def _counts(run: CiRun) -> str:
    total = sum(len(t.resources) for t in run.templates)
    return f"{len(run.templates)} template(s), {total} resource(s) to import; nothing executed"


def _details(run: CiRun) -> list[str]:
    lines: list[str] = []
    for t in run.templates:
        where = "" if t.new_stack is None else (" (new)" if t.new_stack else " (existing)")
        types = Counter(r.type.removeprefix("AWS::") for r in t.resources)
        lines.append(
            f"{t.name} -> stack {t.stack}{where}: "
            + (", ".join(f"{k} {v}" for k, v in sorted(types.items())) or "nothing to import")
        )
        warnings = Counter(w.type for r in t.warnings for w in r.warnings)
        if warnings:
            lines.append("  warnings: " + ", ".join(f"{k} {v}" for k, v in sorted(warnings.items())))
        if t.lint is not None:
            lines.append(f"  cfn-lint: {len(t.lint.errors)} error(s), {len(t.lint.warnings)} warning(s)")
        if t.change_set is not None:
            changes = len(t.change_set.changes)
            lines.append(f"  change set: {t.change_set.status}, {changes} import(s); deleted")
        if t.drift is not None:
            d = t.drift.to_dict()
            lines.append(
                f"  drift vs {t.committed_path}: {d['changed']} changed, {d['added']} added, "
                f"{d['removed']} removed"
                if t.drift.drifted
                else f"  drift vs {t.committed_path}: none"
            )
    if run.reasons:
        lines.append("why it fails:")
        lines += [f"  - {r}" for r in run.reasons[:10]]
        if len(run.reasons) > 10:
            lines.append(f"  ... and {len(run.reasons) - 10} more (report.md)")
    left = [c for c in run.cleanup if not c.removed]
    if left:
        lines.append(f"not cleaned up (the next run retries): {', '.join(c.id for c in left)}")
    return lines


def _fanout_summary(run: FanoutRun) -> Any:
    """The verdict over every target, then each target's verdict and details (one verdict line each)."""
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = [
        Text(f"iacgen ci: {run.verdict.value.upper()} (exit {run.exit_code}) over {len(run.targets)} targets")
    ]
    for t in run.targets:
        head = f"target {t.name} ({t.account}, {t.region}): {t.verdict.value.upper()}"
        if t.run is None:
            parts.append(Text(f"{head}: not run: {t.error}"))
            continue
        parts.append(Text(f"{head}: {_counts(t.run)}"))
        parts += [Text(f"  {line}") for line in _details(t.run)]
    if run.report_dir is not None:
        from iacgen.core.report import REPORT_NAMES

        parts.append(Text("reports: " + ", ".join(str(run.report_dir / n) for n in REPORT_NAMES)))
    return Group(*parts)

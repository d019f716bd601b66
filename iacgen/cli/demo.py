"""`iacgen demo`: the whole adoption workflow, offline, on the workshop scenario, in one process.

It calls the workflow steps the commands call (the same code a user runs against AWS) against the in-process
local cloud, printing the equivalent command line and the command's own tables for each step, and ends with
proof that the stack adopted the resources that existed before."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iacgen.cli.context import app_context
from iacgen.cli.extras import require_local

if TYPE_CHECKING:
    from iacgen.cli.render import Output
    from iacgen.core.session import Aws

REGION = "us-east-1"
STACK = "workshop"
TEMPLATE = "workshop"


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        ctx: typer.Context,
        directory: Path | None = typer.Option(
            None,
            "--dir",
            metavar="DIR",
            help="Where the demo writes its files (default: a new temporary directory).",
        ),
        pace: float = typer.Option(
            1.0,
            "--pace",
            min=0.0,
            metavar="SECONDS",
            help="Seconds the local cloud takes per scan (templates take half).",
        ),
    ) -> None:
        """Run the whole workflow offline, with proof.

        Run scan -> generate --related -> warnings -> patch -> import on an offline copy of AWS's IaC
        generator workshop, and show that the stack now owns the very resources that were there before."""
        require_local("iacgen demo")
        out = app_context(ctx).output
        workdir = directory or Path(tempfile.mkdtemp(prefix="iacgen-demo-"))
        workdir.mkdir(parents=True, exist_ok=True)
        if any(workdir.iterdir()):
            from iacgen.core.errors import UsageError

            raise UsageError(f"{workdir} is not empty", "pass --dir with a new or empty directory")
        started = time.monotonic()
        with _local_cloud(pace):
            from iacgen.localcloud.scenarios import seed_workshop

            _say(out, "Seed the local cloud with the workshop's hand-made resources")
            world = seed_workshop(region=REGION)
            if not out.quiet:
                out.err.print(_ids_table("Created by hand (the 'console')", world, out.err.width))
            before = _physical_ids()
            previous = Path.cwd()
            os.chdir(workdir)
            try:
                _run_steps(out, _demo_aws(ctx))
                proof = _proof(before)
            finally:
                os.chdir(previous)
        out.emit(proof, lambda: _proof_table(proof, out.out.width))
        out.info(
            f"\nDone in {time.monotonic() - started:.0f}s. Files are in {workdir}: "
            f"{TEMPLATE}.yaml (the patched template), {TEMPLATE}.resources.json (what was imported)."
        )
        grew = any(c["after"] != c["before"] for c in proof["counts"].values())
        if grew or not all(row["same"] for row in proof["resources"]):
            raise typer.Exit(1)


def _steps(ids: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        ("1. Scan the account (the IaC generator's resource scan)", ["scan"]),
        (
            "2. Pick what was clicked together (tag Name=workshop) and let --related add what it depends on",
            [
                "generate",
                TEMPLATE,
                "--select",
                "tag:Name=workshop",
                "--related",
                "--deletion-policy",
                "DELETE",
                "--update-replace-policy",
                "DELETE",
            ],
        ),
        ("3. Read the write-only property warnings before importing", ["warnings", TEMPLATE]),
        (
            "4. Keep the key pair if the stack is ever deleted: its private key cannot be downloaded again "
            "(generate already kept the VPC's defaults, which EC2 deletes only with the VPC)",
            [
                "patch",
                f"{TEMPLATE}.yaml",
                "--deletion-policy",
                "Retain",
                "--type",
                "AWS::EC2::KeyPair",
                "--in-place",
            ],
        ),
        (
            "5. Import into a new stack: preflight, IMPORT change set, execute",
            ["import", "--stack", STACK, "--execute"],
        ),
    ]


def _demo_aws(ctx: typer.Context) -> Aws:
    """One client factory for every step, in the demo's Region; the command's own, so that --verbose counts
    the API calls of the whole demo."""
    from iacgen.core.session import Aws, AwsSettings

    app_ctx = app_context(ctx)
    app_ctx._aws = Aws(AwsSettings(region=REGION))
    return app_ctx._aws


def _run_steps(out: Output, aws: Aws) -> None:
    """Each step: its title, the command that does the same, then the same workflow call and rendering as
    that command. Under --output json the steps' tables go to stderr: stdout carries only the proof."""
    from iacgen.cli.generate import render_generate, render_warnings
    from iacgen.cli.importer import _changes_table, render_import
    from iacgen.cli.patch import render_patch
    from iacgen.cli.render import Output
    from iacgen.cli.reporting import RichReporter
    from iacgen.cli.scan import render_scan
    from iacgen.core import workflow
    from iacgen.core.policies import GeneratorPolicy
    from iacgen.core.workspace import Workspace

    shown = Output(quiet=out.quiet, color=out.color)
    if out.json:
        shown._out = out.err
    ws = Workspace()
    steps = _steps({})
    calls: list[Callable[[RichReporter], None]] = [
        lambda r: render_scan(shown, workflow.scan(ws, aws, workflow.ScanRequest(), r)),
        lambda r: render_generate(
            shown,
            workflow.generate(
                ws,
                aws,
                workflow.GenerateRequest(
                    TEMPLATE,
                    select=["tag:Name=workshop"],
                    related=True,
                    deletion_policy=GeneratorPolicy.DELETE,
                    update_replace_policy=GeneratorPolicy.DELETE,
                ),
                r,
            ),
        ),
        lambda r: render_warnings(shown, workflow.warnings(ws, aws, TEMPLATE)),
        lambda r: render_patch(
            shown,
            workflow.patch_file(
                ws,
                workflow.PatchRequest(
                    Path(f"{TEMPLATE}.yaml"),
                    deletion_policy="Retain",
                    types=["AWS::EC2::KeyPair"],
                    in_place=True,
                ),
                r,
            ),
        ),
        lambda r: render_import(
            shown,
            workflow.run_import(ws, aws, workflow.ImportRequest(STACK, mode=workflow.ImportMode.EXECUTE), r),
        ),
    ]
    for (title, args), call in zip(steps, calls, strict=True):
        _say(out, title, "iacgen " + " ".join(_quote(a) for a in args))
        with RichReporter(shown, change_set_table=lambda c: _changes_table(c, shown.out.width)) as reporter:
            call(reporter)


class _local_cloud:
    """moto with our extension, paced so the progress displays have something to show."""

    def __init__(self, pace: float) -> None:
        self.pace = pace
        self._mock: Any = None
        self._previous: Any = None

    def __enter__(self) -> None:
        from moto import mock_aws

        from iacgen.localcloud import install
        from iacgen.localcloud.settings import configure

        install()
        self._previous = configure(scan_seconds=self.pace, template_seconds=self.pace / 2)
        self._mock = mock_aws()
        self._mock.start()

    def __exit__(self, *exc: object) -> None:
        from iacgen.localcloud.settings import restore

        self._mock.stop()
        restore(self._previous)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _say(out: Any, title: str, command: str | None = None) -> None:
    out.info(f"\n[bold cyan]{title}[/bold cyan]")
    if command:
        out.info(f"[bold]$ {command}[/bold]")


def _physical_ids() -> dict[str, set[str]]:
    """Every resource in the local cloud by type, as physical ids: the 'before' the proof compares to."""
    from moto.core import DEFAULT_ACCOUNT_ID

    from iacgen.localcloud.inventory import scan

    found: dict[str, set[str]] = {}
    for resource in scan(DEFAULT_ACCOUNT_ID, REGION):
        found.setdefault(resource.type, set()).add(resource.key)
    return found


def _proof(before: dict[str, set[str]]) -> dict[str, Any]:
    """The stack's resources next to what existed before the import, and per-type counts before and after:
    an import that recreated anything would show a new id and a grown count."""
    import boto3

    cfn = boto3.client("cloudformation", region_name=REGION)
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    rows = [
        {
            "logical_id": r["LogicalResourceId"],
            "type": r["ResourceType"],
            "physical_id": r.get("PhysicalResourceId", ""),
            "same": r.get("PhysicalResourceId", "") in before.get(r["ResourceType"], set()),
        }
        for r in cfn.describe_stack_resources(StackName=STACK)["StackResources"]
    ]
    after = _physical_ids()
    counts = {t: {"before": len(before.get(t, ())), "after": len(after.get(t, ()))} for t in sorted(after)}
    return {"stack": STACK, "status": stack["StackStatus"], "resources": rows, "counts": counts}


def _ids_table(title: str, world: Any, width: int) -> Any:
    from iacgen.cli.tables import table

    return table(title, ("what", "id"), [(k, str(v)) for k, v in world.to_dict().items()], width)


def _proof_table(proof: dict[str, Any], width: int) -> Any:
    from iacgen.cli.tables import table

    rows = [
        (row["logical_id"], row["type"], row["physical_id"], "yes" if row["same"] else "NO")
        for row in proof["resources"]
    ]
    grown = [t for t, c in proof["counts"].items() if c["after"] != c["before"]]
    caption = (
        f"Resource counts changed for: {', '.join(grown)}"
        if grown
        else "No resource count changed: nothing was recreated."
    )
    title = f"Proof: stack {proof['stack']} is {proof['status']}, owning resources that were already there"
    return table(title, ("logical id", "type", "physical id", "existed before"), rows, width, caption)

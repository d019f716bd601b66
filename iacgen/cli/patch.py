"""`iacgen patch`: set DeletionPolicy / UpdateReplacePolicy on a template, leaving every other byte alone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import RenderableType

    from iacgen.cli.render import Output
    from iacgen.core.template_edits import PatchResult
    from iacgen.core.workflow import PatchFileResult

_POLICY_HELP = "Delete, Retain, RetainExceptOnCreate or Snapshot (any case)"


def register(app: typer.Typer) -> None:
    @app.command("patch")
    def patch(
        ctx: typer.Context,
        template: str = typer.Argument(
            ..., metavar="TEMPLATE", help="Template file (YAML or JSON), or - for stdin."
        ),
        deletion_policy: str | None = typer.Option(
            None, "--deletion-policy", metavar="POLICY", help=f"DeletionPolicy to set: {_POLICY_HELP}."
        ),
        update_replace_policy: str | None = typer.Option(
            None,
            "--update-replace-policy",
            metavar="POLICY",
            help="UpdateReplacePolicy: Delete, Retain, Snapshot.",
        ),
        types: list[str] | None = typer.Option(
            None,
            "--type",
            metavar="GLOB",
            help="Only resources whose Type matches (AWS::EC2::*); repeatable.",
        ),
        resources: list[str] | None = typer.Option(
            None,
            "--resource",
            metavar="LOGICAL_ID",
            help="Only this resource (its logical id, case-sensitive); repeatable. With --type, a resource "
            "must match both; an id the template lacks is an error.",
        ),
        out: Path | None = typer.Option(
            None, "--out", metavar="PATH", help="Write the patched template here."
        ),
        in_place: bool = typer.Option(False, "--in-place", help="Overwrite TEMPLATE (atomically)."),
        allow_delete_policy: bool = typer.Option(
            False,
            "--allow-delete-policy",
            help="Allow DeletionPolicy Delete on stateful types (buckets, tables, databases, volumes, keys, "
            "log groups, queues, secrets, ...); without it such a patch is refused.",
        ),
        secrets: bool = typer.Option(
            False,
            "--secrets",
            help="Replace literal secrets (passwords, tokens, keys in properties and environment variables) "
            "with NoEcho parameters, given at import with --parameter.",
        ),
    ) -> None:
        """Set DeletionPolicy and UpdateReplacePolicy, or make secrets parameters.

        Changes only those lines (--secrets: the values and a Parameters section); to stdout unless --out
        or --in-place."""
        from iacgen.cli.context import app_context
        from iacgen.core import workflow
        from iacgen.core.errors import UsageError

        app_ctx = app_context(ctx)
        output = app_ctx.output
        if deletion_policy is None and update_replace_policy is None and not secrets:
            raise UsageError(
                "patch needs something to change",
                "give --deletion-policy and/or --update-replace-policy, or --secrets",
            )
        if out is not None and in_place:
            raise UsageError("--out and --in-place exclude each other", "choose one destination")
        from_stdin = template == "-"
        if from_stdin and in_place:
            raise UsageError(
                "--in-place needs a template file, not stdin", "use --out PATH, or redirect stdout"
            )
        if not from_stdin and out is not None and _same_file(Path(template), out):
            raise UsageError(
                f"--out {out} is the template itself",
                "use --in-place to overwrite it, or choose another path",
            )
        text: str | None = None
        if from_stdin:
            raw = typer.get_binary_stream("stdin").read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UsageError(f"<stdin>: not UTF-8 text (byte {exc.start})", "save it as UTF-8") from None
        request = workflow.PatchRequest(
            template=None if from_stdin else Path(template),
            text=text,
            deletion_policy=deletion_policy,
            update_replace_policy=update_replace_policy,
            types=types or [],
            logical_ids=resources or [],
            out=out,
            in_place=in_place,
            allow_delete_policy=allow_delete_policy,
            secrets=secrets,
        )
        with app_ctx.reporter() as reporter:
            result = workflow.patch_file(app_ctx.workspace, request, reporter)
        render_patch(output, result)


def render_patch(output: Output, result: PatchFileResult) -> None:
    """The patched text on stdout when it went nowhere else; the changes as a table on stderr. Under
    --output json stdout is the JSON result only, with the patched text in it when no file was written."""
    if result.destination is None and not output.json:
        stdout = typer.get_binary_stream("stdout")
        stdout.write(result.text.encode("utf-8"))
        stdout.flush()
    if result.patch.changed and not output.quiet:
        output.err.print(_table(result.patch, output.err.width))
    if output.json:
        data = result.to_dict()
        if result.destination is None:
            data.update(out=None, text=result.text)
        output.emit(data)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _table(result: PatchResult, width: int) -> RenderableType:
    from iacgen.cli.tables import table

    rows = [(c.logical_id, c.type, c.attribute, f"{c.old or '(none)'} -> {c.new}") for c in result.changed]
    return table(None, ("Logical ID", "Type", "Attribute", "Change"), rows, width)

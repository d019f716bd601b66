"""The root command: global options, error reporting in one place, and registration of the command groups."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from iacgen import __version__
from iacgen.cli import ci, demo, generate, importer, local, patch, scan
from iacgen.cli import coverage as coverage_cli
from iacgen.cli.context import AppContext
from iacgen.cli.render import Output, OutputFormat, color_wanted, to_json
from iacgen.core.errors import EXIT_INTERRUPTED, IacgenError, UsageError

EXIT_INTERNAL = 70
# ci is a dry run: a re-run starts over, after removing what the interrupted one could not
_INTERRUPTED_HINTS = {
    "ci": "what this run created was removed (or is listed for the next run to remove); re-run iacgen ci",
    "import": "what this run created is removed (by the next run, if this one could not); re-run the "
    "import: it starts from what the stack holds now",
}


class IacgenGroup(TyperGroup):
    """Reports every error the same way: one line and a hint on stderr, the documented exit code, and a
    traceback only with --verbose."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        from iacgen.cli import usage

        usage.apply(self)  # typer builds the subcommands first: the whole tree gets one help style

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from iacgen.cli.global_options import hoist

        return super().parse_args(ctx, hoist(self, ctx, args))

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # typer's Context subclasses click's
        try:
            return self._guarded(ctx)
        finally:
            _report_calls(ctx)

    def _guarded(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as exc:  # the framework's usage errors: it prints them, with usage
            _json_usage_error(ctx, exc)
            raise
        except KeyboardInterrupt:
            hint = _INTERRUPTED_HINTS.get(
                ctx.invoked_subcommand or "", "state is saved; re-run the command to resume"
            )
            self._fail(ctx, "interrupted", hint, EXIT_INTERRUPTED)
        except IacgenError as exc:
            self._report(ctx, exc)
        except Exception as exc:
            from iacgen.core.errors import from_aws_exception, from_os_error

            translated = from_aws_exception(exc)
            if translated is None and isinstance(exc, OSError):
                translated = from_os_error(exc)
            if translated is None:
                if _verbose(ctx):
                    import traceback

                    traceback.print_exception(exc, file=sys.stderr)
                self._fail(
                    ctx,
                    f"internal error: {type(exc).__name__}: {exc}",
                    "this is a bug in iacgen; re-run with --verbose and report the traceback",
                    EXIT_INTERNAL,
                )
            else:
                self._report(ctx, translated, exc)

    def _report(self, ctx: typer.Context, exc: IacgenError, cause: BaseException | None = None) -> None:
        if _verbose(ctx):
            import traceback

            traceback.print_exception(cause or exc, file=sys.stderr)
        from iacgen.cli.flags import FLAGS

        self._fail(ctx, exc.message, exc.hint_in(FLAGS), exc.exit_code)

    @staticmethod
    def _fail(ctx: typer.Context, message: str, hint: str | None, code: int) -> None:
        """One line and a hint on stderr; under --output json also the error on stdout (when the command
        printed no result), so a pipeline reading stdout always gets a JSON document."""
        out = _output(ctx)
        out.error(message, hint)
        if out.json and not out.emitted:
            out.emit({"error": {"message": message, "hint": hint, "exit_code": code}})
        ctx.exit(code)


def _json_usage_error(ctx: typer.Context, exc: typer.TyperException) -> None:
    """Under --output json a usage error the framework reports (a missing argument, an unknown command or
    option, a bad value) is also a JSON document on stdout, as every other error is."""
    obj = _app_context(ctx)
    wanted = obj.output.json if obj is not None else ctx.params.get("output") is OutputFormat.json
    if not wanted or (obj is not None and obj.output.emitted):
        return
    message = getattr(exc, "format_message", lambda: str(exc))()
    code = getattr(exc, "exit_code", 2)
    sys.stdout.write(to_json({"error": {"message": message, "hint": None, "exit_code": code}}) + "\n")
    sys.stdout.flush()


def _report_calls(ctx: typer.Context) -> None:
    """Under --verbose, how many API calls the command made, by operation: the cost of a run, made visible."""
    obj = _app_context(ctx)
    aws = obj.aws_if_used if obj is not None and obj.verbose else None
    if obj is None or aws is None or not aws.calls:
        return
    calls = aws.calls
    detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
    obj.output.err.print(f"API calls: {sum(calls.values())} ({detail})", soft_wrap=True, highlight=False)
    retried = aws.retry.retried
    if retried:
        detail = ", ".join(f"{code} {n}" for code, n in sorted(retried.items()))
        obj.output.err.print(f"retries: {sum(retried.values())} ({detail})", soft_wrap=True, highlight=False)


def _app_context(ctx: typer.Context) -> AppContext | None:
    return ctx.find_object(AppContext)


def _verbose(ctx: typer.Context) -> bool:
    obj = _app_context(ctx)
    return bool(obj and obj.verbose)


def _output(ctx: typer.Context) -> Output:
    obj = _app_context(ctx)
    return obj.output if obj else Output(color=color_wanted())


app = typer.Typer(
    cls=IacgenGroup,
    name="iacgen",
    help="Adopt hand-made AWS resources into CloudFormation stacks through the IaC generator.\n\n"
    "Workflow: scan -> generate NAME --related -> warnings NAME -> patch TEMPLATE -> import --stack S",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish (typer's)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"iacgen {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
    ),
    profile: str | None = typer.Option(
        None, "--profile", envvar="AWS_PROFILE", metavar="NAME", help="AWS profile to use."
    ),
    region: str | None = typer.Option(
        None, "--region", metavar="REGION", help="AWS Region (default: the profile's or AWS_REGION)."
    ),
    endpoint_url: str | None = typer.Option(
        None,
        "--endpoint-url",
        metavar="URL",
        help="Send API calls to this endpoint (AWS_ENDPOINT_URL also works).",
    ),
    local_cloud: bool = typer.Option(
        False, "--local", help="Use the running local cloud (iacgen local start) with dummy credentials."
    ),
    output: OutputFormat = typer.Option(
        OutputFormat.table, "--output", "-o", metavar="table|json", help="Result format on stdout."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or narration on stderr."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks and API call counts."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain output (NO_COLOR also works)."),
    state_dir: str = typer.Option(
        ".iacgen",
        "--state-dir",
        metavar="DIR",
        envvar="IACGEN_STATE_DIR",
        help="Where the steps' state file lives.",
    ),
) -> None:
    from iacgen.core.session import AwsSettings

    out = Output(output, quiet=quiet, color=color_wanted(no_color))
    if not state_dir.strip():  # Path("") is the current directory: the state file would land among yours
        ctx.obj = AppContext(settings=AwsSettings(), output=out, verbose=verbose)
        raise UsageError("--state-dir is empty", "name a directory, or leave it out for .iacgen")
    if local_cloud:
        from iacgen.localcloud.record import read_record

        record = read_record()
        if record is None and not endpoint_url:
            ctx.obj = AppContext(settings=AwsSettings(), output=out, verbose=verbose)
            raise UsageError("--local: no local cloud is running", "start one with: iacgen local start")
        endpoint_url = endpoint_url or (record.endpoint_url if record else None)
    settings = AwsSettings(profile=profile, region=region, endpoint_url=endpoint_url, local=local_cloud)
    ctx.obj = AppContext(settings=settings, output=out, verbose=verbose, state_dir=Path(state_dir))


for module in (scan, generate, patch, importer, ci, local, demo):
    module.register(app)
coverage_cli.register(app)


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM (a CI runner cancelling the job, `kill`) ends a run as Ctrl-C does: exit 130, state saved,
    what the run created cleaned up on the way out."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    app(prog_name="iacgen")

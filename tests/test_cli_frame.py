"""The CLI frame itself: fast help, one-line errors with documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from iacgen.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('boto3', 'botocore', 'moto', 'cfnlint') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_local_without_a_running_server_is_a_usage_error(cli: Any) -> None:
    result = cli("--local", "scans")
    assert result.exit_code == 2
    assert "no local cloud is running" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_option_is_exit_2(cli: Any) -> None:
    assert cli("--no-such-option").exit_code == 2


def test_no_credentials_is_a_usage_error_with_a_hint(cli: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # AWS_REGION alone must be enough for the Region
    result = cli("scans")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: no AWS credentials found"
    assert "--profile" in result.stderr and "Traceback" not in result.stderr


def test_unknown_profile_is_a_usage_error(cli: Any) -> None:
    result = cli("--profile", "no-such-profile", "scans")
    assert result.exit_code == 2
    assert "no-such-profile" in result.stderr


def test_unreachable_endpoint_is_an_aws_error(cli: Any) -> None:
    result = cli("--endpoint-url", "http://127.0.0.1:9", "scans")
    assert result.exit_code == 3
    assert "cannot reach http://127.0.0.1:9" in result.stderr


def test_verbose_reports_the_api_calls_made(cli: Any, cloud: None) -> None:
    result = cli("--verbose", "scan", "--new")
    assert result.exit_code == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("API calls: "))
    assert "cloudformation:StartResourceScan 1" in line
    assert "API calls" not in cli("scans").stderr


def test_a_bug_is_exit_70_with_or_without_verbose(cli: Any, cloud: None, monkeypatch: Any) -> None:
    """A bug is simulated (nothing in iacgen raises a bare ZeroDivisionError on purpose): --verbose adds the
    traceback and keeps exit 70, the code that means a bug in iacgen and nothing else."""
    from iacgen.core import scans

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(scans, "list_scans", broken)
    plain = cli("scans")
    assert plain.exit_code == 70 and "Traceback" not in plain.stderr
    assert "internal error: ZeroDivisionError: simulated bug" in plain.stderr
    verbose = cli("--verbose", "scans")
    assert verbose.exit_code == 70
    assert "Traceback" in verbose.stderr and "internal error: ZeroDivisionError" in verbose.stderr


def test_under_output_json_an_error_is_a_json_document_on_stdout(cli: Any) -> None:
    import json

    result = cli("-o", "json", "patch", "missing.yaml", "--deletion-policy", "Retain")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 2 and "missing.yaml" in error["message"] and error["hint"]
    assert result.stderr.startswith("error: ")  # the person reading the log still gets the line


def test_global_options_after_the_command_mean_what_they_mean_before_it(cli: Any, cloud: None) -> None:
    assert cli("scan", "--new").exit_code == 0
    before = cli("--output", "json", "--verbose", "scans")
    after = cli("scans", "-o", "json", "-v")
    mixed = cli("-v", "scans", "--output=json")
    assert before.exit_code == after.exit_code == mixed.exit_code == 0, after.stderr
    scans = [[(s["scan_id"], s["status"]) for s in json.loads(r.stdout)] for r in (before, after, mixed)]
    assert scans[0] == scans[1] == scans[2] and len(scans[0]) == 1
    assert "API calls: " in after.stderr and "API calls: " in mixed.stderr


def test_an_option_the_command_defines_itself_keeps_its_place() -> None:
    import typer

    from iacgen.cli.app import app
    from iacgen.cli.global_options import hoist

    group = typer.main.get_command(app)
    ctx = group.make_context("iacgen", ["--help"], resilient_parsing=True)
    assert hoist(group, ctx, ["scans", "-o", "json", "-v"]) == ["-o", "json", "-v", "scans"]
    assert hoist(group, ctx, ["-q", "scans", "-ojson"]) == ["-q", "-ojson", "scans"]
    # coverage has its own repeatable --region; local serve its own --endpoint-url
    assert hoist(group, ctx, ["coverage", "--region", "eu-west-1", "-o", "json"]) == [
        "-o",
        "json",
        "coverage",
        "--region",
        "eu-west-1",
    ]
    local = ["local", "serve", "--endpoint-url", "http://x", "--no-color"]
    assert hoist(group, ctx, local) == ["--no-color", "local", "serve", "--endpoint-url", "http://x"]
    # an option's value that looks like a global option stays that option's value, and `--` ends the options
    assert hoist(group, ctx, ["generate", "web", "--select", "-v"]) == ["generate", "web", "--select", "-v"]
    assert hoist(group, ctx, ["patch", "t.yaml", "--", "-v"]) == ["patch", "t.yaml", "--", "-v"]
    assert hoist(group, ctx, ["--region", "scans", "scans", "-q"]) == ["--region", "scans", "-q", "scans"]


def test_usage_errors_of_the_framework_are_json_on_stdout_under_output_json(cli: Any) -> None:
    for args, says in (
        (("generate",), "Missing argument 'NAME'."),
        (("ci", "--bogus"), "No such option: --bogus"),
        (("bogus-cmd",), "No such command 'bogus-cmd'."),
        (("generate", "x", "--related-depth", "-1", "-o", "json"), "Invalid value for '--related-depth'"),
    ):
        result = cli(*(args if "-o" in args else ("--output", "json", *args)))
        assert result.exit_code == 2, args
        error = json.loads(result.stdout)["error"]
        assert error["exit_code"] == 2 and error["message"].startswith(says), args
        assert says in result.stderr  # the usage text still goes to stderr
    plain = cli("generate")
    assert plain.exit_code == 2 and plain.stdout == ""


def test_nothing_listening_at_the_endpoint_is_told_after_two_retries_not_the_full_back_off(cli: Any) -> None:
    result = cli("-v", "--endpoint-url", "http://127.0.0.1:9", "scans")
    assert result.exit_code == 3
    assert "retries: 2 (EndpointConnectionError 2)" in " ".join(result.stderr.split())

"""The CLI frame itself: fast help, one-line errors with documented exit codes."""

from __future__ import annotations

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

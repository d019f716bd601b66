"""CI runs with no standard input at all (fd 0 closed): commands must still answer with their own errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_import_without_stdin_is_a_usage_error_not_a_crash(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_EC2_METADATA_DISABLED": "true",
        "IACGEN_HOME": str(tmp_path),
    }
    code = "import os, sys; os.close(0); sys.stdin = None; from iacgen.cli.app import main; main()"
    run = subprocess.run(
        [sys.executable, "-c", code, "import", "--stack", "s", "--template", "t.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2, run.stderr
    assert "stdin is not a terminal" in run.stderr

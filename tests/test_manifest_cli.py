"""Manifest defects seen through the CLI: a bad value in iacgen.yaml is exit 2 with the file, line and key,
never an internal error, and nothing is created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MINIMAL = "version: 1\ntemplates:\n  - name: w\n    select: [type=AWS::EC2::VPC]\n"


def test_a_max_age_too_large_for_a_timedelta_is_exit_2_with_the_line(cli: Any) -> None:
    Path("iacgen.yaml").write_text("version: 1\nscan: {max_age: 100000000000d}\n" + MINIMAL[11:])
    result = cli("ci")
    assert result.exit_code == 2, result.stderr
    assert "iacgen.yaml:2: scan.max_age: expected a duration above 0 and at most 30d" in result.stderr
    assert "internal error" not in result.stderr and not Path("iacgen-report").exists()

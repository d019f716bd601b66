"""A ci run's result as files: report.json (the versioned schema, CiRun.to_dict()), report.md (a pull-request
comment, also appended to $GITHUB_STEP_SUMMARY) and report.sarif (SARIF 2.1.0 for code scanning)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen.core.files import write_atomic
from iacgen.core.report.markdown import markdown
from iacgen.core.report.sarif import sarif

if TYPE_CHECKING:
    from iacgen.core.ci import CiRun

__all__ = ["ReportFiles", "markdown", "sarif", "write_reports"]


@dataclass(frozen=True)
class ReportFiles:
    json: Path
    markdown: Path
    sarif: Path
    step_summary: Path | None  # the file report.md was appended to, if any

    def to_dict(self) -> dict[str, Any]:
        return {k: str(v) if v else None for k, v in self.__dict__.items()}


REPORT_NAMES = ("report.json", "report.md", "report.sarif")
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"  # where CiRequest.step_summary comes from
STEP_SUMMARY_HINT = (
    "point GITHUB_STEP_SUMMARY at a file in an existing directory (GitHub Actions sets it), or unset it"
)
REPORT_DIR_HINT = "pass another {opt:report_dir}, or move what is in the way"


def check_step_summary(path: Path | None) -> None:
    """Before any AWS call: report.md can be appended to the step summary (else the run would end exit 2
    after all its work, with reports saying otherwise)."""
    from iacgen.core.files import check_appendable

    if path is not None:
        check_appendable(path, STEP_SUMMARY, STEP_SUMMARY_HINT)


def clear_reports(report_dir: Path) -> None:
    """Remove an earlier run's reports before a run starts: one that is interrupted (it writes none) must
    not leave the last verdict looking like its own."""
    for name in REPORT_NAMES:
        (report_dir / name).unlink(missing_ok=True)


def write_reports(run: CiRun, report_dir: Path, step_summary: Path | None = None) -> ReportFiles:
    """A run's three reports (each atomically); the Markdown also appended to the step summary if given."""
    return write_report_files(report_dir, run.to_dict(), markdown(run), sarif(run), step_summary)


def write_report_files(
    report_dir: Path, data: Any, md: str, sarif_log: Any, step_summary: Path | None
) -> ReportFiles:
    """report.json, report.md and report.sarif from their contents (one run's, or a fan-out's). The step
    summary first: if it cannot be written after all (ci checks it before the run), no report claims a
    verdict that the exit code then contradicts."""
    from iacgen.core.errors import from_os_error

    json_path, md_path, sarif_path = (report_dir / name for name in REPORT_NAMES)
    if step_summary is not None:
        try:
            with step_summary.open("a", encoding="utf-8") as summary:
                summary.write(md + "\n")
        except OSError as exc:
            raise (from_os_error(exc, STEP_SUMMARY, STEP_SUMMARY_HINT) or exc) from exc
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(json_path, json.dumps(data, indent=2) + "\n")
        write_atomic(md_path, md)
        write_atomic(sarif_path, json.dumps(sarif_log, indent=2) + "\n")
    except OSError as exc:
        raise (from_os_error(exc, "the report directory", REPORT_DIR_HINT) or exc) from exc
    return ReportFiles(json_path, md_path, sarif_path, step_summary)

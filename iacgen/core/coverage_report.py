"""A coverage result as a report file: Markdown (for a wiki page or a pull request) and CSV (for a
spreadsheet). Pure functions of the result; the CLI writes them (atomically) or prints them."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iacgen.core.coverage import Counts, CoverageResult

CSV_COLUMNS = ("account", "region", "status", "type", "found", "managed", "unmanaged", "share", "reason")


def percent(counts: Counts) -> str:
    share = counts.share
    return "-" if share is None else f"{100 * share:.1f}%"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    right = {"Found", "Managed", "Unmanaged", "Under IaC"}
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if h in right else "---" for h in header) + "|")
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return lines


def _figures(counts: Counts) -> list[str]:
    return [str(counts.found), str(counts.managed), str(counts.unmanaged), percent(counts)]


FIGURES = ["Found", "Managed", "Unmanaged", "Under IaC"]


def to_markdown(result: CoverageResult) -> str:
    overall = result.overall()
    accounts = sorted({t.account for t in result.targets})
    lines = ["# IaC coverage", ""]
    from iacgen.core.scans import plural

    summary = (
        f"{plural(len(result.targets), 'target')} in {plural(len(accounts), 'account')}: "
        f"{len(result.answered)} answered, "
        f"{len(result.incomplete)} without counts. Under IaC overall: {overall.managed} of {overall.found} "
        f"resources ({percent(overall)})."
    )
    if result.interrupted:
        summary += " The run was interrupted: the figures cover what was gathered."
    lines += [summary, ""]
    lines += ["## Totals", ""]
    rows = [["overall", *_figures(overall)]]
    rows += [[f"account {a}", *_figures(c)] for a, c in result.by_account().items()]
    rows += [[f"Region {r}", *_figures(c)] for r, c in result.by_region().items()]
    lines += [*_md_table(["Scope", *FIGURES], rows), ""]
    lines += ["## By target", ""]
    rows = []
    for t in result.targets:
        note = f"scan {t.scan_id} ({t.scan_action})" if t.scan_id else (t.reason or "")
        rows.append([t.account, t.region or "(all)", str(t.status), *_figures(t.totals), note])
    lines += [*_md_table(["Account", "Region", "Status", *FIGURES, "Scan or reason"], rows), ""]
    lines += ["## By resource type", ""]
    rows = [[type_name, *_figures(c)] for type_name, c in result.by_type().items()]
    lines += [*_md_table(["Type", *FIGURES], rows), ""]
    lines += ["## By target and type", ""]
    rows = [
        [t.account, t.region or "", type_name, *_figures(c)]
        for t in result.answered
        for type_name, c in t.by_type.items()
    ]
    lines += [*_md_table(["Account", "Region", "Type", *FIGURES], rows), ""]
    lines += [
        "IAM resources are global: every Region's scan lists them; totals by account, by type and overall "
        "count each once.",
        "",
    ]
    return "\n".join(lines)


def to_csv(result: CoverageResult) -> str:
    """One row per target and type; a target without counts is one row with its status and reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for t in result.targets:
        if not t.by_type:
            writer.writerow([t.account, t.region or "", str(t.status), "", 0, 0, 0, "", t.reason or ""])
        for type_name, c in t.by_type.items():
            share = "" if c.share is None else f"{c.share:.4f}"
            writer.writerow(
                [
                    t.account,
                    t.region or "",
                    str(t.status),
                    type_name,
                    c.found,
                    c.managed,
                    c.unmanaged,
                    share,
                    "",
                ]
            )
    return buffer.getvalue()

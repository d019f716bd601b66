"""report.md: the run for a pull-request comment or a GitHub step summary: the verdict and its reasons first,
then per template what would be imported, the warnings, lint, preflight, change set and drift."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iacgen.core.ci import CiRun, TemplateRun

_ICON = {"pass": "✅", "fail": "❌", "error": "⚠️"}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(run: CiRun) -> str:
    verdict = run.verdict.value
    resources = sum(len(t.resources) for t in run.templates)
    lines = [
        f"## iacgen ci: {_ICON[verdict]} {verdict.upper()} (exit {run.exit_code})",
        "",
        f"{len(run.templates)} template(s), {resources} resource(s) to import, Region {run.region}; "
        "a dry run: nothing was executed, and everything ci created was removed.",
        "",
    ]
    if run.reasons:
        lines += ["**Why it fails**", ""] + [f"- {_cell(r)}" for r in run.reasons] + [""]
    lines += [
        "| Template | Stack | To import | Warnings | cfn-lint | Preflight | Change set | Drift |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [_row(t) for t in run.templates]
    for t in run.templates:
        lines += _details(t)
    left = [c for c in run.cleanup if not c.removed]
    if left:
        lines += ["", "**Not cleaned up** (the next run retries):", ""]
        lines += [f"- {c.kind.value} `{c.id}`: {_cell(c.error)}" for c in left]
    calls = sum(run.api_calls.values())
    lines += ["", f"<sub>{calls} API calls; {sum(run.timings.values()):.1f} s</sub>", ""]
    return "\n".join(lines)


def _row(t: TemplateRun) -> str:
    stack = f"{t.stack} ({'new' if t.new_stack else 'existing'})" if t.new_stack is not None else t.stack
    warnings = Counter(w.type for r in t.warnings for w in r.warnings)
    warn_text = ", ".join(f"{k} {v}" for k, v in sorted(warnings.items())) or "none"
    lint = f"{len(t.lint.errors)} errors, {len(t.lint.warnings)} warnings" if t.lint else "not run"
    problems = [f for f in t.findings if f.kind.value == "preflight"]
    preflight = "failed" if problems else ("passed" if t.preflight else "not run")
    cs = t.change_set
    change_set = (
        f"{cs.status}, {len(cs.changes)} changes (deleted)"
        if cs
        else ("FAILED" if any(f.kind.value == "change_set" for f in t.findings) else "not created")
    )
    drift = "not measured"
    if t.drift is not None:
        d = t.drift.to_dict()
        drift = (
            f"{d['changed']} changed, {d['added']} added, {d['removed']} removed"
            if t.drift.drifted
            else "none"
        )
    if t.error:
        change_set = f"error: {t.error}"
    return (
        "| "
        + " | ".join(
            _cell(c) for c in (t.name, stack, len(t.resources), warn_text, lint, preflight, change_set, drift)
        )
        + " |"
    )


def _details(t: TemplateRun) -> list[str]:
    out = ["", f"<details><summary>{_cell(t.name)}: {len(t.resources)} resource(s) to import</summary>", ""]
    by_type = Counter(r.type for r in t.resources)
    out += [", ".join(f"{k} {v}" for k, v in sorted(by_type.items())) or "nothing", ""]
    if t.resources:
        out += ["| Logical id | Type | Identifier | Why |", "|---|---|---|---|"]
        for r in t.resources:
            ident = ", ".join(f"{k}={v}" for k, v in r.identifier.items())
            out.append(f"| {_cell(r.logical_id)} | {r.type} | {_cell(ident)} | {_cell(r.why)} |")
    notes = [f for f in t.findings if f.kind.value in ("lint", "preflight", "change_set", "drift", "secret")]
    if notes:
        out += ["", "| Finding | Resource | Message |", "|---|---|---|"]
        for f in notes:
            mark = "❌ " if f.fails else ""
            out.append(
                f"| {mark}{f.kind.value} {f.rule} | {_cell(f.logical_id or '')} | {_cell(f.message)} |"
            )
    out += ["", "</details>"]
    return out

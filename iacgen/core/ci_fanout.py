"""`iacgen ci` fanned out: when the manifest names `targets` (account x Region), the whole plan runs once per
target, on a bounded pool, each with its own client factory (the caller's credentials in its own account,
an assumed role elsewhere), its own state directory and its own report directory, so nothing in one target's
plan touches another's. One report covers them all: a section per target and one verdict (error if any
target errored, else fail if any failed, else pass).

Ctrl-C stops starting targets; the ones running finish their own clean-up (ci never leaves what it created)
before the run returns, marked interrupted.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen.core import accounts
from iacgen.core.ci import REPORT_SCHEMA_VERSION, CiRequest, CiRun, Verdict, run_ci
from iacgen.core.errors import IacgenError, aws_error
from iacgen.core.reporter import NullReporter, ProgressEvent, Reporter

if TYPE_CHECKING:
    from iacgen.core.manifest import Target
    from iacgen.core.session import Aws
    from iacgen.core.workspace import Workspace

_ORDER = {Verdict.PASS: 0, Verdict.FAIL: 1, Verdict.ERROR: 2}


class _Prefixed:
    """A target's narration, prefixed with its name and serialised; progress bars are left out (several
    targets cannot share one bar)."""

    def __init__(self, inner: Reporter, name: str, lock: threading.Lock) -> None:
        self.inner, self.name, self.lock = inner, name, lock

    def info(self, message: str) -> None:
        with self.lock:
            self.inner.info(f"[{self.name}] {message}")

    def warn(self, message: str) -> None:
        with self.lock:
            self.inner.warn(f"[{self.name}] {message}")

    def progress(self, event: ProgressEvent) -> None:
        pass


@dataclass
class TargetRun:
    name: str
    account: str
    region: str
    run: CiRun | None = None
    error: str | None = None  # the target could not be reached (role, Region) or did not start
    report_dir: Path | None = None

    @property
    def verdict(self) -> Verdict:
        return self.run.verdict if self.run is not None and not self.error else Verdict.ERROR

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "account": self.account,
            "region": self.region,
            "verdict": self.verdict.value,
            "error": self.error,
            "report_dir": str(self.report_dir) if self.report_dir else None,
            "report": self.run.to_dict() if self.run is not None else None,
        }


@dataclass
class FanoutRun:
    manifest: str
    targets: list[TargetRun] = field(default_factory=list)
    interrupted: bool = False
    report_dir: Path | None = None

    @property
    def verdict(self) -> Verdict:
        if self.interrupted:
            return Verdict.ERROR
        return max((t.verdict for t in self.targets), key=_ORDER.__getitem__, default=Verdict.PASS)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def reasons(self) -> list[str]:
        out: list[str] = []
        for t in self.targets:
            if t.error:
                out.append(f"{t.name}: {t.error}")
            elif t.run is not None:
                out += [f"{t.name}: {r}" for r in t.run.reasons]
        return out + (["interrupted"] if self.interrupted else [])

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "tool": "iacgen",
            "manifest": self.manifest,
            "verdict": self.verdict.value,
            "exit_code": self.exit_code,
            "reasons": self.reasons,
            "interrupted": self.interrupted,
            "targets": [t.to_dict() for t in self.targets],
        }


def _key(target: Target, account: str) -> str:
    return target.name or f"{account}-{target.region}"


def _one(
    workspace: Workspace,
    aws: Aws,
    who: accounts.Caller,
    target: Target,
    request: CiRequest,
    reporter: Reporter,
    stop: threading.Event,
) -> TargetRun:
    from iacgen.core.workspace import Workspace as _Workspace

    account = target.account or who.account
    name = _key(target, account)
    report_dir = request.report_dir / "targets" / name
    out = TargetRun(name, account, target.region, report_dir=report_dir)
    if stop.is_set():
        out.error = "interrupted before it started"
        return out
    try:
        child = accounts.reach(
            aws.derive(aws.region),  # this thread's own STS client
            who,
            account,
            target.region,
            role_name=target.role_name,
            external_id=target.external_id,
            session_name="iacgen-ci",
        )
    except Exception as exc:
        translated = aws_error(exc, f"assume {target.role_name} in {account}")
        out.error = translated.message if isinstance(translated, IacgenError) else str(translated)
        out.report_dir = None  # nothing ran there: no report of its own
        reporter.warn(out.error)
        return out
    state = _Workspace(workspace.state_dir / "targets" / name)
    sub = dataclasses.replace(request, report_dir=report_dir, step_summary=None)
    out.run = run_ci(state, child, sub, reporter)
    return out


def run_targets(
    workspace: Workspace,
    aws: Aws,
    request: CiRequest,
    targets: list[Target],
    reporter: Reporter | None = None,
    *,
    max_workers: int = accounts.DEFAULT_MAX_WORKERS,
) -> FanoutRun:
    """The plan for every target, `max_workers` at a time; one report in request.report_dir."""
    from iacgen.core.files import check_creatable
    from iacgen.core.report import REPORT_NAMES, clear_reports

    check_creatable(request.report_dir / REPORT_NAMES[0])
    clear_reports(request.report_dir)
    report = reporter or NullReporter()
    lock = threading.Lock()
    stop = threading.Event()
    who = accounts.caller(aws)
    run = FanoutRun(manifest=str(request.config), report_dir=request.report_dir)
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="iacgen-ci")
    futures: list[Future[TargetRun]] = []
    for target in targets:
        prefixed = _Prefixed(report, _key(target, target.account or who.account), lock)
        futures.append(pool.submit(_one, workspace, aws, who, target, request, prefixed, stop))
    try:
        wait(futures)
    except KeyboardInterrupt:
        stop.set()
        run.interrupted = True
        wait(futures)  # the running targets clean up what they created before we return
    finally:
        pool.shutdown(wait=True)
    run.targets = [f.result() for f in futures]
    write_reports(run, request.report_dir, request.step_summary)
    return run


def markdown(run: FanoutRun) -> str:
    from iacgen.core.report.markdown import _ICON
    from iacgen.core.report.markdown import markdown as target_markdown

    verdict = run.verdict.value
    lines = [
        f"## iacgen ci: {_ICON[verdict]} {verdict.upper()} (exit {run.exit_code}) over "
        f"{len(run.targets)} targets",
        "",
        "| Target | Account | Region | Verdict |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t.name} | {t.account} | {t.region} | {t.verdict.value} |" for t in run.targets]
    lines.append("")
    if run.reasons:
        lines += ["**Why it fails**", ""] + [f"- {r}" for r in run.reasons] + [""]
    for t in run.targets:
        lines += [f"### Target {t.name} ({t.account}, {t.region})", ""]
        if t.run is None:
            lines += [f"Not run: {t.error}", ""]
            continue
        for line in target_markdown(t.run).splitlines():
            lines.append("##" + line if line.startswith("#") else line)
        lines.append("")
    return "\n".join(lines)


def sarif(run: FanoutRun) -> dict[str, Any]:
    """One SARIF log, one `run` per target that ran (SARIF allows several)."""
    from iacgen.core.report.sarif import sarif as target_sarif

    logs = [target_sarif(t.run) for t in run.targets if t.run is not None]
    if not logs:
        return {"version": "2.1.0", "runs": []}
    merged = dict(logs[0])
    merged["runs"] = [r for log in logs for r in log["runs"]]
    return merged


def write_reports(run: FanoutRun, report_dir: Path, step_summary: Path | None) -> None:
    from iacgen.core.report import write_report_files

    write_report_files(report_dir, run.to_dict(), markdown(run), sarif(run), step_summary)


def run_manifest(
    workspace: Workspace,
    aws: Aws,
    request: CiRequest,
    reporter: Reporter | None = None,
    *,
    max_workers: int = accounts.DEFAULT_MAX_WORKERS,
) -> CiRun | FanoutRun:
    """What `iacgen ci` runs: the plan once (no `targets:` in the manifest), or once per target."""
    from iacgen.core.manifest import load_manifest

    accounts.check_max_workers(max_workers)
    manifest = load_manifest(request.config)
    if not manifest.targets:
        return run_ci(workspace, aws, request, reporter)
    return run_targets(workspace, aws, request, list(manifest.targets), reporter, max_workers=max_workers)

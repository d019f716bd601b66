"""cfn-lint on a template body, as a library: typed findings that `ci` puts in its verdict (errors fail the
plan; warnings and informational findings are reported) and in the SARIF report (rule, line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from iacgen.core.errors import UsageError

Level = Literal["error", "warning", "info"]

_LEVELS: dict[str, Level] = {"error": "error", "warning": "warning", "informational": "info"}


@dataclass(frozen=True)
class LintRule:
    id: str  # E3002
    short: str  # cfn-lint's one-line description
    description: str
    url: str  # where the rule is documented

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "short": self.short, "description": self.description, "url": self.url}


@dataclass(frozen=True)
class LintFinding:
    rule: LintRule
    level: Level
    message: str
    logical_id: str | None  # the resource the finding is under, if any
    path: str  # Resources.EC2VPC.Properties.Bogus
    line: int | None  # 1-based, in the linted body

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "level": self.level,
            "message": self.message,
            "logical_id": self.logical_id,
            "path": self.path,
            "line": self.line,
        }


@dataclass(frozen=True)
class LintResult:
    findings: list[LintFinding]
    version: str  # cfn-lint's version, for the report

    @property
    def errors(self) -> list[LintFinding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[LintFinding]:
        return [f for f in self.findings if f.level != "error"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cfn_lint_version": self.version,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
        }


def lint_template(body: str, region: str, ignore: tuple[str, ...] = ()) -> LintResult:
    """Every cfn-lint finding on `body` for `region`; `ignore` lists rule ids (or prefixes) to leave out."""
    from importlib.metadata import version

    try:
        from cfnlint.api import ManualArgs, lint
    except ImportError as exc:  # pragma: no cover - cfn-lint is a dependency
        raise UsageError(f"cfn-lint is not installed: {exc}", "pip install cfn-lint") from None
    matches = lint(body, config=ManualArgs(regions=[region], ignore_checks=list(ignore)))
    findings = [_finding(m) for m in matches]
    findings.sort(key=lambda f: (f.line or 0, f.rule.id))
    return LintResult(findings, version("cfn-lint"))


def _finding(match: Any) -> LintFinding:
    rule = match.rule
    path = [str(p) for p in (getattr(match, "path", None) or [])]
    logical_id = path[1] if len(path) > 1 and path[0] == "Resources" else None
    line = getattr(match, "linenumber", None)
    return LintFinding(
        rule=LintRule(
            id=str(rule.id),
            short=str(getattr(rule, "shortdesc", "") or ""),
            description=str(getattr(rule, "description", "") or ""),
            url=str(getattr(rule, "source_url", "") or ""),
        ),
        level=_LEVELS.get(str(getattr(rule, "severity", "error")).lower(), "error"),
        message=str(match.message),
        logical_id=logical_id,
        path=".".join(path),
        line=int(line) if isinstance(line, int) and line > 0 else None,
    )

"""report.sarif: SARIF 2.1.0, one result per generator warning, cfn-lint finding, preflight failure, failed
change set and drift item. Each is located at its resource's line in the committed template (the path as the
manifest names it) when the resource is there, else in the generated copy ci wrote into the report dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen import __version__

if TYPE_CHECKING:
    from iacgen.core.ci import CiRun, Finding, TemplateRun

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/iacgen/iacgen#ci"

_DRIFT_HELP = {
    "drift-added": "The account has a resource the committed template lacks: someone created it by hand, or "
    "the selection now matches more. Commit the regenerated template (in the report dir) or narrow the "
    "selection.",
    "drift-removed": "The committed template has a resource the generator no longer writes: it was deleted, "
    "renamed, or left the selection. Remove it from the template or fix the selection.",
    "drift-changed": "The resource's properties in the account differ from the committed template (policies "
    "and Metadata are ignored). Commit the regenerated values, or change the resource back.",
}
_OTHER_HELP = {
    "preflight": "An import check failed before any change set was created (identifiers, ownership by "
    "another stack, body size, parameters, stack state). The message says which and how to fix it.",
    "literal-secret": "A value in the template looks like a secret (by its property or variable name, or "
    "its shape: an access key, a private key, a password in a URL or connection string). Committed, it would "
    "be in the repository and in the stack's template. `iacgen patch TEMPLATE --secrets` makes each a NoEcho "
    "parameter; ci passes its value from the manifest's parameters (an environment variable or a dynamic "
    "reference).",
    "change-set-failed": "CloudFormation refused the IMPORT change set; its StatusReason is in the message. "
    "ci deleted the failed change set.",
}


def _uri(path: Path) -> str:
    return path.as_posix().removeprefix("./")


class _Locator:
    """Where a template run's logical ids are: the committed file first, else ci's generated copy."""

    def __init__(self, tr: TemplateRun) -> None:
        from iacgen.core.template import load_template, read_template_file

        self.committed: dict[str, int] = {}
        self.generated: dict[str, int] = {}
        self.to_committed = tr.drift.matches if tr.drift else {}
        self.committed_path = tr.committed_path
        self.generated_path = tr.generated_path
        for path, lines in ((tr.committed_path, self.committed), (tr.generated_path, self.generated)):
            if path is None or not path.exists() or (lines is self.committed and tr.drift is None):
                continue
            try:
                resources = load_template(read_template_file(path), source=str(path)).resources()
            except Exception:  # a committed file that does not parse has no lines to point at
                continue
            lines.update({lid: r.line for lid, r in resources.items() if r.line})

    def locate(self, finding: Finding) -> tuple[Path, int] | None:
        from iacgen.core.ci import FindingKind

        lid = finding.logical_id
        if lid is not None:
            # Drift items name the committed logical id (added: the generated id); others the generated one.
            committed_lid = lid if finding.kind is FindingKind.DRIFT else self.to_committed.get(lid)
            if finding.rule != "drift-added" and committed_lid in self.committed:
                return self.committed_path, self.committed[committed_lid]
            if lid in self.generated and self.generated_path is not None:
                return self.generated_path, self.generated[lid]
        path = self.committed_path if self.committed else self.generated_path
        return (path, 1) if path is not None else None


def sarif(run: CiRun) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for tr in run.templates:
        locator = _Locator(tr)
        help_of = _help_for(tr)
        for finding in tr.findings:
            if finding.rule not in rules:
                rules[finding.rule] = _rule(finding, help_of)
            result: dict[str, Any] = {
                "ruleId": finding.rule,
                "ruleIndex": list(rules).index(finding.rule),
                "level": finding.level,
                "message": {"text": f"{tr.name}: {finding.message}"},
                "properties": {"template": tr.name, "kind": finding.kind.value, "fails": finding.fails},
            }
            where = locator.locate(finding)
            if where is not None:
                location: dict[str, Any] = {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(where[0])},
                        "region": {"startLine": where[1]},
                    }
                }
                if finding.logical_id:
                    location["logicalLocations"] = [{"name": finding.logical_id, "kind": "resource"}]
                result["locations"] = [location]
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iacgen",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }


def _help_for(tr: TemplateRun) -> Callable[[str], tuple[str, str, str | None]]:
    """(short description, help text, help URI) for a rule id seen in this template run."""
    from iacgen.core.template_warnings import advice_for

    lint_rules = {f.rule.id: f.rule for f in (tr.lint.findings if tr.lint else [])}

    def lookup(rule: str) -> tuple[str, str, str | None]:
        if rule in lint_rules:
            r = lint_rules[rule]
            return f"cfn-lint {r.id}: {r.short}", r.description or r.short, r.url or None
        if rule in _DRIFT_HELP:
            kind = rule.removeprefix("drift-")
            return f"drift: resource {kind}", _DRIFT_HELP[rule], None
        if rule in _OTHER_HELP:
            return rule.replace("-", " "), _OTHER_HELP[rule], None
        _, advice = advice_for(rule, False)
        return f"IaC generator warning {rule}", advice, None

    return lookup


def _rule(finding: Finding, help_of: Callable[[str], tuple[str, str, str | None]]) -> dict[str, Any]:
    short, text, uri = help_of(finding.rule)
    rule: dict[str, Any] = {
        "id": finding.rule,
        "name": finding.rule.replace("-", "_"),
        "shortDescription": {"text": short},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": text + (f" ([docs]({uri}))" if uri else "")},
        "defaultConfiguration": {"level": finding.level},
        "properties": {"kind": finding.kind.value},
    }
    if uri:
        rule["helpUri"] = uri
    return rule

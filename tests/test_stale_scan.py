"""After an import, a scan from before it still lists what the import adopted as managed by no stack. So
`iacgen scan` no longer reuses such a scan, and `generate` from one warns; a selection made from the new
scan leaves the adopted resources out, and nothing fails at the change set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3


def test_a_scan_older_than_the_last_import_is_not_reused_and_generate_warns_about_it(
    cli: Any, workshop: Any, local_settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    local_settings.configure(scan_seconds=0, template_seconds=0)
    assert cli("scan").exit_code == 0
    old_scan = json.loads(Path(".iacgen/state.json").read_text())["scan_id"]
    first = cli("generate", "net", "--select", f"id={workshop.vpc_id}")
    assert first.exit_code == 0, first.stderr
    assert cli("import", "--stack", "net", "--execute", "--no-verify").exit_code == 0

    # generating from the old scan again: it still shows the VPC as unmanaged, and iacgen says so
    again = cli("generate", "again", "--select", f"id={workshop.vpc_id}", "--scan-id", old_scan)
    assert again.exit_code == 0, again.stderr
    assert "started before the import into stack net" in " ".join(again.stderr.split())

    rescan = cli("--output", "json", "scan")
    assert rescan.exit_code == 0, rescan.stderr
    assert rescan.json()["scan"]["scan_id"] != old_scan and rescan.json()["action"] == "started"
    fresh = cli("generate", "fresh", "--select", "tag:Name=workshop")
    assert fresh.exit_code == 0, fresh.stderr
    assert "started before the import" not in fresh.stderr
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    owned = {r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="net")["StackResources"]}
    assert workshop.vpc_id in owned
    listed = json.loads(Path("fresh.resources.json").read_text())
    assert listed and not owned & {"|".join(e["ResourceIdentifier"].values()) for e in listed}
    dry = cli("import", "--stack", "fresh", "--dry-run")  # nothing in it belongs to another stack
    assert dry.exit_code == 0, dry.stderr

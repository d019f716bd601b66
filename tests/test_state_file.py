"""The state file through the CLI: one clear line and exit 2 for a state file iacgen cannot use (never 70),
the file left as it was; the state directory private to the user; and two iacgen processes in one directory
keeping both their records."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.test_interrupt import env, iacgen, run, saved_state, slow_cloud  # noqa: F401  (fixture)

BAD_STATES: list[tuple[str, bytes, str]] = [
    ("wrong type", json.dumps({"scan_id": 7}).encode(), "state.json: scan_id: expected a string or null"),
    ("templates a list", json.dumps({"templates": []}).encode(), "templates: expected an object, got a list"),
    (
        "record field",
        json.dumps({"templates": {"web": {"name": "web", "stack": ["x"]}}}).encode(),
        "templates.web.stack: expected a string, got a list",
    ),
    ("not UTF-8", b'{"scan_id": "\xff\xfe"}', "is not UTF-8 text (byte 13)"),
    ("not JSON", b'{"scan_id": ', "state.json:1:13: not valid JSON"),
    ("not an object", b"[1, 2]", "is not a JSON object"),
]


@pytest.mark.parametrize(("case", "content", "expected"), BAD_STATES, ids=[c[0] for c in BAD_STATES])
def test_a_state_file_iacgen_cannot_use_is_exit_2_with_one_line(
    cli: Any, cloud: None, case: str, content: bytes, expected: str
) -> None:
    Path(".iacgen").mkdir()
    Path(".iacgen/state.json").write_bytes(content)
    for args in (["warnings"], ["scan"], ["import", "--stack", "s", "--dry-run"]):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert lines[0].startswith("error: .iacgen/state.json") and expected in lines[0], lines
        assert lines[1].startswith("hint: fix or delete .iacgen/state.json"), lines
        assert "Traceback" not in result.stderr
        assert Path(".iacgen/state.json").read_bytes() == content


def test_a_state_dir_that_is_a_file_is_exit_2(cli: Any, cloud: None) -> None:
    Path("st").write_text("mine")
    for args in (["scan"], ["warnings"]):
        result = cli("--state-dir", "st", *args)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.splitlines()[0] == "error: the state directory st is not a directory"
    assert Path("st").read_text() == "mine"


def test_the_state_directory_is_private_and_holds_ids_only(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    assert cli("-q", "generate", "ws", "--select", "type=AWS::EC2::KeyPair").exit_code == 0
    assert stat.S_IMODE(os.stat(".iacgen").st_mode) == 0o700
    for name in ("state.json", "state.lock"):
        assert stat.S_IMODE(os.stat(f".iacgen/{name}").st_mode) == 0o600, name
    state = json.loads(Path(".iacgen/state.json").read_text())
    assert set(state) == {
        "region", "scan_id", "templates", "last_template", "pending_change_sets", "sets", "last_import"
    }  # fmt: skip
    assert set(state["templates"]["ws"]) == {
        "name",
        "generated_template_id",
        "template_path",
        "resources_path",
        "template_sha256",
        "stack",
        "select",
        "exclude",
        "related",
        "related_depth",
        "deletion_policy",
        "update_replace_policy",
        "retain_vpc_defaults",
        "allow_delete_policy",
        "written",
    }
    assert "testing" not in Path(".iacgen/state.json").read_text()  # the access key and secret of the tests


@pytest.mark.parametrize("slow_cloud", [{"template_seconds": 2}], indirect=True)
def test_two_commands_in_one_directory_keep_both_records(slow_cloud: str) -> None:  # noqa: F811
    """Two generate commands at once against the local cloud server; each records its template when it ends.
    Without the lock and the re-read under it, the one that saves last drops the other's record."""
    assert run("local", "seed", "workshop").returncode == 0
    assert run("-q", "scan").returncode == 0
    procs = [
        subprocess.Popen(
            iacgen("-q", "generate", name, "--select", select),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        for name, select in (("one", "type=AWS::EC2::KeyPair"), ("two", "type=AWS::EC2::Instance"))
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    state = saved_state()
    assert set(state["templates"]) == {"one", "two"}
    assert state["templates"]["one"]["template_path"] == "one.yaml"
    assert state["templates"]["two"]["template_path"] == "two.yaml"
    assert state["last_template"] in ("one", "two") and state["scan_id"]

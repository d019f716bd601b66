"""The workspace: the state file under its lock, read-modify-write that keeps other writers' records."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from iacgen.core.errors import UsageError
from iacgen.core.state import State, TemplateRecord
from iacgen.core.workspace import Workspace


def test_update_saves_only_a_completed_block(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "state")
    with ws.update() as state:
        state.scan_id = "scan-1"
    assert ws.load().scan_id == "scan-1"
    with pytest.raises(RuntimeError), ws.update() as state:
        state.scan_id = "scan-2"
        raise RuntimeError("interrupted half way")
    assert ws.load().scan_id == "scan-1"
    assert json.loads(ws.state_path.read_text())["scan_id"] == "scan-1"


def test_update_rereads_under_the_lock_so_no_writer_loses_records(tmp_path: Path) -> None:
    """Two writers, each adding its own records; each block reads, waits a moment (to widen the window a
    lost update needs), then writes. Without the lock and the re-read, records vanish."""
    ws = Workspace(tmp_path / "state")
    per_writer = 15

    def writer(prefix: str) -> None:
        mine = Workspace(tmp_path / "state")  # its own object: its own lock file descriptor
        for i in range(per_writer):
            with mine.update() as state:
                time.sleep(0.002)
                state.templates[f"{prefix}{i}"] = TemplateRecord(f"{prefix}{i}")

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    names = set(ws.load().templates)
    assert names == {f"{p}{i}" for p in ("a", "b") for i in range(per_writer)}


def test_a_stale_state_object_saved_by_a_step_does_not_drop_another_record(tmp_path: Path) -> None:
    """What used to happen: a command loads the state, another command records a template, the first saves
    what it loaded. update() re-reads, so both records survive."""
    ws = Workspace(tmp_path / "state")
    ws.save(State(scan_id="s"))
    stale = ws.load()
    with ws.update() as state:
        state.templates["other"] = TemplateRecord("other")
    with ws.update() as state:
        state.scan_id = stale.scan_id
        state.templates["mine"] = TemplateRecord("mine")
    assert set(ws.load().templates) == {"other", "mine"}


def test_a_state_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a directory")
    ws = Workspace(tmp_path / "state")
    with pytest.raises(UsageError, match="is not a directory"), ws.update():
        pass
    assert (tmp_path / "state").read_text() == "not a directory"


def test_default_paths(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "state")
    assert ws.template_path("net", "yaml") == Path("net.yaml")
    assert ws.template_path("net", "JSON") == Path("net.json")
    assert ws.resources_path(Path("out/t.yaml")) == Path("out/t.resources.json")
    ws.save(
        State(
            templates={"net": TemplateRecord("net", None, "gen/net.yaml", "gen/ids.json")},
            last_template="net",
        )
    )
    files = ws.import_files(None, None)
    assert (files.template, files.resources) == (Path("gen/net.yaml"), Path("gen/ids.json"))
    assert files.note and "last generated template (net)" in files.note
    assert ws.import_files(Path("gen/net.yaml"), None).resources == Path("gen/ids.json")

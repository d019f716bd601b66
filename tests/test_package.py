"""iacgen built and checked like a package: wheel and sdist, their metadata, and the wheel installed into a
clean venv outside the source tree, first without the local extra (the product) and then with it.

Missing package data, a dependency only the dev venv has, or a module-level import of moto in the product all
fail here, not on a user's machine. It needs uv (a dev dependency) and PyPI or uv's cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import iacgen

SOURCE = Path(iacgen.__file__).parent.parent
SKIP = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.egg-info", "build", "dist", ".iacgen", ".*_cache", "tests"
)


def _uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert found, "uv is a dev dependency: install with ./scripts/test (or pip install uv)"
    return found


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{done.args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.package
def test_wheel_and_sdist_build_check_and_install_lean_then_with_the_local_extra(tmp_path: Path) -> None:
    uv = _uv()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    # a copy of the source, so the build never writes into the tree under test (egg-info, build/)
    src = tmp_path / "src"
    shutil.copytree(SOURCE, src, ignore=SKIP)
    dist = tmp_path / "dist"
    _ok(_run(uv, "build", "--quiet", "--out-dir", dist, src, cwd=tmp_path, env=env))  # sdist, wheel from it
    wheels = sorted(dist.glob("iacgen-*.whl"))
    sdists = sorted(dist.glob("iacgen-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist.iterdir())
    assert wheels[0].name.startswith(f"iacgen-{iacgen.__version__}-py3-none-any")
    twine = Path(sys.executable).with_name("twine")
    checked = _ok(_run(twine, "check", "--strict", *wheels, *sdists, cwd=tmp_path, env=env))
    assert checked.count("PASSED") == 2, checked

    venv = tmp_path / "venv"
    _ok(_run(uv, "venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path, env=env))
    python = venv / "bin" / "python"
    _ok(_run(uv, "pip", "install", "--quiet", "--python", python, wheels[0], cwd=tmp_path, env=env))
    bin_iacgen = venv / "bin" / "iacgen"
    away = tmp_path / "elsewhere"  # not the source tree: only the installed package can answer
    away.mkdir()
    env_run = {**env, "IACGEN_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}

    where = _ok(_run(python, "-c", "import iacgen; print(iacgen.__file__)", cwd=away, env=env_run))
    assert Path(where.strip()).is_relative_to(venv)
    lean = _run(python, "-c", "import moto", cwd=away, env=env_run)
    assert lean.returncode != 0 and "No module named 'moto'" in lean.stderr  # the product brings no moto

    assert _ok(_run(bin_iacgen, "--version", cwd=away, env=env_run)) == f"iacgen {iacgen.__version__}\n"
    assert "Commands:" in _ok(_run(bin_iacgen, "--help", cwd=away, env=env_run))
    assert "--type TYPE" in _ok(_run(bin_iacgen, "scan", "--help", cwd=away, env=env_run))
    start = _run(bin_iacgen, "local", "start", cwd=away, env=env_run)
    assert start.returncode == 2, start.stderr
    assert "pip install 'iacgen[local]'" in start.stderr and "Traceback" not in start.stderr
    assert not (tmp_path / "home" / "local.json").exists()  # nothing was started

    extra = f"iacgen[local] @ {wheels[0].as_uri()}"
    _ok(_run(uv, "pip", "install", "--quiet", "--python", python, extra, cwd=tmp_path, env=env))
    demo_args = ("-o", "json", "-q", "demo", "--pace", "0", "--dir", tmp_path / "demo")
    demo = _run(bin_iacgen, *demo_args, cwd=away, env=env_run)
    proof = json.loads(_ok(demo))
    assert proof["status"] == "IMPORT_COMPLETE"
    assert proof["resources"] and all(row["same"] for row in proof["resources"])

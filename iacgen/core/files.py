"""Atomic writes: a file the tool writes is complete or absent, never half-written; and into a directory
that exists: a missing one is bad input, not created (a typo in --out must not build a tree somewhere)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`. The file keeps its permissions;
    a new one gets 0644, or `mode` when given (which then applies to an existing file too). A symbolic link
    is followed: its target is replaced (in the target's directory) and the link stays a link. A directory
    in the way, or a directory that does not exist, is bad input (check_writable), not a crash."""
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    check_writable(path)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(path: Path) -> None:
    """Whether write_atomic(path) can succeed, asked before the work that produces the data (a generation
    in the service, a coverage run): its directory must exist and be one this user can write. A missing
    directory is not created, as cp, tee and the AWS CLI do not: the one rule for every command's --out."""
    from iacgen.core.errors import UsageError

    if path.is_dir():
        raise UsageError(f"{path} is a directory", "give a file path to write")
    parent = path.parent
    if not parent.exists():
        existing = parent.parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.exists() and not existing.is_dir():
            raise UsageError(
                f"{existing} is not a directory, so {path} cannot be written", "give another path"
            )
        raise UsageError(
            f"directory {parent} does not exist, so {path} cannot be written",
            f"create it first (mkdir -p {parent}), or give another path",
        )
    _check_directory(parent, path)


def check_creatable(path: Path) -> None:
    """Whether `path` can be written where iacgen makes the directories itself (a report directory, not an
    --out): the nearest existing directory on the way must be a directory this user can write."""
    from iacgen.core.errors import UsageError

    if path.is_dir():
        raise UsageError(f"{path} is a directory", "give a file path to write")
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    _check_directory(existing, path)


def _check_directory(directory: Path, path: Path) -> None:
    from iacgen.core.errors import UsageError

    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory, so {path} cannot be written", "give another path")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{directory}: permission denied, so {path} cannot be written", "give another path")

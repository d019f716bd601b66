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


def check_writable(
    path: Path, what: str | None = None, hint: str = "give another path", *, make_dirs: bool = False
) -> None:
    """Whether write_atomic(path) can succeed, asked before the work that produces the data (a generation
    in the service, a coverage run). Its directory must exist, as cp, tee and the AWS CLI want (the one rule
    for every command's --out); with `make_dirs` (a report directory iacgen makes itself) the nearest
    existing directory on the way must be one. Writing there is tried (a directory made and removed at
    once): permission bits say nothing to root, nor about a read-only or virtual file system (/proc).
    `what` names the path for the user (the report directory), `hint` the way out."""
    from iacgen.core.errors import UsageError

    label = f"{what}: " if what else ""
    if path.is_dir():
        raise UsageError(f"{label}{path} is a directory", hint)
    parent = path.parent
    if not parent.exists():
        existing = parent.parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.exists() and not existing.is_dir():
            raise UsageError(f"{label}{existing} is not a directory, so {path} cannot be written", hint)
        if not make_dirs:
            raise UsageError(
                f"{label}directory {parent} does not exist, so {path} cannot be written",
                f"create it first (mkdir -p {parent}), or give another path",
            )
        parent = existing
    if not parent.is_dir():
        raise UsageError(f"{label}{parent} is not a directory, so {path} cannot be written", hint)
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".iacgen-probe-", dir=parent))
    except OSError as exc:
        raise UsageError(
            f"{label}{path} cannot be written: {parent}: {exc.strerror or type(exc).__name__}", hint
        ) from None


def check_appendable(path: Path, what: str, hint: str) -> None:
    """Whether text can be appended to `path` (a step summary), asked before any work: appending creates
    the file but no directory, so its directory must exist; an existing file must open for writing (without
    blocking: a FIFO nobody reads is refused). `what` names the path for the user (GITHUB_STEP_SUMMARY)."""
    from iacgen.core.errors import UsageError

    where = f"{what}={path}"
    if path.is_dir():
        raise UsageError(f"{where} is a directory, not a file to append to", hint)
    if not path.parent.is_dir():
        raise UsageError(f"{where}: {path.parent} is not an existing directory", hint)
    try:
        if path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
        else:
            os.rmdir(tempfile.mkdtemp(prefix=".iacgen-probe-", dir=path.parent))  # made and gone at once
    except OSError as exc:
        raise UsageError(f"{where} cannot be written: {exc.strerror or exc}", hint) from None

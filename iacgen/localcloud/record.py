"""Where `iacgen local start` records the background server (pid, endpoint). No moto import: the CLI reads it
for --local on every command, and `iacgen --help` must stay fast."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServerRecord:
    pid: int
    host: str
    port: int
    log_path: str

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def record_path() -> Path:
    home = os.environ.get("IACGEN_HOME")
    base = Path(home) if home else Path.home() / ".iacgen"
    return base / "local.json"


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """Hold the exclusive lock beside the record (local.lock) for a whole start or stop: two `local start`s
    at once would otherwise both find no record, both spawn a server, and record whichever wrote last."""
    path = record_path().with_name("local.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_record() -> ServerRecord | None:
    path = record_path()
    try:
        data = json.loads(path.read_text())
        return ServerRecord(
            pid=int(data["pid"]),
            host=str(data["host"]),
            port=int(data["port"]),
            log_path=str(data["log_path"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(record: ServerRecord) -> None:
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(record)) + "\n")
    os.replace(tmp, path)


def clear_record() -> None:
    record_path().unlink(missing_ok=True)

"""The local cloud as an HTTP endpoint for out-of-process clients (AWS CLI, boto3 with endpoint_url).

moto's own ``moto_server`` does not load our extension, and its ThreadedMotoServer hangs when the port is
taken, so this module binds the socket itself (a taken port is a clear error), installs the extension in the
serving process, and records a background server (pid, endpoint, log) for ``--local`` and
``iacgen local stop``.
Loopback by default: the emulator has no authentication.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from iacgen.localcloud.record import (
    ServerRecord,
    clear_record,
    locked,
    read_record,
    record_path,
    write_record,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
PID_ROUTE = "/_iacgen/pid"


class ServerError(Exception):
    """The server cannot start, or another is in the way. Carries a hint, like iacgen's own errors."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    answering: bool
    record: ServerRecord | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "answering": self.answering,
            "endpoint_url": self.record.endpoint_url if self.record else None,
            "pid": self.record.pid if self.record else None,
            "log_path": self.record.log_path if self.record else None,
        }


def record_dict(record: ServerRecord) -> dict[str, Any]:
    return {**asdict(record), "endpoint_url": record.endpoint_url}


def make_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Any:
    """A bound (not yet serving) werkzeug server running moto with the local cloud's extension."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server as werkzeug_server

    from iacgen.localcloud import install

    install()
    app = _with_iacgen_routes(DomainDispatcherApplication(create_backend_app))
    if port:
        _port_free(host, port)  # werkzeug prints and exits on a taken port; say it our way first
    try:
        return werkzeug_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    except OSError as exc:
        raise _bind_error(host, port, exc) from exc
    except SystemExit as exc:  # lost a race for the port after the check
        raise ServerError(f"cannot listen on {host}:{port}", "pick another --port") from exc


def _with_iacgen_routes(app: Any) -> Any:
    """The moto app, plus POST /_iacgen/seed/sprawl?resources=N&region=R: the sprawl is built from moto's
    state directly, so it must run in the serving process (no AWS API creates 100,000 resources quickly);
    and GET /_iacgen/pid, the serving process's pid, so `start` and `status` know that the server answering
    on the port is the one recorded, not another that took the port first."""
    import json
    from urllib.parse import parse_qs

    from iacgen.localcloud import sprawl

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == PID_ROUTE:
            body = json.dumps({"pid": os.getpid()}).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        if environ.get("PATH_INFO") != sprawl.ROUTE:
            return app(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise ValueError("use POST")
            resources = int(query.get("resources", [""])[0])
            region = query.get("region", [sprawl.DEFAULT_REGION])[0]
            status, data = "200 OK", sprawl.seed(resources, region=region).to_dict()
        except ValueError as exc:
            status, data = "400 Bad Request", {"error": str(exc)}
        body = json.dumps(data).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


def _bind_error(host: str, port: int, exc: OSError) -> ServerError:
    if exc.errno == errno.EADDRINUSE:
        return ServerError(
            f"port {port} on {host} is already in use",
            "stop what listens there (iacgen local stop, if it is ours) or pick another --port",
        )
    return ServerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", "check --host and --port")


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, on_ready: Callable[[str], None] | None = None
) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM, then close the socket."""
    server = make_server(host, port)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        if on_ready is not None:
            on_ready(f"http://{host}:{server.server_port}")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def background(host: str = DEFAULT_HOST, port: int = 0) -> Iterator[str]:
    """Serve from a thread of this process (tests, the demo); yields the endpoint URL. Port 0 picks one."""
    server = make_server(host, port)
    thread = threading.Thread(target=server.serve_forever, name="iacgen-local-cloud", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _target(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether an HTTP server answers there (any status counts)."""
    conn = http.client.HTTPConnection(_target(host), port, timeout=timeout)
    try:
        conn.request("GET", "/moto-api/")
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def serving_pid(host: str, port: int, timeout: float = 1.0) -> int | None:
    """The pid of the local cloud answering there; None when nothing answers or it is not ours."""
    import json

    conn = http.client.HTTPConnection(_target(host), port, timeout=timeout)
    try:
        conn.request("GET", PID_ROUTE)
        response = conn.getresponse()
        body = response.read()
        pid = json.loads(body)["pid"] if response.status == 200 else None
        return pid if isinstance(pid, int) else None
    except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError):
        return None
    finally:
        conn.close()


def _port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as the server will: TIME_WAIT is no clash
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise _bind_error(host, port, exc) from exc


def _is_our_server(pid: int) -> bool:
    """Alive, and (where /proc tells) running `iacgen local serve`, so a reused pid is never signalled."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return sys.platform != "linux"
    try:
        args = cmdline.read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and b"iacgen" in b" ".join(args) and b"serve" in args


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def start(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, timeout: float = START_TIMEOUT_SECONDS
) -> ServerRecord:
    """Spawn `python -m iacgen local serve` detached, wait until it answers, and record it.

    Under the record's lock, so of two starts at once the second finds the first's record; and the wait is
    for the spawned pid to answer, not just anything on the port: a server another home started there
    meanwhile makes ours exit, which is refused instead of recorded."""
    with locked():
        existing = read_record()
        if existing is not None:
            if _is_our_server(existing.pid):
                raise ServerError(
                    f"a local cloud is already running at {existing.endpoint_url} (pid {existing.pid})",
                    "use it with --local, or stop it first: iacgen local stop",
                )
            clear_record()
        _port_free(host, port)
        log_path = record_path().parent / f"local-{port}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "iacgen", "local", "serve", "--host", host, "--port", str(port)]
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_until_serving(process, host, port, timeout, log_path)
        record = ServerRecord(pid=process.pid, host=host, port=port, log_path=str(log_path))
        write_record(record)
        return record


def _wait_until_serving(
    process: subprocess.Popen[bytes], host: str, port: int, timeout: float, log_path: Path
) -> None:
    deadline = time.monotonic() + timeout
    while serving_pid(host, port) != process.pid:
        if process.poll() is not None:
            if answers(host, port):  # another server took the port between the check and our bind
                raise _bind_error(host, port, OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE)))
            raise ServerError(
                f"the local cloud exited during start-up (code {process.returncode}): {_log_tail(log_path)}",
                f"see the log: {log_path}",
            )
        if time.monotonic() > deadline:
            process.terminate()
            raise ServerError(
                f"the local cloud did not answer within {timeout:.0f} s", f"see the log: {log_path}"
            )
        time.sleep(0.1)


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (started from this process)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def stop(timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Terminate the recorded server and clear the record; False when none was running."""
    with locked():
        return _stop(timeout)


def _stop(timeout: float) -> bool:
    record = read_record()
    if record is None:
        return False
    if not _is_our_server(record.pid):
        clear_record()
        return False
    os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while True:
        _reap(record.pid)
        if not _is_our_server(record.pid):
            break
        if time.monotonic() > deadline:
            os.kill(record.pid, signal.SIGKILL)
            _reap(record.pid)
            break
        time.sleep(0.05)
    clear_record()
    return True


def status() -> ServerStatus:
    record = read_record()
    if record is None:
        return ServerStatus(running=False, answering=False, record=None)
    running = _is_our_server(record.pid)
    answering = running and serving_pid(record.host, record.port) == record.pid
    return ServerStatus(running=running, answering=answering, record=record)

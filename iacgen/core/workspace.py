"""The workspace: the state directory (.iacgen/, or --state-dir) and the files the steps write.

It is the one owner of the state file: reads see a complete file (every write is a temporary file and a
rename), and every change is a read-modify-write under an exclusive lock on a separate lock file, so two
iacgen processes in one directory never lose each other's records. It also holds the default paths a step
falls back to (NAME.yaml, NAME.resources.json beside the template, the last generated template)."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from iacgen.core.errors import UsageError
from iacgen.core.files import write_atomic
from iacgen.core.state import State, StateFormatError, TemplateRecord

STATE_DIR = Path(".iacgen")
STATE_FILE = "state.json"
LOCK_FILE = "state.lock"
DIR_MODE = 0o700  # ids of the account's resources: for the user only
FILE_MODE = 0o600


def sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class ImportFiles:
    template: Path
    resources: Path | None
    note: str | None  # where the defaults came from, for the user; None when both were given


class Busy(Exception):
    """Another process holds a workspace lock (Workspace.exclusive); pid is None if it has not said yet."""

    def __init__(self, pid: int | None) -> None:
        super().__init__(f"held by pid {pid}")
        self.pid = pid


def _pid_in(raw: bytes) -> int | None:
    text = raw.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


class Workspace:
    """The state directory and the files a step writes. Construct it cheaply: nothing is touched until a
    step reads or writes."""

    def __init__(self, state_dir: Path = STATE_DIR) -> None:
        self.state_dir = Path(state_dir)

    def __repr__(self) -> str:
        return f"Workspace({str(self.state_dir)!r})"

    @property
    def state_path(self) -> Path:
        return self.state_dir / STATE_FILE

    @property
    def lock_path(self) -> Path:
        return self.state_dir / LOCK_FILE

    # --- the state file ------------------------------------------------------------------------------

    def load(self) -> State:
        """The state as last saved (an empty one if there is none yet). A state file iacgen cannot use is a
        UsageError naming the file and the field; a state directory that is a file, too."""
        path = self.state_path
        hint = f"fix or delete {path}; it is rebuilt by the next run (the ids it held are then forgotten)"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return State()
        except NotADirectoryError:
            raise self._not_a_dir() from None
        except IsADirectoryError:
            raise UsageError(f"{path} is a directory, not the state file", f"move {path} away") from None
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}", hint) from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})", hint) from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}", hint) from None
        if not isinstance(data, dict):
            raise UsageError(f"{path} is not a JSON object", hint)
        try:
            return State.from_dict(data)
        except StateFormatError as exc:
            raise UsageError(f"{path}: {exc}", hint) from None

    def save(self, state: State) -> None:
        """Replace the state file as a whole (under the lock); steps use update(), which keeps others'
        records."""
        with self._locked():
            write_atomic(self.state_path, state.to_json(), mode=FILE_MODE)

    @contextmanager
    def update(self) -> Iterator[State]:
        """Read-modify-write under the exclusive lock: the state is re-read after the lock is taken, so what
        another process saved in the meantime is kept; it is saved only if the block completes."""
        with self._locked():
            state = self.load()
            yield state
            write_atomic(self.state_path, state.to_json(), mode=FILE_MODE)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._make_dir()
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold an exclusive lock on the file `name` in the state directory for the block, or raise Busy at
        once if another process holds it (with its pid, which the holder writes there). The kernel drops the
        lock when the holder dies, so a killed run never blocks the next one."""
        self._make_dir()
        fd = os.open(self.state_dir / name, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Busy(_pid_in(os.pread(fd, 32, 0))) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _make_dir(self) -> None:
        try:
            if self.state_dir.exists() and not self.state_dir.is_dir():
                raise self._not_a_dir()
            if not self.state_dir.is_dir():
                # each directory made, not only the last (.iacgen of .iacgen/ci), is the user's only
                missing = [d for d in (self.state_dir, *self.state_dir.parents) if not d.exists()]
                for directory in reversed(missing):
                    directory.mkdir(mode=DIR_MODE, exist_ok=True)
        except FileExistsError as exc:
            raise self._not_a_dir() from exc
        except NotADirectoryError as exc:
            raise self._not_a_dir() from exc
        except OSError as exc:
            if exc.errno == errno.ENOTDIR:
                raise self._not_a_dir() from exc
            raise

    def _not_a_dir(self) -> UsageError:
        return UsageError(
            f"the state directory {self.state_dir} is not a directory",
            "pass another {opt:state_dir}, or move that file away",
        )

    # --- files the steps write -----------------------------------------------------------------------

    def write(self, path: Path, data: str | bytes) -> None:
        """A file a step writes: complete or absent, never half-written."""
        write_atomic(path, data)

    def write_record(self, name: str, data: str) -> None:
        """A record of iacgen's own in the state directory (ci's clean-up list): as private as the state."""
        self._make_dir()
        write_atomic(self.state_dir / name, data, mode=FILE_MODE)

    @staticmethod
    def template_path(name: str, fmt: str, out: Path | None = None) -> Path:
        """Where generate writes NAME's template: the path given, else NAME.yaml / NAME.json here."""
        return out or Path(f"{name}.{fmt.lower()}")

    @staticmethod
    def resources_path(template_path: Path) -> Path:
        """STEM.resources.json beside the template (ws.yaml: ws.resources.json): where generate writes it and
        where import and ci's drift look for it when nothing recorded says otherwise."""
        return template_path.with_name(f"{template_path.name.rsplit('.', 1)[0]}.resources.json")

    def import_files(self, template: Path | None, resources: Path | None) -> ImportFiles:
        """The template and resources file an import uses: explicit paths first, then what generate
        recorded, then NAME.resources.json beside the template."""
        state = self.load()
        note: str | None = None
        if template is None:
            record = state.last_record()
            if record is None or not record.template_path:
                raise UsageError(
                    "no template to import", "pass {opt:template} PATH, or run iacgen generate NAME first"
                )
            template = Path(record.template_path)
            if resources is None and record.resources_path:
                resources = Path(record.resources_path)
            note = f"using {template} from the last generated template ({record.name})"
        elif resources is None:
            found = state.record_for(str(template))
            if found is not None and found.resources_path:
                resources = Path(found.resources_path)
        if resources is None:
            sibling = self.resources_path(template)
            if sibling.exists():
                resources = sibling
        return ImportFiles(template, resources, note)


def check_overwrite(path: Path, record: TemplateRecord | None, force: bool) -> None:
    """Refuse to replace a template file that iacgen did not write or that was changed since (a patch, an
    edit): regenerating must not silently throw that work away."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory", "give a file path, e.g. {opt:out} dir/NAME.yaml")
    if force or not path.exists():
        return
    written = record.sha_written(str(path)) if record else None
    if written is None:
        raise UsageError(
            f"{path} exists and was not written by iacgen generate",
            "pass {opt:out} another path, or {opt:force} to overwrite it",
        )
    if sha256_of(path) != written:
        raise UsageError(
            f"{path} was changed since iacgen generate wrote it (a patch or an edit)",
            "pass {opt:out} another path to keep your changes, or {opt:force} to overwrite them",
        )

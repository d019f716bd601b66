"""The CLI's Reporter: narration on stderr through Output, progress as rich bars (only on a terminal, never
under --quiet), the change set's table on stdout once it is ready."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from iacgen.core.reporter import (
    ChangeSetProgress,
    ChangeSetReady,
    GenerationProgress,
    ProgressEvent,
    ScanProgress,
    StackEvent,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import RenderableType
    from rich.progress import Progress, TaskID

    from iacgen.cli.render import Output
    from iacgen.core.changeset import ChangeSetResult


class RichReporter:
    """Use as a context manager around one workflow call: a bar opens on the first progress event of a kind,
    closes when another kind starts, and at the end of the block."""

    def __init__(
        self,
        output: Output,
        *,
        change_set_table: Callable[[ChangeSetResult], RenderableType] | None = None,
    ) -> None:
        self.output = output
        self.change_set_table = change_set_table
        self._bar: Progress | None = None
        self._bar_cm: Any = None
        self._kind: str | None = None
        self._tasks: dict[str, TaskID] = {}  # one line per item of the kind (each part of a set)
        self._lock = threading.Lock()  # a set's parts report from their own threads

    def __enter__(self) -> RichReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._bar_cm is not None:
            self._bar_cm.__exit__(None, None, None)
        self._bar = self._bar_cm = self._kind = None
        self._tasks = {}

    def info(self, message: str) -> None:
        from rich.markup import escape

        # the core's narration is plain text: "[home] ..." (a ci target's prefix) is not a markup tag
        self.output.info(escape(message))

    def warn(self, message: str) -> None:
        self.output.warn(message)

    def progress(self, event: ProgressEvent) -> None:
        with self._lock:
            self._progress(event)

    def _progress(self, event: ProgressEvent) -> None:
        from rich.markup import escape

        from iacgen.core.scans import short_id

        if isinstance(event, ScanProgress):
            info = event.scan
            self._update(
                "scan",
                "scanning",
                100.0,
                completed=info.percentage or 0.0,
                description=f"scan {short_id(info.scan_id)} {info.status.lower()}",
            )
        elif isinstance(event, GenerationProgress):
            p = event.progress
            self._update(
                "generate",
                f"generating {event.name}",
                float(event.expected),
                item=event.name,
                completed=p.succeeded + p.failed,
                total=p.total or event.expected,
                description=f"generating {event.name}: {p.succeeded} done, {p.pending + p.processing} "
                f"pending, {p.failed} failed",
            )
        elif isinstance(event, ChangeSetProgress):
            self._update(
                "change_set",
                "creating the IMPORT change set",
                None,
                description=f"change set: {event.status}",
            )
        elif isinstance(event, ChangeSetReady):
            self.close()
            if self.change_set_table is not None and not self.output.json:
                self.output.out.print(self.change_set_table(event.change_set))
        elif isinstance(event, StackEvent):
            e = event.event
            reason = f": {e.reason}" if e.reason else ""
            self.output.info(escape(f"  {e.status} {e.logical_id} ({e.type}){reason}"))

    def _update(
        self, kind: str, title: str, first_total: float | None, item: str | None = None, **fields: Any
    ) -> None:
        """A bar per kind, and in it a line per item (a set's parts generate at once)."""
        key = item or kind
        if self._kind != kind:
            self.close()
            self._bar_cm = self.output.progress()
            self._bar = self._bar_cm.__enter__()
            self._kind = kind
        assert self._bar is not None
        if key not in self._tasks:
            self._tasks[key] = self._bar.add_task(title, total=first_total)
        self._bar.update(self._tasks[key], **fields)

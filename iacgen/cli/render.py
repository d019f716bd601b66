"""Console output: data on stdout (a rich table, or JSON under --output json), progress and logs on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.progress import Progress


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=_json_default)


class Output:
    def __init__(
        self, fmt: OutputFormat = OutputFormat.table, quiet: bool = False, color: bool = True
    ) -> None:
        self.format = fmt
        self.quiet = quiet
        self.color = color
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def json(self) -> bool:
        return self.format is OutputFormat.json

    @property
    def out(self) -> Console:
        if self._out is None:
            from rich.console import Console

            self._out = Console(file=sys.stdout, no_color=not self.color, highlight=False, soft_wrap=False)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            from rich.console import Console

            self._err = Console(file=sys.stderr, no_color=not self.color, highlight=False, stderr=True)
        return self._err

    def emit(self, data: Any, table: Callable[[], RenderableType] | None = None) -> None:
        """The command's result: JSON on stdout under --output json, else the table (if any)."""
        if self.json:
            sys.stdout.write(to_json(data) + "\n")
            sys.stdout.flush()
        elif table is not None:
            self.out.print(table())

    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message)

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {message}")

    def error(self, message: str, hint: str | None = None) -> None:
        from rich.markup import escape

        self.err.print(f"[bold red]error:[/bold red] {escape(message)}")
        if hint:
            self.err.print(f"[dim]hint:[/dim] {escape(hint)}")

    @contextmanager
    def progress(self, *columns: Any, transient: bool = True) -> Iterator[Progress]:
        """A live progress display on stderr; silent under --quiet and when stderr is not a terminal."""
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        cols = columns or (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
        )
        with Progress(
            *cols, console=self.err, transient=transient, disable=self.quiet or not self.err.is_terminal
        ) as bar:
            yield bar

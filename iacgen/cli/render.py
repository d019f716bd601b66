"""Console output: data on stdout (a rich table, or JSON under --output json), progress and logs on stderr."""

from __future__ import annotations

import json
import os
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


def color_wanted(no_color: bool = False) -> bool:
    """Colour and styles unless --no-color, or NO_COLOR is set to a non-empty value (no-color.org)."""
    return not no_color and not os.environ.get("NO_COLOR")


def _width(stream: Any) -> int | None:
    """A terminal's own width; for pipes and files (CI logs), wide enough that ids and types never wrap."""
    if os.environ.get("COLUMNS"):
        return None
    isatty = getattr(stream, "isatty", None)
    return None if isatty and isatty() else 200


class Output:
    def __init__(
        self, fmt: OutputFormat = OutputFormat.table, quiet: bool = False, color: bool = True
    ) -> None:
        self.format = fmt
        self.quiet = quiet
        self.color = color
        self.emitted = False  # a result was printed (emit)
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def json(self) -> bool:
        return self.format is OutputFormat.json

    @property
    def out(self) -> Console:
        if self._out is None:
            from rich.console import Console

            self._out = Console(file=sys.stdout, highlight=False, width=_width(sys.stdout), **self._plain())
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            from rich.console import Console

            self._err = Console(
                file=sys.stderr, highlight=False, stderr=True, width=_width(sys.stderr), **self._plain()
            )
        return self._err

    def _plain(self) -> dict[str, Any]:
        """NO_COLOR / --no-color: no escape code at all. rich's own no_color drops colours but keeps bold, dim
        and italic; without a colour system it writes none of them."""
        return {} if self.color else {"color_system": None, "no_color": True}

    def emit(self, data: Any, table: Callable[[], RenderableType] | None = None) -> None:
        """The command's result: JSON on stdout under --output json, else the table (if any)."""
        self.emitted = True
        if self.json:
            sys.stdout.write(to_json(data) + "\n")
            sys.stdout.flush()
        elif table is not None:
            self.out.print(table())

    def info(self, message: str) -> None:
        if not self.quiet:
            # soft_wrap: the terminal wraps a long line; rich would cut an ARN or a path mid-word
            self.err.print(message, soft_wrap=True)

    def warn(self, message: str) -> None:
        from rich.markup import escape

        self.err.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True)

    def error(self, message: str, hint: str | None = None) -> None:
        from rich.markup import escape

        # soft_wrap: one line each, whatever the terminal's width, so logs and greps see whole messages
        self.err.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)
        if hint:
            self.err.print(f"[dim]hint:[/dim] {escape(hint)}", soft_wrap=True)

    @contextmanager
    def progress(self, *columns: Any, transient: bool = True) -> Iterator[Progress]:
        """A live progress display on stderr; silent under --quiet, when stderr is not a terminal, and in
        plain mode (a live display redraws with cursor escape codes; the narration says what happens)."""
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        cols = columns or (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
        )
        with Progress(
            *cols,
            console=self.err,
            transient=transient,
            disable=self.quiet or not self.err.is_terminal or not self.color,
        ) as bar:
            yield bar

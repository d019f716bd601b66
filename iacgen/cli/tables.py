"""Tables that read at any width: a line breaks only between words or after `::`, `:`, `/`, `|` or `,`, so a
type (AWS::EC2::SubnetRouteTableAssociation), an id or an ARN is never cut inside a word. When even that does
not fit (a 60-column terminal, many columns), the rows become a list: one block per row, a field per line.

rich's own wrapping folds any word longer than its column, mid-word; here every cell is wrapped before rich
sees it, into columns sized so that it never has to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.console import RenderableType

# a piece ends at whitespace, or after "::" (never between its two colons), a lone ":", "/", "|" or ","
_PIECE = re.compile(r".+?(?:(?:::|(?<!:):(?!:)|[/|,])\s*|\s+|$)")
_BORDERS = 1  # a table's left edge; each column adds its padding (2) and its right border (1)
_PER_COLUMN = 3


@dataclass(frozen=True)
class Column:
    header: str
    justify: Literal["left", "right"] = "left"


def pieces(text: str) -> list[str]:
    """The unbreakable pieces of one line of text, each with the separator it ends with."""
    return _PIECE.findall(text) if text else [""]


def min_width(text: str) -> int:
    """The narrowest column `text` fits without a word being cut: its longest piece."""
    return max((len(p.rstrip()) for line in text.split("\n") for p in pieces(line)), default=0)


def natural_width(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=0)


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrapping at the boundaries `pieces` allows; a piece longer than the width (a 64-character hash)
    is the only thing ever cut, and `fits` keeps tables from needing that."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in pieces(paragraph):
            if line and len(line + piece.rstrip()) > width:
                lines.append(line.rstrip())
                line = ""
            while len(piece.rstrip()) > width:  # last resort: no boundary inside it
                lines.append(piece[:width])
                piece = piece[width:]
            line += piece
        lines.append(line.rstrip())
    return lines


def _widths(cells: Sequence[Sequence[str]], available: int) -> list[int] | None:
    """Column widths that fit `available`: natural where everything fits, else the extra space shared out
    above each column's minimum; None when not even the minimums fit."""
    columns = list(zip(*cells, strict=True))
    natural = [max(natural_width(c) for c in col) for col in columns]
    if sum(natural) <= available:
        return natural
    minimum = [max(min_width(c) for c in col) for col in columns]
    if sum(minimum) > available:
        return None
    widths = list(minimum)
    spare = available - sum(widths)
    # columns that need little to be whole (a type, an id) get it first; prose takes what is left
    for i in sorted(range(len(widths)), key=lambda i: natural[i] - minimum[i]):
        grow = min(natural[i] - widths[i], spare)
        widths[i] += grow
        spare -= grow
    return widths


def table(
    title: str | None,
    columns: Sequence[Column | str],
    rows: Sequence[Sequence[str]],
    width: int,
    caption: str | None = None,
) -> RenderableType:
    """A rich table when its words fit `width` unbroken, else the same rows as a list."""
    from rich.table import Table
    from rich.text import Text

    cols = [c if isinstance(c, Column) else Column(c) for c in columns]
    cells = [[c.header for c in cols], *([str(v) for v in row] for row in rows)]
    widths = _widths(cells, width - _BORDERS - _PER_COLUMN * len(cols))
    if widths is None:
        return records(title, cols, cells[1:], width, caption)
    out = Table(
        title=Text(title) if title else None, caption=Text(caption) if caption else None, title_justify="left"
    )
    for col, w in zip(cols, widths, strict=True):
        out.add_column(
            Text("\n".join(wrap(col.header, w))), width=w, no_wrap=True, justify=col.justify, overflow="crop"
        )
    for row in cells[1:]:
        out.add_row(*(Text("\n".join(wrap(v, w))) for v, w in zip(row, widths, strict=True)))
    return out


def records(
    title: str | None,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int,
    caption: str | None,
) -> RenderableType:
    """One block per row: its first field as a heading, then `header: value` lines, values wrapped at the
    same boundaries as in a table (and on a line of their own when the label leaves too little room)."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = []
    if title:
        parts.append(Text("\n".join(wrap(title, width)), style="italic"))
    for row in rows:
        lines = wrap(row[0], width)
        for col, value in zip(columns[1:], row[1:], strict=True):
            label = f"  {col.header}: "
            room = width - len(label)
            if value and room >= max(min_width(value), 12):
                wrapped = wrap(value, room)
                lines.append(label + wrapped[0])
                lines += [" " * len(label) + more for more in wrapped[1:]]
            else:
                lines.append(label.rstrip())
                lines += ["    " + more for more in wrap(value, width - 4) if more]
        parts.append(Text("\n".join(lines)))
    if caption:
        parts.append(Text("\n".join(wrap(caption, width))))
    return Group(*parts)

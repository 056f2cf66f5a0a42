"""Plain-text tables that fit the terminal.

Columns are as wide as their widest cell; when the table is wider than the terminal
(``COLUMNS``, else the terminal's width; no limit when output goes to a file or a pipe), the
widest columns are shortened first, down to a minimum, keeping the start and the end of each
cell around a ``…`` (a command's script name is at its end).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["fit_table", "terminal_width"]

_GAP = 2
_MIN_WIDTH = 12


def terminal_width() -> int | None:
    """The width to fit when stdout is a terminal: ``COLUMNS``, else the terminal's; ``None``
    (no limit) when stdout is a file or a pipe, where nobody reads it on a screen."""
    try:
        if not sys.stdout.isatty():
            return None
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None


def _shorten(cell: str, width: int) -> str:
    if len(cell) <= width:
        return cell
    head = (width - 1) // 3
    tail = width - 1 - head
    return cell[:head] + "…" + (cell[-tail:] if tail > 0 else "")


def fit_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None
) -> list[str]:
    """The lines of a table with ``header`` and ``rows``, at most ``width`` characters wide
    (the terminal's by default) unless even the minimum column widths do not fit."""
    limit = terminal_width() if width is None else width
    table = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[index]) for row in table) for index in range(len(header))]
    while limit is not None and sum(widths) + _GAP * (len(widths) - 1) > limit:
        widest = max(range(len(widths)), key=lambda index: widths[index])
        if widths[widest] <= _MIN_WIDTH:
            break
        excess = sum(widths) + _GAP * (len(widths) - 1) - limit
        widths[widest] = max(_MIN_WIDTH, widths[widest] - excess)
    return [
        (" " * _GAP)
        .join(_shorten(cell, width).ljust(width) for cell, width in zip(row, widths, strict=True))
        .rstrip()
        for row in table
    ]

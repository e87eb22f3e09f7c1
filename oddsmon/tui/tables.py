"""Refilling in place: a screen showing the next page of the same shape (the Odds screen's next
fixture) changes the cells and lines that differ, and asks for a layout only where a size
changes. Clearing a table and building it again, or a text's update laying the whole screen out
again, cost each switch a layout and a repaint of everything on screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable, Static


def refill(table: DataTable[Any], columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
    """Show ``columns`` (label, key) and ``rows`` (each row's cells) in ``table``: columns kept
    when they are the same, rows by their place: the ones already there updated cell by cell
    (the next fixture's bookmakers are often other ones, in as many rows), the missing added at
    the end, those left over removed. Columns keep their width (they only grow: a cell wider
    than its column widens it, which costs a layout; one that fits does not). The cursor stays
    on its row and column where they are still there; placing it is the caller's."""
    shown = [(str(c.label), c.key.value) for c in table.ordered_columns]
    if shown != list(columns):
        table.clear(columns=True)
        for label, key in columns:
            table.add_column(label, key=key)
    keys = [key for _, key in columns]
    widths = [c.content_width for c in table.ordered_columns]
    had = table.row_count
    for i, cells in enumerate(rows[:had]):
        for column_key, width, cell in zip(keys, widths, cells, strict=True):
            if table.get_cell(str(i), column_key) != cell:
                table.update_cell(str(i), column_key, cell, update_width=_width(cell) > width)
    for i in range(had, len(rows)):
        table.add_row(*rows[i], key=str(i))
    for i in reversed(range(len(rows), had)):
        table.remove_row(str(i))


def _width(cell: Any) -> int:
    """The columns a one-line cell takes (str or rich Text, as the screens fill them)."""
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


def retext(static: Static, text: str) -> None:
    """Show ``text`` in ``static``, laid out again only when that changes its size: its width
    where it is sized to its content, its height where that is its lines'. The same text is
    left alone, a hidden one's is only kept (showing it lays it out), and a text of the same
    lines at the same width is only repainted (the sidebar's age ticking, the next fixture's
    names)."""
    if str(static.content) == text:
        return
    if not static.display:  # out of the layout: showing it lays it out, measured then
        static.update(text, layout=False)
        return
    if not static.size:  # never laid out: its first layout measures it
        static.update(text)
        return
    before = static.content_region.size
    static.update(text, layout=False)
    styles = static.styles
    width = static.get_content_width(static.container_size, static.app.size) \
        if styles.width is not None and styles.width.is_auto else before.width
    if width != before.width or (
            (styles.height is None or styles.height.is_auto)
            and static.get_content_height(static.container_size, static.app.size, width) != before.height):
        static.refresh(layout=True)

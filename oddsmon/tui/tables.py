"""Refilling a table in place: a screen showing the next page of the same shape (the Odds
screen's next fixture) changes the cells that differ, instead of clearing the table and building
it again (which costs the whole screen a layout and repaints the header for nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.widgets import DataTable


def refill(table: DataTable[Any], columns: Sequence[tuple[str, str]],
           rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Show ``columns`` (label, key) and ``rows`` (key, cells) in ``table``: columns kept when
    they are the same, rows updated cell by cell when they are the same rows (their keys, in
    order), else replaced. Where rows are replaced, the columns keep their width (they only
    grow); the cursor is the caller's to place."""
    shown = [(str(c.label), c.key.value) for c in table.ordered_columns]
    if shown != list(columns):
        table.clear(columns=True)
        for label, key in columns:
            table.add_column(label, key=key)
    if [r.key.value for r in table.ordered_rows] != [key for key, _ in rows]:
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        return
    keys = [key for _, key in columns]
    for row_key, cells in rows:
        for column_key, cell in zip(keys, cells, strict=True):
            if table.get_cell(row_key, column_key) != cell:
                table.update_cell(row_key, column_key, cell, update_width=True)

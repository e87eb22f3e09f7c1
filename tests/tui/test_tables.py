"""A table refilled in place (tui/tables.py) shows exactly the page it was given: the next
fixture's prices in the rows of the same bookmakers, or other rows and columns altogether."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from oddsmon.tui.tables import refill

COLUMNS = [("Bookmaker", "bookmaker"), ("Home", "o:Home"), ("Away", "o:Away")]


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


def shown(table: DataTable[Any]) -> list[list[str]]:
    """The header and each row, as the table holds them."""
    return [[str(c.label) for c in table.ordered_columns],
            *([str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count))]


async def test_the_same_rows_take_the_new_prices_and_other_rows_replace_them() -> None:
    app = OneTable()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        refill(table, COLUMNS, [("1", ["Bwin", "2.10", "3.40"]), ("2", ["Unibet", "2.05", "3.50"])])
        table.move_cursor(row=1, column=2)
        refill(table, COLUMNS, [("1", ["Bwin", "1.90", "4.00"]), ("2", ["Unibet", "1.95", "3.80"])])
        await pilot.pause()
        assert shown(table) == [["Bookmaker", "Home", "Away"], ["Bwin", "1.90", "4.00"], ["Unibet", "1.95", "3.80"]]
        assert table.cursor_coordinate == (1, 2)  # the same rows: nothing moved under the cursor
        # Another bookmaker: the rows are the new ones, in their order.
        refill(table, COLUMNS, [("3", ["Pinnacle", "2.00", "3.70"]), ("1", ["Bwin", "1.90", "4.00"])])
        assert shown(table)[1:] == [["Pinnacle", "2.00", "3.70"], ["Bwin", "1.90", "4.00"]]
        # Another market: its columns, and only its rows.
        refill(table, [("Bookmaker", "bookmaker"), ("Over 2.5", "o:Over"), ("Under 2.5", "o:Under"),
                       ("Margin", "margin")], [("1", ["Bwin", "1.80", "2.00", "5.56%"])])
        await pilot.pause()
        assert shown(table) == [["Bookmaker", "Over 2.5", "Under 2.5", "Margin"], ["Bwin", "1.80", "2.00", "5.56%"]]

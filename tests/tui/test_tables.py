"""Refilling in place (tui/tables.py): a table shows exactly the page it was given (the next
fixture's prices in the rows already there, whoever their bookmakers, or other rows and
columns altogether) with no cell cut, and a line of text shows whole, taller or wider as its
text needs, hidden or not."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from oddsmon.tui.tables import refill, retext

from .conftest import screen_text

COLUMNS = [("Bookmaker", "bookmaker"), ("Home", "o:Home"), ("Away", "o:Away")]


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


def shown(table: DataTable[Any]) -> list[list[str]]:
    """The header and each row, as the table holds them."""
    return [[str(c.label) for c in table.ordered_columns],
            *([str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count))]


def screen_lines(app: App[Any]) -> list[str]:
    return screen_text(app).splitlines()


async def test_the_rows_take_the_next_page_in_place_and_the_cursor_stays() -> None:
    app = OneTable()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        refill(table, COLUMNS, [["Bwin", "2.10", "3.40"], ["Unibet", "2.05", "3.50"]])
        table.move_cursor(row=1, column=2)
        refill(table, COLUMNS, [["Bwin", "1.90", "4.00"], ["Unibet", "1.95", "3.80"]])
        await pilot.pause()
        assert shown(table) == [["Bookmaker", "Home", "Away"], ["Bwin", "1.90", "4.00"], ["Unibet", "1.95", "3.80"]]
        assert table.cursor_coordinate == (1, 2)  # the same rows: nothing moved under the cursor
        # Other bookmakers in as many rows: the rows are the new ones, in their order, in place.
        refill(table, COLUMNS, [["Pinnacle", "2.00", "3.70"], ["Bwin", "1.90", "4.00"]])
        await pilot.pause()
        assert shown(table)[1:] == [["Pinnacle", "2.00", "3.70"], ["Bwin", "1.90", "4.00"]]
        assert table.cursor_coordinate == (1, 2)
        # More rows, then fewer: added at the end, then the last ones gone.
        refill(table, COLUMNS, [["Bwin", "1.90", "4.00"], ["Unibet", "1.95", "3.80"], ["1xBet", "2.02", "3.75"]])
        assert shown(table)[1:] == [["Bwin", "1.90", "4.00"], ["Unibet", "1.95", "3.80"], ["1xBet", "2.02", "3.75"]]
        refill(table, COLUMNS, [["Marathon", "1.99", "3.90"]])
        await pilot.pause()
        assert shown(table)[1:] == [["Marathon", "1.99", "3.90"]]
        # Another market: its columns, and only its rows.
        refill(table, [("Bookmaker", "bookmaker"), ("Over 2.5", "o:Over"), ("Under 2.5", "o:Under"),
                       ("Margin", "margin")], [["Bwin", "1.80", "2.00", "5.56%"]])
        await pilot.pause()
        assert shown(table) == [["Bookmaker", "Over 2.5", "Under 2.5", "Margin"], ["Bwin", "1.80", "2.00", "5.56%"]]


async def test_a_wider_price_widens_its_column_and_a_narrower_one_keeps_it() -> None:
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(DataTable)
        refill(table, COLUMNS, [[Text("Bwin"), Text("2.10"), Text("3.40")]])
        await pilot.pause()
        refill(table, COLUMNS, [[Text("Bwin"), Text("+12500"), Text("3.40")]])  # American odds of a long shot
        await pilot.pause()
        row = next(line for line in screen_lines(app) if "Bwin" in line)
        assert "+12500" in row and "3.40" in row  # nothing cut, nothing overwritten
        away_at = row.index("3.40")
        refill(table, COLUMNS, [[Text("Bwin"), Text("2.10"), Text("3.40")]])
        await pilot.pause()
        row = next(line for line in screen_lines(app) if "Bwin" in line)
        assert "2.10" in row and row.index("3.40") == away_at  # the columns did not jump back


class Lines(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("first line", id="note")
        yield Static("", id="hidden")
        with Horizontal(id="row"):
            yield Static("label", id="fixed")
            yield Static("3.40→3.29", id="auto")
            yield Static("|", id="after")

    def on_mount(self) -> None:
        self.query_one("#hidden").display = False
        self.query_one("#row").styles.height = 1
        self.query_one("#fixed").styles.width = 8
        self.query_one("#auto").styles.width = "auto"
        self.query_one("#after").styles.width = 1


async def test_a_text_shows_whole_in_place_taller_wider_or_shown_later() -> None:
    app = Lines()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        note = app.query_one("#note", Static)
        retext(note, "second line")  # as long: in place
        await pilot.pause()
        assert "second line" in screen_lines(app)[0]
        retext(note, "a note that takes more than one line of forty columns to say")
        await pilot.pause()
        assert note.size.height == 2
        assert "forty columns to say" in "\n".join(screen_lines(app))
        retext(note, "short again")
        await pilot.pause()
        assert note.size.height == 1
        # A text sized to its content: what follows it moves over.
        retext(app.query_one("#auto", Static), "3.40→3.35→3.29 ▼-3.2%")
        await pilot.pause()
        assert "label   3.40→3.35→3.29 ▼-3.2%|" in "\n".join(screen_lines(app))
        # Hidden: kept, and shown whole once shown.
        hidden = app.query_one("#hidden", Static)
        retext(hidden, "shown later, on two lines of forty columns, whole")
        hidden.display = True
        await pilot.pause()
        assert hidden.size.height == 2 and screen_lines(app)[2].startswith("columns, whole")

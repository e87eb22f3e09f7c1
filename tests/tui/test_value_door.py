"""The Value screen is a door: enter opens the row's fixture on the Odds screen at its market
and line with the cursor on the price, ``o`` opens the row's fixture; names use the width."""

from __future__ import annotations

from textual.widgets import DataTable

from oddsmon.domain.market import ValueBet
from oddsmon.domain.markets import BY_ID
from oddsmon.engine.runtime import Engine
from oddsmon.tui.odds import OddsScreen, OddsTable
from oddsmon.tui.value import ValueScreen

from .conftest import SIZE, RecordingApp, press, settle, shown_fixture, text_of


async def open_value(pilot: object, app: RecordingApp) -> tuple[ValueScreen, list[ValueBet]]:
    """The Value screen, and the rows it lists: the service's board, in the screen's order."""
    await settle(pilot)  # type: ignore[arg-type]
    await press(pilot, "V")  # type: ignore[arg-type]
    screen = app.screen
    board = await app.service.value_board(method=app.fair_method)
    assert isinstance(screen, ValueScreen) and board.data
    assert screen.query_one("#value", DataTable).row_count == len(board.data)
    return screen, board.data


def cell_under_cursor(app: RecordingApp) -> tuple[str, str, str]:
    """(bookmaker, outcome, price) of the Odds screen's cell under the cursor."""
    table = app.screen.query_one("#odds-table", OddsTable)
    row, column = table.cursor_coordinate
    label = [str(c.label) for c in table.columns.values()][column]
    return str(table.get_row_at(row)[0]), label, str(table.get_cell_at(table.cursor_coordinate))


async def test_enter_opens_the_rows_fixture_at_its_market_and_line_with_the_cursor_on_the_price(
        app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen, bets = await open_value(pilot, app)
        # A value bet on a lined market, further down the list than the first row.
        n, bet = next((i, b) for i, b in enumerate(bets) if i > 0 and b.kind == "value" and b.line)
        table = screen.query_one("#value", DataTable)
        table.move_cursor(row=n)
        await press(pilot, "enter")
        assert isinstance(app.screen, OddsScreen)
        assert app.selected_fixture == bet.fixture_id
        assert text_of(app, "#market-line").startswith(f"{BY_ID[bet.market_id].title} {bet.line}")
        assert cell_under_cursor(app) == (bet.bookmaker, bet.outcome, f"{bet.price:.2f}")
        # The pick key takes the price under the cursor: the one the Value screen listed.
        await press(pilot, "a")
        assert f"{bet.outcome} @ {bet.price:.2f} {bet.bookmaker}" in app.said_text()


async def test_o_opens_the_rows_fixture_not_the_last_one(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen, bets = await open_value(pilot, app)
        n, bet = next((i, b) for i, b in enumerate(bets) if b.fixture_id != app.selected_fixture)
        screen.query_one("#value", DataTable).move_cursor(row=n)
        await press(pilot, "o")
        assert isinstance(app.screen, OddsScreen) and app.selected_fixture == bet.fixture_id
        assert shown_fixture(app) == bet.fixture_id


async def test_team_names_use_the_width(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=(200, 40)) as pilot:
        screen, _ = await open_value(pilot, app)
        table = screen.query_one("#value", DataTable)
        fixtures = (await app.service.fixtures()).data or []
        shown = {str(table.get_row_at(i)[6]).strip() for i in range(table.row_count)}
        full = {f"{f.home.name} – {f.away.name}" for f in fixtures}
        assert shown <= full and any(len(name) > 8 + 3 + 8 for name in shown)


async def test_price_fair_value_and_stake_first_at_80x24(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_value(pilot, app)
        headers = [str(c.label).strip() for c in screen.query_one("#value", DataTable).columns.values()]
        assert headers[:4] == ["Edge", "Price", "Fair", "Stake EUR"]  # stakes are money: the heading says which

"""The Value screen is a door: enter opens the row's fixture on the Odds screen at its market
and line with the cursor on the price, ``o`` opens the row's fixture; names use the width."""

from __future__ import annotations

from textual.widgets import DataTable

from oddsmon.domain.market import ValueBet
from oddsmon.domain.markets import BY_ID
from oddsmon.domain.models import FixtureOdds
from oddsmon.domain.odds import amount_text
from oddsmon.engine.runtime import Engine
from oddsmon.tui.odds import OddsScreen, OddsTable
from oddsmon.tui.value import ValueScreen, price_text

from .conftest import SIZE, RecordingApp, press, settle, shown_fixture, text_of


async def open_value(pilot: object, app: RecordingApp) -> tuple[ValueScreen, list[ValueBet]]:
    """The Value screen, and the rows it lists: the service's board, in the screen's order."""
    await settle(pilot)  # type: ignore[arg-type]
    await press(pilot, "V")  # type: ignore[arg-type]
    screen = app.screen
    board = await app.service.value_board(method=app.fair_method)
    assert isinstance(screen, ValueScreen) and board.data and board.data.bets
    assert screen.query_one("#value", DataTable).row_count == len(board.data.bets)
    return screen, board.data.bets


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


async def test_value_price_and_stake_first_at_80x24_and_the_fair_odds_under_the_table(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen, bets = await open_value(pilot, app)
        headers = [str(c.label).strip() for c in screen.query_one("#value", DataTable).columns.values()]
        assert headers[:3] == ["Edge", "Price", "Stk EUR"]  # stakes are money: the heading says which
        bet = bets[0]
        assert bet.fair_probability and f"(fair {price_text(1 / bet.fair_probability)})" in text_of(app, "#value-line")
        await pilot.resize_terminal(100, 30)  # wider, the fair odds have their column
        await settle(pilot)
        headers = [str(c.label).strip() for c in screen.query_one("#value", DataTable).columns.values()]
        assert headers[:4] == ["Edge", "Price", "Fair", "Stake EUR"]


def _best(odds: dict[int, FixtureOdds], fid: int, bet_id: int, label: str) -> float:
    return max(v.price for b in odds[fid].bookmakers if (bet := b.bet(bet_id))
               for v in bet.values if v.label == label)


async def test_k_shows_value_against_your_own_probabilities_and_J_stakes_them_together(
        app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_value(pilot, app)
        await press(pilot, "k")  # nothing imported: still the market, and how to get the model
        assert "import your own probabilities" in app.said_text() and "value vs market" in text_of(app, "#page-status")
        # Home and Draw both worth backing by the model's account: one market, staked together.
        odds = (await engine.service.odds()).data or {}
        fid = min(f for f, fo in odds.items() if fo.kickoff and fo.kickoff > engine.clock.now())
        home, draw = _best(odds, fid, 1, "Home"), _best(odds, fid, 1, "Draw")
        engine.store.model.replace([(fid, 1, "Home", round(1.15 / home, 6)), (fid, 1, "Draw", round(1.2 / draw, 6)),
                                    (fid, 1, "Away", 0.01)], "model.csv", None, engine.clock.now())
        await press(pilot, "k")
        assert "value vs model" in text_of(app, "#page-status") and "Value against the model." in app.said_text()
        table = screen.query_one("#value", DataTable)
        rows = [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert sorted(r[5] for r in rows) == ["Draw", "Home"] and {r[0] for r in rows} == {"+20.0%", "+15.0%"}
        board = (await engine.service.value_board(basis="model")).data
        bets = board.bets if board is not None else []
        alone = engine.service.kelly_stakes(bets)
        together = engine.service.kelly_stakes(bets, simultaneous=True)
        assert together != alone  # backing both at once asks for other stakes than each alone

        def stakes() -> list[str]:
            return [str(table.get_row_at(i)[3]).strip() for i in range(table.row_count)]

        assert stakes() == [amount_text(s) for s in alone]
        await press(pilot, "J")
        assert "Kelly joint" in text_of(app, "#page-status")
        assert stakes() == [amount_text(s) for s in together]


async def test_a_stake_too_small_to_round_reads_as_under_the_step_not_zero(
        app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        screen, _ = await open_value(pilot, app)
        # A 0.1 % edge: a quarter Kelly of 1,000 EUR is about 0.25 EUR, rounded to the euro 0.
        odds = (await engine.service.odds()).data or {}
        fid = min(f for f, fo in odds.items() if fo.kickoff and fo.kickoff > engine.clock.now())
        home = _best(odds, fid, 1, "Home")
        engine.store.model.replace([(fid, 1, "Home", round(1.001 / home, 6)), (fid, 1, "Draw", 0.01),
                                    (fid, 1, "Away", 0.01)], "model.csv", None, engine.clock.now())
        await press(pilot, "k")
        table = screen.query_one("#value", DataTable)
        (row,) = [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert row[0] == "+0.1%" and row[3] == "<1"
        assert text_of(app, "#value-line").endswith("· stake <1 EUR")


async def test_a_pick_on_the_odds_screen_records_what_its_stake_was_sized_against(
        app: RecordingApp, engine: Engine) -> None:
    from .conftest import open_odds

    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_odds(pilot)
        await press(pilot, "k")  # the prediction
        table.cursor_coordinate = (0, 1)
        await press(pilot, "a")
        # The stakes' column at 80 columns, its currency in the Fair view's title.
        assert "Stake" in [str(c.label) for c in screen.query_one("#fair-table", DataTable).columns.values()]
        assert "of 1,000 EUR" in text_of(app, "#fair-title")
        (view,) = await app.service.picks()
        assert view.pick.basis == "prediction"

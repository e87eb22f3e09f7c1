"""The Odds screen's analytics and the Dashboard's markers, as an analyst sees them."""

from __future__ import annotations

from textual.widgets import DataTable, Sparkline, Static

from oddsmon.clock import FakeClock
from oddsmon.domain.odds import fractional_to_decimal
from oddsmon.engine.runtime import Engine
from oddsmon.sim import Simulator
from oddsmon.tui.odds import OddsScreen

from .conftest import SIZE, RecordingApp, press, screen_text, settle, shown_fixture, text_of


def fair_rows(app: RecordingApp) -> list[list[str]]:
    table = app.screen.query_one("#fair-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_fair_view_prediction_and_value_beside_the_market(app: RecordingApp) -> None:
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        rows = fair_rows(app)
        assert [r[0] for r in rows] == ["Home", "Draw", "Away"]
        fair_pcts = [float(r[6].rstrip("%")) for r in rows]
        assert abs(sum(fair_pcts) - 100.0) < 0.2  # the market's fair view sums to 100 %
        assert all(r[7].endswith("%") for r in rows)  # the prediction's percentages beside it
        assert all(r[3].startswith(("+", "-")) and r[3].endswith("%") for r in rows)  # value
        assert len([row for row in app.screen.query(".move-row") if row.display]) == 3
        assert "fair: multiplicative" in text_of(app, "#market-line")


async def test_method_key_cycles_the_fair_methods(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        before = fair_rows(app)
        seen = []
        for _ in range(5):
            await press(pilot, "v")
            seen.append(text_of(app, "#market-line").rsplit("fair: ", 1)[1])
        assert seen == ["additive", "power", "shin", "odds_ratio", "multiplicative"]
        await press(pilot, "v")  # additive again: long shots get less than multiplicative gives
        assert fair_rows(app) != before


async def test_format_key_cycles_decimal_fractional_american(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        table = app.screen.query_one("#odds-table", DataTable)
        decimal = float(str(table.get_row_at(0)[1]))
        await press(pilot, "c")
        fractional = str(table.get_row_at(0)[1])
        assert "/" in fractional and "fractional" in text_of(app, "#market-line")
        assert abs(fractional_to_decimal(fractional) - decimal) < 0.2  # nearest ladder price
        await press(pilot, "c")
        american = str(table.get_row_at(0)[1])
        assert american[0] in "+-" and "american" in text_of(app, "#market-line")
        await press(pilot, "c")
        assert float(str(table.get_row_at(0)[1])) == decimal


async def test_arbitrage_named_on_the_odds_screen_and_the_dashboard(app: RecordingApp, sim: Simulator) -> None:
    arb_id = next(iter(sim.data.arbitrage_fixture_ids))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert "arbitrage " in text_of(app, "#movers")
        app.selected_fixture = arb_id
        await press(pilot, "o")
        assert isinstance(app.screen, OddsScreen) and shown_fixture(app) == arb_id
        banner = str(app.screen.query_one(".arbitrage", Static).content)
        assert banner.startswith("arbitrage +") and "stakes" in banner
        assert "arbitrage +" in screen_text(app)


async def test_movement_shows_opening_now_and_an_arrow(app: RecordingApp, engine: Engine,
                                                       clock: FakeClock) -> None:
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        clock.advance(3 * 3600)  # the simulator's prices move every 10 minutes
        await press(pilot, "r")
        shown = [row for row in app.screen.query(".move-row") if row.display]
        moves = [str(row.query_one(".move-text", Static).content) for row in shown]
        assert len(moves) == 3 and all("→" in m for m in moves)
        assert any(m.split()[-1][0] in "▲▼" for m in moves), moves
        sparks = [row.query_one(Sparkline) for row in shown]
        assert all(len(s.data or []) >= 2 for s in sparks)

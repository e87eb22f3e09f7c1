"""The analyst's desk at 80x24: every market and line of the real Bwin entry on the Odds screen,
stakes in money, a pick recorded with a key that --picks lists with its closing price, search,
filters, sorting, pins and the Value screen."""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from datetime import timedelta
from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, SelectionList, Static

from oddsmon.clock import FakeClock
from oddsmon.commands import picks as picks_command
from oddsmon.domain.market import MarketView
from oddsmon.domain.models import Fixture
from oddsmon.engine.runtime import Engine
from oddsmon.store import NewPick, Store
from oddsmon.tui.odds import OddsScreen

from .conftest import SIZE, RecordingApp, press, rows, settle, shown_fixture, text_of


async def open_odds(pilot: Any, app: RecordingApp, engine: Engine) -> tuple[Fixture, MarketView]:
    """The Odds screen open: the fixture it shows and that fixture's market, as the service
    answers them."""
    await settle(pilot)
    await press(pilot, "o")
    assert isinstance(app.screen, OddsScreen)
    fid = shown_fixture(app)
    fx = next(f for f in (await engine.service.fixtures()).data or [] if f.id == fid)
    market = (await engine.service.market(fx.id)).data
    assert market is not None
    return fx, market


async def test_stakes_in_money_and_value_against_the_prediction(app: RecordingApp) -> None:
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        table = app.screen.query_one("#fair-table", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        # Price, fair, value and stake first: what 80 columns show.
        assert headers[:5] == ["Outcome", "Best", "Fair", "Value", "Stake EUR"] and headers[-1] == "Value/pred"
        for row in rows(app, "#fair-table"):
            assert row[8].startswith(("+", "-")) and row[8].endswith("%")  # value vs prediction
            assert row[4] in ("no edge", "—") or float(row[4].replace(",", "")) > 0
        assert "0.25 Kelly of 1,000 EUR against the market (k)" in text_of(app, "#fair-title")
        await press(pilot, "k")
        assert "against the prediction (k)" in text_of(app, "#fair-title")
        await press(pilot, "n")
        assert "consensus: " in text_of(app, "#market-note")


async def test_a_pick_recorded_in_the_tui_appears_in_picks_with_its_closing_price(
        app: RecordingApp, engine: Engine, clock: FakeClock, capsys: Any) -> None:
    async with app.run_test(size=SIZE) as pilot:
        fx, market = await open_odds(pilot, app, engine)
        await press(pilot, "left", "a")  # the cursor is on the bookmaker's name: not a price
        assert "Move the cursor onto a price" in app.said_text()
        await press(pilot, "right", "a")
        assert "Pick #1: Home @" in app.said_text()
        await press(pilot, "P")
        # At 80 columns: what a pick is judged by in the table, all of it on the line under it.
        (row,) = rows(app, "#picks")
        assert [c.strip() for c in row[3:]] == ["Home", f"{market.rows[0].prices[0]:.2f}", "—", "—"]
        line = text_of(app, "#pick-line")
        assert line.startswith(f"#1 {fx.home.name} – {fx.away.name} · ") and "not started" in line
        assert f" {engine.settings.stakes.currency} · close — · CLV —" in line  # the stake, with its currency
        # Another analyst's pick on the team's store: shown on request (t), with its author.
        other = Store.open(engine.settings, author="bob@desk-2")
        mine = other.picks.all("team")[0]
        other.picks.add(NewPick(**{f.name: getattr(mine, f.name) for f in fields(NewPick)}), clock.now())
        other.close()
        assert len(rows(app, "#picks")) == 1
        await press(pilot, "t")
        assert len(rows(app, "#picks")) == 2
        assert text_of(app, "#pick-line").startswith(
            f"#1 {fx.home.name} – {fx.away.name} · {engine.store.author} · ")
        await press(pilot, "down")
        assert text_of(app, "#pick-line").startswith(f"#2 {fx.home.name} – {fx.away.name} · bob@desk-2 · ")
        assert "2 picks of the team" in text_of(app, "#page-status")
        await press(pilot, "t")
        assert len(rows(app, "#picks")) == 1
    price = market.rows[0].prices[0]
    assert fx.kickoff is not None
    clock.set(fx.kickoff + timedelta(minutes=10))
    assert picks_command.run(engine.settings, "csv", clock=clock) == 0
    _, cells = csv.reader(io.StringIO(capsys.readouterr().out))
    # Nothing moved between the warm and kickoff: the close is the picked price itself.
    assert cells[11] == engine.settings.stakes.currency  # the stake's and the profit's
    assert cells[12] == "market"  # what the stake was sized against
    assert float(cells[13]) == price and cells[16] == "pending" and cells[15] != ""


async def test_search_sort_pin_and_filters_at_80x24(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#fixtures", DataTable)
        total = table.row_count
        fixtures = (await engine.service.fixtures()).data or []
        team = fixtures[-1].home.name
        await press(pilot, "slash")
        app.screen.query_one("#search-input", Input).value = team
        await press(pilot, "enter")
        table = app.screen.query_one("#fixtures", DataTable)
        shown = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert 0 < len(shown) < total and all(team[:5] in name for name in shown)
        assert f"of {total} · search “{team}”" in text_of(app, "#page-status")
        await press(pilot, "slash")
        app.screen.query_one("#search-input", Input).value = ""
        await press(pilot, "enter")
        assert app.screen.query_one("#fixtures", DataTable).row_count == total
        # Pin the last fixture: it comes first, and the pin outlives the app (in the store).
        last = fixtures[-1].id
        app.selected_fixture = last
        await press(pilot, "asterisk")
        table = app.screen.query_one("#fixtures", DataTable)
        assert table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value == str(last)
        assert engine.store.picks.pinned() == {last}
        await press(pilot, "S")
        assert "sorted by league" in text_of(app, "#page-status")
        table = app.screen.query_one("#fixtures", DataTable)
        order = [int(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value or 0) for i in range(table.row_count)]
        by_id = {f.id: f for f in fixtures}
        leagues = [by_id[i].league_name for i in order[1:]]  # after the pinned one
        assert order[0] == last and leagues == sorted(leagues, key=str.casefold)
        # Hide the first league in the filter dialog: saved at once, for every process.
        await press(pilot, "F")
        choices = app.screen.query_one("#filters-list", SelectionList)
        choices.focus()
        await press(pilot, "space", "escape")
        hidden, _ = engine.store.picks.filters()
        assert len(hidden) == 1
        table = app.screen.query_one("#fixtures", DataTable)
        kept = {f.id for f in fixtures if f.league_id not in hidden} | {last}
        assert {table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value for i in range(table.row_count)} \
            == {str(i) for i in kept}


async def test_the_value_screen_lists_value_bets_by_edge(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "V")
        found = rows(app, "#value")
        assert found, "the simulator prices some value bets"
        edges = [float(r[0].strip().rstrip("%")) for r in found]
        assert edges == sorted(edges, reverse=True)
        # Value bets and arbitrages gain; a middle listed costs at most 5 % when it misses.
        # (At 80 columns: Edge, Price, Stake; the fair odds are under the table.)
        assert all(e > 0 if r[2].strip() != "middle" else e >= -5.0 for e, r in zip(edges, found, strict=True))
        # At 80 columns the status line's shorter wording, whole on its line.
        assert " bets · vs market · refresh in " in text_of(app, "#page-status")


async def test_the_movement_chart_of_the_outcome_under_the_cursor_at_80x24(
        app: RecordingApp, engine: Engine, clock: FakeClock) -> None:
    async with app.run_test(size=SIZE) as pilot:
        fx, market = await open_odds(pilot, app, engine)
        # A second observation an hour later, from a price that moved.
        book = market.rows[0].bookmaker
        clock.advance(3600)
        engine.store.history.record(clock.now(), [(fx.id, book.id, 1, "Draw", 9.5)])
        await press(pilot, "right", "h")  # the cursor starts on the first price: Home
        text = str(app.screen.query_one("#movement-chart", Static).content)
        assert "Match Winner · Draw" in text.splitlines()[0]
        line = next(x for x in text.splitlines() if x.startswith(book.name[:10]))
        assert line.endswith("→9.50 close 9.50")  # kickoff is later: the close is the latest
        assert "close = last price before kickoff" in text
        assert all(len(x) <= 80 for x in text.splitlines())
        await press(pilot, "escape")
        assert isinstance(app.screen, OddsScreen)


async def test_a_hidden_bookmaker_leaves_the_best_prices_and_the_odds_table(engine: Engine) -> None:
    board = (await engine.service.dashboard()).data
    assert board is not None
    fid, head = next((fid, h) for fid, h in board.headlines.items() if h.best[0] is not None)
    name = head.best[0].bookmaker  # type: ignore[union-attr]
    books = (await engine.service.bookmakers()).data or []
    hidden = frozenset(b.id for b in books if b.name == name)
    assert hidden
    filtered = (await engine.service.dashboard(hidden_bookmakers=hidden)).data
    assert filtered is not None
    assert all(bp is None or bp.bookmaker != name for h in filtered.headlines.values() for bp in h.best)
    market = (await engine.service.market(fid, hidden_bookmakers=hidden)).data
    assert market is not None and name not in {r.bookmaker.name for r in market.rows}

"""80x24 is a first-class size: on every screen the footer's keys are whole (help, quit and the
offline key always among them; the rest in ``?`` and the palette) and the status line is one
line; Odds shows price, fair, value and stake on its first screen, Value its names."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from oddsmon.clock import FakeClock
from oddsmon.config import Settings
from oddsmon.sim import SimConfig, Simulator
from oddsmon.tui.footer import WrappingFooter
from oddsmon.tui.odds import OddsScreen, share_height
from oddsmon.tui.screens import SCREENS, ScreenSpec
from oddsmon.tui.value import ValueScreen

from .conftest import (
    SIZE,
    ManualTicker,
    RecordingApp,
    _on_simulator,
    footer_labels,
    press,
    screen_text,
    settle,
    text_of,
)


@pytest.mark.parametrize("spec", SCREENS, ids=[spec.name for spec in SCREENS])
async def test_every_footer_key_is_whole_and_help_quit_and_offline_are_there(
        app: RecordingApp, spec: ScreenSpec) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, spec.key)
        footer = app.screen.query_one(WrappingFooter)
        rows = screen_text(app).splitlines()[-footer.region.height:]
        painted = "\n".join(rows)
        shown = footer_labels(footer)
        for label in ("? Help", "q Quit", "f Go offline"):
            assert label in shown, shown
        for label in shown:  # never cut by the edge nor the palette's corner
            assert any(label in row for row in rows), (label, painted)
        assert app.screen.query_one("#page-status").region.height == 1


async def test_dashboard_at_80_columns_gives_the_names_the_room_the_kickoff_does_not_need(
        app: RecordingApp) -> None:
    """Today's kickoffs say ``15:00`` (other days ``Wed 15:00``), so the match column has the
    room for the simulator's names in full, and every column title is whole."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        painted = screen_text(app)
        header = next(line for line in painted.splitlines() if "Match" in line)
        assert header.split("▕")[1].split() == ["Time", "CET", "Match", "1", "X", "2"], header
        for match in ("13:30     Brentford – Newcastle", "Arsenal – Manchester City  2.08",
                      "Nice – Stade Brestois 29", "Wed 15:00 P. S. Germain – Lorient"):
            assert match in painted, painted


async def test_supervision_at_80_columns_wraps_no_line_under_its_label(app: RecordingApp) -> None:
    """Each line of the runbook's page whole on one painted line (the reset's basis on a line of
    its own, the collector's last cycle too); a checklist item too long for 80 columns goes on
    under its text, not under its box."""
    from oddsmon.tui.supervision import collector_text, quota_text, state_text

    async with app.run_test(size=(80, 80)) as pilot:  # 80 wide, tall enough to show it all
        await settle(pilot)
        await press(pilot, "s")
        snap, now, tz = app.snapshot, app.now(), app.tz
        assert snap is not None
        painted = screen_text(app)
        content = [line.split("▕", 1)[1][1:] for line in painted.splitlines() if "▕" in line]
        for text in (state_text(snap, tz, now), quota_text(snap, tz, now), collector_text(snap, tz, now)):
            for line in text.splitlines():
                assert any(row.rstrip() == line for row in content), (line, painted)
        assert "Last requests (sent, or from the cache)" in painted
        item = next(i for i, row in enumerate(content) if "Key pages opened online" in row)
        assert content[item].startswith(("[x] ", "[ ] ")) and content[item + 1].startswith("    "), painted


async def test_odds_at_80x24_shows_price_fair_value_and_stake_and_picks_from_the_fair_view(
        app: RecordingApp) -> None:
    """The first screen of Odds at 80x24 holds the market's line whole, every bookmaker's
    price and, under them, each outcome's best price, fair odds, value and stake. Tab takes
    the focus to that Fair view; ``a`` there records the outcome's best price, and the market's
    line and the table's header are still on screen."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        screen = app.screen
        assert isinstance(screen, OddsScreen)
        painted = [row for row in screen_text(app).splitlines() if "▕" in row]
        market_line = next(i for i, row in enumerate(painted) if "fair: multiplicative" in row)
        assert painted[market_line + 1].split("▕")[1].split() == ["Bookmaker", "Home", "Draw", "Away", "Margin"]
        header = next(row for row in painted if "Outcome" in row)
        assert header.split("▕")[1].split()[:5] == ["Outcome", "Best", "Fair", "Value", "Stake"], header
        assert any("Stakes: 0.25 Kelly of 1,000 EUR" in row for row in painted), painted  # their currency
        for label in ("Home", "Draw", "Away"):
            row = next(r for r in painted if r.split("▕")[1].split()[:1] == [label])
            best, fair, value = row.split("▕")[1].split()[1:4]
            assert float(best) > 1 and float(fair) > 1 and value.endswith("%"), row
        await press(pilot, "tab", "down", "a")  # the Fair view's second row: Draw
        assert "Pick #1: Draw @ " in app.said_text()
        again = screen_text(app)
        assert "fair: multiplicative" in again and "Bookmaker" in again, again


async def test_odds_fair_view_at_80_columns_shows_its_other_columns_in_turn_without_scrolling(
        app: RecordingApp) -> None:
    """Where the Fair view's columns do not all fit (80 columns), price, fair, value and stake
    stay and the others come a few at a time: ``x`` (in the footer there, and only there) shows
    the next ones, round to the first; none is ever off to the right. At 100 columns they all
    fit under narrower labels, and ``x`` is gone."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        fair = app.screen.query_one("#fair-table", DataTable)
        footer = app.screen.query_one(WrappingFooter)
        seen: list[str] = []
        for _ in range(4):
            labels = [str(c.label) for c in fair.columns.values()]
            assert labels[:5] == ["Outcome", "Best", "Fair", "Value", "Stake"], labels
            assert fair.virtual_size.width <= fair.scrollable_content_region.width, labels  # no scrollbar
            header = next(r for r in content_rows(app) if r.split()[:1] == ["Outcome"])
            assert header.split() == labels, header  # every column's label on screen
            seen += labels[5:]
            assert "x Columns" in footer_labels(footer)
            await press(pilot, "x")
        assert seen[:4] == ["at", "Mkt", "Pred", "V/pred"] and seen[4] == "at", seen
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        labels = [str(c.label) for c in fair.columns.values()]
        assert labels == ["Outcome", "Best", "Fair", "Value", "Stake", "at", "Mkt", "Pred", "V/pred"], labels
        assert not any(label.startswith("x ") for label in footer_labels(app.screen.query_one(WrappingFooter)))


async def test_value_at_80x24_keeps_the_outcome_whole_and_says_the_highlighted_bet_in_full(
        app: RecordingApp) -> None:
    """At 80 columns the Value screen's outcome (its line in it) is whole, the market is not
    cut under 8 characters, the match names both teams, and the line under the table says the
    highlighted bet with nothing cut; the status line is not cut either."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "V")
        screen = app.screen
        assert isinstance(screen, ValueScreen)
        board = await app.service.value_board(method=app.fair_method)
        assert board.data and board.data.bets
        bets = board.data.bets
        for i, bet in enumerate(bets[:15]):
            row = [str(c) for c in screen.table.get_row_at(i)]
            keys = [str(k.value) for k in screen.table.columns]
            cells = dict(zip(keys, row, strict=True))
            if len(bet.outcome) <= 13:
                assert cells["outcome"].strip() == bet.outcome, cells
            assert len(cells["market"].strip().rstrip("…")) >= min(7, len(screen.market_text(bet))), cells
            assert "–" in cells["match"] and "…" not in cells["match"], cells
        line = text_of(app, "#value-line")
        fx = next(f for f in (await app.service.fixtures()).data or [] if f.id == bets[0].fixture_id)
        assert line.startswith(f"{fx.home.name} – {fx.away.name}, ") and f"{bets[0].outcome} @ " in line, line
        status = next(r for r in screen_text(app).splitlines() if "cache" in r or "live" in r)
        assert "…" not in status, status


@pytest.fixture
async def every_market(settings: Settings, clock: FakeClock, ticker: ManualTicker) -> AsyncIterator[RecordingApp]:
    """The app on the simulator's whole catalogue: HT/FT's nine outcomes, Asian Handicap's lines."""
    sim = Simulator(SimConfig(seed=1, leagues=(39, 61), daily_limit=500, per_minute=300), clock=clock)
    async for eng in _on_simulator(settings, clock, sim):
        yield RecordingApp(eng, ticker=ticker)


def content_rows(app: RecordingApp) -> list[str]:
    """The content area's painted lines (right of the sidebar)."""
    return [row.split("▕", 1)[1] for row in screen_text(app).splitlines() if "▕" in row]


async def odds_at(pilot: Pilot[Any], market_id: int) -> OddsScreen:
    """The Odds screen open at ``market_id`` (as the Value screen's door opens it)."""
    await settle(pilot)
    await press(pilot, "o")
    screen = pilot.app.screen
    assert isinstance(screen, OddsScreen)
    screen.show_market(market_id)
    await settle(pilot)
    return screen


async def test_odds_at_80x24_shows_every_outcome_of_htft_and_the_bookmakers_under_their_header(
        every_market: RecordingApp) -> None:
    """HT/FT Double's nine outcomes each show their best price, fair odds, value and stake on
    the first screen; the bookmaker table shows the first outcomes that fit (``x`` the next),
    gives up rows for the Fair view and scrolls under its header, the bookmaker's name staying
    beside the price under the cursor, which ``a`` records."""
    app = every_market
    async with app.run_test(size=SIZE) as pilot:
        screen = await odds_at(pilot, 7)
        book = screen.query_one("#odds-table", DataTable)
        assert screen._view is not None and screen._view.market is not None
        labels = screen._view.market.labels
        shown = [str(c.label) for c in book.columns.values()][1:-1]  # between Bookmaker and Margin
        assert len(labels) == 9 and 2 <= len(shown) < 9 and shown == list(labels[:len(shown)]), shown
        rows = content_rows(app)
        assert rows[2].split()[:2] == ["HT/FT", "Double"], rows
        assert rows[3].split()[:2] == ["Bookmaker", "Home/Home"], rows
        for label in labels:
            row = next((r.split() for r in rows if r.split()[:1] == [label]), None)
            assert row is not None, (label, "\n".join(rows))
            best, fair, value, stake = row[1:5]
            assert float(best) > 1 and float(fair) > 1 and value.endswith("%"), row
            assert stake in ("no", "—") or stake.replace(",", "").isdigit(), row
        last, price = (str(cell).strip() for cell in book.get_row_at(book.row_count - 1)[:2])
        await press(pilot, *["down"] * (book.row_count - 1))  # the cursor to the last bookmaker
        rows = content_rows(app)
        assert rows[3].split()[:2] == ["Bookmaker", "Home/Home"], rows  # the header stays
        assert any(r.split()[:1] == last.split()[:1] for r in rows[4:7]), (last, "\n".join(rows))
        assert all(any(r.split()[:1] == [label] for r in rows) for label in labels), rows
        await press(pilot, "a")
        assert f"Home/Home @ {price} {last}" in app.said_text(), app.said_text()


async def test_odds_lined_market_line_is_whole_at_80_columns(every_market: RecordingApp) -> None:
    """A lined market's name, line, count of lines and their keys, the price format and the
    method all read at 80 columns (the format and method on a second line), line after line."""
    app = every_market
    async with app.run_test(size=SIZE) as pilot:
        await odds_at(pilot, 4)
        for _ in range(2):
            rows = [r.rstrip() for r in content_rows(app)]
            assert re.fullmatch(r" Asian Handicap \S+ \(11 lines: \[ \]\)", rows[2]), rows
            assert rows[3] == " decimal · fair: multiplicative", rows
            await press(pilot, "right_square_bracket")


def test_the_fair_view_comes_whole_first_and_the_bookmakers_keep_a_header_and_three_rows() -> None:
    assert share_height(15, 10, 5) == (10, 5)  # both whole
    assert share_height(14, 10, 11) == (4, 10)  # HT/FT at 80x24: the bookmakers give up rows
    assert share_height(14, 3, 30) == (3, 11)  # a short table keeps its lines; the rest scrolls
    assert share_height(6, 10, 30) == (4, 4)  # never under a header and three rows


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)], ids=["80x24", "100x30", "160x48"])
async def test_odds_every_market_fits_the_width_and_x_shows_every_outcome_in_turn(
        every_market: RecordingApp, size: tuple[int, int]) -> None:
    """Every bet of the simulator's catalogue (HT/FT's nine outcomes, the correct scores'
    dozens, Asian Handicap's lines): neither table is wider than the page, so nothing is off to
    the right; the bookmaker table's header reads whole from Bookmaker to Margin. Where its
    outcomes do not all fit, the note says which show, ``x`` (in the footer) shows the next
    ones, and every outcome comes in turn, each under a price column."""
    app = every_market
    async with app.run_test(size=size) as pilot:
        screen = await odds_at(pilot, 1)
        book = screen.query_one("#odds-table", DataTable)
        fair = screen.query_one("#fair-table", DataTable)
        windowed = []
        for bet_id, name in screen._bets():
            screen.show_market(bet_id)
            await settle(pilot)
            market = screen._view.market if screen._view is not None else None
            if market is None or not market.priced:
                continue
            seen: list[str] = []
            for _ in range(len(market.labels)):
                for table in (book, fair):
                    assert table.virtual_size.width <= table.scrollable_content_region.width, \
                        (name, size, [str(c.label) for c in table.columns.values()])
                labels = [str(c.label) for c in book.columns.values()]
                header = next(r for r in content_rows(app) if r.split()[:1] == ["Bookmaker"])
                assert header.split() == [w for label in labels for w in label.split()], (name, header)
                seen += labels[1:-1]
                note = text_of(app, "#market-note")
                if len(labels) - 2 == len(market.labels):
                    assert "outcomes" not in note, (name, note)
                    break
                first, last = market.labels.index(labels[1]) + 1, market.labels.index(labels[-2]) + 1
                assert f"outcomes {first}–{last} of {len(market.labels)} (x)" in note, (name, note)
                assert "x Columns" in footer_labels(screen.query_one(WrappingFooter)), name
                windowed.append(name)
                await press(pilot, "x")
            assert set(seen) == set(market.labels), (name, seen)
        if size[0] >= 160:
            assert not windowed, windowed  # a wide terminal shows every bet's outcomes at once
        else:
            assert any("HT/FT" in name for name in windowed), windowed


async def test_odds_opened_at_an_outcome_left_out_shows_its_window_with_the_cursor_on_it(
        every_market: RecordingApp) -> None:
    """The Value screen's door opens Odds on one bookmaker's price of one outcome: at 80
    columns HT/FT's last outcome is not among the first that fit, so the window that holds it
    shows, the cursor on that price, and ``a`` records it."""
    app = every_market
    async with app.run_test(size=SIZE) as pilot:
        screen = await odds_at(pilot, 7)
        assert screen._view is not None and screen._view.market is not None
        market = screen._view.market
        last = market.labels[-1]
        row = next(r for r in market.rows if r.prices[-1] is not None)
        screen.open_at(7, "", last, row.bookmaker.name)
        await settle(pilot)
        book = screen.query_one("#odds-table", DataTable)
        labels = [str(c.label) for c in book.columns.values()]
        assert last in labels and labels[1] != market.labels[0], labels
        assert book.virtual_size.width <= book.scrollable_content_region.width, labels
        assert f"of {len(market.labels)} (x)" in text_of(app, "#market-note")
        await press(pilot, "a")
        assert f"{last} @ " in app.said_text() and row.bookmaker.name in app.said_text(), app.said_text()


async def test_odds_footer_at_80x24_keeps_its_essential_keys_online_and_offline(app: RecordingApp) -> None:
    """The Odds footer at 80x24 keeps the fixture, the market, the pick and ``x`` (the Fair
    view's other columns) whole beside help, quit and the offline key, online and offline
    (where the offline key's label is longer and Refresh comes in): the keys left out are in
    ``?`` and the palette, never these."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        for offline_key in ("f Go offline", "f End offline"):
            footer = app.screen.query_one(WrappingFooter)
            rows = screen_text(app).splitlines()[-footer.region.height:]
            shown = footer_labels(footer)
            for label in ("g Fixture", "m Market", "a Pick", "x Columns", offline_key, "? Help", "q Quit"):
                assert label in shown and any(label in row for row in rows), (label, "\n".join(rows))
            await press(pilot, "f")

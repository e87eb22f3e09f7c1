"""The Live screen, the Dashboard's live marker, the auto-refresh, the closing price on the Odds
screen, and a TUI that sends nothing while a collector runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from oddsmon.clock import FakeClock
from oddsmon.domain.models import LiveStatus
from oddsmon.engine.runtime import Engine
from oddsmon.sim import Simulator
from oddsmon.store.live import LiveBoard, LivePrice, LiveState
from oddsmon.tui.base import PageScreen
from oddsmon.tui.live import live_price_rows

from .conftest import SIZE, RecordingApp, press, screen_text, settle, text_of

KICKOFF = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)  # the first of the day (seed 1)


def in_play(sim: Simulator, clock: FakeClock) -> str:
    fx = next(f for f in sim.data.fixtures if f.kickoff == int(KICKOFF.timestamp()))
    return fx.home.name


async def test_live_shows_the_minute_score_and_markets_and_reloads_when_they_expire(
        app: RecordingApp, sim: Simulator, clock: FakeClock) -> None:
    clock.set(KICKOFF + timedelta(minutes=20))
    home = in_play(sim, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "l")
        text = screen_text(app)
        assert "21'" in text and home[:8] in text, text  # the 21st minute is being played
        assert "Fulltime Result" in text and "Home" in text
        assert "refresh in 1m 00s" in text_of(app, "#page-status")
        sent = sim.stats()["counted_by_endpoint"].get("/odds/live", 0)
        assert sent == 1
        # A minute later the live data has expired: the screen reloads by itself, with the
        # minute moved on and the move since kickoff beside each price.
        clock.advance(61)
        screen = app.screen
        assert isinstance(screen, PageScreen)
        screen.tick_auto_refresh(app.now())  # what the app's 1 s tick does
        await settle(pilot, 3)
        assert sim.stats()["counted_by_endpoint"]["/odds/live"] == 2
        text = screen_text(app)
        assert "22'" in text and "→" in text, text


async def test_the_dashboard_marks_fixtures_in_play(app: RecordingApp, sim: Simulator, clock: FakeClock,
                                                    engine: Engine) -> None:
    clock.set(KICKOFF + timedelta(minutes=20))
    await engine.service.live_fixtures()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        # 80 columns may cut a long name ("Brentfo…") or keep its initials ("M. United").
        last = in_play(sim, clock).split()[-1][:6]
        line = next((ln for ln in text.splitlines() if last in ln), text)
        assert "21'" in line and line.rstrip().endswith("L"), line


async def test_with_a_collector_running_the_tui_reads_the_store_and_sends_nothing(
        app: RecordingApp, sim: Simulator, engine: Engine) -> None:
    engine.store.collector.acquire("collector", engine.clock.now(), 300, pid=1)  # pid 1 lives
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("p", "b", "o", "l", "d", "r"):
            await press(pilot, key)
        assert sim.stats()["counted_total"] == 0
        assert "not collected yet" in app.said_text() or "Never cached" in screen_text(app)


async def test_a_started_fixture_shows_opening_close_and_now(app: RecordingApp, sim: Simulator,
                                                              clock: FakeClock, engine: Engine) -> None:
    fx = next(f for f in sim.data.fixtures if f.kickoff == int(KICKOFF.timestamp()))
    clock.set(KICKOFF - timedelta(hours=3))
    await engine.service.odds(force=True)  # the opening
    clock.set(KICKOFF - timedelta(minutes=30))
    await engine.service.fixture_odds(fx.id, force=True)  # the close
    clock.set(KICKOFF + timedelta(minutes=5))
    await engine.service.fixture_odds(fx.id, force=True)  # after kickoff: not the close
    closes = engine.service.closing_means(fx.id, 1)
    assert set(closes) == {"Home", "Draw", "Away"}
    app.selected_fixture = fx.id
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        from textual.widgets import Static

        moves = [str(row.query_one(".move-text", Static).content)
                 for row in app.screen.query(".move-row") if row.display]
        # Opening → close → now, for each of the three outcomes.
        assert len(moves) == 3 and all(m.count("→") == 2 for m in moves), moves


async def test_supervision_shows_the_collector_and_its_budget(app: RecordingApp, engine: Engine) -> None:
    from datetime import date

    from oddsmon.store import CollectorStatus

    now = engine.clock.now()
    engine.store.collector.acquire("collector", now, 300, pid=1)
    engine.store.collector.set_status(CollectorStatus(1, 60.0, now, now + timedelta(minutes=1)))
    engine.store.collector.add_spend(date(2026, 11, 24), {"odds": 6, "closing": 2})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        text = text_of(app, "#sup-collector")
        assert "running · pid 1" in text and "closing 2, odds 6" in text and "budget 8/" in text, text


def test_prices_of_a_blocked_or_stopped_match_are_shown_as_not_bettable() -> None:
    """The feed's flags: a suspended value, and a whole match blocked, stopped or finished,
    is no offer. Its price is not shown as one, and the board's bettable prices (the only
    ones value, arbitrage or an alert may use) leave it out."""
    def board(**flags: bool) -> LiveBoard:
        status = LiveStatus("Second Half", 70, 1, 0, flags.get("stopped", False),
                            flags.get("blocked", False), flags.get("finished", False))
        prices = [LivePrice(7, 59, "Home", "", 0, 1.85, None, False),
                  LivePrice(7, 59, "Draw", "", 0, None, None, True)]
        return LiveBoard(LiveState(7, KICKOFF, status), {p.key: p for p in prices}, {})

    match = SimpleNamespace(board=board(), bet_names={59: "Fulltime Result"})
    rows = live_price_rows(match, "decimal")  # type: ignore[arg-type]
    assert rows[0][2] == "1.85" and rows[1][1:] == ("Draw", "suspended", "not bettable")
    assert list(match.board.bettable().values()) == [1.85]
    for flag in ("blocked", "stopped", "finished"):
        halted = SimpleNamespace(board=board(**{flag: True}), bet_names={59: "Fulltime Result"})
        rows = live_price_rows(halted, "decimal")  # type: ignore[arg-type]
        assert rows[0] == ("Fulltime Result", "Home", flag, "not bettable"), rows
        assert halted.board.bettable() == {}

"""Pilot tests: screens, bindings, the offline key, refresh, warm, quit, palette, errors."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from textual.widgets import DataTable, ProgressBar, Static

from oddsmon.clock import FakeClock
from oddsmon.engine.runtime import Engine
from oddsmon.sim import Simulator
from oddsmon.tui.app import OddsmonApp
from oddsmon.tui.base import PageScreen
from oddsmon.tui.bookmakers import BookmakersScreen
from oddsmon.tui.dashboard import DashboardScreen
from oddsmon.tui.help import HelpScreen
from oddsmon.tui.host import Host
from oddsmon.tui.modals import ConfirmOnline
from oddsmon.tui.odds import OddsScreen
from oddsmon.tui.predictions import PredictionsScreen
from oddsmon.tui.supervision import SupervisionScreen

from ..conftest import SECRET
from ..engine_owner import store_owned_by
from ..reliability.hostile import HOSTILE, has_terminal_controls
from .conftest import (
    SIZE,
    ManualTicker,
    RecordingApp,
    footer_descriptions,
    open_odds,
    press,
    screen_text,
    settle,
    shown_fixture,
    sidebar_text,
    text_of,
    until,
)

SCREENS = [("d", DashboardScreen), ("p", PredictionsScreen), ("b", BookmakersScreen),
           ("o", OddsScreen), ("s", SupervisionScreen)]


async def test_opens_on_the_dashboard_online_with_the_offline_key_in_the_footer(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "ONLINE" in sidebar_text(app)
        assert app.screen.query_one("#fixtures", DataTable).row_count > 0
        keys = footer_descriptions(app)
        assert any("offline" in d for d in keys), keys
        for label in ("Dash", "Preds", "Books", "Odds", "Superv", "Refresh", "Warm", "Quit"):
            assert label in keys
        painted = screen_text(app)
        assert "Go offline" in painted and "q Quit" in painted  # visible at 80 columns


async def test_each_screen_key_switches_and_the_offline_toggle_shows_in_its_sidebar(
        app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, screen in SCREENS:
            await press(pilot, key)
            assert isinstance(app.screen, screen)
            assert "ONLINE" in sidebar_text(app)
            assert SECRET not in screen_text(app)  # the API key never reaches the screen
            await press(pilot, "f")
            side = sidebar_text(app)
            assert "OFFLINE" in side and "reason  user" in side, key
            assert engine.service.mode().reason == "user"
            assert "End offline" in footer_descriptions(app)
            painted = screen_text(app)
            assert "OFFLINE" in painted and "End offline" in painted
            await press(pilot, "f")
            assert "ONLINE" in sidebar_text(app)
            assert not engine.service.mode().offline
            assert "Go offline" in footer_descriptions(app)
        assert SECRET not in app.said_text()


async def test_quit_exits_with_status_zero(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert app.return_value == 0


def test_run_returns_zero_when_the_user_quits(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``oddsmon.tui.app.run`` (what the CLI calls) on the demo engine: q gives status 0."""
    from oddsmon.tui import app as app_module

    original = OddsmonApp.run_async

    async def headless(self: OddsmonApp, **kwargs: Any) -> Any:
        async def auto_pilot(pilot: Any) -> None:
            # Conditions, not times: a loaded machine takes longer for each step, never fails it.
            await pilot.pause()
            service = await self.engine_up()  # built after the first frame
            # No key, no real prices: said in the header and the sidebar of every screen (the
            # sidebar once the first poll after the build has read the store).
            assert service.demo is not None and "DEMO: simulated prices" in self.title
            await until(pilot, lambda: str(self.screen.query_one("#mode-lines").render())
                        .startswith("DEMO: simulated prices\nreal key: see ?"))
            # ? says how to leave the demo for a real key: the variable, or a key file, 0600.
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(self.screen, HelpScreen))
            assert "(Escape closes · a real key: at the end)" in screen_text(self)
            await pilot.press("end")
            await pilot.wait_for_scheduled_animations()  # the scroll to the end is animated
            shown = " ".join(screen_text(self).split())
            assert "export APISPORTS_KEY=" in shown and "(chmod 600)" in shown, shown
            assert "api.key_file" in shown and "without --demo" in shown, shown
            await pilot.press("escape", "q")

        return await original(self, headless=True, size=SIZE, auto_pilot=auto_pilot)

    monkeypatch.setattr(OddsmonApp, "run_async", headless)
    assert app_module.run(settings, demo=True) == 0


def sent(engine: Engine) -> int:
    """Requests that went over the network (the log also lists pages served from the cache)."""
    return sum(1 for r in engine.store.ledger.recent_requests(500) if not r.from_cache)


async def test_refresh_rebuilds_the_current_screen_from_the_api(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("d", "p", "b", "o"):
            await press(pilot, key)
            before = sent(engine)
            await press(pilot, "r")
            assert sent(engine) > before, key
            assert isinstance(app.screen, PageScreen) and app.screen.provenance is not None \
                and app.screen.provenance.source == "live"
            assert "refreshed from the API" in app.said_text()
            assert "live" in text_of(app, "#page-status")
        await press(pilot, "s", "r")  # Supervision: re-reads the store, sends nothing
        assert isinstance(app.screen, SupervisionScreen)


async def test_refresh_while_offline_sends_nothing_and_says_so(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        before = sent(engine)
        await press(pilot, "r")
        assert sent(engine) == before
        assert "offline (user)" in app.said_text() and "served from the cache" in app.said_text()


async def test_warm_shows_progress_and_notifies_when_done(app: RecordingApp, engine: Engine) -> None:
    seen: list[tuple[bool, float, float | None]] = []
    warm = engine.service.warm

    async def watched_warm(progress: Any = None) -> Any:
        def spy(done: int, total: int, step: Any) -> None:
            progress(done, total, step)
            bar = app.screen.query_one("#warm-bar", ProgressBar)
            seen.append((app.screen.query_one("#warm-box").display, bar.progress, bar.total))

        return await warm(spy)

    engine.service.warm = watched_warm  # type: ignore[method-assign, assignment]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "w")
        await settle(pilot)
        assert seen and all(shown for shown, _, _ in seen)
        assert [p for _, p, _ in seen] == sorted(p for _, p, _ in seen)
        assert seen[-1][1] == seen[-1][2]  # the bar ends full
        assert app.warm_log[-1][0] == app.warm_log[-1][1]
        assert not app.screen.query_one("#warm-box").display  # hidden once done
        assert "Warm done" in app.said_text()


async def test_warm_while_offline_stops_and_notifies(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f", "w")
        await settle(pilot)
        assert tuple(s for s, m in app.said if m.startswith("Warm stopped"))[:1] == ("warning", )
        assert "offline (user)" in app.said_text()


async def test_going_online_from_quota_before_the_reset_asks_first(
        app: RecordingApp, engine: Engine, clock: FakeClock) -> None:
    engine.store.ledger.observe(clock.now(), 500, 40, 300, 290)
    engine.machine.go_offline("quota", "the API said the daily quota is exhausted")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        side = sidebar_text(app)
        assert "reason  quota" in side and "resumes" in side and "in      15:00:00" in side
        await press(pilot, "f")
        assert isinstance(app.screen, ConfirmOnline)
        message = text_of(app, "#dialog-text")
        assert "40 of 500 calls are left today" in message and "reserve of 5" in message
        assert "00:00 UTC" in message and "in 15:00:00" in message
        # The dialog follows the quota and the clock while it is up.
        engine.store.ledger.observe(clock.now(), 500, 12, 300, 290)
        clock.advance(60)
        app.poll_now()
        await settle(pilot)
        message = text_of(app, "#dialog-text")
        assert "12 of 500 calls are left today" in message and "in 14:59:00" in message
        await press(pilot, "n")
        assert not isinstance(app.screen, ConfirmOnline)
        assert engine.service.mode().reason == "quota"
        # Runbook 3.2: a manual offline during the quota outage, keeping the reset.
        resume_at = engine.service.mode().resume_at
        await press(pilot, "f", "m")
        mode = engine.service.mode()
        assert (mode.reason, mode.resume_at) == ("user", resume_at) and resume_at is not None
        await press(pilot, "f")
        assert isinstance(app.screen, ConfirmOnline)  # the reset is still pending: it asks
        await press(pilot, "y")
        assert not engine.service.mode().offline
        assert "ONLINE" in sidebar_text(app)


async def test_going_online_with_no_calls_left_asks_first(app: RecordingApp, engine: Engine,
                                                          clock: FakeClock) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")  # a manual offline
        engine.store.ledger.observe(clock.now(), 500, 5, 300, 290)  # 5 left: the reserve
        app.poll_now()
        await settle(pilot)
        await press(pilot, "f")
        assert isinstance(app.screen, ConfirmOnline)
        assert "Only 5 calls are left today, at or below the reserve of 5" in text_of(app, "#dialog-text")
        engine.store.ledger.observe(clock.now(), 500, 480, 300, 290)  # a refill meanwhile
        app.poll_now()
        await settle(pilot)
        assert "480 calls are left today now, above the reserve of 5" in text_of(app, "#dialog-text")
        await press(pilot, "m")  # no pending reset to keep: not offered, nothing happens
        assert isinstance(app.screen, ConfirmOnline)
        await press(pilot, "n")
        assert not isinstance(app.screen, ConfirmOnline) and engine.service.mode().reason == "user"
        await press(pilot, "f", "y")
        assert not engine.service.mode().offline


async def test_a_refused_key_says_what_to_do_and_asks_before_going_online(
        app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        engine.machine.go_offline("key", "API key rejected by the provider: Error/Missing application key.")
        app.poll_now()
        await settle(pilot)
        side = sidebar_text(app)
        assert "reason  key" in side and "resumes on probe" in side
        said = app.said_text()
        assert "OFFLINE (key)" in said and "To do: rotate the key" in said and "api.key_file" in said
        assert tuple(s for s, m in app.said if "OFFLINE (key)" in m)[:1] == ("error", )
        await press(pilot, "f")
        assert isinstance(app.screen, ConfirmOnline)
        message = text_of(app, "#dialog-text")
        assert "refuses the API key" in message and "Error/Missing application key" in message
        assert "rotate the key" in message and "next /status probe is at" in message
        await press(pilot, "m")  # no manual offline offered: a refused key is not a quota reset
        assert isinstance(app.screen, ConfirmOnline)
        await press(pilot, "n")
        assert not isinstance(app.screen, ConfirmOnline) and engine.service.mode().reason == "key"
        await press(pilot, "f", "y")  # a person may still end it
        assert engine.service.mode().reason != "key"


async def test_a_manual_offline_is_left_without_asking(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f", "f")
        assert not isinstance(app.screen, ConfirmOnline)
        assert not engine.service.mode().offline


async def test_the_countdown_to_the_quota_reset_is_live(
        app: RecordingApp, engine: Engine, clock: FakeClock, ticker: ManualTicker, sim: Simulator) -> None:
    sim.exhaust_quota()  # /status is probed from the exhaustion on: it must show the day spent
    engine.machine.go_offline("quota", "quota")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "15:00:00" in sidebar_text(app)
        clock.advance(75)
        ticker.tick()  # the app's next second: the sidebar follows its tick, no key pressed
        await pilot.pause()
        assert "14:58:45" in sidebar_text(app)


async def test_enter_on_a_dashboard_row_opens_that_fixture_on_the_odds_screen(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#fixtures", DataTable)
        table.focus()
        await press(pilot, "down", "down")
        chosen = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)  # type: ignore[arg-type]
        await press(pilot, "enter")
        assert isinstance(app.screen, OddsScreen)
        assert shown_fixture(app) == chosen
        assert app.screen.query_one("#odds-table", DataTable).row_count > 0


async def test_odds_screen_rows_margins_best_prices_and_market_key(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        _screen, table = await open_odds(pilot)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["Bookmaker", "Home", "Draw", "Away", "Margin"]
        assert table.row_count >= 3
        margins = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert all(m.endswith("%") and len(m.split(".")[1]) == 3 for m in margins), margins
        best_style = table.get_component_rich_style("odds-table--best", partial=True)
        highlighted = [cell for i in range(table.row_count) for cell in table.get_row_at(i)[1:4]
                       if getattr(cell, "style", None) == best_style]
        assert len(highlighted) >= 3  # one best price per outcome at least
        assert "Match Winner" in text_of(app, "#market-line")
        assert text_of(app, "#best-line").startswith("Best  Home")
        await press(pilot, "m")
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["Bookmaker", "Over 2.5", "Under 2.5", "Margin"]
        await press(pilot, "m")
        assert [str(c.label) for c in table.columns.values()][1:3] == ["Yes", "No"]
        await press(pilot, "m")  # the demo fixture's bookmakers include one pricing exact goals
        assert text_of(app, "#market-line").startswith("Exact Goals Number 6 (1 lines: [ ])")
        # Seven outcomes do not fit 80 columns: the first that do, then the rest with x.
        assert [str(c.label) for c in table.columns.values()][1:-1] == ["0", "1", "2", "3", "4"]
        assert "outcomes 1–5 of 7 (x)" in text_of(app, "#market-note")
        await press(pilot, "x")
        assert [str(c.label) for c in table.columns.values()][1:-1] == ["5", "more 6"]
        assert "outcomes 6–7 of 7 (x)" in text_of(app, "#market-note")
        await press(pilot, "x")
        assert [str(c.label) for c in table.columns.values()][1:2] == ["0"]
        await press(pilot, "m")
        assert "Match Winner" in text_of(app, "#market-line")


async def test_odds_fixture_picker_changes_the_fixture(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        assert isinstance(app.screen, OddsScreen)
        first = shown_fixture(app)
        await press(pilot, "g", "down", "enter")
        now = shown_fixture(app)
        assert first is not None and now is not None and now != first
        assert app.selected_fixture == now


async def test_predictions_detail_follows_the_cursor(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "p")
        table = app.screen.query_one("#predictions", DataTable)
        table.focus()
        first = text_of(app, "#prediction-text")
        assert "Winner" in first and "Advice" in first and "Comparison" in first
        await press(pilot, "down")
        assert text_of(app, "#prediction-text") != first


async def test_bookmakers_say_which_price_the_watched_fixtures(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        table = app.screen.query_one("#bookmakers", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        priced = [r for r in rows if not str(r[2]).startswith("0/")]
        assert priced and len(priced) < len(rows)  # some price the watched fixtures, some do not
        assert "pricing" in text_of(app, "#page-status")


async def test_supervision_shows_the_runbook_items(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        assert "quota_reset 2026-11-25 00:00:00 UTC" in text_of(app, "#sup-quota")
        assert "Wed 01:00:00 CET local" in text_of(app, "#sup-quota")  # Europe/Paris, configured
        assert "dashboard" in text_of(app, "#sup-pages")
        assert "hit ratio" in text_of(app, "#sup-cache")
        assert "Probe" in text_of(app, "#sup-probe")
        assert "Incident" in text_of(app, "#sup-incidents")
        checklist = text_of(app, "#sup-checklist")
        assert "Offline mode disabled" in checklist and "[x]" in checklist
        await press(pilot, "f")
        assert "OFFLINE (user)" in text_of(app, "#sup-state")
        assert "#1 OPEN (user)" in text_of(app, "#sup-incidents")
        assert "[ ] Offline mode disabled" in text_of(app, "#sup-checklist")


async def test_supervision_names_the_alerts_no_webhook_took(app: RecordingApp, engine: Engine) -> None:
    from oddsmon.store import Queued

    now = engine.clock.now()
    outbox = engine.store.outbox
    outbox.enqueue(["webhook"], [Queued("drop:1", "drop", "{}"), Queued("mode:2", "offline", "{}")], now)
    claimed = outbox.claim("webhook", now, min_interval_s=0, stale_s=60)
    outbox.failed([r.id for r in claimed], now, "dead letter: HTTP 404", None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        shown = text_of(app, "#sup-collector")
        assert "DEAD LETTERS: 2 alerts (1 drop, 1 offline)" in shown and "HTTP 404" in shown


async def test_export_key_writes_the_metrics_and_says_where(app: RecordingApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "e")
        await settle(pilot)
        path = engine.settings.paths.metrics
        assert path.exists()
        assert f"Metrics written to {path}" in app.said_text()
        assert f"e exports the metrics to {path}" in text_of(app, "#sup-keys")  # said before too


async def test_selftest_key_ticks_the_checklist_from_the_supervision_screen(app: RecordingApp,
                                                                           engine: Engine) -> None:
    """Runbook §6 "quick functional tests" could not be ticked from the TUI (nor in the demo)."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "w")  # the pages check reads the four pages from the cache
        await settle(pilot)
        await press(pilot, "s", "t")
        await settle(pilot, rounds=4)
        said = [m for _, m in app.said if m.startswith("selftest ")]
        assert said and said[-1].startswith("selftest passed: 5/5 checks"), app.said
        await settle(pilot)
        assert "[x] Quick functional tests" in text_of(app, "#sup-checklist")


async def test_demo_keys_rehearse_the_runbook(app: RecordingApp, engine: Engine, clock: FakeClock,
                                           ticker: ManualTicker) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        assert "Cut net" in footer_descriptions(app)
        await press(pilot, "n")
        await settle(pilot)
        assert engine.service.mode().reason == "network"
        assert "reason  network" in sidebar_text(app)
        assert "Restore net" in footer_descriptions(app)
        await press(pilot, "n")
        clock.advance(engine.settings.supervision.probe_min_s + 1)
        await until(pilot, lambda: not engine.service.mode().offline, ticker)  # the supervise tick probes
        await settle(pilot)
        assert "ONLINE" in sidebar_text(app)
        await press(pilot, "x")
        await settle(pilot)
        assert engine.service.mode().reason == "quota"
        assert "reason  quota" in sidebar_text(app)
        await press(pilot, "z", "f")
        assert isinstance(app.screen, ConfirmOnline)
        await press(pilot, "y")
        assert not engine.service.mode().offline


async def test_command_palette_offers_every_action(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def titles() -> str:
            return "\n".join(c.title for c in app.get_system_commands(app.screen))

        common = ["Show Dashboard", "Show Predictions", "Show Bookmakers", "Show Odds",
                  "Show Supervision", "Go offline", "Refresh this screen", "Warm the cache", "Quit"]
        assert all(t in titles() for t in common)
        await press(pilot, "o")
        assert "Next market (m)" in titles() and "Choose the fixture (g)" in titles()
        await press(pilot, "s")
        for t in ("Export metrics (e)", "cut the simulator's network", "burn the simulator's quota",
                  "refill the simulator's quota"):
            assert t in titles()
        await press(pilot, "f")
        assert "End offline" in titles()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["End offline: go back online (f)"].callback()
        await settle(pilot)
        assert "ONLINE" in sidebar_text(app)


async def test_command_palette_opens_and_runs_a_command(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"show odds")
        await pilot.pause(0.4)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OddsScreen)


async def test_a_failing_page_is_a_notification_not_a_traceback(app: RecordingApp, engine: Engine) -> None:
    async def broken(**_: Any) -> Any:
        raise RuntimeError("disk on fire")

    engine.service.bookmakers_summary = broken  # type: ignore[method-assign]  # what the screen reads
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        assert ("error", "Bookmakers: could not load: disk on fire") in app.said
        await press(pilot, "d")
        assert isinstance(app.screen, DashboardScreen)  # still running


async def test_no_color_is_honoured(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = OddsmonApp(engine)
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        table = app.screen.query_one("#odds-table", DataTable)
        style = table.get_component_rich_style("odds-table--best", partial=True)
        assert style.reverse and style.bold  # the best price stands out without colour
        await press(pilot, "f")
        assert "OFFLINE" in sidebar_text(app)  # the state is in words, not only in colour


async def test_the_sidebar_narrows_at_80_columns_and_widens_beyond(engine: Engine) -> None:
    app = OddsmonApp(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#sidebar").outer_size.width == 22
        assert app.screen.query_one("#content").size.width >= 56
    app = OddsmonApp(engine)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#sidebar").outer_size.width == 28
        footer = app.screen.query_one("WrappingFooter")
        assert footer.size.height == 1  # everything fits one row when wide


async def test_price_drops_of_one_match_are_one_message_naming_it(app: RecordingApp, engine: Engine) -> None:
    from datetime import datetime

    from oddsmon.domain.market import PriceDrop

    at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    drops = [[PriceDrop(1380005, 3, 1, "Home", 3.3, 2.5, at), PriceDrop(1380005, 8, 1, "Home", 3.2, 2.6, at),
              PriceDrop(1380005, 3, 5, "Over 2.5", 2.0, 1.7, at)]]
    await engine.service.dashboard()  # a drop follows an odds fetch: the names are known by then
    engine.service.alerting.take_drops = lambda: drops.pop() if drops else []  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        alerts = [m for s, m in app.said if s == "warning"]
        assert alerts == ["Brentford v Newcastle: Match Winner Home at Betfair 3.30→2.50 (-24.2%), "
                          "Match Winner Home at Bet365 3.20→2.60 (-18.8%), "
                          "Goals Over/Under Over 2.5 at Betfair 2.00→1.70 (-15.0%)"], app.said
        assert "Brentford v Newcastle: Match Winner Home at Betfair" in text_of(app, "#messages")


async def test_messages_cover_no_price_and_a_newer_state_replaces_the_older(app: RecordingApp) -> None:
    """At 80x24, v pressed four times on the Odds screen: every bookmaker row and price is
    still on screen (no toast over the right half), and only the latest method is said."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        table = app.screen.query_one("#odds-table", DataTable)
        cells = [str(table.get_row_at(i)[j]) for i in range(table.row_count)
                 for j in range(len(table.columns))]
        await press(pilot, "v", "v", "v", "v")
        painted = screen_text(app)
        assert not app.query("Toast")
        for i in range(table.row_count):
            row = [str(c) for c in table.get_row_at(i)]
            assert " ".join(row[:4]) in " ".join(painted.split()), row
        assert all(c in painted for c in cells)
        notes = [n.text for n in app.messages.notes if n.topic == "odds-view"]
        assert notes == ["Fair odds by the odds_ratio method."]
        assert "odds_ratio method" in text_of(app, "#messages")
        # The whole log on M, closed by Escape.
        await press(pilot, "M")
        assert "Messages, newest first" in screen_text(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, OddsScreen)


async def test_offline_message_is_replaced_by_back_online(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await settle(pilot)
        assert [n.text for n in app.messages.notes if n.topic == "mode"] == [
            "oddsmon is OFFLINE (user): manual offline"]
        await press(pilot, "f")
        await settle(pilot)
        assert [n.text for n in app.messages.notes if n.topic == "mode"] == ["oddsmon is back ONLINE."]
        assert "OFFLINE" not in "\n".join(n.text for n in app.messages.notes)


async def test_question_mark_opens_help_with_keys_and_glossary_and_escape_closes(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        await press(pilot, "question_mark")
        text = screen_text(app)
        assert "Help: Odds" in text and "Method" in text
        help_text = "\n".join(str(s.content) for s in app.screen.query(Static))
        assert "scroll" not in help_text.lower() and "Focus Next" not in help_text  # only oddsmon's keys
        for term in ("Margin", "Fair odds", "Value", "Arbitrage", "A / V"):
            assert f"{term}:" in help_text
        assert "Margin: the bookmaker's cut" in text  # on the first page, at 80x24
        assert "Everywhere:" in text and "d Dash" in text
        await press(pilot, "escape")
        assert isinstance(app.screen, OddsScreen)
        await press(pilot, "f1")
        assert "Help: Odds" in screen_text(app)
        await press(pilot, "escape")
        await press(pilot, "s", "question_mark")
        assert "Export" in screen_text(app)
        # A screen that declares no key of its own lists none of Textual's either; at 80
        # columns the keys of every screen wrap between two keys, never inside one.
        await press(pilot, "escape", "d", "question_mark")
        help_text = "\n".join(str(s.content) for s in app.screen.query(Static))
        assert "Focus Next" not in help_text and "Copy selected text" not in help_text
        painted = screen_text(app)
        everywhere = painted[painted.index("Everywhere:"):painted.index("Glossary")]
        for label in ("V Value", "f Go offline", "q Quit", "/ Search"):
            assert label in everywhere, everywhere


async def test_engine_not_touched_on_the_ui_thread_for_polls(app: RecordingApp, engine: Engine) -> None:
    """The once-a-second store read runs on the engine's thread, not on the event loop."""
    import threading

    threads: list[str] = []
    from oddsmon.engine import reports as reports_module

    real = reports_module.collect

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    reports_module.collect = spy
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            main = threading.main_thread().name
            assert threads and main not in threads
            assert set(threads) == {app.service.loop.thread.name}
    finally:
        reports_module.collect = real


async def test_a_session_touches_the_store_only_on_the_engine_thread(
        app: RecordingApp, engine: Engine, clock: FakeClock, ticker: ManualTicker) -> None:
    """Polls, pages, toggles, pins, picks, exports and the demo drill: every store use of a
    whole session happens on the engine's thread (the guard fails the test otherwise)."""
    with store_owned_by(engine.store, app.service.loop.thread):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "P", "d", "asterisk", "S", "F", "escape", "o", "right", "a", "h",
                        "escape", "b", "s", "e", "f")
            assert "Pick #1" in app.said_text() and "pinned" in app.said_text()
            assert "OFFLINE" in sidebar_text(app)
            await press(pilot, "f")
            assert "ONLINE" in sidebar_text(app)
            await press(pilot, "n")
            for _ in range(3):  # the 1 s tick: poll, supervise (a probe), auto-refresh, clocks
                clock.advance(engine.settings.supervision.probe_min_s + 1)
                ticker.tick()
                await settle(pilot)
            assert "reason  network" in sidebar_text(app)
            assert "Metrics written to" in app.said_text()


async def test_quota_outage_resumes_by_itself_at_the_reset_and_rebuilds_the_cache(
        app: RecordingApp, engine: Engine, clock: FakeClock, ticker: ManualTicker) -> None:
    engine.machine.go_offline("quota", "the API said the daily quota is exhausted")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "reason  quota" in sidebar_text(app)
        clock.set(engine.service.mode().resume_at)  # type: ignore[arg-type]  # 00:00 UTC
        # The once-a-second supervise applies the resume, then warms.
        await until(pilot, lambda: "Back online" in app.said_text(), ticker)
        await settle(pilot)
        assert not engine.service.mode().offline
        assert "ONLINE" in sidebar_text(app)
        assert "Back online, cache rebuilt" in app.said_text()


async def test_the_footer_rewraps_when_the_terminal_is_resized(app: RecordingApp) -> None:
    async with app.run_test(size=(130, 30)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one("WrappingFooter")
        assert footer.outer_size.height == 1
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert footer.outer_size.height == 2
        assert "q Quit" in screen_text(app)


async def test_the_screen_reader_sees_a_control_character_that_reaches_the_terminal(
        app: RecordingApp) -> None:
    """The hostile-API test reads the terminal through ``screen_text``: a control character
    that got past oddsmon's cleaning must show there, or that test could never fail."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert has_terminal_controls(screen_text(app)) == []
        app.screen.query_one("#page-status", Static).update(f"planted {HOSTILE}")
        await pilot.pause()
        assert has_terminal_controls(screen_text(app)) != []


async def test_the_app_offers_what_its_screens_ask_of_it(app: RecordingApp) -> None:
    """Screens see the app through ``Host`` (so no screen imports the app): every member
    they may use is there."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the desk is read by the first page load
        host: Host = app
        assert isinstance(host, Host)


async def test_ctrl_c_says_how_to_quit_in_plain_words(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+c")
        assert app.is_running
        said = text_of(app, "#messages")  # the message line, above the footer
        assert "Press q (or ctrl+q) to quit oddsmon" in said and "[" not in said, said
        assert "Press q (or ctrl+q) to quit oddsmon" in screen_text(app)  # whole, at 80 columns


async def test_a_page_note_that_stopped_being_true_leaves_the_message_line(app: RecordingApp) -> None:
    # "8 fixtures' value bets still being worked out" stayed on the line under every screen
    # long after the scan had finished: a page's notes say what holds now, and the next load
    # of that page without them ends them.
    from oddsmon.engine.page import Provenance
    from oddsmon.tui.host import PageLoaded

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pending = Provenance("cache", app.now(), 1.0, False, notes=("8 fixtures' value bets still being worked out",))
        app.post_message(PageLoaded("Value", pending, forced=False))
        await pilot.pause()
        assert "still being worked out" in text_of(app, "#messages")
        app.post_message(PageLoaded("Value", pending, forced=False))  # loaded again, still pending: said once
        await pilot.pause()
        assert sum("still being worked out" in n.text for n in app.messages.notes) == 1
        app.post_message(PageLoaded("Value", Provenance("cache", app.now(), 1.0, False), forced=False))
        await pilot.pause()
        assert "still being worked out" not in text_of(app, "#messages")
        assert not any("still being worked out" in n.text for n in app.messages.notes)

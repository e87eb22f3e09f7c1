"""Offline, every screen serves the cache with its age; a page never cached says so and names
the key that fetches it. Nothing is sent, nothing waits on a timeout."""

from __future__ import annotations

from textual.widgets import DataTable

from oddsmon.clock import FakeClock
from oddsmon.engine.runtime import Engine
from oddsmon.sim import Simulator

from .conftest import SIZE, RecordingApp, press, settle, sidebar_text, text_of

PAGES = [("d", "Dashboard", "#fixtures"), ("p", "Predictions", "#predictions"),
         ("b", "Bookmakers", "#bookmakers"), ("o", "Odds", "#odds-table")]


async def test_cold_cache_offline_says_never_cached_and_names_the_key(
        app: RecordingApp, engine: Engine, sim: Simulator) -> None:
    engine.machine.go_offline("network", "test network")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for reason in ("network", "user", "quota"):
            engine.machine.go_online("test")
            engine.machine.go_offline(reason, f"test {reason}")
            app.poll_now()
            await settle(pilot)
            for key, label, table in PAGES:
                await press(pilot, key)
                notice = app.screen.query_one("#page-notice")
                assert notice.display, label
                text = text_of(app, "#page-notice")
                assert text.startswith("Never cached:") and label in text
                assert f"oddsmon is offline ({reason})" in text
                assert "press r to fetch it" in text
                assert app.screen.query_one(table, DataTable).row_count == 0
                assert "never cached" in sidebar_text(app)
                assert "never cached" in text_of(app, "#page-status")
            assert f"reason  {reason}" in sidebar_text(app)
    assert sim.stats()["requests_total"] == 0  # nothing left the process: nothing can wait


async def test_warm_cache_offline_serves_every_page_with_its_age(
        app: RecordingApp, engine: Engine, sim: Simulator, clock: FakeClock) -> None:
    report = await engine.service.warm()
    assert report.stopped is None
    engine.service.set_offline()
    clock.advance(7 * 3600 + 5)  # odds past their time-to-live (3 h); the daily ones are not
    sent = sim.stats()["requests_total"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, label, table in PAGES:
            await press(pilot, key)
            assert not app.screen.query_one("#page-notice").display, label
            assert app.screen.query_one(table, DataTable).row_count > 0, label
            status = text_of(app, "#page-status")
            assert "cache 7h 00m old" in status and "offline (user)" in status
            # bookmakers, fixtures and predictions keep 24 h (the provider's daily cadence)
            assert "stale" in status or label in ("Bookmakers", "Predictions")
            assert "age     7h 00m" in sidebar_text(app)
        await press(pilot, "s")
        assert "OFFLINE (user)" in text_of(app, "#sup-state")
    assert sim.stats()["requests_total"] == sent


async def test_a_page_cached_then_never_fetched_elsewhere_is_said_per_fixture(
        app: RecordingApp, engine: Engine) -> None:
    """Fixtures cached but one fixture's odds never: the Odds screen says so for that fixture."""
    await engine.service.fixtures()
    engine.service.set_offline()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        text = text_of(app, "#page-notice")
        assert text.startswith("Never cached: the odds of") and "press r" in text

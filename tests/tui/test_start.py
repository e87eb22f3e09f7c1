"""The start path: the frame is painted before the engine exists, keys typed meanwhile are
kept, a store that cannot be opened ends the app with its message, and the next screens are
built while idle (each then shows the fixture chosen since, never the one it was built on)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.widgets import DataTable, Select, Static

from oddsmon.engine.runtime import Engine, StoreError
from oddsmon.tui.app import EngineStart

from .conftest import SIZE, ManualTicker, RecordingApp, settle


def held_start(engine: Engine, release: threading.Event) -> EngineStart:
    """A start whose engine is built (on the engine's thread) only once ``release`` is set."""

    def build() -> Engine:
        release.wait(30)
        return engine

    return EngineStart(engine.settings, engine.clock, engine.demo, build)


@asynccontextmanager
async def held_app(engine: Engine, ticker: ManualTicker) -> AsyncIterator[tuple[RecordingApp, Any, threading.Event]]:
    """The app running on a held start, shown once: (app, pilot, the event releasing the build)."""
    release = threading.Event()
    app = RecordingApp(held_start(engine, release), ticker=ticker)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            yield app, pilot, release
    finally:
        release.set()


def status(app: RecordingApp) -> str:
    return str(app.screen.query_one("#page-status", Static).content)


async def test_the_frame_shows_before_the_engine_and_a_key_typed_meanwhile_is_kept(
        engine: Engine, ticker: ManualTicker) -> None:
    async with held_app(engine, ticker) as (app, pilot, release):
        # Header, sidebar and the Dashboard's frame, with nothing read yet.
        assert "oddsmon" in app.title
        assert app.screen.query_one("#badge", Static).content == "…"
        assert status(app) == "loading…"
        await pilot.press("b")  # before the engine is up: no crash, the screen switches
        assert app.current_mode == "bookmakers"
        assert status(app) == "loading…"
        release.set()
        await app.engine_up()
        await settle(pilot)
        # The key was not lost: its screen filled once the engine came up.
        assert app.screen.query_one("#bookmakers", DataTable).row_count > 0
        assert "known" in status(app)
        assert app.screen.query_one("#badge", Static).content == "● ONLINE"
        await pilot.press("d")
        await settle(pilot)
        assert app.screen.query_one("#fixtures", DataTable).row_count > 0
        assert "fixtures" in status(app)


async def test_supervision_shown_during_the_start_gets_its_keys_when_the_engine_is_up(
        engine: Engine, ticker: ManualTicker) -> None:
    async with held_app(engine, ticker) as (app, pilot, release):
        await pilot.press("s", "n", "e")  # the drill and export keys wait for the engine
        assert app.current_mode == "supervision"
        assert app.screen.query_one("#sup-keys", Static).content == ""
        release.set()
        await app.engine_up()
        await settle(pilot)
        assert "exports the metrics to" in str(app.screen.query_one("#sup-keys", Static).content)
        assert "Demo drill" in str(app.screen.query_one("#sup-demo", Static).content)
        assert "live from the shared store" in status(app)


async def test_a_store_that_cannot_be_opened_ends_the_app_with_its_message(
        engine: Engine, ticker: ManualTicker) -> None:
    def build() -> Engine:
        raise StoreError("cannot open /nowhere/oddsmon.db: permission denied")

    app = RecordingApp(EngineStart(engine.settings, engine.clock, False, build), ticker=ticker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 1
    assert isinstance(app.start_error, StoreError)
    assert "permission denied" in str(app.start_error)


def table_rows(screen: Any, table_id: str) -> int:
    return int(screen.query_one(table_id, DataTable).row_count)


async def test_the_next_screens_are_built_and_filled_while_idle(engine: Engine,
                                                                ticker: ManualTicker) -> None:
    app = RecordingApp(engine, ticker=ticker, prebuild=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=6)
        assert app.current_mode == "dashboard"
        # Neither key pressed yet, their screens are composed and hold their pages.
        odds, books = app.get_screen_stack("odds")[0], app.get_screen_stack("bookmakers")[0]
        assert table_rows(odds, "#odds-table") > 0
        assert table_rows(books, "#bookmakers") > 0
        built_on = odds.query_one("#fixture-picker", Select).value
        # Another fixture chosen on the Dashboard since: the Odds key shows that one.
        await pilot.press("down", "down")
        chosen = app.selected_fixture
        assert chosen is not None and chosen != built_on
        await pilot.press("o")
        await settle(pilot)
        assert app.screen is odds
        assert odds.query_one("#fixture-picker", Select).value == chosen
        assert table_rows(odds, "#odds-table") > 0

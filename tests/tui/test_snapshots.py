"""Snapshots of every screen at 80x24, 100x30 and 160x48 online, and at 80x24 offline, on the
``--demo`` engine.

Deterministic: a fake clock (nothing moves between frames), the simulator's fixed seed, no
toasts (notifications are recorded, not shown), no progress bar on screen. Regenerate with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.pilot import Pilot

from oddsmon.clock import FakeClock
from oddsmon.engine.runtime import Engine
from oddsmon.tui.app import OddsmonApp
from oddsmon.tui.screens import SCREENS

from .conftest import SIZE, settle

SCREEN_KEYS = {spec.name: spec.key for spec in SCREENS}


class QuietApp(OddsmonApp):
    """Notifications are kept, not painted: a toast's timing must not decide a snapshot."""

    def notify(self, message: str, **kwargs: Any) -> None:
        self.quiet_notes = [*getattr(self, "quiet_notes", []), message]


def _run_before(app: OddsmonApp, engine: Engine, key: str, market: int | None = None) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        if market is not None:  # on Odds: that market, as the Value screen's door opens it
            app.screen.show_market(market)  # type: ignore[attr-defined]
            await settle(pilot)
        engine.service.flush_counters()
        # How many page reads ran before the frame (a load cancelled by the next one may or may
        # not have counted its hit) is timing, not layout: pin the counters the frame shows.
        with engine.store.db.write() as tx:
            tx.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('hits', 30), ('misses', 10)")
        # Likewise the WAL's length on disk depends on when SQLite last checkpointed.
        engine.store.db.query("PRAGMA wal_checkpoint(TRUNCATE)")
        app.poll_now()
        await settle(pilot)
        # What a screen does once it is laid out (the Odds screen shares its height between
        # its two tables after a repaint) runs on the screen's update tick, which a loaded
        # machine may not have reached yet: wait for two ticks (the fit, then its layout).
        for _ in range(2):
            await repainted(pilot)
        await settle(pilot)

    return run_before


async def repainted(pilot: Pilot[Any]) -> None:
    """The screen's next update tick, and the callbacks scheduled after a refresh before it."""
    done = asyncio.Event()
    pilot.app.screen.call_after_refresh(done.set)
    await done.wait()


# 80x24 first: the size an analyst over SSH gets; then a larger terminal and a full screen.
SIZES = {"80x24": SIZE, "100x30": (100, 30), "160x48": (160, 48)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREEN_KEYS))
def test_online(screen: str, size: str, demo_engine: Engine, snap_compare: Any) -> None:
    app = QuietApp(demo_engine)
    assert snap_compare(app, terminal_size=SIZES[size],
                        run_before=_run_before(app, demo_engine, SCREEN_KEYS[screen]))


# The Odds screen's hard cases: nine outcomes (HT/FT), and a lined market's long title.
MARKETS = {"htft": 7, "asian-handicap": 4}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("market", list(MARKETS))
def test_odds_market(market: str, size: str, demo_engine: Engine, snap_compare: Any) -> None:
    app = QuietApp(demo_engine)
    assert snap_compare(app, terminal_size=SIZES[size],
                        run_before=_run_before(app, demo_engine, SCREEN_KEYS["odds"], MARKETS[market]))


@pytest.mark.parametrize("screen", list(SCREEN_KEYS))
def test_offline(screen: str, demo_engine: Engine, clock: FakeClock, snap_compare: Any) -> None:
    """Warm cache, then a manual offline; five minutes later every page shows its age."""
    report = asyncio.run(demo_engine.service.warm())
    assert report.stopped is None
    demo_engine.service.set_offline()
    clock.advance(300)
    app = QuietApp(demo_engine)
    assert snap_compare(app, terminal_size=SIZE, run_before=_run_before(app, demo_engine, SCREEN_KEYS[screen]))

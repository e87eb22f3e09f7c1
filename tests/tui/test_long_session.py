"""A week in tmux: an analyst switches screens all day. Each switch must leave nothing behind
once the screens have been built and filled (the first round)."""

from __future__ import annotations

import gc
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget

from oddsmon.tui.screens import SCREENS

from .conftest import SIZE, ManualTicker, RecordingApp, settle

KEYS = [spec.key for spec in SCREENS]


async def switch_screens(pilot: Pilot[Any], ticker: ManualTicker, switches: int) -> None:
    """Press the screens' keys in turn, a tick of the app's clock after each, every page
    loaded before the next key (as an analyst reads each screen)."""
    for n in range(switches):
        await pilot.press(KEYS[n % len(KEYS)])
        ticker.tick()
        await settle(pilot, rounds=1)


def live_widgets() -> int:
    """Widgets the process still holds, on screen or not."""
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, Widget))


async def test_switching_screens_keeps_no_widgets_after_the_first_rounds(
        app: RecordingApp, ticker: ManualTicker) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await switch_screens(pilot, ticker, 2 * len(KEYS))  # every screen built and filled
        before = live_widgets()
        rounds = 4
        await switch_screens(pilot, ticker, rounds * len(KEYS))
        grown = live_widgets() - before
        # A footer's keys were kept at each switch (6 a switch, 190 here); what may vary is a
        # screen's layout cache holding its last frame's widgets until its next frame.
        assert grown < 2 * len(KEYS), f"{grown} widgets more after {rounds * len(KEYS)} switches"

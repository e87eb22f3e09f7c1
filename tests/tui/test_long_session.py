"""A week in tmux: an analyst switches screens, refreshes, warms, goes offline and back, watches
another process change the store, opens dialogs, and leaves the app alone for hours. Once each
has been done (the first round builds what it needs), doing it again must leave nothing behind.

Tiny counts here (make test's budget); ``make bench`` (row j) runs each a thousand times and
prints the resident memory before and after."""

from __future__ import annotations

import pytest

from oddsmon.clock import FakeClock

from .conftest import SIZE, ManualTicker, RecordingApp, settle
from .session import CYCLES, KEYS, run_cycles, switch, widgets


@pytest.mark.slow
async def test_switching_screens_keeps_no_widgets_after_the_first_rounds(
        app: RecordingApp, ticker: ManualTicker, clock: FakeClock) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_cycles(pilot, ticker, clock, switch, 2)  # every screen built and filled
        before = widgets()
        rounds = 4
        await run_cycles(pilot, ticker, clock, switch, rounds)
        grown = widgets() - before
        # A footer's keys were kept at each switch (6 a switch, 190 here); what may vary is a
        # screen's layout cache holding its last frame's widgets until its next frame.
        assert grown < 2 * len(KEYS), f"{grown} widgets more after {rounds * len(KEYS)} switches"


OTHERS = [name for name in CYCLES if name != "screen switches"]


@pytest.mark.slow
async def test_the_rest_of_a_day_keeps_no_widgets_after_the_first_round(
        app: RecordingApp, ticker: ManualTicker, clock: FakeClock) -> None:
    """Each cycle once to build what it needs (a dialog's screen, the warm's progress bar),
    then once more: every dialog, page and message line built on the way is let go. Every
    cycle starts and ends on the Dashboard.
    (The Python objects and the memory are ``make bench``'s, row j: at these counts they
    move with Textual's bounded render caches.)"""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for name in OTHERS:
            await run_cycles(pilot, ticker, clock, CYCLES[name], 1)
        grown: dict[str, int] = {}
        for name in OTHERS:
            before = widgets()
            await run_cycles(pilot, ticker, clock, CYCLES[name], 1)
            grown[name] = widgets() - before
        # A dialog's screen kept would be 5 to 40 widgets a cycle; a frame's layout cache may
        # hold a widget or two until the next frame.
        assert all(g <= 2 for g in grown.values()), f"widgets more after a second cycle of each: {grown}"

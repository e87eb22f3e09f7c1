"""A week in tmux: an analyst switches screens, refreshes, warms, goes offline and back, watches
another process change the store, opens dialogs, and leaves the app alone for hours. Once each
has been done (the first round builds what it needs), doing it again must leave nothing behind:
no widget, and no more Python objects than a page's worth of noise (caches of pages, the
renderer's bounded caches emptied first: :func:`session.kept_objects`), and no removed widget's
rendered lines (:func:`session.orphan_line_caches`).

Tiny counts here (make test's budget); ``make bench`` (row j) runs each a thousand times and
prints the resident memory before and after."""

from __future__ import annotations

import pytest

from oddsmon.clock import FakeClock

from .conftest import SIZE, ManualTicker, RecordingApp, settle
from .session import CYCLES, KEYS, kept_objects, orphan_line_caches, run_cycles, switch, widgets

# Python objects a round may add once warm: what moves between rounds (a page's rows read
# again, the message log's newest line) without growing. A screen kept at each switch is
# thousands a switch; a page's rows kept, hundreds a switch.
OBJECTS_PER_ROUND = 2500


@pytest.mark.slow
async def test_switching_screens_keeps_no_widgets_nor_objects_after_the_first_rounds(
        app: RecordingApp, ticker: ManualTicker, clock: FakeClock) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_cycles(pilot, ticker, clock, switch, 2)  # every screen built and filled
        before, objects = widgets(), kept_objects()
        rounds = 4
        await run_cycles(pilot, ticker, clock, switch, rounds)
        orphans = orphan_line_caches()  # before kept_objects() empties the memos that keep them
        grown, more = widgets() - before, kept_objects() - objects
        # A footer's keys were kept at each switch (6 a switch, 190 here); what may vary is a
        # screen's layout cache holding its last frame's widgets until its next frame.
        assert grown < 2 * len(KEYS), f"{grown} widgets more after {rounds * len(KEYS)} switches"
        assert more < rounds * OBJECTS_PER_ROUND, f"{more} objects more after {rounds * len(KEYS)} switches"
        # Each switch removes a few widgets (the footer's keys, a table's cells): none of their
        # rendered lines stays (before the fix, about 11 a switch were: 354 here).
        assert orphans <= 0, f"{orphans} removed widgets' rendered lines kept after {rounds * len(KEYS)} switches"


OTHERS = [name for name in CYCLES if name != "screen switches"]


@pytest.mark.slow
async def test_the_rest_of_a_day_keeps_no_widgets_nor_objects_after_the_first_round(
        app: RecordingApp, ticker: ManualTicker, clock: FakeClock) -> None:
    """Each cycle once to build what it needs (a dialog's screen, the warm's progress bar),
    then once more: every dialog, page and message line built on the way is let go. Every
    cycle starts and ends on the Dashboard."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for name in OTHERS:
            await run_cycles(pilot, ticker, clock, CYCLES[name], 1)
        grown: dict[str, tuple[int, int]] = {}
        for name in OTHERS:
            before, objects = widgets(), kept_objects()
            await run_cycles(pilot, ticker, clock, CYCLES[name], 1)
            grown[name] = (widgets() - before, kept_objects() - objects)
        # A dialog's screen kept would be 5 to 40 widgets a cycle; a frame's layout cache may
        # hold a widget or two until the next frame.
        assert all(w <= 2 for w, _ in grown.values()), f"(widgets, objects) more after a second cycle of each: {grown}"
        assert all(o < OBJECTS_PER_ROUND for _, o in grown.values()), f"(widgets, objects) more: {grown}"

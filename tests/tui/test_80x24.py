"""80x24 is a first-class size: on every screen the footer's keys are whole (help, quit and the
offline key always among them; the rest in ``?`` and the palette) and the status line is one
line."""

from __future__ import annotations

import pytest

from oddsmon.tui.footer import WrappingFooter
from oddsmon.tui.screens import SCREENS, ScreenSpec

from .conftest import SIZE, RecordingApp, press, screen_text, settle


@pytest.mark.parametrize("spec", SCREENS, ids=[spec.name for spec in SCREENS])
async def test_every_footer_key_is_whole_and_help_quit_and_offline_are_there(
        app: RecordingApp, spec: ScreenSpec) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, spec.key)
        footer = app.screen.query_one(WrappingFooter)
        rows = screen_text(app).splitlines()[-footer.region.height:]
        painted = "\n".join(rows)
        shown = [f"{k.key_display} {k.description}" for k in footer.children if getattr(k, "description", "")]
        for label in ("? Help", "q Quit", "f Go offline"):
            assert label in shown, shown
        for label in shown:  # never cut by the edge nor the palette's corner
            assert any(label in row for row in rows), (label, painted)
        assert app.screen.query_one("#page-status").region.height == 1

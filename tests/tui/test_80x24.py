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

"""What an analyst sees at 80x24 and 160x45: names that use the width, upcoming fixtures first,
the cursor on the next kickoff, the league and the best prices' bookmakers, zones on times."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable

from oddsmon.clock import FakeClock
from oddsmon.engine.runtime import Engine
from oddsmon.tui.odds import LOADING_DIM_S, OddsScreen

from .conftest import (
    SIZE,
    ManualTicker,
    RecordingApp,
    footer_labels,
    open_odds,
    press,
    rows,
    screen_text,
    settle,
    shown_fixture,
    text_of,
    until,
)


async def test_at_160_columns_full_names_the_league_and_the_bookmakers(bundesliga: Engine) -> None:
    app = RecordingApp(bundesliga)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        painted = screen_text(app)
        assert "Borussia Mönchengladbach" in painted  # a full name over 20 characters
        table = app.screen.query_one("#fixtures", DataTable)
        assert [str(c.label).strip() for c in table.columns.values()][:3] == ["Kickoff CET", "Match", "League"]
        assert all(r[2].strip() == "Bundesliga" for r in rows(app, "#fixtures"))
        books = {r[7].strip() for r in rows(app, "#fixtures")} - {"—"}
        assert books and all(len(b.split(" / ")) == 3 for b in books), books
    # At 80 columns the same names shrink to initials, never to one ambiguous stub.
    app = RecordingApp(bundesliga)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        matches = [r[1] for r in rows(app, "#fixtures")]
        assert any("B. Mönch" in m for m in matches), matches
        line = text_of(app, "#fixture-line")
        assert "· Bundesliga" in line and line.count("best 1 ") == 1  # the highlighted one in full


async def test_upcoming_first_and_the_cursor_on_the_next_kickoff(engine: Engine, clock: FakeClock) -> None:
    clock.advance(timedelta(hours=9).total_seconds())  # 18:00 UTC: the afternoon's games are over
    app = RecordingApp(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fixtures = {f.id: f for f in (await engine.service.fixtures()).data or []}
        table = app.screen.query_one("#fixtures", DataTable)
        order = [fixtures[int(k.value)] for k in table.rows if k.value is not None]
        finished = [i for i, f in enumerate(order) if f.is_finished]
        assert finished, "the simulator should have finished games today at 18:00 UTC"
        assert finished == list(range(len(order) - len(finished), len(order)))  # all at the bottom
        cursor_fx = order[table.cursor_row]
        assert cursor_fx.is_upcoming
        assert cursor_fx.kickoff == min(f.kickoff for f in order if f.is_upcoming)
        assert rows(app, "#fixtures")[-1][0] == "FT"  # no room for St at 80: the cell says it
        # The Odds screen opens on that fixture too.
        await press(pilot, "o")
        assert isinstance(app.screen, OddsScreen) and shown_fixture(app) == cursor_fx.id
        # At 80 columns the kickoff is said once, on the fixture picker's line above the market's.
        picker = next(line for line in screen_text(app).splitlines() if "▼" in line)
        assert "today" in picker and "CET" in picker, picker


async def test_odds_at_80x24_page_keys_scroll_the_screen_and_a_new_fixture_shows_loading(
        app: RecordingApp, engine: Engine, clock: FakeClock, ticker: ManualTicker) -> None:
    import asyncio
    import threading

    from textual.containers import VerticalScroll

    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_odds(pilot)
        body = screen.query_one("#odds-body", VerticalScroll)
        assert body.max_scroll_y > 0  # the page is taller than the screen: the movement ends below it
        await press(pilot, "pagedown")
        assert body.scroll_y > 0 and table.cursor_row == 0  # the screen moved, not the cursor
        await press(pilot, "pagedown", "pagedown")
        assert body.scroll_y == body.max_scroll_y and "Movement since" in screen_text(app)
        await press(pilot, "pageup", "pageup", "pageup")
        assert body.scroll_y == 0
        # Another fixture, whose odds take a while: its name and a loading sign over the old
        # prices at once, the prices dimmed once the read has taken LOADING_DIM_S (at the app's
        # tick), until the new ones replace them in place.
        # (Not a neighbour in the picker: those are read ahead, and shown at once.)
        order = app.desk.arrange((await engine.service.fixtures()).data or [])
        other = order[([fx.id for fx in order].index(shown_fixture(app) or 0) + 2) % len(order)]
        gate = threading.Event()
        real = engine.service.market

        async def held(*args: object, **kwargs: object) -> object:
            await asyncio.to_thread(gate.wait)
            return await real(*args, **kwargs)  # type: ignore[arg-type]

        engine.service.market = held  # type: ignore[method-assign, assignment]
        from textual.widgets import Select

        before = [table.get_row_at(i) for i in range(table.row_count)]
        screen.query_one("#fixture-picker", Select).value = other.id
        await pilot.pause()
        assert text_of(app, "#market-line") == f"⧗ loading {other.home.name} – {other.away.name}…"
        assert [table.get_row_at(i) for i in range(table.row_count)] == before
        assert table.styles.text_opacity == 1  # a read of a few milliseconds repaints no price
        ticker.tick()  # a tick at once: the read has not taken LOADING_DIM_S yet
        await pilot.pause()
        assert table.styles.text_opacity == 1
        clock.advance(LOADING_DIM_S)
        ticker.tick()
        await pilot.pause()
        assert table.styles.text_opacity < 1
        gate.set()
        await settle(pilot)
        assert shown_fixture(app) == other.id and table.row_count > 0 and table.styles.text_opacity == 1
        assert [table.get_row_at(i) for i in range(table.row_count)] != before


async def test_the_fixture_picker_keeps_the_footer_and_its_choice_shows_in_place(app: RecordingApp) -> None:
    """Choosing a fixture with g: the footer keeps the screen's keys while the list is open (it
    is not remade there and back, which took half of a switch) and the next fixture's prices
    take the place of the last in the same table."""
    from oddsmon.tui.footer import WrappingFooter

    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_odds(pilot)
        footer = screen.query_one(WrappingFooter)

        def keys() -> list[str]:
            return footer_labels(footer)

        before, first, prices = keys(), shown_fixture(app), rows(app, "#odds-table")
        assert "g Fixture" in before
        await press(pilot, "g")
        assert keys() == before
        await press(pilot, "down", "enter")
        assert keys() == before
        assert shown_fixture(app) != first and screen.query_one("#odds-table") is table
        assert rows(app, "#odds-table") != prices and table.styles.text_opacity == 1


async def test_dot_and_comma_step_through_the_pickers_fixtures_without_opening_it(
        app: RecordingApp, engine: Engine) -> None:
    """. and , show the next and previous fixture in the picker's order (round from the last
    to the first), the drop-down closed, the prices replaced in the same table; after a choice
    in the picker (its focus) too, and from the one still loading when pressed twice at once."""
    from textual.widgets import Select

    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_odds(pilot)
        picker = screen.query_one("#fixture-picker", Select)
        order = [fx.id for fx in app.desk.arrange((await engine.service.fixtures()).data or [])]  # the picker's
        first = shown_fixture(app)
        assert first in order and len(order) >= 3
        at = order.index(first)
        prices = rows(app, "#odds-table")
        await press(pilot, "full_stop")
        assert shown_fixture(app) == app.selected_fixture == order[(at + 1) % len(order)]
        assert not picker.expanded and screen.query_one("#odds-table") is table
        assert rows(app, "#odds-table") != prices and f"{len(rows(app, '#odds-table'))} bookmakers" \
            in text_of(app, "#page-status")
        await press(pilot, "comma")
        assert shown_fixture(app) == first
        await press(pilot, "g", "down", "enter")
        assert picker.has_focus and shown_fixture(app) == order[(at + 1) % len(order)]
        await press(pilot, "full_stop")
        assert shown_fixture(app) == order[(at + 2) % len(order)]
        await pilot.press("comma", "comma")  # the second from the one the first chose
        await settle(pilot)
        assert shown_fixture(app) == order[at]
        for _ in range(at + 1):
            await pilot.press("comma")
        await settle(pilot)
        assert shown_fixture(app) == order[-1]  # round from the first to the last
        await press(pilot, "full_stop")
        assert shown_fixture(app) == order[0]


async def test_the_fixtures_beside_the_one_shown_are_read_ahead_and_shown_at_once(
        app: RecordingApp, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a fixture is on screen, the ones before and after it in the picker are read while
    the analyst reads it: . or the picker's next line shows the next one's prices in the same
    frame, no read waited for (the store held here), and reads it again after for what changed."""
    import asyncio
    import threading

    from textual.widgets import Select

    monkeypatch.setattr(OddsScreen, "AFTER_FRAME_S", 0.001)  # the reads after a frame: at once (a timer of 0 never fires)
    async with app.run_test(size=SIZE) as pilot:
        screen, _table = await open_odds(pilot)
        order = [fx.id for fx in app.desk.arrange((await engine.service.fixtures()).data or [])]
        at = order.index(shown_fixture(app) or 0)
        gate = threading.Event()
        real, reads = engine.service.market, []

        async def held(fixture_id: int, *args: object, **kwargs: object) -> object:
            reads.append(fixture_id)
            await asyncio.to_thread(gate.wait)
            return await real(fixture_id, *args, **kwargs)  # type: ignore[arg-type]

        await until(pilot, lambda: order[(at + 1) % len(order)] in screen.read_ahead)
        engine.service.market = held  # type: ignore[method-assign, assignment]
        prices = rows(app, "#odds-table")
        await pilot.press("full_stop")
        await pilot.pause()
        assert shown_fixture(app) == order[(at + 1) % len(order)]
        assert not text_of(app, "#market-line").startswith("⧗") and rows(app, "#odds-table") != prices
        gate.set()  # the read again, and the fixtures now beside it read ahead
        await settle(pilot)
        # The one shown read again, the one after it read ahead; the one before it was shown.
        assert sorted(reads) == sorted([order[(at + 1) % len(order)], order[(at + 2) % len(order)]])
        await until(pilot, lambda: order[(at + 2) % len(order)] in screen.read_ahead)
        gate.clear()
        prices = rows(app, "#odds-table")
        await pilot.press("g", "down", "enter")  # the picker's next line: drawn as it closes
        await pilot.pause()
        assert shown_fixture(app) == order[(at + 2) % len(order)]
        assert rows(app, "#odds-table") != prices and not screen.query_one("#fixture-picker", Select).expanded
        gate.set()
        await settle(pilot)


async def test_the_theme_chosen_is_remembered_and_the_config_wins(engine: Engine, tmp_path: object) -> None:
    from pathlib import Path

    memory = Path(str(tmp_path)) / "theme"
    app = RecordingApp(engine, theme_file=memory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "nord"  # what the palette's Theme command sets
        await settle(pilot)
    assert memory.read_text() == "nord"
    again = RecordingApp(engine, theme_file=memory)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord"
    engine.settings = replace(engine.settings, ui=replace(engine.settings.ui, theme="gruvbox"))
    configured = RecordingApp(engine, theme_file=memory)
    async with configured.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert configured.theme == "gruvbox"


@pytest.mark.parametrize("configured", ["", "ansi-light"])
async def test_under_no_color_the_light_ansi_theme_is_refused_saying_why(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: str) -> None:
    """ansi-light draws black on black without colour: neither the remembered theme nor the
    configured one brings it back, the palette does not offer it, and the analyst is told."""
    memory = tmp_path / "theme"
    memory.write_text("ansi-light")  # chosen in a session with colours
    engine.settings = replace(engine.settings, ui=replace(engine.settings.ui, theme=configured))
    monkeypatch.setenv("NO_COLOR", "1")
    app = RecordingApp(engine, theme_file=memory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme != "ansi-light" and "ansi-light" not in app.available_themes
        assert "Theme 'ansi-light' is not used" in app.said_text()
        assert "NO_COLOR" in app.said_text()
    assert memory.read_text() == "ansi-light"  # kept for the sessions with colours
    monkeypatch.delenv("NO_COLOR")
    coloured = RecordingApp(engine, theme_file=memory)
    async with coloured.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert coloured.theme == "ansi-light"

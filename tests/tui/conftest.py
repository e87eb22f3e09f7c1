"""TUI test helpers: an engine on the in-process simulator (store in tmp_path), the app on it,
and ways to read what the screen says without a terminal."""

from __future__ import annotations

import asyncio
import gc
import html
import io
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey  # Footer's key widget: Textual does not export its class

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.sim import SimConfig, SimTransport, Simulator
from oddsmon.sim.served import ServedSimulator
from oddsmon.tui.app import EngineStart, OddsmonApp

from ..conftest import SECRET

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """An app that built its screens while idle froze what it made (Prebuild.freeze): given back
    to the collector after each test, so the tests after it do not keep it."""
    yield
    gc.unfreeze()


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    # Small bookmaker entries, as in tests/loopback.py (the screens show the same markets).
    return Simulator(SimConfig(seed=1, leagues=(39, 61), daily_limit=500, per_minute=300,
                               full_markets=False), clock=clock)


async def _on_simulator(settings: Settings, clock: FakeClock, sim: Simulator) -> AsyncIterator[Engine]:
    """Like ``--demo`` (the simulator's controls are offered) but with the store in tmp_path,
    so a second process can open the same file, and with a secret key to look for on screen."""
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    eng.simulator = ServedSimulator(sim)  # as --demo has it (not served: no other shell here)
    yield eng
    await eng.aclose()


# The engines the TUI tests run on, one fixture per meaning:
#   engine       the simulator's Premier League and Ligue 1, the key set (most tests);
#   bundesliga   league 78 over ten days, for names that need the width;
#   demo_engine  exactly what --demo builds, for the snapshots (synchronous: snap_compare
#                runs the app on a loop of its own).


@pytest.fixture
async def engine(settings: Settings, clock: FakeClock, sim: Simulator) -> AsyncIterator[Engine]:
    async for eng in _on_simulator(settings, clock, sim):
        yield eng


@pytest.fixture
async def bundesliga(settings: Settings, clock: FakeClock) -> AsyncIterator[Engine]:
    """League 78 has Borussia Mönchengladbach: 24 characters."""
    settings = replace(settings, watch=replace(settings.watch, leagues=(78,), days_ahead=10))
    sim = Simulator(SimConfig(seed=1, leagues=(78,), daily_limit=500, per_minute=300), clock=clock)
    async for eng in _on_simulator(settings, clock, sim):
        yield eng


@pytest.fixture
def demo_engine(settings: Settings, clock: FakeClock) -> Iterator[Engine]:
    engine = build_engine(settings, demo=True, clock=clock)
    # The demo's throwaway folder has a random name; the Supervision screen names where e
    # writes: a fixed path keeps the frame the same from run to run (nothing is exported).
    engine.settings = engine.settings.with_paths(metrics=Path("/srv/oddsmon/supervision_metrics.json"))
    yield engine
    asyncio.run(engine.aclose())


class ManualTicker:
    """The app's 1 s tick, advanced by the test (never on real time)."""

    def __init__(self) -> None:
        self._ticks: list[Callable[[], None]] = []

    def start(self, app: App[Any], every_s: float, tick: Callable[[], None]) -> None:
        self._ticks.append(tick)

    def tick(self) -> None:
        for tick in self._ticks:
            tick()


@pytest.fixture
def ticker() -> ManualTicker:
    return ManualTicker()


class RecordingApp(OddsmonApp):
    """The app, keeping every notification it showed (toasts expire; tests read this)."""

    def __init__(self, engine: Engine | EngineStart, **kwargs: Any) -> None:
        super().__init__(engine, **kwargs)
        self.said: list[tuple[str, str]] = []

    def notify(self, message: str, **kwargs: Any) -> None:
        self.said.append((str(kwargs.get("severity", "information")), message))
        super().notify(message, **kwargs)

    def said_text(self) -> str:
        return "\n".join(m for _, m in self.said)


@pytest.fixture
def app(engine: Engine, ticker: ManualTicker) -> RecordingApp:
    return RecordingApp(engine, ticker=ticker)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], ticker: ManualTicker | None = None,
                ticks: int = 30) -> None:
    """Settle until ``condition()`` holds, ticking the app first when given its ticker (each tick
    a second of its life). Each round waits for the app's messages and workers (an event each),
    never for a time: a loaded machine takes longer, not more rounds."""
    for _ in range(ticks):
        if condition():
            return
        if ticker is not None:
            ticker.tick()
        await settle(pilot)
    assert condition(), f"condition never held in {ticks} rounds"


async def settle(pilot: Pilot[Any], rounds: int = 2) -> None:
    """Let the workers started so far finish and the screen repaint."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot: Pilot[Any], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def open_odds(pilot: Pilot[Any]) -> Any:
    """The app settled, then the Odds screen open: returns it and its bookmaker table."""
    from textual.widgets import DataTable

    from oddsmon.tui.odds import OddsScreen

    await settle(pilot)
    await press(pilot, "o")
    screen = pilot.app.screen
    assert isinstance(screen, OddsScreen)
    return screen, screen.query_one("#odds-table", DataTable)


def shown_fixture(app: OddsmonApp) -> int | None:
    """The fixture the Odds screen shows: the one its picker names."""
    from textual.widgets import Select

    value = app.screen.query_one("#fixture-picker", Select).value
    return value if isinstance(value, int) else None


def rows(app: OddsmonApp, selector: str) -> list[list[str]]:
    """A DataTable's cells as text, row by row."""
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(app: OddsmonApp, selector: str) -> str:
    """A Static's text; a Rich renderable (a grid of label and text) as wide lines of text."""
    content = app.screen.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    console = Console(width=400, file=io.StringIO(), record=True, color_system=None)
    console.print(content)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def sidebar_text(app: OddsmonApp) -> str:
    sidebar = app.screen.query_one("#sidebar")
    return "\n".join(str(w.content) for w in sidebar.query(Static) if w.display)


# One run of text in Textual's SVG screenshot: its x, the line it is clipped to, the text.
_SVG_RUN = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                      r'clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>', re.S)
CELL_W = 20 * 0.61  # Rich's export_svg: a 20 px font, cells 0.61 as wide as high


def screen_text(app: App[Any]) -> str:
    """Everything painted on the terminal, as plain text, read from the app's public SVG
    screenshot: each run of text is put back at its column on its line. Characters that take
    no cell (a control character that slipped through) are kept, so tests can look for them."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, escaped in _SVG_RUN.findall(app.export_screenshot()):
        row, col = rows[int(line)], round(float(x) / CELL_W)
        # Spaces are exported as &#160;, and each line ends with the console's own newline.
        for char in html.unescape(escaped).replace("\xa0", " ").rstrip("\n"):
            cells = cell_len(char)
            if cells == 0:
                row[max(col - 1, 0)] += char
                continue
            row[col:col + cells] = [char] + [""] * (cells - 1)
            col += cells
    return "\n".join("".join(row) for row in rows)


def footer_labels(footer: Widget) -> list[str]:
    """The keys ``footer`` shows, as painted: "key description" (not its spacers)."""
    return [f"{k.key_display} {k.description}" for k in footer.children if isinstance(k, FooterKey) and k.description]


def footer_descriptions(app: OddsmonApp) -> list[str]:
    """What the footer lists: the screen's active bindings that are shown (check_action hides
    the others), through Textual's public Binding API."""
    return [active.binding.description for active in app.screen.active_bindings.values()
            if active.binding.show]



"""The TUI against a hostile API (issue 12, classes 3 and 4), driven by Pilot:

- names carrying a clipboard write, a screen clear, a title change and a right-to-left
  override are painted without them, on every screen;
- a screen with a cached copy shows it at once while the network hangs, instead of
  "loading…" until some timeout.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import SimConfig, SimTransport, Simulator
from oddsmon.tui.dashboard import DashboardScreen

from ..conftest import SECRET
from ..tui.conftest import SIZE, RecordingApp, press, screen_text, settle
from .hostile import HOSTILE, has_terminal_controls


class _Twisted(httpx.AsyncBaseTransport):
    """The simulator's answers with ``HOSTILE`` woven into every name, or, once ``hang`` is
    set, no answer at all until ``release`` is set (then a refused connection)."""

    def __init__(self, sim: Simulator) -> None:
        self.inner = SimTransport(sim)
        self.hang = False
        self.release = threading.Event()  # set from the test's thread, read on the engine's loop
        self.waiting = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.hang:
            self.waiting += 1
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            raise httpx.ConnectError("refused", request=request)
        answer = await self.inner.handle_async_request(request)
        raw = await answer.aread()
        body = json.loads(raw)
        twisted = json.dumps(_names(body), ensure_ascii=False).encode()
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() != "content-length"]
        return httpx.Response(answer.status_code, headers=headers, content=twisted)


def _names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (f"{v[:2]}{HOSTILE}{v[2:]}" if k == "name" and isinstance(v, str) else _names(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_names(v) for v in value]
    return value


@pytest.mark.slow
async def test_hostile_names_are_painted_clean_and_a_cached_copy_shows_while_the_network_hangs(
        settings: Settings, clock: FakeClock) -> None:
    sim = Simulator(SimConfig(seed=1, leagues=(39, 61), daily_limit=500, per_minute=300), clock=clock)
    transport = _Twisted(sim)
    engine = build_engine(settings, clock=clock, key=Secret(SECRET), transport=transport)
    try:
        app = RecordingApp(engine)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.screen.query_one("#fixtures", DataTable).row_count > 0
            for key in ("d", "p", "b", "o", "s"):
                await press(pilot, key)
                painted = screen_text(app)
                assert has_terminal_controls(painted) == [], (key, painted)
            assert has_terminal_controls(app.said_text()) == []
        # A day later every entry has expired; the network now hangs.
        clock.advance(86400)
        transport.hang = True
        app = RecordingApp(engine)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(100):  # real time, bounded: the page must appear without the network
                await pilot.pause(0.05)
                if isinstance(app.screen, DashboardScreen) and \
                        app.screen.query_one("#fixtures", DataTable).row_count > 0:
                    break
            rows = app.screen.query_one("#fixtures", DataTable).row_count
            # The refresh behind the cached copy starts once that copy is shown: give it the
            # same bounded while to reach the network before counting it.
            for _ in range(100):
                if transport.waiting:
                    break
                await pilot.pause(0.05)
            waiting = transport.waiting
            transport.release.set()  # the network answers (refused): let the app finish
            await settle(pilot)
        assert rows > 0, "the Dashboard waited on the network although everything was cached"
        assert waiting >= 1  # the refresh behind it was really stuck on the network
    finally:
        transport.release.set()
        await engine.aclose()

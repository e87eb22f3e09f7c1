"""The simulator on a real loopback port, sharing the test's fake clock, and an engine on it.

Fixtures for tests where the network matters (a stopped server is a real outage), registered
for the whole suite by tests/conftest.py. ``loopback_engine`` is an engine over that socket;
the TUI's ``engine`` (tests/tui) runs on the in-process transport instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.sim import LoopbackServer, SimConfig, Simulator

from .conftest import SECRET


class CountingTransport(httpx.AsyncHTTPTransport):
    """The real socket transport, counting every request that tries to leave the process."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.attempts = 0
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


def pointed_at(settings: Settings, url: str, **api: object) -> Settings:
    return replace(settings, api=replace(settings.api, base_url=url, **api))  # type: ignore[arg-type]


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    # Small bookmaker entries: what these tests check does not depend on body size, and
    # real-size ones (about 35 bets each) would double the suite's time; tests/unit/test_sim.py,
    # test_models.py and the benchmarks cover the real size.
    return Simulator(SimConfig(leagues=(39, 61), daily_limit=100, per_minute=300,
                               full_markets=False), clock=clock)


@pytest.fixture
def server(sim: Simulator) -> Iterator[LoopbackServer]:
    with LoopbackServer(sim) as srv:
        yield srv


@pytest.fixture
def live_settings(settings: Settings, server: LoopbackServer) -> Settings:
    return pointed_at(settings, server.url)


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
async def loopback_engine(live_settings: Settings, clock: FakeClock,
                          transport: CountingTransport) -> AsyncIterator[Engine]:
    eng = build_engine(live_settings, clock=clock, key=Secret(SECRET), transport=transport)
    yield eng
    await eng.aclose()

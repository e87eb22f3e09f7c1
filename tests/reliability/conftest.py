"""Fixtures of the reliability suite: a simulator on a real loopback port sharing the test's
fake clock, a store primed by a warm, engines pointed at misbehaving servers, and a guard that
fails any test after which the API key can be found in a file it wrote."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.runtime import Engine, build_engine
from oddsmon.service import Page
from oddsmon.sim import LoopbackServer, SimConfig, Simulator, SimTransport

from ..conftest import SECRET
from .faults import scan_tree_for_secret

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("workers.py")


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


@pytest.fixture(autouse=True)
def key_in_no_file_written(tmp_path: Path) -> Iterator[None]:
    """Test 23's guard over the whole suite: after every fault, no file under the test's
    directory (store, -wal, -shm, journal, exports, moved-aside files) holds the key."""
    yield
    leaks = scan_tree_for_secret(tmp_path, SECRET)
    assert not leaks, f"the API key was written to {leaks}"


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(SimConfig(leagues=(39, 61), daily_limit=100, per_minute=300), clock=clock)


@pytest.fixture
def server(sim: Simulator) -> Iterator[LoopbackServer]:
    with LoopbackServer(sim) as srv:
        yield srv


def pointed_at(settings: Settings, url: str, **api: object) -> Settings:
    return replace(settings, api=replace(settings.api, base_url=url, **api))  # type: ignore[arg-type]


@pytest.fixture
def live_settings(settings: Settings, server: LoopbackServer) -> Settings:
    return pointed_at(settings, server.url)


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
async def engine(live_settings: Settings, clock: FakeClock,
                 transport: CountingTransport) -> AsyncIterator[Engine]:
    eng = build_engine(live_settings, clock=clock, key=Secret(SECRET), transport=transport)
    yield eng
    await eng.aclose()


@dataclass
class Primed:
    """What a warm left in the shared store, for the assertions a user would make."""

    at: datetime
    fixture_id: int  # an upcoming fixture whose odds and prediction are cached
    counted_calls: int


async def prime(settings: Settings, clock: FakeClock, sim: Simulator) -> Primed:
    """Another oddsmon process warmed the shared store (in-process transport, same simulator)."""
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    try:
        report = await eng.service.warm()
        assert report.stopped is None, report.stopped
        odds = await eng.service.odds()
        assert odds.data
        fixtures = (await eng.service.fixtures()).data or []
        fid = next(f.id for f in fixtures if f.is_upcoming and f.id in odds.data)
    finally:
        await eng.aclose()
    return Primed(clock.now(), fid, report.counted_calls)


@pytest.fixture
async def primed(settings: Settings, clock: FakeClock, sim: Simulator) -> Primed:
    return await prime(settings, clock, sim)


def assert_from_cache(page: Page, primed: Primed, now: datetime, reason: str | None,
                      *, stale: bool | None = None) -> None:
    """What the user sees: the data, from the cache, with its true age, and why."""
    prov = page.provenance
    assert page.data is not None, prov
    assert prov.source == "cache", prov
    assert prov.fetched_at == primed.at, prov
    assert prov.age_s == (now - primed.at).total_seconds(), prov
    assert prov.offline_reason == reason, prov
    if stale is not None:
        assert prov.stale is stale, prov


async def assert_pages_from_cache(engine: Engine, primed: Primed, reason: str | None) -> None:
    """Every critical page and the Odds screen answer from the cache with their age."""
    svc, now = engine.service, engine.clock.now()
    for page in (await svc.bookmakers(), await svc.odds(), await svc.dashboard(),
                 await svc.predictions(), await svc.market(primed.fixture_id)):
        assert_from_cache(page, primed, now, reason)
    never = await svc.prediction(10**9)  # a page never cached says so plainly
    assert never.cached_never and never.provenance.offline_reason == reason


def python_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODDSMON_", "APISPORTS_"))}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def worker_cmd(*args: str) -> list[str]:
    return [sys.executable, str(WORKER), *args]

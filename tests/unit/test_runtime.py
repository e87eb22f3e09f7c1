"""Engine wiring: demo mode on the in-process simulator, and the background loop."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import BackgroundLoop, build_engine

from ..conftest import SECRET
from ..engine_owner import store_owned_by


async def test_demo_engine_uses_a_throwaway_store(settings: Settings, clock: FakeClock) -> None:
    engine = build_engine(settings, demo=True, clock=clock)
    assert engine.demo and engine.settings.paths.db != settings.paths.db
    tmp = Path(engine.settings.paths.db).parent
    page = await engine.service.bookmakers()
    assert page.provenance.source == "live" and page.data
    await engine.aclose()
    assert not tmp.exists()
    assert not settings.paths.db.exists()  # the real store was never touched


async def test_background_loop_keeps_the_callers_loop_free() -> None:
    bg = BackgroundLoop()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def blocking_work() -> str:
        time.sleep(0.3)  # like a big parse or a long SQLite write
        return threading.current_thread().name

    task = asyncio.create_task(ticker())
    name = await bg.run(blocking_work())
    task.cancel()
    assert name == "oddsmon-engine"
    assert ticks >= 10  # the caller's loop kept running meanwhile
    bg.close()


async def test_cancelling_the_waiter_cancels_the_work() -> None:
    bg = BackgroundLoop()
    started, cancelled = threading.Event(), threading.Event()

    async def long_work() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    waiter = asyncio.create_task(bg.run(long_work()))
    await asyncio.to_thread(started.wait, 5)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert await asyncio.to_thread(cancelled.wait, 5)
    bg.close()


async def test_engine_client_runs_pages_off_the_callers_loop(settings: Settings, clock: FakeClock) -> None:
    from oddsmon.engine.runtime import EngineClient

    engine = build_engine(settings, demo=True, clock=clock)
    bg = BackgroundLoop()
    service = EngineClient(engine, bg)
    seen: list[str] = []
    original = engine.service.reader.read

    async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return await original(*args, **kwargs)

    engine.service.reader.read = spy  # type: ignore[method-assign]
    with store_owned_by(engine.store, bg.thread):
        page = await service.bookmakers()
        assert page.data and seen == ["oddsmon-engine"]
        # Plain methods too: the mode is read on the engine's thread, never the caller's.
        assert (await service.mode()).offline is False
    bg.run_sync(engine.aclose())
    bg.close()


async def test_the_store_guard_catches_a_call_from_another_thread(settings: Settings, clock: FakeClock) -> None:
    """The check the owner tests rely on: a store read from the caller's thread fails it."""
    engine = build_engine(settings, demo=True, clock=clock)
    bg = BackgroundLoop()
    with pytest.raises(AssertionError, match="off the engine's thread"), \
            store_owned_by(engine.store, bg.thread), pytest.raises(AssertionError, match="MainThread"):
        engine.service.mode()
    bg.run_sync(engine.aclose())
    bg.close()


DROP_STEPS = 6
READS_PER_STEP = 40


def _alert_on_small_drops(settings: Settings) -> Settings:
    """The simulator's prices move by a few percent: alert from 1 %."""
    from dataclasses import replace

    return replace(settings, odds=replace(settings.odds, drop_alert_pct=1.0))


async def _drops_and_hits(settings: Settings, *, concurrent: bool) -> tuple[list[tuple[object, ...]], int, int]:
    """Odds recorded as the simulator's prices move, with the UI's calls interleaved: every
    drop alert taken (each once), the hits counted in the store, and the cache reads made."""
    from oddsmon.engine.runtime import EngineClient
    from oddsmon.sim import SimConfig, SimTransport, Simulator

    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    settings = _alert_on_small_drops(settings)
    sim = Simulator(SimConfig(seed=3, leagues=(39, 61), daily_limit=5000, per_minute=5000,
                              full_markets=False), clock=clock)
    engine = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    bg = BackgroundLoop()
    client = EngineClient(engine, bg)
    await client.bookmakers()  # fetched once: every later read is a cache hit
    hits_before = (await client.snapshot()).cache.hits
    drops: list[tuple[object, ...]] = []
    reads = 0

    async def take() -> None:
        drops.extend((d.fixture_id, d.bookmaker_id, d.bet_id, d.outcome, d.at, d.after)
                     for d in await client.take_drop_alerts())

    async def read() -> None:
        nonlocal reads
        reads += 1
        await client.bookmakers()

    with store_owned_by(engine.store, bg.thread):
        for _ in range(DROP_STEPS):
            clock.advance(30 * 60)  # the simulator's prices move every 10 minutes
            engine_work = [client.refresh("odds"), *(read() for _ in range(READS_PER_STEP))]
            if concurrent:
                # As the app does while a page loads: the UI keeps taking alerts, flushing the
                # counters and reading the mode until the engine's work is done.
                running = asyncio.gather(*engine_work)
                while not running.done():
                    await asyncio.gather(take(), client.flush_counters(), client.mode())
                await running
            else:
                for call in engine_work:
                    await call
            await take()
        await client.flush_counters()
        hits = (await client.snapshot()).cache.hits - hits_before
    bg.run_sync(engine.aclose())
    bg.close()
    return drops, hits, reads


async def test_concurrent_ui_calls_count_every_hit_and_every_drop_exactly(
        settings: Settings, tmp_path: Path) -> None:
    """Many UI-side calls at once, under a tiny switch interval (threads swapped almost every
    bytecode): the hits and the price-drop alerts are exactly those of the same calls made one
    by one. With the sync calls on the UI's thread, hits came out wrong and drops were lost."""
    from dataclasses import replace

    serial_settings = settings.with_paths(db=tmp_path / "serial" / "oddsmon.db",
                                          metrics=tmp_path / "serial" / "metrics.json",
                                          incidents=tmp_path / "serial" / "incidents.md")
    expected_drops, expected_hits, reads = await _drops_and_hits(serial_settings, concurrent=False)
    assert expected_hits == reads > 0
    assert len(expected_drops) > 20, "the simulator's prices should shorten within the window"
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        drops, hits, _ = await _drops_and_hits(replace(settings), concurrent=True)
    finally:
        sys.setswitchinterval(previous)
    assert hits == expected_hits
    assert sorted(drops, key=repr) == sorted(expected_drops, key=repr)
    assert len(drops) == len(set(drops))  # each drop reported once


async def test_drops_seen_keeps_only_the_window(settings: Settings, clock: FakeClock) -> None:
    """The memory of drops already reported is pruned to the drop window: after each poll of a
    day it holds no drop older than the window, even after a poll where nothing moved."""
    from oddsmon.sim import SimConfig, SimTransport, Simulator

    settings = _alert_on_small_drops(settings)
    sim = Simulator(SimConfig(seed=3, leagues=(39, 61), daily_limit=5000, per_minute=5000,
                              full_markets=False), clock=clock)
    engine = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    window = timedelta(minutes=engine.settings.odds.drop_window_min)
    reported = quiet = 0
    for _ in range(12):
        clock.advance(60 * 60)
        await engine.service.odds(force=True)
        taken = len(engine.service.take_drop_alerts())
        reported += taken
        quiet += taken == 0
        seen = engine.service.alerting.drops_seen
        assert all(key[4] > clock.now() - window for key in seen), clock.now()
    assert reported > len(seen) > 0
    assert quiet > 0  # the case this guards: a poll that reported nothing still prunes
    await engine.aclose()

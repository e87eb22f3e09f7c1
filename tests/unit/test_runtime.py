"""Engine wiring: demo mode on the in-process simulator, and the background loop."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Settings
from oddsmon.engine.runtime import BackgroundLoop, build_engine


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


async def test_service_on_loop_runs_pages_off_the_callers_loop(settings: Settings, clock: FakeClock) -> None:
    from oddsmon.engine.runtime import ServiceOnLoop

    engine = build_engine(settings, demo=True, clock=clock)
    bg = BackgroundLoop()
    service = ServiceOnLoop(engine.service, bg)
    seen: list[str] = []
    original = engine.service._load

    async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return await original(*args, **kwargs)

    engine.service._load = spy  # type: ignore[method-assign]
    page = await service.bookmakers()
    assert page.data and seen == ["oddsmon-engine"]
    assert service.mode().offline is False  # plain methods pass straight through
    bg.run_sync(engine.aclose())
    bg.close()

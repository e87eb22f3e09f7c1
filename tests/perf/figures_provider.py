"""Issue 11's figures, on the simulator and a fake clock (reproducible, seconds to run):

1. the counted calls of a warm of the example config on a Free plan (100 calls a day, 10 a
   minute), with the current season allowed and with a Free plan's seasons (2021-2023);
2. the counted calls a day of normal use costs with the provider-cadence TTLs against the old
   ones (odds 600 s, fixtures 900 s, predictions 6 h, one season for every league);
3. the reset time oddsmon learns in a simulated day whose quota resets at 03:30 UTC.

Run: ``.venv/bin/python -m tests.perf.figures_provider``. "Normal use" is an analyst with the
TUI open 08:00-22:00 UTC who looks at each of the four pages every 15 minutes, after a warm at
08:00, on the example config's leagues and window.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oddsmon.clock import FakeClock
from oddsmon.config import CacheSettings, Secret, Settings, load_file
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import SimConfig, SimTransport, Simulator

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # a Saturday: matches all afternoon
OLD_CACHE = CacheSettings(fixtures_ttl_s=900, fixtures_live_ttl_s=900, predictions_ttl_s=6 * 3600,
                          odds_ttl_s=600, bookmakers_ttl_s=86400, leagues_ttl_s=86400)


def example(directory: Path) -> Settings:
    return load_file(ROOT / "oddsmon.toml").with_paths(
        db=directory / "oddsmon.db", metrics=directory / "m.json", incidents=directory / "j.md")


def engine(settings: Settings, sim: Simulator, clock: FakeClock) -> Any:
    return build_engine(settings, clock=clock, key=Secret("figures-key"), transport=SimTransport(sim))


async def free_plan_warm(plan_seasons: tuple[int, int] | None) -> tuple[int, str]:
    clock = FakeClock(DAY)
    with tempfile.TemporaryDirectory() as tmp:
        settings = example(Path(tmp))
        sim = Simulator(SimConfig(leagues=settings.watch.leagues, daily_limit=100, per_minute=10,
                                  plan_seasons=plan_seasons, full_markets=False), clock=clock)
        eng = engine(settings, sim, clock)
        try:
            report = await eng.service.warm()
        finally:
            await eng.aclose()
    return sim.stats()["counted_total"], report.summary


async def a_day_of_use(cache: CacheSettings | None, one_season: bool) -> int:
    clock = FakeClock(DAY)
    with tempfile.TemporaryDirectory() as tmp:
        settings = example(Path(tmp))
        sim = Simulator(SimConfig(leagues=settings.watch.leagues, daily_limit=10**6, per_minute=10**6,
                                  full_markets=False), clock=clock)
        if cache is not None:
            settings = replace(settings, cache=cache)
        if one_season:
            settings = replace(settings, watch=replace(settings.watch, season=sim.data.season))
        eng = engine(settings, sim, clock)
        try:
            await eng.service.warm()
            end = DAY.replace(hour=22)
            while clock.now() < end:
                clock.advance(15 * 60)
                await eng.service.dashboard()
                await eng.service.odds()
                await eng.service.predictions()
                await eng.service.bookmakers()
                await eng.service.supervise()
        finally:
            await eng.aclose()
    return sim.stats()["counted_total"]


async def learned_reset() -> tuple[str, str]:
    clock = FakeClock(datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        settings = example(Path(tmp))
        sim = Simulator(SimConfig(leagues=settings.watch.leagues, quota_reset_s=3 * 3600 + 30 * 60,
                                  full_markets=False), clock=clock)
        eng = engine(settings, sim, clock)
        try:
            sim.exhaust_quota()
            await eng.service.refresh("bookmakers")
            while eng.service.mode().offline and clock.now() < datetime(2026, 11, 25, 12, tzinfo=UTC):
                clock.advance(60)
                await eng.service.supervise(warm_on_resume=False)
            resumed = clock.now()
            basis = eng.store.ledger.quota().reset_basis
        finally:
            await eng.aclose()
    return f"{resumed:%Y-%m-%d %H:%M} UTC", basis


def main() -> None:
    allowed, summary = asyncio.run(free_plan_warm(None))
    print(f"1. warm of the example config, Free plan (100/day, 10/min), season allowed: "
          f"{allowed} counted calls ({summary})")
    refused, summary = asyncio.run(free_plan_warm((2021, 2023)))
    print(f"   same, Free plan limited to seasons 2021-2023: {refused} counted calls ({summary})")
    new = asyncio.run(a_day_of_use(None, one_season=False))
    old = asyncio.run(a_day_of_use(OLD_CACHE, one_season=True))
    print(f"2. a day of normal use (pages every 15 min, 08:00-22:00 UTC): {new} counted calls "
          f"with the new TTLs, {old} with the old ones ({old / max(1, new):.1f}x)")
    resumed, basis = asyncio.run(learned_reset())
    print(f"3. quota resetting at 03:30 UTC: outage ended {resumed}; learned reset: {basis}")


if __name__ == "__main__":
    main()

"""(e) Counted calls for a warm of the example config (the repo's ``oddsmon.toml``: its leagues,
season and days ahead) against the simulator, beside a naive client that fetches per fixture:

    naive = 1 /leagues?id=L&current=true per league when the season is "auto" (the provider
            asks a season of every /fixtures by league: no client knows it for nothing)
          + 1 /odds/bookmakers + 1 /fixtures per league
          + 1 /odds?fixture=N per upcoming fixture + 1 /predictions?fixture=N per upcoming fixture

On the run's day (09:00 UTC: a matchday ahead, five fixtures a league at hand) and on a light
day (the same day at 21:00 UTC: its kickoffs played, one to three fixtures a league at hand,
where a league page of ten costs more than its fixtures one by one). Both clients are run for
real against the in-process simulator, which counts what it is charged.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.clocks import ShiftedClock

from .common import KEY, ROOT, Context, Row, bench_clock, median

# The light day: the run's day in the evening, once its kickoffs are played.
LIGHT_DAY_LATER_S = 12 * 3600


def _clock(later_s: float) -> ShiftedClock:
    return ShiftedClock(bench_clock().offset_s + later_s)


async def _oddsmon_warm(settings: Any, later_s: float) -> tuple[int, int]:
    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import SimConfig, SimTransport, Simulator

    clock = _clock(later_s)
    sim = Simulator(SimConfig(leagues=settings.watch.leagues, season=settings.watch.one_season,
                              daily_limit=10**6, per_minute=10**6), clock=clock)
    eng = build_engine(settings, clock=clock, key=Secret(KEY), transport=SimTransport(sim))
    try:
        report = await eng.service.warm()
        assert report.stopped is None, report.stopped
        again = await eng.service.warm()  # a second warm right after: nothing is stale
    finally:
        await eng.aclose()
    assert report.counted_calls == sim.stats()["counted_total"] - again.counted_calls
    return sim.stats()["counted_total"] - again.counted_calls, again.counted_calls


async def _naive(settings: Any, later_s: float) -> int:
    """What a client without league-level odds or a cache spends for the same pages."""
    from oddsmon.sim import SimConfig, Simulator

    clock = _clock(later_s)
    sim = Simulator(SimConfig(leagues=settings.watch.leagues, season=settings.watch.one_season,
                              daily_limit=10**6, per_minute=10**6), clock=clock)
    today = clock.now().date()
    window = {"from": today.isoformat(),
              "to": (today + timedelta(days=settings.watch.days_ahead)).isoformat()}
    async with sim.async_client(api_key=KEY) as client:
        (await client.get("/odds/bookmakers")).raise_for_status()
        upcoming: list[int] = []
        for league in settings.watch.leagues:
            season = settings.watch.fixed_season(league)
            if season is None:  # "auto": the league's current season, as oddsmon asks it
                found = (await client.get("/leagues", params={"id": league, "current": "true"})).json()
                season = found["response"][0]["seasons"][-1]["year"]
            reply = await client.get("/fixtures", params={"league": league, "season": season, **window})
            upcoming += [f["fixture"]["id"] for f in reply.json()["response"]
                         if f["fixture"]["status"]["short"] in ("NS", "TBD")]
        for fid in upcoming:
            await client.get("/odds", params={"fixture": fid})
            await client.get("/predictions", params={"fixture": fid})
    return sim.stats()["counted_total"]


def run(ctx: Context) -> list[Row]:
    from oddsmon.config import load_file

    from .common import settings_in

    example = load_file(ROOT / "oddsmon.toml")
    runs = ctx.runs(3)
    leagues = len(example.watch.leagues)
    rows = []
    for later_s, day in ((0.0, ""), (LIGHT_DAY_LATER_S, ", a light day (21:00 UTC)")):
        ours, naive, second = [], [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory(dir=ctx.tmp) as tmp:
                settings = settings_in(Path(tmp), leagues=example.watch.leagues,
                                       days_ahead=example.watch.days_ahead, base=example)
                calls, again = asyncio.run(_oddsmon_warm(_keep_ttls(settings, example), later_s))
                ours.append(calls)
                second.append(again)
                naive.append(asyncio.run(_naive(example, later_s)))
        rows += [
            Row("e", f"counted calls, warm of the example config ({leagues} leagues, "
                     f"{example.watch.days_ahead} days){day}", median(ours), "calls",
                "naive client, per fixture", median(naive), target="<= 1.0x",
                met=median(ours) <= median(naive), runs=runs,
                note="naive = seasons (auto) + 1 bookmakers + 1 fixtures/league + per upcoming "
                     "fixture: 1 odds + 1 prediction"),
            Row("e", f"counted calls, a second warm right after{day}", median(second), "calls",
                "naive client, per fixture", median(naive), target="0", met=median(second) == 0, runs=runs),
        ]
    return rows


def _keep_ttls(settings: Any, example: Any) -> Any:
    """The example's own TTLs (the long ones of the other benchmarks would change nothing here,
    but the warm should run on exactly the example config)."""
    from dataclasses import replace

    return replace(settings, cache=example.cache)

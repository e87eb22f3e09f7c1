#!/usr/bin/env python3
"""What a day of ``oddsmon --collect`` costs with the example config, measured on the simulator.

Runs the collector's own loop over one UTC day (00:00 -> 24:00) on a fake clock (no waiting)
against the bundled simulator on the Free plan (100 calls a day, 10 a minute), with the example
``oddsmon.toml`` (three leagues, reserve 10, so a budget of 45), and prints: the counted calls by
kind, the reserve's margin, the fixtures that kicked off and the closing prices captured for
them (and how long before kickoff they were observed), and the in-play polls.

    python scripts/simulate_collect_day.py [--limit 100] [--days 1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oddsmon.clock import FakeClock  # noqa: E402
from oddsmon.collect.runner import Collector  # noqa: E402
from oddsmon.config import Secret, load_file  # noqa: E402
from oddsmon.engine.runtime import build_engine  # noqa: E402
from oddsmon.sim import SimConfig, SimTransport, Simulator  # noqa: E402

START = datetime(2026, 11, 24, tzinfo=UTC)


async def simulate(limit: int, days: int) -> None:
    clock = FakeClock(START)
    tmp = Path(tempfile.mkdtemp(prefix="oddsmon-day-"))
    settings = load_file(ROOT / "oddsmon.toml").with_paths(
        db=tmp / "oddsmon.db", metrics=tmp / "metrics.json", incidents=tmp / "incidents.md")
    leagues = settings.watch.leagues
    sim = Simulator(SimConfig(leagues=leagues, daily_limit=limit, per_minute=10), clock=clock)
    engine = build_engine(settings, clock=clock, key=Secret("simulated-key"), transport=SimTransport(sim))
    collector = Collector(engine.service)
    lowest: dict[str, int] = {}
    end = START + timedelta(days=days)
    try:
        while clock.now() < end:
            await collector.cycle()
            left = sim.stats()["quota"]["remaining"]
            day = clock.now().date().isoformat()
            lowest[day] = min(lowest.get(day, limit), left)
            await clock.sleep(settings.collect.interval_s)
        store = engine.store
        print(f"example config: leagues {list(leagues)}, plan {limit}/day, reserve "
              f"{settings.api.daily_reserve}, interval {settings.collect.interval_s} s")
        for d in range(days):
            day = (START + timedelta(days=d)).date()
            spend = store.collector.spend(day)
            budget, _ = collector.budget()
            print(f"\n{day}: {sum(spend.values())} counted calls (budget {budget}); by kind: "
                  + ", ".join(f"{k} {n}" for k, n in sorted(spend.items(), key=lambda kv: -kv[1])))
            print(f"  fewest calls left at the provider: {lowest.get(day.isoformat())} "
                  f"(reserve {settings.api.daily_reserve})")
            started = [fx for fx in sim.data.fixtures if fx.league.id in leagues
                       and START + timedelta(days=d) <= datetime.fromtimestamp(fx.kickoff, UTC)
                       < START + timedelta(days=d + 1)]
            ids = [fx.id for fx in started]
            seen = store.history.closing_seen(ids)
            closes = store.history.closing(ids)
            captured = [fid for fid in ids if seen.get(fid, (None, None))[1] is not None]
            within = [fid for fid in captured
                      if seen[fid][0] - seen[fid][1] <= timedelta(hours=1)]  # type: ignore[operator]
            print(f"  fixtures that kicked off: {len(started)}; closing prices captured for "
                  f"{len(captured)} ({len(within)} within the last hour), "
                  f"{sum(1 for k in closes if k[0] in ids)} closing prices in all "
                  f"({sum(1 for k in closes if k[0] in ids and k[2] == 1)} Match Winner)")
            for fid in ids:
                kickoff, last = seen.get(fid, (None, None))
                before = "not captured" if last is None or kickoff is None else \
                    f"observed {int((kickoff - last).total_seconds() // 60)} min before kickoff"
                print(f"    fixture {fid} kickoff {datetime.fromtimestamp(sim.data.by_id[fid].kickoff, UTC):%H:%M}"
                      f" UTC: {before}")
        print(f"\nin-play price rows recorded: {store.live.count()}; "
              f"/odds/live calls: {sim.stats()['counted_by_endpoint'].get('/odds/live', 0)}")
    finally:
        await engine.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100, help="the plan's daily limit (Free: 100)")
    parser.add_argument("--days", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(simulate(args.limit, args.days))


if __name__ == "__main__":
    main()
